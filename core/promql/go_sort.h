// Go's sort.Sort, sort.Search and container/heap, step for step, for the evaluator.
//
// Why not std::sort: Prometheus 2.42 (built with Go 1.19) orders with sort.Sort, which is a
// pattern-defeating quicksort and not stable. Which of two equal values comes first in
// sort(), sort_desc(), topk() and bottomk(), and where NaN lands (its Less is not a strict
// weak order: NaN is "less" than everything, including NaN), depends on the exact sequence of
// comparisons and swaps. Repeating Go's sequence gives the same order as Prometheus, not just
// a correct one. For at most 12 elements Go's sort is a plain insertion sort (stable).
//
// `Data` is anything with `bool less(int i, int j)` and `void swap(int i, int j)` over
// indices, as Go's sort.Interface. SliceData adapts a std::vector and a comparison.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace opsim {
namespace promql {
namespace gosort {

template <class T, class Less>
struct SliceData {
  std::vector<T>& items;
  Less item_less;
  bool less(int i, int j) { return item_less(items[static_cast<std::size_t>(i)], items[static_cast<std::size_t>(j)]); }
  void swap(int i, int j) { std::swap(items[static_cast<std::size_t>(i)], items[static_cast<std::size_t>(j)]); }
};

// Go's sort.Reverse: the same data with Less's arguments swapped.
template <class Data>
struct Reversed {
  Data& data;
  bool less(int i, int j) { return data.less(j, i); }
  void swap(int i, int j) { data.swap(i, j); }
};

namespace internal {

// math/bits.Len: the number of bits needed to write x (0 for 0).
inline int bit_length(std::uint64_t x) {
  int n = 0;
  while (x != 0) {
    ++n;
    x >>= 1;
  }
  return n;
}

template <class Data>
void insertion_sort(Data& d, int a, int b) {
  for (int i = a + 1; i < b; ++i)
    for (int j = i; j > a && d.less(j, j - 1); --j) d.swap(j, j - 1);
}

template <class Data>
void sift_down(Data& d, int lo, int hi, int first) {
  int root = lo;
  for (;;) {
    int child = 2 * root + 1;
    if (child >= hi) return;
    if (child + 1 < hi && d.less(first + child, first + child + 1)) ++child;
    if (!d.less(first + root, first + child)) return;
    d.swap(first + root, first + child);
    root = child;
  }
}

template <class Data>
void heap_sort(Data& d, int a, int b) {
  const int first = a, hi = b - a;
  for (int i = (hi - 1) / 2; i >= 0; --i) sift_down(d, i, hi, first);
  for (int i = hi - 1; i >= 0; --i) {
    d.swap(first, first + i);
    sift_down(d, 0, i, first);
  }
}

enum class Hint { unknown, increasing, decreasing };

template <class Data>
void order2(Data& d, int& a, int& b, int& swaps) {
  if (d.less(b, a)) {
    ++swaps;
    std::swap(a, b);
  }
}

template <class Data>
int median(Data& d, int a, int b, int c, int& swaps) {
  order2(d, a, b, swaps);
  order2(d, b, c, swaps);
  order2(d, a, b, swaps);
  return b;
}

template <class Data>
int choose_pivot(Data& d, int a, int b, Hint& hint) {
  const int length = b - a;
  int swaps = 0;
  int i = a + length / 4 * 1, j = a + length / 4 * 2, k = a + length / 4 * 3;
  if (length >= 8) {
    if (length >= 50) {  // Tukey's ninther: medians of three adjacent triples
      i = median(d, i - 1, i, i + 1, swaps);
      j = median(d, j - 1, j, j + 1, swaps);
      k = median(d, k - 1, k, k + 1, swaps);
    }
    j = median(d, i, j, k, swaps);
  }
  hint = swaps == 0 ? Hint::increasing : swaps == 12 ? Hint::decreasing : Hint::unknown;
  return j;
}

template <class Data>
void reverse_range(Data& d, int a, int b) {
  for (int i = a, j = b - 1; i < j; ++i, --j) d.swap(i, j);
}

// Shifts a few out-of-order elements; true when [a, b) ends up sorted.
template <class Data>
bool partial_insertion_sort(Data& d, int a, int b) {
  const int max_steps = 5, shortest_shifting = 50;
  int i = a + 1;
  for (int step = 0; step < max_steps; ++step) {
    while (i < b && !d.less(i, i - 1)) ++i;
    if (i == b) return true;
    if (b - a < shortest_shifting) return false;
    d.swap(i, i - 1);
    // Go walks the smaller element down to index 1, not to a + 1; kept for the same swaps.
    if (i - a >= 2)
      for (int j = i - 1; j >= 1; --j) {
        if (!d.less(j, j - 1)) break;
        d.swap(j, j - 1);
      }
    if (b - i >= 2)
      for (int j = i + 1; j < b; ++j) {
        if (!d.less(j, j - 1)) break;
        d.swap(j, j - 1);
      }
  }
  return false;
}

// Go 1.19's pattern breaker: three swaps driven by a xorshift seeded with the length.
template <class Data>
void break_patterns(Data& d, int a, int b) {
  const int length = b - a;
  if (length < 8) return;
  std::uint64_t random = static_cast<std::uint64_t>(length);
  const std::uint64_t modulus = std::uint64_t{1} << bit_length(static_cast<std::uint64_t>(length));
  for (int idx = a + (length / 4) * 2 - 1; idx <= a + (length / 4) * 2 + 1; ++idx) {
    random ^= random << 13;
    random ^= random >> 17;
    random ^= random << 5;
    int other = static_cast<int>(random & (modulus - 1));
    if (other >= length) other -= length;
    d.swap(idx, a + other);
  }
}

// Partitions [a, b) around data[pivot]; returns the pivot's final index and whether no swap
// was needed.
template <class Data>
int partition(Data& d, int a, int b, int pivot, bool& already_partitioned) {
  d.swap(a, pivot);
  int i = a + 1, j = b - 1;
  while (i <= j && d.less(i, a)) ++i;
  while (i <= j && !d.less(j, a)) --j;
  if (i > j) {
    d.swap(j, a);
    already_partitioned = true;
    return j;
  }
  d.swap(i, j);
  ++i;
  --j;
  for (;;) {
    while (i <= j && d.less(i, a)) ++i;
    while (i <= j && !d.less(j, a)) --j;
    if (i > j) break;
    d.swap(i, j);
    ++i;
    --j;
  }
  d.swap(j, a);
  already_partitioned = false;
  return j;
}

// [a, b) holds nothing smaller than data[pivot]: puts the elements equal to it first.
template <class Data>
int partition_equal(Data& d, int a, int b, int pivot) {
  d.swap(a, pivot);
  int i = a + 1, j = b - 1;
  for (;;) {
    while (i <= j && !d.less(a, i)) ++i;
    while (i <= j && d.less(a, j)) --j;
    if (i > j) break;
    d.swap(i, j);
    ++i;
    --j;
  }
  return i;
}

template <class Data>
void pdqsort(Data& d, int a, int b, int limit) {
  const int max_insertion = 12;
  bool was_balanced = true, was_partitioned = true;
  for (;;) {
    const int length = b - a;
    if (length <= max_insertion) {
      insertion_sort(d, a, b);
      return;
    }
    if (limit == 0) {
      heap_sort(d, a, b);
      return;
    }
    if (!was_balanced) {
      break_patterns(d, a, b);
      --limit;
    }
    Hint hint;
    int pivot = choose_pivot(d, a, b, hint);
    if (hint == Hint::decreasing) {
      reverse_range(d, a, b);
      pivot = (b - 1) - (pivot - a);
      hint = Hint::increasing;
    }
    if (was_balanced && was_partitioned && hint == Hint::increasing && partial_insertion_sort(d, a, b)) return;
    if (a > 0 && !d.less(a - 1, pivot)) {
      a = partition_equal(d, a, b, pivot);
      continue;
    }
    bool already = false;
    const int mid = partition(d, a, b, pivot, already);
    was_partitioned = already;
    const int left = mid - a, right = b - mid;
    const int balance_threshold = length / 8;
    if (left < right) {
      was_balanced = left >= balance_threshold;
      pdqsort(d, a, mid, limit);
      a = mid + 1;
    } else {
      was_balanced = right >= balance_threshold;
      pdqsort(d, mid + 1, b, limit);
      b = mid;
    }
  }
}

}  // namespace internal

// sort.Sort(data) over n elements.
template <class Data>
void sort(Data& d, int n) {
  if (n <= 1) return;
  internal::pdqsort(d, 0, n, internal::bit_length(static_cast<std::uint64_t>(n)));
}

// sort.Search: the smallest i in [0, n) with pred(i) true, n if none (pred must be false
// then true over the range; the bisection is Go's, so the answer is too when it is not).
template <class Pred>
int search(int n, Pred pred) {
  int i = 0, j = n;
  while (i < j) {
    const int h = static_cast<int>(static_cast<unsigned>(i + j) >> 1);
    if (!pred(h))
      i = h + 1;
    else
      j = h;
  }
  return i;
}

// container/heap over data[0, n): Push after appending the new element at n - 1, Pop
// before removing the element that it moves to n - 1.
template <class Data>
void heap_up(Data& d, int j) {
  for (;;) {
    const int i = (j - 1) / 2;  // parent (0 for j = 0, as in Go)
    if (i == j || !d.less(j, i)) return;
    d.swap(i, j);
    j = i;
  }
}

template <class Data>
void heap_down(Data& d, int i, int n) {
  for (;;) {
    const int left = 2 * i + 1;
    if (left >= n || left < 0) return;
    int child = left;
    if (left + 1 < n && d.less(left + 1, left)) child = left + 1;
    if (!d.less(child, i)) return;
    d.swap(i, child);
    i = child;
  }
}

// heap.Push: the caller has appended the element; n is the new size.
template <class Data>
void heap_push(Data& d, int n) {
  heap_up(d, n - 1);
}

// heap.Pop's reordering: the smallest moves to n - 1, where the caller removes it.
template <class Data>
void heap_pop(Data& d, int n) {
  d.swap(0, n - 1);
  heap_down(d, 0, n - 1);
}

}  // namespace gosort
}  // namespace promql
}  // namespace opsim
