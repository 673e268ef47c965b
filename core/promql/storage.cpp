#include "promql/storage.h"

#include "promql/regex.h"

#include <algorithm>
#include <limits>

namespace opsim {
namespace promql {

bool CompiledMatcher::compile(const LabelMatcher& m, CompiledMatcher& out, std::string& why) {
  out.name_ = m.name;
  out.value_ = m.value;
  out.op_ = m.op;
  out.regex_.reset();
  if (m.op != LabelMatchOp::regex && m.op != LabelMatchOp::not_regex) return true;
  const Re2Translation t = translate_re2(m.value);
  std::string reason;
  out.regex_ = compile_regex("^(?:" + t.pattern + ")$", t.flags, reason);
  if (!out.regex_) {
    why = "the regular expression " + quote_string(m.value) + " does not compile (" + reason + ")";
    return false;
  }
  return true;
}

bool CompiledMatcher::matches(std::string_view value) const {
  switch (op_) {
    case LabelMatchOp::equal: return value == value_;
    case LabelMatchOp::not_equal: return value != value_;
    case LabelMatchOp::regex: return std::regex_match(value.begin(), value.end(), *regex_);
    case LabelMatchOp::not_regex: return !std::regex_match(value.begin(), value.end(), *regex_);
  }
  return false;
}

Storage::SeriesRef Storage::series(const Labels& labels) {
  if (!is_normalized(labels)) {
    Labels sorted = labels;
    normalize(sorted);
    return series(sorted);
  }
  const std::uint64_t h = labels_hash(labels);
  std::vector<SeriesRef>& same_hash = by_hash_[h];
  for (SeriesRef r : same_hash)
    if (series_[r].labels == labels) return r;
  const auto ref = static_cast<SeriesRef>(series_.size());
  same_hash.push_back(ref);
  by_name_[std::string(label_value(labels, kMetricNameLabel))].push_back(ref);
  series_.emplace_back();
  series_.back().labels = labels;
  newest_ms_.push_back(std::numeric_limits<std::int64_t>::min());
  return ref;
}

Storage::SeriesRef Storage::column_series(const Labels& labels, std::size_t column) {
  const SeriesRef ref = series(labels);
  series_[ref].column = static_cast<std::int64_t>(column);
  newest_ms_[ref] = kColumnNewest;
  return ref;
}

std::size_t Storage::first_row_at_or_after(const ColumnRing& ring, std::int64_t t_ms) {
  std::size_t lo = 0, hi = ring.rows;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (ring.time_ms(mid) < t_ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

void Storage::Track::add(std::int64_t t_ms, double v) {
  points.push_back({t_ms, v});
  if (is_stale_marker(v)) {
    ++stale_points;
    return;
  }
  // As rate() compares each point with the one before (a NaN compares false both ways).
  if (has_value && v < last_value) decreases.push_back(t_ms);
  last_value = v;
  has_value = true;
}

std::size_t Storage::Track::drop_before(std::int64_t t_ms) {
  std::size_t dropped = 0;
  while (!points.empty() && points.front().t_ms < t_ms) {
    if (is_stale_marker(points.front().v)) --stale_points;
    points.pop_front();
    ++dropped;
  }
  // A decrease at the first kept point or before it is against a point no longer kept.
  if (!decreases.empty() && (points.empty() || decreases.front() <= points.front().t_ms)) {
    auto kept = points.empty() ? decreases.end() : std::upper_bound(decreases.begin(), decreases.end(), points.front().t_ms);
    decreases.erase(decreases.begin(), kept);
  }
  return dropped;
}

void Storage::append(SeriesRef ref, std::int64_t t_ms, double v) {
  Stored& s = series_[ref];
  if (s.column >= 0) return;
  Track& tr = s.track;
  if (!tr.points.empty() && t_ms <= tr.points.back().t_ms) return;
  tr.add(t_ms, v);
  newest_ms_[ref] = t_ms;
  ++points_;
  if (retention_ms_ > 0 && tr.points.front().t_ms < t_ms - retention_ms_) points_ -= tr.drop_before(t_ms - retention_ms_);
}

const Storage::Track& Storage::column_track(const Stored& s, std::int64_t mint_ms) const {
  Track& tr = s.track;
  const ColumnRing ring = columns_->ring();
  const auto column = static_cast<std::size_t>(s.column);
  if (ring.rows == 0) {
    tr = Track{};
    return tr;
  }
  const std::int64_t oldest_ms = ring.time_ms(0), newest_ms = ring.time_ms(ring.rows - 1);
  const std::int64_t from_ms = std::max(mint_ms, oldest_ms);
  std::size_t row = first_row_at_or_after(ring, from_ms);
  if (!tr.points.empty() && (row == ring.rows || ring.time_ms(row) >= tr.points.front().t_ms)) {
    // The copy reaches back far enough: only the rows added since.
    row = first_row_at_or_after(ring, tr.points.back().t_ms + 1);
  } else {
    const std::int64_t span_ms = tr.span_ms;  // copied anew from the window's start
    tr = Track{};
    tr.span_ms = span_ms;
  }
  for (; row < ring.rows; ++row) tr.add(ring.time_ms(row), ring.value(row, column));
  // Kept: the longest window read so far, and no row the ring has dropped.
  tr.span_ms = std::max(tr.span_ms, newest_ms - from_ms);
  tr.drop_before(std::max(oldest_ms, newest_ms - tr.span_ms));
  return tr;
}

bool Storage::is_stale(SeriesRef ref) const {
  if (series_[ref].column >= 0) return false;
  const PointBuffer& pts = series_[ref].track.points;
  return !pts.empty() && is_stale_marker(pts.back().v);
}

void Storage::select(const std::vector<CompiledMatcher>& matchers, std::vector<SeriesRef>& out, SeriesRef from) const {
  auto satisfies = [&](const Labels& labels) {
    for (const CompiledMatcher& m : matchers)
      if (!m.matches(label_value(labels, m.name()))) return false;
    return true;
  };
  // A selector that names its metric (name{...} or {__name__="name"}) looks only at that
  // metric's series.
  for (const CompiledMatcher& m : matchers) {
    if (m.name() != kMetricNameLabel || !m.is_equality()) continue;
    auto it = by_name_.find(m.value());
    if (it == by_name_.end()) return;
    const std::vector<SeriesRef>& named = it->second;
    for (auto r = std::lower_bound(named.begin(), named.end(), from); r != named.end(); ++r)
      if (satisfies(series_[*r].labels)) out.push_back(*r);
    return;
  }
  for (SeriesRef r = from; r < series_.size(); ++r)
    if (satisfies(series_[r].labels)) out.push_back(r);
}

void PointBuffer::make_room() {
  const std::size_t kept = size();
  if (head_ > 0 && head_ >= kept / 16) {
    // Points are dropped as fast as they come (retention): reclaim the front. Room grown
    // while the series was filling up is cut back to a sixteenth more than it keeps, so
    // that a long run holds no more than a short one.
    if (points_.capacity() > kept + kept / 8 + 16) {
      std::vector<Point> fitted;
      fitted.reserve(kept + kept / 16 + 16);
      fitted.assign(begin(), end());
      points_.swap(fitted);
    } else {
      points_.erase(points_.begin(), points_.begin() + static_cast<std::ptrdiff_t>(head_));
    }
  } else {
    // Filling up: grown by half, not doubled (the archive of a long run, retention 0, is
    // most of its memory).
    std::vector<Point> bigger;
    bigger.reserve(kept + kept / 2 + 16);
    bigger.assign(begin(), end());
    points_.swap(bigger);
  }
  head_ = 0;
}

// The first point at or after t. Scrapes and rule evaluations append points at a steady
// interval, so the position is guessed from the times at both ends and then walked to: one
// or two steps nearly always. Irregular spacing (a series that paused) costs a bisection.
const Point* Storage::first_at_or_after(const PointBuffer& pts, std::int64_t t) {
  const std::size_t n = pts.size();
  if (n == 0 || pts.front().t_ms >= t) return pts.begin();
  if (pts.back().t_ms < t) return pts.end();
  // Here pts[0] < t <= pts[n - 1], so n >= 2 and the answer is in [1, n - 1].
  const std::int64_t span_ms = pts.back().t_ms - pts.front().t_ms;
  const auto guess = static_cast<std::size_t>(
      static_cast<double>(t - pts.front().t_ms) / static_cast<double>(span_ms) * static_cast<double>(n - 1));
  const Point* at = pts.begin() + std::min(std::max<std::size_t>(guess, 1), n - 1);
  for (int step = 0; step < 4; ++step) {
    if (at->t_ms < t) {
      ++at;  // never past the end: the last point is >= t
    } else if ((at - 1)->t_ms >= t) {
      --at;  // never before the first: the first point is < t
    } else {
      return at;
    }
  }
  return std::lower_bound(pts.begin(), pts.end(), t, [](const Point& p, std::int64_t x) { return p.t_ms < x; });
}

void Storage::points(SeriesRef ref, std::int64_t mint_ms, std::int64_t maxt_ms, std::vector<Point>& out) const {
  if (const std::int64_t column = series_[ref].column; column >= 0) {
    // From the ring itself: a copy of the whole column (metrics.om) is not worth keeping.
    const ColumnRing ring = columns_->ring();
    for (std::size_t row = first_row_at_or_after(ring, mint_ms); row < ring.rows; ++row) {
      const std::int64_t t = ring.time_ms(row);
      if (t > maxt_ms) break;
      out.push_back({t, ring.value(row, static_cast<std::size_t>(column))});
    }
    return;
  }
  const PointBuffer& pts = series_[ref].track.points;
  for (auto it = first_at_or_after(pts, mint_ms); it != pts.end() && it->t_ms <= maxt_ms; ++it)
    if (!is_stale_marker(it->v)) out.push_back(*it);
}

bool Storage::latest(SeriesRef ref, std::int64_t mint_ms, std::int64_t maxt_ms, Point& out) const {
  if (const std::int64_t column = series_[ref].column; column >= 0) {
    const ColumnRing ring = columns_->ring();
    const std::size_t after = maxt_ms == INT64_MAX ? ring.rows : first_row_at_or_after(ring, maxt_ms + 1);
    if (after == 0) return false;
    const std::int64_t t = ring.time_ms(after - 1);
    if (t < mint_ms) return false;
    out = {t, ring.value(after - 1, static_cast<std::size_t>(column))};
    return true;
  }
  const PointBuffer& pts = series_[ref].track.points;
  // The first point after maxt (INT64_MAX: none is).
  auto it = maxt_ms == INT64_MAX ? pts.end() : first_at_or_after(pts, maxt_ms + 1);
  if (it == pts.begin()) return false;
  --it;
  if (it->t_ms < mint_ms || is_stale_marker(it->v)) return false;
  out = *it;
  return true;
}

}  // namespace promql
}  // namespace opsim
