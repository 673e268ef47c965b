// The series opsim's monitoring keeps: an in-memory time-series store in Prometheus's data
// model (value.h), which the scrape and the recording rules append to and the evaluator
// reads. Memory is bounded by retention: each series keeps its points of the last
// `retention` (plus the newest), dropped from the front as new ones arrive.
#pragma once
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
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
//
// The rows are a ring of `capacity` slots, the oldest row in slot `first`: each slot has its
// time (simulated microseconds after the scenario's start, start_unix_ms away from the Unix
// epoch) and its row of `columns` values.
struct ColumnRing {
  const std::int64_t* times_us = nullptr;  // by slot
  const double* values = nullptr;          // slot * columns + column
  std::size_t columns = 0, capacity = 0, first = 0, rows = 0;
  std::int64_t start_unix_ms = 0;

  std::size_t slot(std::size_t row) const {
    const std::size_t at = first + row;  // first < capacity and row < capacity: one wrap at most
    return at >= capacity ? at - capacity : at;
  }
  std::int64_t time_ms(std::size_t row) const { return start_unix_ms + times_us[slot(row)] / 1000; }
  double value(std::size_t row, std::size_t column) const { return values[slot(row) * columns + column]; }
};

class ColumnSource {
 public:
  virtual ~ColumnSource() = default;
  // The rows as they are now (valid until the next row is added).
  virtual ColumnRing ring() const = 0;
};

// A series' points in time order, contiguous so that the evaluator reads a window as an
// array: a vector whose front is dropped by moving a start index. While the series fills
// up, the vector grows by half; once points are dropped as fast as they come, the dropped
// front is reclaimed whenever the vector is full, and the vector holds little more than
// the points it keeps (a sixteenth; each point is moved about sixteen times in its life).
class PointBuffer {
 public:
  std::size_t size() const { return points_.size() - head_; }
  bool empty() const { return points_.size() == head_; }
  const Point* begin() const { return points_.data() + head_; }
  const Point* end() const { return points_.data() + points_.size(); }
  const Point& front() const { return points_[head_]; }
  const Point& back() const { return points_.back(); }
  void pop_front() { ++head_; }
  void push_back(const Point& p) {
    if (points_.size() == points_.capacity()) make_room();
    points_.push_back(p);
  }

 private:
  void make_room();
  std::vector<Point> points_;
  std::size_t head_ = 0;  // points_[0, head_) are dropped
};

class Storage {
 public:
  using SeriesRef = std::uint32_t;
  // retention_ms: how far behind the newest point of a series older points are kept
  // (0: keep everything).
  explicit Storage(std::int64_t retention_ms = 0) : retention_ms_(retention_ms) {}
  void set_retention(std::int64_t retention_ms) { retention_ms_ = retention_ms; }

  // The series with these labels (normalised first), created when new.
  SeriesRef series(const Labels& labels);
  // A series whose points are a column of the column source (set_column_source): appends
  // to it are ignored, and it is never stale.
  SeriesRef column_series(const Labels& labels, std::size_t column);
  void set_column_source(const ColumnSource* source) { columns_ = source; }
  // Appends a point; t_ms must be later than the series' last point (an equal or earlier
  // one is ignored, as Prometheus refuses out-of-order samples).
  void append(SeriesRef ref, std::int64_t t_ms, double v);
  // Marks the series stale at t_ms (Prometheus's staleness marker).
  void mark_stale(SeriesRef ref, std::int64_t t_ms) { append(ref, t_ms, stale_marker()); }

  std::size_t size() const { return series_.size(); }
  const Labels& labels(SeriesRef ref) const { return series_[ref].labels; }
  // The newest point's time (stale markers included); INT64_MIN for a series without points.
  std::int64_t last_time(SeriesRef ref) const {
    const std::int64_t t = newest_ms_[ref];
    if (t != kColumnNewest) return t;
    const ColumnRing ring = columns_->ring();
    return ring.rows == 0 ? std::numeric_limits<std::int64_t>::min() : ring.time_ms(ring.rows - 1);
  }
  // Whether the series' newest point is a staleness marker.
  bool is_stale(SeriesRef ref) const;

