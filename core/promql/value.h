// The values PromQL computes with, in Prometheus's data model: a series is a set of labels
// (its metric name is the label __name__) and timestamped samples.
//
// Timestamps are Unix milliseconds, as Prometheus stores them, so that the evaluator's
// arithmetic (rate's extrapolation, subquery steps, the lookback window) is Prometheus's to
// the bit. opsim's simulated microseconds become milliseconds at the scrape (storage.h).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "promql/ast.h"

namespace opsim {
namespace promql {

struct Label {
  std::string name, value;
  bool operator==(const Label& o) const { return name == o.name && value == o.value; }
  bool operator!=(const Label& o) const { return !(*this == o); }
};
// A series' identity: labels sorted by name, each name once, none with an empty value (an
// empty value is the same as the label being absent, as in Prometheus).
using Labels = std::vector<Label>;

constexpr const char* kMetricNameLabel = "__name__";

// Sorts by name and drops empty values: what every function that builds labels ends with.
void normalize(Labels& labels);
// Whether normalize() would leave the labels as they are (sorted, each name once, no empty
// value).
bool is_normalized(const Labels& labels);
// The value of `name`, or "" when absent.
std::string_view label_value(const Labels& labels, std::string_view name);
// Prometheus's text form: name{a="1", b="2"}, or {a="1"} without a name.
std::string labels_text(const Labels& labels);
// A hash of a sequence of labels, fed one label at a time: equal sequences, equal hashes,
// on every platform. It mixes eight bytes at a time, which matters at thousands of series
// per rule. (Only tables use it: it never leaves the process.)
class LabelHasher {
 public:
  void add(const Label& l) {
    mix(l.name);
    mix(l.value);
  }
  std::uint64_t value() const { return finish(h_); }

 private:
  static std::uint64_t finish(std::uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
  }
  void mix(std::string_view s) {
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      step(word);
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, s.data() + i, s.size() - i);
    // The length goes into the last word, so that "ab" + "c" and "a" + "bc" differ.
    step(tail ^ (static_cast<std::uint64_t>(s.size()) << 56));
  }
  void step(std::uint64_t word) {
    h_ ^= word;
    h_ *= 0x9e3779b97f4a7c15ull;
    h_ ^= h_ >> 29;
  }
  std::uint64_t h_ = 0x243f6a8885a308d3ull;
};

// The hash of the labels in their order (sorted, for a series' identity).
inline std::uint64_t labels_hash(const Labels& labels) {
  LabelHasher h;
  for (const Label& l : labels) h.add(l);
  return h.value();
}

struct Point {
  std::int64_t t_ms;
  double v;
};

// Prometheus's staleness marker: a NaN with a payload that no arithmetic produces. A series
// that ends is given one, and the lookback stops there instead of five minutes later.
double stale_marker();
bool is_stale_marker(double v);

// One element of an instant vector: a series' labels and its value at the evaluation time.
struct Sample {
  Labels labels;
  double v = 0;
};
using Vector = std::vector<Sample>;

// One element of a range vector (or of a range query's result): labels and points.
struct Series {
  Labels labels;
  std::vector<Point> points;
};
using Matrix = std::vector<Series>;

// What an expression evaluates to: exactly one of the members, by `type`.
struct Value {
  ValueType type = ValueType::none;
  double scalar = 0;
  std::string string;
  Vector vector;
  Matrix matrix;
};

}  // namespace promql
}  // namespace opsim
