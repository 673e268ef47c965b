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

Storage::SeriesRef Storage::series(Labels labels) {
  normalize(labels);
  const std::uint64_t h = labels_hash(labels);
  std::vector<SeriesRef>& same_hash = by_hash_[h];
  for (SeriesRef r : same_hash)
    if (series_[r].labels == labels) return r;
  const auto ref = static_cast<SeriesRef>(series_.size());
  same_hash.push_back(ref);
  by_name_[std::string(label_value(labels, kMetricNameLabel))].push_back(ref);
  series_.push_back(Stored{std::move(labels), {}});
  return ref;
}

Storage::SeriesRef Storage::column_series(Labels labels, std::size_t column) {
  const SeriesRef ref = series(std::move(labels));
  series_[ref].column = static_cast<std::int64_t>(column);
  return ref;
}

std::size_t Storage::first_row_at_or_after(std::int64_t t_ms) const {
  std::size_t lo = 0, hi = columns_->rows();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (columns_->row_time_ms(mid) < t_ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

void Storage::append(SeriesRef ref, std::int64_t t_ms, double v) {
  if (series_[ref].column >= 0) return;
  std::deque<Point>& pts = series_[ref].points;
  if (!pts.empty() && t_ms <= pts.back().t_ms) return;
  pts.push_back({t_ms, v});
  ++points_;
  if (retention_ms_ > 0) {
    while (pts.front().t_ms < t_ms - retention_ms_) {
      pts.pop_front();
      --points_;
    }
  }
}

std::int64_t Storage::last_time(SeriesRef ref) const {
  if (series_[ref].column >= 0) {
    const std::size_t n = columns_->rows();
    return n == 0 ? std::numeric_limits<std::int64_t>::min() : columns_->row_time_ms(n - 1);
  }
  const std::deque<Point>& pts = series_[ref].points;
  return pts.empty() ? std::numeric_limits<std::int64_t>::min() : pts.back().t_ms;
}

bool Storage::is_stale(SeriesRef ref) const {
  if (series_[ref].column >= 0) return false;
  const std::deque<Point>& pts = series_[ref].points;
  return !pts.empty() && is_stale_marker(pts.back().v);
}

void Storage::select(const std::vector<CompiledMatcher>& matchers, std::vector<SeriesRef>& out) const {
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
    for (SeriesRef r : it->second)
      if (satisfies(series_[r].labels)) out.push_back(r);
    return;
  }
  for (SeriesRef r = 0; r < series_.size(); ++r)
    if (satisfies(series_[r].labels)) out.push_back(r);
}

namespace {
// The first point at or after t. Queries nearly always look at the newest points, so the
// search gallops back from the end (1, 2, 4 ... points) before bisecting: a few steps for a
// 5-minute window at the end of an hour of points, instead of a bisection of the whole deque.
std::deque<Point>::const_iterator first_at_or_after(const std::deque<Point>& pts, std::int64_t t) {
  std::size_t hi = pts.size();  // pts[hi] (if any) is known to be >= t
  std::size_t step = 1;
  while (step <= hi && pts[hi - step].t_ms >= t) {
    hi -= step;
    step *= 2;
  }
  const std::size_t lo = step <= hi ? hi - step : 0;  // pts[lo - 1] (if any) is < t
  return std::lower_bound(pts.begin() + static_cast<std::ptrdiff_t>(lo), pts.begin() + static_cast<std::ptrdiff_t>(hi), t,
                          [](const Point& p, std::int64_t x) { return p.t_ms < x; });
}
}  // namespace

void Storage::points(SeriesRef ref, std::int64_t mint_ms, std::int64_t maxt_ms, std::vector<Point>& out) const {
  if (const std::int64_t column = series_[ref].column; column >= 0) {
    const std::size_t n = columns_->rows();
    for (std::size_t row = first_row_at_or_after(mint_ms); row < n; ++row) {
      const std::int64_t t = columns_->row_time_ms(row);
      if (t > maxt_ms) break;
      out.push_back({t, columns_->value(row, static_cast<std::size_t>(column))});
    }
    return;
  }
  const std::deque<Point>& pts = series_[ref].points;
  for (auto it = first_at_or_after(pts, mint_ms); it != pts.end() && it->t_ms <= maxt_ms; ++it)
    if (!is_stale_marker(it->v)) out.push_back(*it);
}

bool Storage::latest(SeriesRef ref, std::int64_t mint_ms, std::int64_t maxt_ms, Point& out) const {
  if (const std::int64_t column = series_[ref].column; column >= 0) {
    const std::size_t after = maxt_ms == INT64_MAX ? columns_->rows() : first_row_at_or_after(maxt_ms + 1);
    if (after == 0) return false;
    const std::int64_t t = columns_->row_time_ms(after - 1);
    if (t < mint_ms) return false;
    out = {t, columns_->value(after - 1, static_cast<std::size_t>(column))};
    return true;
  }
  const std::deque<Point>& pts = series_[ref].points;
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