  // Every series whose labels satisfy all matchers (an absent label has the value ""), in
  // creation order, appended to `out`; only among the series created since the first
  // `from` (refs are given in creation order: a selection made earlier is brought up to
  // date by selecting from the size() it was made at).
  void select(const std::vector<CompiledMatcher>& matchers, std::vector<SeriesRef>& out, SeriesRef from = 0) const;
  // The points with mint_ms <= t <= maxt_ms, staleness markers left out, appended in time
  // order.
  void points(SeriesRef ref, std::int64_t mint_ms, std::int64_t maxt_ms, std::vector<Point>& out) const;
  // The same points without copying them when the store can: calls
  //   f(first, last, no_decrease)
  // with pointers to the window's points in time order (into the store, or into `scratch`
  // when it holds staleness markers). no_decrease is true
  // when the store knows that no point in the window is lower than the one before it (what
  // rate() scans every point for, to add back counter resets); false when it does not know.
  template <class F>
  void visit_points(SeriesRef ref, std::int64_t mint_ms, std::int64_t maxt_ms, std::vector<Point>& scratch,
                    F&& f) const;
  // The newest point with mint_ms <= t <= maxt_ms; false when there is none or it is a
  // staleness marker (an instant selector's lookback).
  bool latest(SeriesRef ref, std::int64_t mint_ms, std::int64_t maxt_ms, Point& out) const;
  // Points kept over all series: what memory grows with.
  std::size_t point_count() const { return points_; }

 private:
  // A series' kept points and what is known of them.
  struct Track {
    PointBuffer points;
    std::uint32_t stale_points = 0;  // staleness markers among `points`
    // The times of the kept points that are lower than the (non-stale) point before them:
    // counter resets, nearly always none, so that rate() need not scan a window for them.
    std::vector<std::int64_t> decreases;
    double last_value = 0;  // the newest non-stale point's value (has_value: there is one)
    bool has_value = false;
    // A column's copy: the longest window read, back from the newest row.
    std::int64_t span_ms = 0;
    // Appends a point later than the last.
    void add(std::int64_t t_ms, double v);
    // Drops the points before t_ms; returns how many.
    std::size_t drop_before(std::int64_t t_ms);
  };
  struct Stored {
    Labels labels;
    std::int64_t column = -1;  // >= 0: the points are this column of columns_
    // The series' points; for a column series, the newest part of its column, copied as
    // windows read it (column_track): reading a column across the ring's rows, a row of
    // every column apart, costs a cache line a point at every evaluation.
    mutable Track track;
  };
  // A column series' track brought up to the ring's newest row, reaching back to mint_ms as
  // far as the ring does.
  const Track& column_track(const Stored& s, std::int64_t mint_ms) const;
  // The first point at or after t_ms.
  static const Point* first_at_or_after(const PointBuffer& pts, std::int64_t t_ms);
  // The first row at or after t_ms.
  static std::size_t first_row_at_or_after(const ColumnRing& ring, std::int64_t t_ms);
  std::int64_t retention_ms_;
  const ColumnSource* columns_ = nullptr;
  std::vector<Stored> series_;
  std::unordered_map<std::uint64_t, std::vector<SeriesRef>> by_hash_;
  // The series of each metric name, for selectors that name one (nearly all do).
  std::unordered_map<std::string, std::vector<SeriesRef>> by_name_;
  // Each series' newest point's time (INT64_MIN: none; kColumnNewest: a column series's, the
  // ring's), side by side: evaluations check whether a selection's series have new points
  // more often than they read a point.
  static constexpr std::int64_t kColumnNewest = std::numeric_limits<std::int64_t>::max();
  std::vector<std::int64_t> newest_ms_;
  std::size_t points_ = 0;
};

template <class F>
void Storage::visit_points(SeriesRef ref, std::int64_t mint_ms, std::int64_t maxt_ms, std::vector<Point>& scratch,
                           F&& f) const {
  const Stored& s = series_[ref];
  const Track& tr = s.column >= 0 ? column_track(s, mint_ms) : s.track;
  if (tr.stale_points > 0) {
    scratch.clear();
    points(ref, mint_ms, maxt_ms, scratch);
    const Point* begin = scratch.data();
    f(begin, begin + scratch.size(), false);
    return;
  }
  const Point* first = first_at_or_after(tr.points, mint_ms);
  const Point* last = maxt_ms == INT64_MAX ? tr.points.end() : first_at_or_after(tr.points, maxt_ms + 1);
  bool no_decrease = true;
  if (first != last && !tr.decreases.empty()) {
    // A decrease at the window's first point is against a point outside it: it does not count.
    auto d = std::upper_bound(tr.decreases.begin(), tr.decreases.end(), first->t_ms);
    no_decrease = d == tr.decreases.end() || *d > (last - 1)->t_ms;
  }
  f(first, last, no_decrease);
}

}  // namespace promql
}  // namespace opsim
