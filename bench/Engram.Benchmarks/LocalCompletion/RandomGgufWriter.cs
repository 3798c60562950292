using System.Text;

namespace Engram.Benchmarks.LocalCompletion;

/// <summary>
/// Writes a GGUF v3 file with random Q4_0 weights in the shape of Qwen2.5-0.5B (hidden 896, 24 layers, 14 heads,
/// 2 KV heads, FFN 4864, vocab 151936), declared as architecture "llama" with an SPM-style vocabulary so llama.cpp
/// loads it without qwen2's attention biases. The output projection is tied to the token embeddings.
/// </summary>
internal static class RandomGgufWriter
{
    public const int Hidden = 896;
    public const int Layers = 24;
    public const int Heads = 14;
    public const int KvHeads = 2;
    public const int FeedForward = 4864;
    public const int ContextLength = 32768;
    public const int VocabSize = 151936;
    private const int Alignment = 32;
    private const uint TypeF32 = 0;
    private const uint TypeQ4_0 = 2;
    private const string Letters = "abcdefghijklmnopqrstuvwxyz";
    private const string Space = "\u2581";

    private sealed record Tensor(string Name, ulong[] Dims, uint Type)
    {
        public ulong Elements => Dims.Aggregate(1UL, static (a, b) => a * b);

        public ulong Bytes => Type == TypeF32 ? Elements * 4 : Elements / 32 * 18;
    }

    /// <summary>Writes the file to <paramref name="path"/> (overwriting it).</summary>
    public static void Write(string path, int seed = 1)
    {
        var (tokens, scores, types) = BuildVocabulary();
        var tensors = BuildTensors();
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        var kv = new List<Action>();
        w.Write("GGUF"u8);
        w.Write(3u);
        w.Write((ulong)tensors.Count);
        var kvCount = 0UL;
        void Str(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            w.Write((ulong)bytes.Length);
            w.Write(bytes);
        }

        void KvString(string key, string value) { kv.Add(() => { Str(key); w.Write(8u); Str(value); }); kvCount++; }
        void KvU32(string key, uint value) { kv.Add(() => { Str(key); w.Write(4u); w.Write(value); }); kvCount++; }
        void KvF32(string key, float value) { kv.Add(() => { Str(key); w.Write(6u); w.Write(value); }); kvCount++; }
        void KvBool(string key, bool value) { kv.Add(() => { Str(key); w.Write(7u); w.Write(value); }); kvCount++; }

        KvString("general.architecture", "llama");
        KvString("general.name", "random-qwen2.5-0.5b-shape");
        KvU32("general.alignment", Alignment);
        KvU32("general.file_type", 2); // MOSTLY_Q4_0
        KvU32("llama.context_length", ContextLength);
        KvU32("llama.embedding_length", Hidden);
        KvU32("llama.feed_forward_length", FeedForward);
        KvU32("llama.attention.head_count", Heads);
        KvU32("llama.attention.head_count_kv", KvHeads);
        KvU32("llama.block_count", Layers);
        KvU32("llama.rope.dimension_count", Hidden / Heads);
        KvF32("llama.rope.freq_base", 1_000_000f);
        KvF32("llama.attention.layer_norm_rms_epsilon", 1e-6f);
        KvU32("llama.vocab_size", VocabSize);
        KvString("tokenizer.ggml.model", "llama");
        kv.Add(() => { Str("tokenizer.ggml.tokens"); w.Write(9u); w.Write(8u); w.Write((ulong)tokens.Length); foreach (var t in tokens) { Str(t); } });
        kv.Add(() => { Str("tokenizer.ggml.scores"); w.Write(9u); w.Write(6u); w.Write((ulong)scores.Length); foreach (var s in scores) { w.Write(s); } });
        kv.Add(() => { Str("tokenizer.ggml.token_type"); w.Write(9u); w.Write(5u); w.Write((ulong)types.Length); foreach (var t in types) { w.Write(t); } });
        kvCount += 3;
        KvU32("tokenizer.ggml.unknown_token_id", 0);
        KvU32("tokenizer.ggml.bos_token_id", 1);
        KvU32("tokenizer.ggml.eos_token_id", 2);
        KvBool("tokenizer.ggml.add_bos_token", true);
        KvBool("tokenizer.ggml.add_eos_token", false);

        w.Write(kvCount);
        foreach (var write in kv)
        {
            write();
        }

        var offset = 0UL;
        foreach (var tensor in tensors)
        {
            Str(tensor.Name);
            w.Write((uint)tensor.Dims.Length);
            foreach (var d in tensor.Dims)
            {
                w.Write(d);
            }

            w.Write(tensor.Type);
            w.Write(offset);
            offset = Align(offset + tensor.Bytes);
        }

        w.Flush();
        Pad(stream);
        var random = new Random(seed);
        var scale = BitConverter.HalfToUInt16Bits((Half)0.0045f); // nibble-8 has std ~4.6, so weights have std ~0.02
        var buffer = new byte[18 * 32 * 1024];
        foreach (var tensor in tensors)
        {
            if (tensor.Type == TypeF32)
            {
                var ones = new byte[tensor.Bytes];
                for (var i = 0; i < ones.Length; i += 4)
                {
                    BitConverter.TryWriteBytes(ones.AsSpan(i), 1f);
                }

                stream.Write(ones);
            }
            else
            {
                var remaining = tensor.Bytes;
                while (remaining > 0)
                {
                    var n = (int)Math.Min((ulong)buffer.Length, remaining);
                    random.NextBytes(buffer.AsSpan(0, n));
                    for (var b = 0; b < n; b += 18)
                    {
                        BitConverter.TryWriteBytes(buffer.AsSpan(b), scale);
                    }

                    stream.Write(buffer, 0, n);
                    remaining -= (ulong)n;
                }
            }

            Pad(stream);
        }
    }

