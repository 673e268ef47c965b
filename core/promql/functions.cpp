// PromQL's functions, as Prometheus 2.42's functions.go computes them: the same arithmetic in
// the same order (Kahan sums in sum/avg/stddev_over_time, rate()'s extrapolation, the
// bucket interpolation of histogram_quantile), so that results match to the bit.
//
// Which functions drop the metric name: every function over a range vector except
// last_over_time (the engine drops it for them), and among the others those that compute a
// new value (abs, ceil, floor, round, clamp*, timestamp, histogram_quantile). sort,
// sort_desc and label_replace keep it.
//
// Index:
//   [SECTION] The function table
//   [SECTION] Quantiles (quantile(), histogram_quantile's buckets)
//   [SECTION] Functions over a range vector
//   [SECTION] label_replace
//   [SECTION] Functions over instant vectors and scalars
//   [SECTION] Dispatch
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>
#include <unordered_map>

#include "promql/eval_internal.h"
#include "promql/go_sort.h"
#include "promql/regex.h"

namespace opsim {
namespace promql {
namespace detail {

namespace {

// ---------------------------------------------------------------------------------------------
// [SECTION] The function table
// ---------------------------------------------------------------------------------------------

enum class Fn {
  abs, absent, absent_over_time, avg_over_time, ceil, clamp, clamp_max, clamp_min, count_over_time, delta, floor,
  histogram_quantile, idelta, increase, irate, label_replace, last_over_time, max_over_time, min_over_time,
  present_over_time, quantile_over_time, rate, round, scalar, sort, sort_desc, stddev_over_time, stdvar_over_time,
  sum_over_time, time, timestamp, vector, not_evaluated
};

Fn function_id(std::string_view name) {
  static const std::unordered_map<std::string_view, Fn> ids = {
      {"abs", Fn::abs},
      {"absent", Fn::absent},
      {"absent_over_time", Fn::absent_over_time},
      {"avg_over_time", Fn::avg_over_time},
      {"ceil", Fn::ceil},
      {"clamp", Fn::clamp},
      {"clamp_max", Fn::clamp_max},
      {"clamp_min", Fn::clamp_min},
      {"count_over_time", Fn::count_over_time},
      {"delta", Fn::delta},
      {"floor", Fn::floor},
      {"histogram_quantile", Fn::histogram_quantile},
      {"idelta", Fn::idelta},
      {"increase", Fn::increase},
      {"irate", Fn::irate},
      {"label_replace", Fn::label_replace},
      {"last_over_time", Fn::last_over_time},
      {"max_over_time", Fn::max_over_time},
      {"min_over_time", Fn::min_over_time},
      {"present_over_time", Fn::present_over_time},
      {"quantile_over_time", Fn::quantile_over_time},
      {"rate", Fn::rate},
      {"round", Fn::round},
      {"scalar", Fn::scalar},
      {"sort", Fn::sort},
      {"sort_desc", Fn::sort_desc},
      {"stddev_over_time", Fn::stddev_over_time},
      {"stdvar_over_time", Fn::stdvar_over_time},
      {"sum_over_time", Fn::sum_over_time},
      {"time", Fn::time},
      {"timestamp", Fn::timestamp},
      {"vector", Fn::vector},
  };
  auto it = ids.find(name);
  return it == ids.end() ? Fn::not_evaluated : it->second;
}

// The function a call calls, by its place in the parser's function table (which is where
// every call's `function` points): no lookup by name at every evaluation.
Fn function_id(const Call& c) {
  static const std::vector<Fn> by_index = [] {
    std::vector<Fn> ids;
    for (const FunctionInfo& f : function_table()) ids.push_back(function_id(f.name));
    return ids;
  }();
  return by_index[static_cast<std::size_t>(c.function - function_table().data())];
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------------------------
// [SECTION] Quantiles
// ---------------------------------------------------------------------------------------------

// Go's vectorByValueHeap order: NaN is "less" than anything (even NaN), so it sorts first.
struct NanFirstLess {
  bool operator()(double a, double b) const { return std::isnan(a) || a < b; }
};

}  // namespace

double quantile_of(double q, std::vector<double>& values) {
  if (values.empty() || std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  gosort::SliceData<double, NanFirstLess> data{values, NanFirstLess{}};
  gosort::sort(data, static_cast<int>(values.size()));
  const double n = static_cast<double>(values.size());
  const double rank = q * (n - 1);
  const double lower = go_max(0, std::floor(rank));
  const double upper = go_min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  return values[static_cast<std::size_t>(lower)] * (1 - weight) + values[static_cast<std::size_t>(upper)] * weight;
}

namespace {

// histogram_quantile over one series' cumulative buckets. The rules: NaN for no +Inf bucket,
// fewer than two buckets or no observations; buckets with the same bound are merged;
// counts that go down (scrapes of buckets at slightly different times) are raised to the
// running maximum; a rank in the +Inf bucket answers the largest finite bound; a rank in
// the first bucket interpolates from 0 unless that bucket's bound is <= 0.
double bucket_quantile(double q, std::vector<Bucket>& buckets) {
  if (std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  auto by_bound = [](const Bucket& a, const Bucket& b) { return a.upper_bound < b.upper_bound; };
  gosort::SliceData<Bucket, decltype(by_bound)> data{buckets, by_bound};
  gosort::sort(data, static_cast<int>(buckets.size()));
  if (!(std::isinf(buckets.back().upper_bound) && buckets.back().upper_bound > 0)) return kNaN;

  // Merge equal bounds ("1" and "1.0" are one bucket).
  std::size_t kept = 0;
  Bucket last = buckets[0];
  for (std::size_t i = 1; i < buckets.size(); ++i) {
    if (buckets[i].upper_bound == last.upper_bound) {
      last.count += buckets[i].count;
    } else {
      buckets[kept++] = last;
      last = buckets[i];
    }
  }
  buckets[kept++] = last;
  buckets.resize(kept);

  double running_max = buckets[0].count;
  for (std::size_t i = 1; i < buckets.size(); ++i) {
    if (buckets[i].count > running_max)
      running_max = buckets[i].count;
    else if (buckets[i].count < running_max)
      buckets[i].count = running_max;
  }
  if (buckets.size() < 2) return kNaN;
  const double observations = buckets.back().count;
  if (observations == 0) return kNaN;
  double rank = q * observations;
  const int n = static_cast<int>(buckets.size());
  const int b = gosort::search(n - 1, [&](int i) { return buckets[static_cast<std::size_t>(i)].count >= rank; });
  if (b == n - 1) return buckets[static_cast<std::size_t>(n - 2)].upper_bound;
  if (b == 0 && buckets[0].upper_bound <= 0) return buckets[0].upper_bound;
  double bucket_start = 0;
  const double bucket_end = buckets[static_cast<std::size_t>(b)].upper_bound;
  double count = buckets[static_cast<std::size_t>(b)].count;
  if (b > 0) {
    bucket_start = buckets[static_cast<std::size_t>(b - 1)].upper_bound;
    count -= buckets[static_cast<std::size_t>(b - 1)].count;
    rank -= buckets[static_cast<std::size_t>(b - 1)].count;
  }
  return bucket_start + (bucket_end - bucket_start) * (rank / count);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Functions over a range vector
// ---------------------------------------------------------------------------------------------

// Neumaier's improvement of Kahan summation, as Prometheus adds: returns the new sum and
// accumulates the lost low-order part in c.
double kahan_add(double inc, double sum, double& c) {
  const double t = sum + inc;
  if (std::fabs(sum) >= std::fabs(inc))
    c += (sum - t) + inc;
  else
    c += (inc - t) + sum;
  return t;
}

// What a range function needs besides the points: where its window lies, for rate()'s
// extrapolation, and its scalar parameter.
struct RangeWindow {
  std::int64_t start_ms = 0;  // t - offset - range
  std::int64_t end_ms = 0;    // t - offset
  double range_s = 0;         // the range in seconds, as time.Duration.Seconds()
  double param = 0;           // quantile_over_time's φ
};

// A window's points, without staleness markers: in the store (a series' buffer), in a copy
// (Storage::visit_points) or in a subquery's points. no_decrease: known to have no point
// lower than the one before it.
struct PointSpan {
  const Point* first;
  const Point* last;
  bool no_decrease = false;
  std::size_t size() const { return static_cast<std::size_t>(last - first); }
  const Point& operator[](std::size_t i) const { return first[i]; }
  const Point& front() const { return *first; }
  const Point& back() const { return *(last - 1); }
  const Point* begin() const { return first; }
  const Point* end() const { return last; }
};

// rate(), increase(), delta(): the change between the first and last points (with counter
// resets added back for counters), extrapolated toward the window's edges: to an edge when
// the nearest point is within 1.1 average intervals of it, else by half an interval; a
// counter is never extrapolated below zero.
bool extrapolated_rate(const PointSpan& pts, const RangeWindow& w, bool is_counter, bool is_rate, double& out) {
  if (pts.size() < 2) return false;
  const Point first = pts.front();
  const Point last = pts.back();
  double result = last.v - first.v;
  if (is_counter && !pts.no_decrease) {
    double prev = first.v;
    for (std::size_t i = 1; i < pts.size(); ++i) {
      if (pts[i].v < prev) result += prev;
      prev = pts[i].v;
    }
  }
  double duration_to_start_s = static_cast<double>(first.t_ms - w.start_ms) / 1000;
  const double duration_to_end_s = static_cast<double>(w.end_ms - last.t_ms) / 1000;
  const double sampled_interval_s = static_cast<double>(last.t_ms - first.t_ms) / 1000;
  const double average_interval_s = sampled_interval_s / static_cast<double>(pts.size() - 1);
  if (is_counter && result > 0 && first.v >= 0) {
    const double duration_to_zero_s = sampled_interval_s * (first.v / result);
    if (duration_to_zero_s < duration_to_start_s) duration_to_start_s = duration_to_zero_s;
  }
  const double threshold_s = average_interval_s * 1.1;
  double extrapolate_to_s = sampled_interval_s;
  extrapolate_to_s += duration_to_start_s < threshold_s ? duration_to_start_s : average_interval_s / 2;
  extrapolate_to_s += duration_to_end_s < threshold_s ? duration_to_end_s : average_interval_s / 2;
  double factor = extrapolate_to_s / sampled_interval_s;
  if (is_rate) factor /= w.range_s;
  out = result * factor;
  return true;
}

// irate() and idelta(): the last two points only.
bool instant_value(const PointSpan& pts, bool is_rate, double& out) {
  if (pts.size() < 2) return false;
  const Point last = pts[pts.size() - 1];
  const Point previous = pts[pts.size() - 2];
  double result = (is_rate && last.v < previous.v) ? last.v : last.v - previous.v;  // a reset counts from 0
  const std::int64_t interval_ms = last.t_ms - previous.t_ms;
  if (interval_ms == 0) return false;
  if (is_rate) result /= static_cast<double>(interval_ms) / 1000;
  out = result;
  return true;
}

// One range function over one series' points (never empty). False: no output sample.
bool range_function(Fn fn, const PointSpan& pts, const RangeWindow& w, std::vector<double>& scratch, double& out) {
  switch (fn) {
    case Fn::rate: return extrapolated_rate(pts, w, true, true, out);
    case Fn::increase: return extrapolated_rate(pts, w, true, false, out);
    case Fn::delta: return extrapolated_rate(pts, w, false, false, out);
    case Fn::irate: return instant_value(pts, true, out);
    case Fn::idelta: return instant_value(pts, false, out);
    case Fn::avg_over_time: {
      // An incremental mean (no overflow for large values), Kahan-compensated; an infinite
      // mean stays as it is unless a NaN or an opposite infinity comes.
      double mean = 0, c = 0, count = 0;
      for (const Point& p : pts) {
        count += 1;
        if (std::isinf(mean)) {
          if (std::isinf(p.v) && (mean > 0) == (p.v > 0)) continue;
          if (!std::isinf(p.v) && !std::isnan(p.v)) continue;
        }
        mean = kahan_add(p.v / count - mean / count, mean, c);
      }
      out = std::isinf(mean) ? mean : mean + c;
      return true;
    }
    case Fn::count_over_time: out = static_cast<double>(pts.size()); return true;
    case Fn::last_over_time: out = pts.back().v; return true;
    case Fn::present_over_time: out = 1; return true;
    case Fn::max_over_time: {
      double m = pts[0].v;
      for (const Point& p : pts)
        if (p.v > m || std::isnan(m)) m = p.v;
      out = m;
      return true;
    }
    case Fn::min_over_time: {
      double m = pts[0].v;
      for (const Point& p : pts)
        if (p.v < m || std::isnan(m)) m = p.v;
      out = m;
      return true;
    }
    case Fn::sum_over_time: {
      double sum = 0, c = 0;
      for (const Point& p : pts) sum = kahan_add(p.v, sum, c);
      out = std::isinf(sum) ? sum : sum + c;
      return true;
    }
    case Fn::quantile_over_time: {
      scratch.clear();
      for (const Point& p : pts) scratch.push_back(p.v);
      out = quantile_of(w.param, scratch);
      return true;
    }
    case Fn::stddev_over_time:
    case Fn::stdvar_over_time: {
      // Welford's update with both running sums Kahan-compensated.
      double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
      for (const Point& p : pts) {
        count += 1;
        const double delta = p.v - (mean + c_mean);
        mean = kahan_add(delta / count, mean, c_mean);
        aux = kahan_add(delta * (p.v - (mean + c_mean)), aux, c_aux);
      }
      const double variance = (aux + c_aux) / count;
      out = fn == Fn::stddev_over_time ? std::sqrt(variance) : variance;
      return true;
    }
    default: return false;
  }
}

// The labels absent() and absent_over_time() give their answer: the selector's equality
// matchers, except __name__ and any label matched more than once or not by equality.
Labels absent_labels(const Expr& arg) {
  const Expr& e = unwrap_parens(arg);
  const VectorSelector* vs = nullptr;
  if (e.kind == ExprKind::vector_selector) vs = static_cast<const VectorSelector*>(&e);
  if (e.kind == ExprKind::matrix_selector) vs = static_cast<const MatrixSelector&>(e).selector.get();
  Labels out;
  if (!vs) return out;
  std::vector<std::string> seen_equal;
  for (const LabelMatcher& m : vs->matchers) {
    if (m.name == kMetricNameLabel) continue;
    const bool seen = std::find(seen_equal.begin(), seen_equal.end(), m.name) != seen_equal.end();
    auto it = std::find_if(out.begin(), out.end(), [&](const Label& l) { return l.name == m.name; });
    if (m.op == LabelMatchOp::equal && !seen) {
      if (it != out.end()) out.erase(it);
      if (!m.value.empty()) out.push_back(Label{m.name, m.value});
      seen_equal.push_back(m.name);
    } else if (it != out.end()) {
      out.erase(it);
    }
  }
  normalize(out);
  return out;
}

const std::string& string_arg(const Expr& e) { return static_cast<const StringLiteral&>(unwrap_parens(e)).value; }

// ---------------------------------------------------------------------------------------------
// [SECTION] label_replace
// ---------------------------------------------------------------------------------------------

// Go's regexp.Expand of `tmpl`: $1, ${1}, $name, ${name} insert a group ("" when it did not
// take part or does not exist); $$ is a dollar; a name runs as long as letters, digits and
// underscores do, so "$1x" names the group "1x"; a $ without a name stays as it is.
std::string expand_template(const std::string& tmpl, const std::smatch& m, const std::vector<std::string>& names) {
  std::string out;
  std::size_t i = 0;
  auto is_name_char = [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
  };
  while (i < tmpl.size()) {
    const std::size_t dollar = tmpl.find('$', i);
    if (dollar == std::string::npos) break;
    out.append(tmpl, i, dollar - i);
    i = dollar + 1;
    if (i < tmpl.size() && tmpl[i] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::size_t p = i;
    const bool brace = p < tmpl.size() && tmpl[p] == '{';
    if (brace) ++p;
    const std::size_t name_start = p;
    while (p < tmpl.size() && is_name_char(static_cast<unsigned char>(tmpl[p]))) ++p;
    const std::string name = tmpl.substr(name_start, p - name_start);
    if (name.empty() || (brace && (p >= tmpl.size() || tmpl[p] != '}'))) {
      out += '$';  // malformed: the dollar is literal text
      continue;
    }
    if (brace) ++p;
    i = p;
    long num = 0;
    for (char c : name) {
      if (c < '0' || c > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (c - '0');
    }
    if (name[0] == '0' && name.size() > 1) num = -1;  // no leading zeros
    if (num >= 0) {
      if (static_cast<std::size_t>(num) < m.size() && m[static_cast<std::size_t>(num)].matched)
        out += m[static_cast<std::size_t>(num)].str();
    } else {
      for (std::size_t g = 1; g < names.size(); ++g)
        if (names[g] == name) {
          if (g < m.size() && m[g].matched) out += m[g].str();
          break;
        }
    }
  }
  if (i < tmpl.size()) out.append(tmpl, i, std::string::npos);
  return out;
}

}  // namespace

const Evaluator::CompiledReplace* Evaluator::replace_regex(const Call& c, const std::string& pattern,
                                                           const std::string& dst) {
  auto found = replace_regexes_.find(&c);
  if (found != replace_regexes_.end()) return found->second.regex ? &found->second : nullptr;
  CompiledReplace& compiled = replace_regexes_[&c];
  // RE2 syntax read as ECMAScript; group 0 is the whole match.
  const Re2Translation t = translate_re2(pattern);
  compiled.group_names.assign(1, "");
  compiled.group_names.insert(compiled.group_names.end(), t.group_names.begin(), t.group_names.end());
  std::string why;
  compiled.regex = compile_regex("^(?:" + t.pattern + ")$", t.flags, why);
  if (!compiled.regex) {
    fail("invalid regular expression in label_replace(): " + pattern);
    return nullptr;
  }
  if (!is_valid_label_name(dst)) {
    compiled.regex.reset();
    fail("invalid destination label name in label_replace(): " + dst);
    return nullptr;
  }
  return &compiled;
}

namespace {

// ---------------------------------------------------------------------------------------------
// [SECTION] Functions over instant vectors and scalars
// ---------------------------------------------------------------------------------------------

// A function that maps each value and drops the metric name.
template <class F>
void map_values(Vector& v, F f) {
  for (Sample& s : v) {
    drop_metric_name(s.labels);
    s.v = f(s.v);
  }
}

// Go's vectorByReverseValueHeap / vectorByValueHeap, each under sort.Reverse, as sort() and
// sort_desc() use them: NaN ends up last in both.
struct SortAscending {
  bool operator()(const Sample& a, const Sample& b) const { return std::isnan(b.v) || b.v > a.v; }
};
struct SortDescending {
  bool operator()(const Sample& a, const Sample& b) const { return std::isnan(b.v) || b.v < a.v; }
};

Vector histogram_quantile(double q, Vector& in, CacheData::Bounds& bounds) {
  // Buckets group by every label but le (the metric name included, so two histograms that
  // differ only by name stay apart and then collide as duplicates, as in Prometheus).
  const LabelFilter all_but_le({"le"}, false, false);
  struct Group {
    Labels metric;
    std::vector<Bucket> buckets;
    std::size_t rep;
  };
  std::vector<Group> groups;
  GroupIndex index;
  for (std::size_t i = 0; i < in.size(); ++i) {
    double upper = 0;
    if (!bounds.parse(label_value(in[i].labels, "le"), upper)) continue;  // no or bad le: skipped
    const std::uint64_t h = all_but_le.hash(in[i].labels);
    int at = index.find(h, [&](int g) { return all_but_le.same(in[groups[static_cast<std::size_t>(g)].rep].labels, in[i].labels); });
    if (at < 0) {
      at = static_cast<int>(groups.size());
      Labels metric = all_but_le.apply(in[i].labels);
      drop_metric_name(metric);
      groups.push_back(Group{std::move(metric), {}, i});
      index.add(h, at, at);
    }
    groups[static_cast<std::size_t>(at)].buckets.push_back(Bucket{upper, in[i].v});
  }
  Vector out;
  out.reserve(groups.size());
  for (Group& g : groups) out.push_back(Sample{std::move(g.metric), bucket_quantile(q, g.buckets)});
  return out;
}

}  // namespace

namespace {

// The index of the call's range-vector argument (a range selector or a subquery), or -1.
int matrix_arg_of(const Call& c) {
  for (std::size_t i = 0; i < c.args.size(); ++i) {
    const ExprKind k = unwrap_parens(*c.args[i]).kind;
    if (k == ExprKind::matrix_selector || k == ExprKind::subquery) return static_cast<int>(i);
  }
  return -1;
}

// The window at t of a call with a range-vector argument, its scalar argument evaluated
// first (false: that failed).
bool range_window(Evaluator& ev, const Call& c, std::size_t matrix_arg, std::int64_t t_ms, RangeWindow& w) {
  for (std::size_t i = 0; i < c.args.size(); ++i) {
    if (i == matrix_arg) continue;
    const Value v = ev.eval(*c.args[i], t_ms);
    if (ev.failed()) return false;
    w.param = v.scalar;
  }
  const Expr& arg = unwrap_parens(*c.args[matrix_arg]);
  SimDuration range_us = 0, offset_us = 0;
  if (arg.kind == ExprKind::matrix_selector) {
    const auto& ms = static_cast<const MatrixSelector&>(arg);
    range_us = ms.range_us;
    offset_us = ms.selector->offset_us;
  } else {
    const auto& sq = static_cast<const SubqueryExpr&>(arg);
    range_us = sq.range_us;
    offset_us = sq.offset_us;
  }
  w.start_ms = t_ms - (range_us + offset_us) / kMicrosPerMilli;
  w.end_ms = t_ms - offset_us / kMicrosPerMilli;
  w.range_s = go_duration_seconds(range_us);
  return true;
}

}  // namespace

const Call* Evaluator::selector_range_call(const Expr& e) {
  const Expr& inner = unwrap_parens(e);
  if (inner.kind != ExprKind::call) return nullptr;
  const auto& c = static_cast<const Call&>(inner);
  const Fn fn = function_id(c);
  // absent_over_time answers for no series; last_over_time keeps the metric name.
  if (fn == Fn::not_evaluated || fn == Fn::absent_over_time || fn == Fn::last_over_time) return nullptr;
  const int matrix_arg = matrix_arg_of(c);
  if (matrix_arg < 0) return nullptr;
  const Expr& arg = unwrap_parens(*c.args[static_cast<std::size_t>(matrix_arg)]);
  if (arg.kind != ExprKind::matrix_selector) return nullptr;
  // One metric name: series that differ only by name, which would collide once the name is
  // dropped, cannot both be selected.
  for (const LabelMatcher& m : static_cast<const MatrixSelector&>(arg).selector->matchers)
    if (m.name == kMetricNameLabel && m.op == LabelMatchOp::equal) return &c;
  return nullptr;
}

const CacheData::RangeValues* Evaluator::range_values(const Call& c, std::int64_t t_ms) {
  const Fn fn = function_id(c);
  const auto matrix_arg = static_cast<std::size_t>(matrix_arg_of(c));
  RangeWindow w;
  if (!range_window(*this, c, matrix_arg, t_ms, w)) return nullptr;
  const auto& ms = static_cast<const MatrixSelector&>(unwrap_parens(*c.args[matrix_arg]));
  const std::vector<Storage::SeriesRef>* refs = select(*ms.selector);
  if (!refs) return nullptr;

  // Calls written alike (their text) select alike, in the same order: they share values.
  bool added = false;
  const std::size_t at = cache_->range_values_memo.index(c, cache_->range_values.size(), added);
  if (added) cache_->range_values.emplace_back();
  CacheData::RangeValues& memo = cache_->range_values[at];
  bool holds = memo.version != 0 && memo.t_ms == t_ms && memo.last_times.size() == refs->size() &&
               std::memcmp(&memo.param, &w.param, sizeof w.param) == 0;
  for (std::size_t i = 0; holds && i < refs->size(); ++i) holds = memo.last_times[i] == storage_.last_time((*refs)[i]);
  memo.selection = refs;
  if (holds) return &memo;

  std::vector<double> scratch;
  std::vector<std::pair<std::uint32_t, double>>& out = memo.values;
  out.clear();
  memo.version = 0;  // until the values are in
  memo.last_times.clear();
  for (std::size_t i = 0; i < refs->size(); ++i) {
    memo.last_times.push_back(storage_.last_time((*refs)[i]));
    storage_.visit_points((*refs)[i], w.start_ms, w.end_ms, range_points_, [&](const Point* first, const Point* last, bool no_decrease) {
      double v = 0;
      if (first != last && range_function(fn, PointSpan{first, last, no_decrease}, w, scratch, v))
        out.emplace_back(static_cast<std::uint32_t>(i), v);
    });
  }
  memo.version = ++cache_->versions;
  memo.t_ms = t_ms;
  memo.param = w.param;
  return &memo;
}

Value Evaluator::histogram_of_groups(const Call& c, const AggregateExpr& a, const Call& inner, std::int64_t t_ms) {
  Value out;
  out.type = ValueType::instant_vector;
  const Value q = eval(*c.args[0], t_ms);
  if (failed()) return out;
  CacheData::Grouping* grouping = range_groups(a, inner, t_ms);
  if (!grouping) return out;

  // Each group's histogram (its labels but le, as histogram_quantile() groups them) and
  // bucket bound; a group without a readable le has no histogram (-1). Kept with the
  // aggregation: p50, p95 and p99 of one histogram share it.
  CacheData::Histograms& h = grouping->histograms;
  const LabelFilter all_but_le({"le"}, false, false);
  for (std::size_t g = h.of_group.size(); g < grouping->labels.size(); ++g) {
    const Labels& labels = grouping->labels[g];
    double upper = 0;
    if (!cache_->bounds.parse(label_value(labels, "le"), upper)) {
      h.of_group.push_back({-1, 0.0});
      continue;
    }
    Labels metric = all_but_le.apply(labels);
    drop_metric_name(metric);
    h.of_group.push_back({h.number(std::move(metric)), upper});
  }

  // The buckets in the order the aggregation gives them, histograms in order of their first.
  if (h.of_version != grouping->version) {
    h.order.clear();
    h.seen.assign(h.labels.size(), 0);
    h.buckets.resize(h.labels.size());
    for (const auto& [g, v] : grouping->result) {
      const auto& [histogram, upper] = h.of_group[static_cast<std::size_t>(g)];
      if (histogram < 0) continue;
      if (!h.seen[static_cast<std::size_t>(histogram)]) {
        h.seen[static_cast<std::size_t>(histogram)] = 1;
        h.order.push_back(histogram);
        h.buckets[static_cast<std::size_t>(histogram)].clear();
      }
      h.buckets[static_cast<std::size_t>(histogram)].push_back(Bucket{upper, v});
    }
    h.of_version = grouping->version;
  }
  out.vector.reserve(h.order.size());
  for (int k : h.order) {
    h.scratch = h.buckets[static_cast<std::size_t>(k)];
    out.vector.push_back(Sample{h.labels[static_cast<std::size_t>(k)], bucket_quantile(q.scalar, h.scratch)});
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Dispatch
// ---------------------------------------------------------------------------------------------

Value Evaluator::call(const Call& c, std::int64_t t_ms) {
  Value out;
  out.type = c.function->return_type;
  const Fn fn = function_id(c);
  if (fn == Fn::not_evaluated) {
    fail(std::string("function ") + c.function->name + "() is not evaluated by opsim");
    return out;
  }

  // A function with a range-vector argument runs once per series of that argument.
  const int matrix_arg = matrix_arg_of(c);
  if (matrix_arg >= 0) {
    RangeWindow w;
    if (!range_window(*this, c, static_cast<std::size_t>(matrix_arg), t_ms, w)) return out;
    const Expr& arg = unwrap_parens(*c.args[static_cast<std::size_t>(matrix_arg)]);
    const bool keep_name = fn == Fn::last_over_time;  // it acts like an offset
    bool any_points = false;
    std::vector<double> scratch;
    // (input series, output label set) for the check that no two inputs collide.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> produced;
    auto emit = [&](const Labels& labels, std::uint64_t input_id, const PointSpan& pts) {
      any_points = true;
      double v = 0;
      if (fn == Fn::absent_over_time || !range_function(fn, pts, w, scratch, v)) return;
      Labels result = keep_name ? labels : without_metric_name(labels);
      produced.emplace_back(input_id, labels_hash(result));
      out.vector.push_back(Sample{std::move(result), v});
    };
    if (arg.kind == ExprKind::matrix_selector) {
      const auto& ms = static_cast<const MatrixSelector&>(arg);
      const std::vector<Storage::SeriesRef>* refs = select(*ms.selector);
      if (!refs) return out;
      for (Storage::SeriesRef r : *refs) {
        storage_.visit_points(r, w.start_ms, w.end_ms, range_points_, [&](const Point* first, const Point* last, bool no_decrease) {
          if (first != last) emit(storage_.labels(r), r, PointSpan{first, last, no_decrease});
        });
      }
    } else {
      // The subquery's points over the whole scope, sliced to this step's window.
      const Matrix* all = subquery_over_scope(static_cast<const SubqueryExpr&>(arg));
      if (!all) return out;
      for (const Series& s : *all) {
        const Point* end = s.points.data() + s.points.size();
        const Point* first = std::lower_bound(s.points.data(), end, w.start_ms,
                                              [](const Point& p, std::int64_t t) { return p.t_ms < t; });
        const Point* last = std::upper_bound(first, end, w.end_ms, [](std::int64_t t, const Point& p) { return t < p.t_ms; });
        if (first == last) continue;
        emit(s.labels, labels_hash(s.labels), PointSpan{first, last, false});
      }
    }
    // absent_over_time: no check (its one output cannot collide).
    if (fn == Fn::absent_over_time) {
      if (!any_points) out.vector.push_back(Sample{absent_labels(arg), 1});
      return out;
    }
    check_outputs(&c, produced);
    return out;
  }

  // The other functions take their (instant) arguments at t.
  if (fn == Fn::time) {
    out.scalar = static_cast<double>(t_ms) / 1000;
    return out;
  }
  if (fn == Fn::timestamp) {
    // A selector's samples carry their own time; anything computed carries t.
    const Expr& arg = unwrap_parens(*c.args[0]);
    std::vector<std::int64_t> times;
    if (arg.kind == ExprKind::vector_selector) {
      instant_selector(static_cast<const VectorSelector&>(arg), t_ms, out.vector, &times);
    } else {
      out.vector = eval(arg, t_ms).vector;
      times.assign(out.vector.size(), t_ms);
    }
    if (failed()) return out;
    for (std::size_t i = 0; i < out.vector.size(); ++i) {
      drop_metric_name(out.vector[i].labels);
      out.vector[i].v = static_cast<double>(times[i]) / 1000;
    }
    check_unique(out.vector);
    return out;
  }

  // histogram_quantile(φ, sum by (le, ...) (rate(x_bucket[5m]))), the latency rule: the
  // buckets straight from the store, each group's histogram and bound worked out once.
  if (fn == Fn::histogram_quantile) {
    const Expr& buckets = unwrap_parens(*c.args[1]);
    if (buckets.kind == ExprKind::aggregate) {
      const auto& a = static_cast<const AggregateExpr&>(buckets);
      if (const Call* inner = range_call_aggregation(a)) return histogram_of_groups(c, a, *inner, t_ms);
    }
  }

  std::vector<Value> args;
  args.reserve(c.args.size());
  for (const ExprPtr& a : c.args) {
    if (a->type() == ValueType::string) {
      args.emplace_back();  // read from the literal itself
      continue;
    }
    args.push_back(eval(*a, t_ms));
    if (failed()) return out;
  }
  switch (fn) {
    case Fn::vector: out.vector.push_back(Sample{{}, args[0].scalar}); break;
    case Fn::scalar:
      out.scalar = args[0].vector.size() == 1 ? args[0].vector[0].v : kNaN;
      return out;
    case Fn::abs: out.vector = std::move(args[0].vector); map_values(out.vector, [](double v) { return std::fabs(v); }); break;
    case Fn::ceil: out.vector = std::move(args[0].vector); map_values(out.vector, [](double v) { return std::ceil(v); }); break;
    case Fn::floor: out.vector = std::move(args[0].vector); map_values(out.vector, [](double v) { return std::floor(v); }); break;
    case Fn::round: {
      // Ties round up (toward +Inf); dividing by the inverse of to_nearest rounds better
      // than multiplying by it.
      const double to_nearest = args.size() >= 2 ? args[1].scalar : 1;
      const double inverse = 1.0 / to_nearest;
      out.vector = std::move(args[0].vector);
      map_values(out.vector, [inverse](double v) { return std::floor(v * inverse + 0.5) / inverse; });
      break;
    }
    case Fn::clamp: {
      const double lo = args[1].scalar, hi = args[2].scalar;
      if (hi < lo) break;  // an empty result, not an error
      out.vector = std::move(args[0].vector);
      map_values(out.vector, [lo, hi](double v) { return go_max(lo, go_min(hi, v)); });
      break;
    }
    case Fn::clamp_min: {
      const double lo = args[1].scalar;
      out.vector = std::move(args[0].vector);
      map_values(out.vector, [lo](double v) { return go_max(lo, v); });
      break;
    }
    case Fn::clamp_max: {
      const double hi = args[1].scalar;
      out.vector = std::move(args[0].vector);
      map_values(out.vector, [hi](double v) { return go_min(hi, v); });
      break;
    }
    case Fn::absent:
      if (args[0].vector.empty()) out.vector.push_back(Sample{absent_labels(*c.args[0]), 1});
      break;
    case Fn::sort:
    case Fn::sort_desc: {
      out.vector = std::move(args[0].vector);
      const int n = static_cast<int>(out.vector.size());
      if (fn == Fn::sort) {
        gosort::SliceData<Sample, SortAscending> data{out.vector, SortAscending{}};
        gosort::sort(data, n);
      } else {
        gosort::SliceData<Sample, SortDescending> data{out.vector, SortDescending{}};
        gosort::sort(data, n);
      }
      break;
    }
    case Fn::histogram_quantile: out.vector = histogram_quantile(args[0].scalar, args[1].vector, cache_->bounds); break;
    case Fn::label_replace: {
      const std::string& dst = string_arg(*c.args[1]);
      const std::string& replacement = string_arg(*c.args[2]);
      const std::string& src = string_arg(*c.args[3]);
      const CompiledReplace* re = replace_regex(c, string_arg(*c.args[4]), dst);
      if (!re) return out;
      out.vector = std::move(args[0].vector);
      for (Sample& s : out.vector) {
        const std::string src_value(label_value(s.labels, src));
        std::smatch m;
        if (!std::regex_match(src_value, m, *re->regex)) continue;  // no match: unchanged
        const std::string value = expand_template(replacement, m, re->group_names);
        auto it = std::find_if(s.labels.begin(), s.labels.end(), [&](const Label& l) { return l.name == dst; });
        if (it != s.labels.end()) s.labels.erase(it);
        if (!value.empty()) {
          s.labels.push_back(Label{dst, value});
          normalize(s.labels);
        }
      }
      break;
    }
    default: fail(std::string("function ") + c.function->name + "() is not evaluated by opsim"); return out;
  }
  check_unique(out.vector);
  return out;
}

}  // namespace detail
}  // namespace promql
}  // namespace opsim
