using System.Numerics;
using System.Runtime.InteropServices;

namespace Engram.Features.Completion;

public sealed partial class WordCompletionModel
{
    /// <summary>
    /// The n-gram counts: for every context (1–3 preceding token ids packed into a non-zero 63-bit key) the words
    /// that followed it and how often. One open-addressing table of 12-byte slots (key, value), linear probing,
    /// backward-shift deletion; no object per context.
    /// </summary>
    /// <remarks>
    /// <para>A slot's value (also the handle queries use; 0 = no such context) is either a single follower packed as
    /// word id (bits 0–20) and count (bits 21–30, at most <see cref="MaxSingleCount"/>), which covers most contexts,
    /// or the bitwise complement of an index into a pool of follower lists. A list is one <c>int[]</c>: total,
    /// distinct (words with a non-zero count), used entries, then (word, count) pairs; up to
    /// <see cref="SmallPairs"/> pairs scanned linearly, beyond that an open-addressing table by word whose
    /// zero-count entries stay until it grows (a word removed and added again finds its entry).</para>
    /// <para>Lists with more than <see cref="SortThreshold"/> distinct words keep their words sorted by count for
    /// queries (built lazily by readers, invalidated after many changes, changed words tracked meanwhile).
    /// Mutated only under the model's write lock; readers only read, except for the sorted caches.</para>
    /// </remarks>
    private sealed class ContextTable
    {
        private const int WordBits = 21;
        private const int WordMask = (1 << WordBits) - 1;
        private const int MaxSingleCount = (1 << 10) - 1;
        private const int SmallPairs = 8;
        private const int SortThreshold = 64;
        private const int Header = 3;

        private Slot[] _slots = new Slot[1024];
        private int _count;
        private int[][] _lists = new int[64][];
        private SortCache?[] _caches = new SortCache?[64];
        private readonly Stack<int> _freeLists = new();
        private int _listCount;

        /// <summary>The handle of a context (0 when unknown).</summary>
        public int Get(ulong key)
        {
            var slots = _slots;
            var i = Home(key, slots.Length);
            while (true)
            {
                var slotKey = slots[i].Key;
                if (slotKey == key)
                {
                    return slots[i].Value;
                }

                if (slotKey == 0)
                {
                    return 0;
                }

                i = i + 1 == slots.Length ? 0 : i + 1;
            }
        }

        public long Total(int handle) => handle >= 0 ? handle >>> WordBits : _lists[~handle][0];

        public int Distinct(int handle) => handle >= 0 ? 1 : _lists[~handle][1];

        public int Count(int handle, int word)
        {
            if (handle >= 0)
            {
                return (handle & WordMask) == word ? handle >>> WordBits : 0;
            }

            var list = _lists[~handle];
            var at = Find(list, word);
            return at < 0 ? 0 : list[at + 1];
        }

        /// <summary>Adds the (at most) <paramref name="max"/> most frequent words that match to <paramref name="into"/>.</summary>
        /// <remarks>Called under the model's read lock: several readers may build the cache at once (same result).</remarks>
        public void AddTopWords(int handle, Func<int, bool> match, int max, int[] ranks, HashSet<int> into)
        {
            if (handle >= 0)
            {
                if (match(handle & WordMask))
                {
                    into.Add(handle & WordMask);
                }

                return;
            }

            var index = ~handle;
            var list = _lists[index];
            if (list[1] <= SortThreshold)
            {
                for (var at = Header; at < list.Length; at += 2)
                {
                    if (list[at] != 0 && list[at + 1] != 0 && match(list[at]))
                    {
                        into.Add(list[at]);
                    }
                }

                return;
            }

            var cache = Volatile.Read(ref _caches[index]);
            if (cache is null)
            {
                // By descending count, then vocabulary order (the final tie-break): one long key per word sorts fast.
                // New words later shift ranks but never the relative order of these, so the cache stays valid.
                var keys = new long[list[1]];
                var sorted = new int[list[1]];
                var n = 0;
                for (var at = Header; at < list.Length; at += 2)
                {
                    if (list[at] != 0 && list[at + 1] != 0)
                    {
                        keys[n] = ((long)(int.MaxValue - list[at + 1]) << 32) | (uint)ranks[list[at]];
                        sorted[n++] = list[at];
                    }
                }

                Array.Sort(keys, sorted);
                cache = new SortCache(sorted);
                Volatile.Write(ref _caches[index], cache);
            }

            // Words changed since the sort may sit anywhere: all of them are candidates, and the rest keep their order.
            var dirty = cache.Dirty;
            var found = 0;
            foreach (var word in cache.ByCount)
            {
                if (dirty?.Contains(word) != true && match(word))
                {
                    into.Add(word);
                    if (++found == max)
                    {
                        break;
                    }
                }
            }

            if (dirty is not null)
            {
                foreach (var word in dirty)
                {
                    if (Count(handle, word) > 0 && match(word))
                    {
                        into.Add(word);
                    }
                }
            }
        }

