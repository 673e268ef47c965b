// Turns fuzz input bytes into the text of a scenario that follows scenarios/opsim.schema.json:
// every section sometimes present, values drawn from the edges and the middle of the
// schema's ranges (tiny and huge rates, min = max instances, zero cooldowns, many tenants,
// short durations). The bytes are read as a sequence of choices, so that libFuzzer's
// mutations change one decision at a time and its coverage feedback steers the choices.
//
// The generator keeps each scenario cheap to simulate (a few thousand scrapes, bounded
// memory for the time series and the SLO windows) so that one input runs in about 100 ms
// under the sanitizers; fuzz_simulation bounds the number of events as well.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace opsim::fuzz {

// Choices from a byte string. When the bytes run out every choice is its first option, so
// an empty input gives the smallest plain scenario and longer inputs add to it.
class ChoiceReader {
 public:
  ChoiceReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  // A number from 0 to n - 1 (n >= 1).
  unsigned below(unsigned n);
  // True about once in `one_in` draws (never when the bytes have run out).
  bool one_in(unsigned one_in) { return below(one_in) == one_in - 1; }
  // One of the listed values.
  template <typename T>
  T pick(std::initializer_list<T> options) {
    return *(options.begin() + below(static_cast<unsigned>(options.size())));
  }
  // A full 64-bit value (seeds).
  std::uint64_t u64();
  bool exhausted() const { return pos_ >= size_; }

 private:
  std::uint8_t next_byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

std::string generate_scenario(ChoiceReader& in);

}  // namespace opsim::fuzz
