// The series opsim's monitoring keeps: an in-memory time-series store in Prometheus's data
// model (value.h), which the scrape and the recording rules append to and the evaluator
// reads. Memory is bounded by retention: each series keeps its points of the last
// `retention` (plus the newest), dropped from the front as new ones arrive.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <regex>
#include <string>
#include <unordered_map>
#include <vector>

#include "promql/value.h"

namespace opsim {
namespace promql {

// A label matcher ready to test values: for =~ and !~ the regex compiled once, anchored at
// both ends as Prometheus anchors it.
class CompiledMatcher {
 public:
  // False with a reason when the regex does not compile (RE2 syntax, which Prometheus uses,
  // is read as ECMAScript; a leading (?i) is honoured as case-insensitive).
  static bool compile(const LabelMatcher& m, CompiledMatcher& out, std::string& why);
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }
  bool is_equality() const { return op_ == LabelMatchOp::equal; }
  bool matches(std::string_view value) const;

 private:
  std::string name_, value_;
  LabelMatchOp op_ = LabelMatchOp::equal;
  std::shared_ptr<const std::regex> regex_;
};

// Points kept elsewhere, one column per series, rows in time order: opsim's time-series
// rows (metrics/registry.h's SeriesStore), so that the catalogue's metrics, which every
// scrape already keeps there, are not stored twice.
class ColumnSource {
 public:
  virtual ~ColumnSource() = default;
  virtual std::size_t rows() const = 0;
  virtual std::int64_t row_time_ms(std::size_t row) const = 0;
  virtual double value(std::size_t row, std::size_t column) const = 0;
};

class Storage {
 public:
  using SeriesRef = std::uint32_t;
  // retention_ms: how far behind the newest point of a series older points are kept
  // (0: keep everything).
  explicit Storage(std::int64_t retention_ms = 0) : retention_ms_(retention_ms) {}
  void set_retention(std::int64_t retention_ms) { retention_ms_ = retention_ms; }

  // The series with these labels (normalised first), created when new.
  SeriesRef series(Labels labels);
  // A series whose points are a column of the column source (set_column_source): appends
  // to it are ignored, and it is never stale.
  SeriesRef column_series(Labels labels, std::size_t column);
  void set_column_source(const ColumnSource* source) { columns_ = source; }
  // Appends a point; t_ms must be later than the series' last point (an equal or earlier
  // one is ignored, as Prometheus refuses out-of-order samples).
  void append(SeriesRef ref, std::int64_t t_ms, double v);
  // Marks the series stale at t_ms (Prometheus's staleness marker).
  void mark_stale(SeriesRef ref, std::int64_t t_ms) { append(ref, t_ms, stale_marker()); }

  std::size_t size() const { return series_.size(); }
  const Labels& labels(SeriesRef ref) const { return series_[ref].labels; }
  // The newest point's time (stale markers included); INT64_MIN for a series without points.
  std::int64_t last_time(SeriesRef ref) const;
  // Whether the series' newest point is a staleness marker.
  bool is_stale(SeriesRef ref) const;

  // Every series whose labels satisfy all matchers (an absent label has the value ""), in
  // creation order, appended to `out`.
  void select(const std::vector<CompiledMatcher>& matchers, std::vector<SeriesRef>& out) const;
  // The points with mint_ms <= t <= maxt_ms, staleness markers left out, appended in time
  // order.
  void points(SeriesRef ref, std::int64_t mint_ms, std::int64_t maxt_ms, std::vector<Point>& out) const;
  // The newest point with mint_ms <= t <= maxt_ms; false when there is none or it is a
  // staleness marker (an instant selector's lookback).
  bool latest(SeriesRef ref, std::int64_t mint_ms, std::int64_t maxt_ms, Point& out) const;
  // Points kept over all series: what memory grows with.
  std::size_t point_count() const { return points_; }

 private:
  struct Stored {
    Labels labels;
    std::deque<Point> points;
    std::int64_t column = -1;  // >= 0: the points are this column of columns_
  };
  // The first row at or after t_ms.
  std::size_t first_row_at_or_after(std::int64_t t_ms) const;
  std::int64_t retention_ms_;
  const ColumnSource* columns_ = nullptr;
  std::vector<Stored> series_;
  std::unordered_map<std::uint64_t, std::vector<SeriesRef>> by_hash_;
  // The series of each metric name, for selectors that name one (nearly all do).
  std::unordered_map<std::string, std::vector<SeriesRef>> by_name_;
  std::size_t points_ = 0;
};

}  // namespace promql
}  // namespace opsim