        /// <summary>Adds <paramref name="sign"/> (±1) to the count of <paramref name="word"/> after the context.</summary>
        public void Add(ulong key, int word, int sign)
        {
            var i = FindSlot(key);
            if (_slots[i].Key == 0)
            {
                if (sign < 0)
                {
                    throw new InvalidOperationException("Subtracting a count that was never added.");
                }

                if ((_count + 1) * 5L > _slots.Length * 4L)
                {
                    Grow();
                    i = FindSlot(key);
                }

                _slots[i] = new Slot { Key = key, Value = Single(word, 1) };
                _count++;
                return;
            }

            ref var value = ref _slots[i].Value;
            if (value >= 0)
            {
                var single = value & WordMask;
                var count = value >>> WordBits;
                if (single == word)
                {
                    count += sign;
                    if (count == 0)
                    {
                        RemoveAt(i);
                    }
                    else if (count <= MaxSingleCount)
                    {
                        value = Single(word, count);
                    }
                    else
                    {
                        value = ~NewList(word, count, 0, 0);
                    }

                    return;
                }

                if (sign < 0)
                {
                    throw new InvalidOperationException("Subtracting a count that was never added.");
                }

                value = ~NewList(single, count, word, 1);
                return;
            }

            var index = ~value;
            ListAdd(index, word, sign);
            if (_lists[index][0] == 0)
            {
                _lists[index] = null!;
                _caches[index] = null;
                _freeLists.Push(index);
                RemoveAt(i);
            }
        }

        private static int Single(int word, int count) => (count << WordBits) | word;

        private static int Home(ulong key, int length) => (int)(((key * 0x9E3779B97F4A7C15UL) >> 32) * (ulong)length >> 32);

        // The slot holding the key, or the empty slot where it would go.
        private int FindSlot(ulong key)
        {
            var i = Home(key, _slots.Length);
            while (_slots[i].Key != key && _slots[i].Key != 0)
            {
                i = i + 1 == _slots.Length ? 0 : i + 1;
            }

            return i;
        }

        private void Grow()
        {
            var old = _slots;
            _slots = new Slot[old.Length + (old.Length >> 1)];
            foreach (var slot in old)
            {
                if (slot.Key != 0)
                {
                    _slots[FindSlot(slot.Key)] = slot;
                }
            }
        }

        private void RemoveAt(int i)
        {
            var slots = _slots;
            var j = i;
            while (true)
            {
                j = j + 1 == slots.Length ? 0 : j + 1;
                if (slots[j].Key == 0)
                {
                    break;
                }

                // The entry at j may move into the hole at i unless its home lies cyclically in (i, j].
                var home = Home(slots[j].Key, slots.Length);
                var stays = i <= j ? home > i && home <= j : home > i || home <= j;
                if (!stays)
                {
                    slots[i] = slots[j];
                    i = j;
                }
            }

            slots[i] = default;
            _count--;
        }

        private int NewList(int word1, int count1, int word2, int count2)
        {
            var list = new int[Header + 2 * 2];
            list[0] = count1 + count2;
            list[1] = word2 == 0 ? 1 : 2;
            list[2] = list[1];
            list[Header] = word1;
            list[Header + 1] = count1;
            list[Header + 2] = word2;
            list[Header + 3] = count2;
            int index;
            if (_freeLists.Count > 0)
            {
                index = _freeLists.Pop();
            }
            else
            {
                if (_listCount == _lists.Length)
                {
                    Array.Resize(ref _lists, _lists.Length * 2);
                    Array.Resize(ref _caches, _caches.Length * 2);
                }

                index = _listCount++;
            }

            _lists[index] = list;
            return index;
        }

