using System.Collections.Concurrent;
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
    /// or the bitwise complement of an index into a pool of follower lists, each one <c>int[]</c>. A small list
    /// (at most <see cref="SmallPairs"/> words) is just its (word, count) pairs, those with a non-zero count first,
    /// scanned linearly; a large one is total, distinct (words with a non-zero count), used pairs, then an
    /// open-addressing table of (word, count) pairs whose zero-count pairs stay until it grows (a word removed and
    /// added again finds its pair).</para>
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
        private const int MinLargePairs = SmallPairs + 2;

        private Slot[] _slots = new Slot[1024];
        private int _count;
        private int[][] _lists = new int[64][];
        private readonly ConcurrentDictionary<int, SortCache> _caches = new();
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

        public long Total(int handle)
        {
            if (handle >= 0)
            {
                return handle >>> WordBits;
            }

            var list = _lists[~handle];
            if (!IsSmall(list))
            {
                return list[0];
            }

            var total = 0L;
            for (var at = 1; at < list.Length; at += 2)
            {
                total += list[at];
            }

            return total;
        }

        public int Distinct(int handle)
        {
            if (handle >= 0)
            {
                return 1;
            }

            var list = _lists[~handle];
            return IsSmall(list) ? SmallDistinct(list) : list[1];
        }

        private static int SmallDistinct(int[] list)
        {
            var n = 0;
            while (2 * n < list.Length && list[2 * n + 1] != 0)
            {
                n++;
            }

            return n;
        }

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
            if (IsSmall(list) || list[1] <= SortThreshold)
            {
                for (var at = IsSmall(list) ? 0 : Header; at < list.Length; at += 2)
                {
                    if (list[at] != 0 && list[at + 1] != 0 && match(list[at]))
                    {
                        into.Add(list[at]);
                    }
                }

                return;
            }

            if (!_caches.TryGetValue(index, out var cache))
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
                _caches[index] = cache;
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
            if (ListAdd(index, word, sign))
            {
                _lists[index] = null!;
                _caches.TryRemove(index, out _);
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
            int[] list = word2 == 0 ? [word1, count1] : [word1, count1, word2, count2];
            int index;
            if (_freeLists.Count > 0)
            {
                index = _freeLists.Pop();
            }
            else
            {
                if (_listCount == _lists.Length)
                {
                    Array.Resize(ref _lists, _lists.Length + (_lists.Length >> 1));
                }

                index = _listCount++;
            }

            _lists[index] = list;
            return index;
        }

        // Adds sign to the word's count in list `index`; true when the list is left empty.
        private bool ListAdd(int index, int word, int sign)
        {
            // Invariant: a cache's Dirty is written only here, under the write lock (readers never write it).
            if (_caches.TryGetValue(index, out var cache))
            {
                cache.Dirty ??= [];
                cache.Dirty.Add(word);
                if (cache.Dirty.Count > Math.Max(16, cache.ByCount.Length / 8))
                {
                    _caches.TryRemove(index, out _);
                }
            }

            var list = _lists[index];
            var at = Find(list, word);
            if (IsSmall(list))
            {
                if (at >= 0)
                {
                    var last = 2 * (SmallDistinct(list) - 1);
                    list[at + 1] += sign;
                    if (list[at + 1] == 0)
                    {
                        // Small lists stay dense: the last pair with a count fills the gap.
                        if (last > at)
                        {
                            list[at] = list[last];
                            list[at + 1] = list[last + 1];
                        }

                        list[last] = 0;
                        list[last + 1] = 0;
                    }

                    return list[1] == 0;
                }

                Require(sign);
                var distinct = SmallDistinct(list);
                if (2 * distinct < list.Length || distinct < SmallPairs)
                {
                    if (2 * distinct == list.Length)
                    {
                        Array.Resize(ref list, list.Length + 2);
                        _lists[index] = list;
                    }

                    list[2 * distinct] = word;
                    list[2 * distinct + 1] = 1;
                    return false;
                }

                Rehash(index, list, 0, distinct, word);
                return false;
            }

            list[0] += sign;
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
                }

                return list[0] == 0;
            }

            Require(sign);
            var size = (list.Length - Header) / 2;
            if ((list[2] + 1) * 20L <= size * 17L)
            {
                var slot = HashSlot(list, word);
                list[slot] = word;
                list[slot + 1] = 1;
                list[1]++;
                list[2]++;
                return false;
            }

            Rehash(index, list, Header, list[1], word);
            return false;
        }

        // Moves the pairs with a count (from `start` on) and the new word (count 1) into a large list about 2/3 full.
        private void Rehash(int index, int[] list, int start, int distinct, int word)
        {
            var size = Math.Max(MinLargePairs, (distinct + 1) * 3 / 2);
            var grown = new int[Header + 2 * size];
            grown[1] = distinct + 1;
            grown[2] = distinct + 1;
            var total = 1L;
            for (var old = start; old < list.Length; old += 2)
            {
                if (list[old] != 0 && list[old + 1] != 0)
                {
                    var slot = HashSlot(grown, list[old]);
                    grown[slot] = list[old];
                    grown[slot + 1] = list[old + 1];
                    total += list[old + 1];
                }
            }

            var target = HashSlot(grown, word);
            grown[target] = word;
            grown[target + 1] = 1;
            grown[0] = checked((int)total);
            _lists[index] = grown;
        }

        private static void Require(int sign)
        {
            if (sign < 0)
            {
                throw new InvalidOperationException("Subtracting a count that was never added.");
            }
        }

        private static bool IsSmall(int[] list) => list.Length <= 2 * SmallPairs;

        // Index of the word's pair in the list, or −1.
        private static int Find(int[] list, int word)
        {
            if (IsSmall(list))
            {
                for (var at = 0; at < list.Length && list[at + 1] != 0; at += 2)
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

        // In a large list: the pair holding the word, or the empty pair where it would go.
        private static int HashSlot(int[] list, int word)
        {
            var size = (list.Length - Header) / 2;
            var i = (int)((((uint)word * 0x9E3779B1u) * (ulong)size) >> 32);
            while (true)
            {
                var at = Header + 2 * i;
                if (list[at] == word || list[at] == 0)
                {
                    return at;
                }

                i = i + 1 == size ? 0 : i + 1;
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
