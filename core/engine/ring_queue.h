// A double-ended queue of trivially copyable values in one growable ring buffer: the service
// queues sit on the per-request path, where std::deque's block bookkeeping showed in
// profiles. Pushed at the back; taken from the front (FIFO) or the back (LIFO).
#pragma once
#include <cstddef>
#include <vector>

namespace opsim {

template <typename T>
class RingQueue {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  const T& front() const { return items_[head_]; }
  const T& back() const { return items_[(head_ + size_ - 1) & (items_.size() - 1)]; }
  void push_back(const T& v) {
    if (size_ == items_.size()) grow();
    items_[(head_ + size_) & (items_.size() - 1)] = v;
    ++size_;
  }
  void pop_front() {
    head_ = (head_ + 1) & (items_.size() - 1);
    --size_;
  }
  void pop_back() { --size_; }
  // Removes the first item equal to v, keeping the others' order; false when there is none.
  // Linear in the queue's length: for the rare removal from the middle (a cancelled call).
  bool erase(const T& v) {
    const std::size_t mask = items_.size() - 1;
    std::size_t i = 0;
    while (i < size_ && !(items_[(head_ + i) & mask] == v)) ++i;
    if (i == size_) return false;
    for (; i + 1 < size_; ++i) items_[(head_ + i) & mask] = items_[(head_ + i + 1) & mask];
    --size_;
    return true;
  }

 private:
  void grow() {
    // Capacity stays a power of two so that wrapping is a mask.
    std::vector<T> bigger(items_.empty() ? 16 : items_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = items_[(head_ + i) & (items_.size() - 1)];
    items_.swap(bigger);
    head_ = 0;
  }
  std::vector<T> items_;
  std::size_t head_ = 0, size_ = 0;
};

}  // namespace opsim