        private void ListAdd(int index, int word, int sign)
        {
            // Invariant: a cache's Dirty is written only here, under the write lock (readers never write it).
            if (_caches[index] is { } cache)
            {
                cache.Dirty ??= [];
                cache.Dirty.Add(word);
                if (cache.Dirty.Count > Math.Max(16, cache.ByCount.Length / 8))
                {
                    _caches[index] = null;
                }
            }

            var list = _lists[index];
            list[0] += sign;
            var at = Find(list, word);
            if (at >= 0)
            {
                var before = list[at + 1];
                list[at + 1] += sign;
                if (before == 0)
                {
                    list[1]++;
                }
                else if (list[at + 1] == 0)
                {
                    list[1]--;
                    if (IsSmall(list))
                    {
                        // Small lists stay dense: the last pair fills the gap.
                        var last = Header + 2 * (list[2] - 1);
                        list[at] = list[last];
                        list[at + 1] = list[last + 1];
                        list[last] = 0;
                        list[last + 1] = 0;
                        list[2]--;
                    }
                }

                return;
            }

            if (sign < 0)
            {
                throw new InvalidOperationException("Subtracting a count that was never added.");
            }

            var capacity = (list.Length - Header) / 2;
            if (IsSmall(list))
            {
                if (list[2] < capacity)
                {
                    list[Header + 2 * list[2]] = word;
                    list[Header + 2 * list[2] + 1] = 1;
                    list[1]++;
                    list[2]++;
                    return;
                }

                if (capacity < SmallPairs)
                {
                    Array.Resize(ref list, Header + 2 * capacity * 2);
                    _lists[index] = list;
                    list[Header + 2 * list[2]] = word;
                    list[Header + 2 * list[2] + 1] = 1;
                    list[1]++;
                    list[2]++;
                    return;
                }
            }
            else if ((list[2] + 1) * 4L <= capacity * 3L)
            {
                var slot = HashSlot(list, word);
                list[slot] = word;
                list[slot + 1] = 1;
                list[1]++;
                list[2]++;
                return;
            }

            // Rehash into a table at most half full, dropping zero-count entries.
            var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(2 * SmallPairs, 2 * (list[1] + 1)));
            var grown = new int[Header + 2 * size];
            grown[0] = list[0];
            grown[1] = list[1] + 1;
            grown[2] = list[1] + 1;
            for (var old = Header; old < list.Length; old += 2)
            {
                if (list[old] != 0 && list[old + 1] != 0)
                {
                    var slot = HashSlot(grown, list[old]);
                    grown[slot] = list[old];
                    grown[slot + 1] = list[old + 1];
                }
            }

            var target = HashSlot(grown, word);
            grown[target] = word;
            grown[target + 1] = 1;
            _lists[index] = grown;
        }

        private static bool IsSmall(int[] list) => list.Length <= Header + 2 * SmallPairs;

        // Index of the word's pair in the list, or −1.
        private static int Find(int[] list, int word)
        {
            if (IsSmall(list))
            {
                var end = Header + 2 * list[2];
                for (var at = Header; at < end; at += 2)
                {
                    if (list[at] == word)
                    {
                        return at;
                    }
                }

                return -1;
            }

            var slot = HashSlot(list, word);
            return list[slot] == word ? slot : -1;
        }

        // In a hashed list: the pair holding the word, or the empty pair where it would go.
        private static int HashSlot(int[] list, int word)
        {
            var size = (list.Length - Header) / 2;
            var shift = 32 - BitOperations.Log2((uint)size);
            var i = (int)(((uint)word * 0x9E3779B1u) >> shift);
            while (true)
            {
                var at = Header + 2 * i;
                if (list[at] == word || list[at] == 0)
                {
                    return at;
                }

                i = (i + 1) & (size - 1);
            }
        }

        [StructLayout(LayoutKind.Sequential, Pack = 4)]
        private struct Slot
        {
            public ulong Key;
            public int Value;
        }

        private sealed class SortCache(int[] byCount)
        {
            public int[] ByCount { get; } = byCount;

            public HashSet<int>? Dirty { get; set; }
        }
    }
}