    private static ulong Align(ulong value) => (value + Alignment - 1) / Alignment * Alignment;

    private static void Pad(Stream stream)
    {
        var padding = (int)(Align((ulong)stream.Position) - (ulong)stream.Position);
        stream.Write(new byte[padding]);
    }

    private static List<Tensor> BuildTensors()
    {
        var kvDim = (ulong)(Hidden / Heads * KvHeads);
        var list = new List<Tensor>
        {
            new("token_embd.weight", [Hidden, VocabSize], TypeQ4_0),
            new("output_norm.weight", [Hidden], TypeF32),
        };
        for (var i = 0; i < Layers; i++)
        {
            list.Add(new($"blk.{i}.attn_norm.weight", [Hidden], TypeF32));
            list.Add(new($"blk.{i}.attn_q.weight", [Hidden, Hidden], TypeQ4_0));
            list.Add(new($"blk.{i}.attn_k.weight", [Hidden, kvDim], TypeQ4_0));
            list.Add(new($"blk.{i}.attn_v.weight", [Hidden, kvDim], TypeQ4_0));
            list.Add(new($"blk.{i}.attn_output.weight", [Hidden, Hidden], TypeQ4_0));
            list.Add(new($"blk.{i}.ffn_norm.weight", [Hidden], TypeF32));
            list.Add(new($"blk.{i}.ffn_gate.weight", [Hidden, FeedForward], TypeQ4_0));
            list.Add(new($"blk.{i}.ffn_up.weight", [Hidden, FeedForward], TypeQ4_0));
            list.Add(new($"blk.{i}.ffn_down.weight", [FeedForward, Hidden], TypeQ4_0));
        }

        return list;
    }

    /// <summary>
    /// &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, the 256 byte tokens, then letter pieces (▁x, xy, ▁xy, xyz, ▁xy z, ▁xyz) so every
    /// three-letter word with its leading space is one token, then unreachable filler pieces up to the vocabulary size.
    /// </summary>
    private static (string[] Tokens, float[] Scores, int[] Types) BuildVocabulary()
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        var types = new List<int> { 2, 3, 3 };
        var scores = new List<float> { 0, 0, 0 };
        for (var b = 0; b < 256; b++)
        {
            tokens.Add($"<0x{b:X2}>");
            types.Add(6);
            scores.Add(0);
        }

        void Piece(string text)
        {
            tokens.Add(text);
            types.Add(1);
            scores.Add(-(float)tokens.Count / 1000f + text.Length * 100f); // longer pieces win the SPM merges
        }

        Piece(Space);
        foreach (var a in Letters)
        {
            Piece($"{a}");
            Piece($"{Space}{a}");
        }

        foreach (var a in Letters)
        {
            foreach (var b in Letters)
            {
                Piece($"{a}{b}");
                Piece($"{Space}{a}{b}");
            }
        }

        foreach (var a in Letters)
        {
            foreach (var b in Letters)
            {
                foreach (var c in Letters)
                {
                    Piece($"{a}{b}{c}");
                    Piece($"{Space}{a}{b}{c}");
                }
            }
        }

        for (var i = tokens.Count; i < VocabSize; i++)
        {
            tokens.Add($"[filler{i}]");
            types.Add(1);
            scores.Add(-1_000_000f);
        }

        return ([.. tokens], [.. scores], [.. types]);
    }
}
