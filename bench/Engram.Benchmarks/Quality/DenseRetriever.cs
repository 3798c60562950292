using System.Numerics;

namespace Engram.Benchmarks.Quality;

/// <summary>Brute-force cosine search over unit vectors (a dot product per chunk).</summary>
/// <remarks>Immutable after construction; searching is thread-safe.</remarks>
internal sealed class DenseRetriever
{
    private readonly float[] _matrix;
    private readonly int _dimensions;
    private readonly int _count;

    /// <summary>Copies <paramref name="vectors"/> (all of one length, L2-normalised) into one row-major matrix.</summary>
    public DenseRetriever(IReadOnlyList<float[]> vectors)
    {
        _count = vectors.Count;
        _dimensions = _count == 0 ? 0 : vectors[0].Length;
        _matrix = new float[_count * _dimensions];
        for (var i = 0; i < _count; i++)
        {
            vectors[i].CopyTo(_matrix, i * _dimensions);
        }
    }

    /// <summary>Returns up to <paramref name="top"/> (index, cosine) pairs by descending cosine.</summary>
    public IReadOnlyList<(int Index, float Score)> Search(float[] query, int top)
    {
        var heap = new PriorityQueue<int, float>(top + 1);
        for (var i = 0; i < _count; i++)
        {
            var score = Dot(query, _matrix.AsSpan(i * _dimensions, _dimensions));
            if (heap.Count < top)
            {
                heap.Enqueue(i, score);
            }
            else if (heap.TryPeek(out _, out var lowest) && score > lowest)
            {
                heap.EnqueueDequeue(i, score);
            }
        }

        var result = new (int Index, float Score)[heap.Count];
        for (var k = result.Length - 1; k >= 0; k--)
        {
            heap.TryDequeue(out var index, out var score);
            result[k] = (index, score);
        }

        return result;
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var i = 0;
        for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            sum += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
        }

        var total = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }
}
