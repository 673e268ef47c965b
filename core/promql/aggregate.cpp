// Aggregations (sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk, quantile,
// count_values) as Prometheus 2.42's engine computes them: groups in order of their first
// sample, the same running arithmetic (a plain running sum for sum, an incremental mean for
// avg, Welford's update for stddev and stdvar, none of them Kahan-compensated, unlike the
// *_over_time functions), and topk/bottomk through Go's container/heap and sort.Sort so that
// ties come out in Prometheus's order.
//
// Output labels: by (...) keeps only the named labels (the metric name too, if named);
// without (...) drops the named labels and the metric name. topk and bottomk return their
// input samples whole, metric name included.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "promql/eval_internal.h"
#include "promql/go_sort.h"

namespace opsim {
namespace promql {
namespace detail {

namespace {

// Go's vectorByValueHeap (topk keeps the smallest on top) and vectorByReverseValueHeap
// (bottomk keeps the largest on top): NaN counts as smallest in both, so it is the first
// to be replaced.
struct TopkLess {
  bool operator()(const Sample& a, const Sample& b) const { return std::isnan(a.v) || a.v < b.v; }
};
struct BottomkLess {
  bool operator()(const Sample& a, const Sample& b) const { return std::isnan(a.v) || a.v > b.v; }
};

struct Group {
  Labels labels;
  Running running;
  std::vector<Sample> heap;     // topk, bottomk
  std::vector<double> values;   // quantile
  std::size_t first_sample = 0;  // the sample whose labels represent the group's key
};

// Keeps the k largest (Less = TopkLess) or smallest (BottomkLess) samples, replacing the
// heap's top when a better one comes, exactly as the engine drives container/heap.
template <class Less>
void offer(std::vector<Sample>& heap, std::int64_t k, const Sample& s, bool better) {
  if (!(static_cast<std::int64_t>(heap.size()) < k || better || std::isnan(heap[0].v))) return;
  gosort::SliceData<Sample, Less> data{heap, Less{}};
  if (static_cast<std::int64_t>(heap.size()) == k) {
    if (k == 1) {  // replaced in place, without heap operations
      heap[0] = Sample{s.labels, s.v};
      return;
    }
    gosort::heap_pop(data, static_cast<int>(heap.size()));
    heap.pop_back();
  }
  heap.push_back(Sample{s.labels, s.v});
  gosort::heap_push(data, static_cast<int>(heap.size()));
}

// A group's first sample, for the aggregations that keep only numbers (all but topk,
// bottomk and quantile, whose samples or values the caller keeps too).
void start_group(Running& g, AggregateOp op, double v) {
  g.value = v;
  g.mean = v;
  g.count = 1;
  if (op == AggregateOp::stddev || op == AggregateOp::stdvar) g.value = 0;
  if (op == AggregateOp::group) g.value = 1;
}

// A later sample of the group, for the same aggregations.
void add_to_group(Running& g, AggregateOp op, double v) {
  switch (op) {
    case AggregateOp::sum: g.value += v; break;
    case AggregateOp::avg: {
      ++g.count;
      // An infinite mean stays unless a NaN or the opposite infinity comes (mean - mean
      // would turn it into NaN).
      if (std::isinf(g.mean)) {
        if (std::isinf(v) && (g.mean > 0) == (v > 0)) break;
        if (!std::isinf(v) && !std::isnan(v)) break;
      }
      // Both terms divided by the count first, so that large values do not overflow.
      const double n = static_cast<double>(g.count);
      g.mean += v / n - g.mean / n;
      break;
    }
    case AggregateOp::max:
      if (g.value < v || std::isnan(g.value)) g.value = v;
      break;
    case AggregateOp::min:
      if (g.value > v || std::isnan(g.value)) g.value = v;
      break;
    case AggregateOp::count:
    case AggregateOp::count_values: ++g.count; break;
    case AggregateOp::stddev:
    case AggregateOp::stdvar: {
      ++g.count;
      const double delta = v - g.mean;
      g.mean += delta / static_cast<double>(g.count);
      g.value += delta * (v - g.mean);
      break;
    }
    default: break;
  }
}

// The group's value once every sample is in, for the same aggregations.
double group_result(const Running& g, AggregateOp op) {
  switch (op) {
    case AggregateOp::avg: return g.mean;
    case AggregateOp::count:
    case AggregateOp::count_values: return static_cast<double>(g.count);
    case AggregateOp::stdvar: return g.value / static_cast<double>(g.count);
    case AggregateOp::stddev: return std::sqrt(g.value / static_cast<double>(g.count));
    default: return g.value;
  }
}

}  // namespace

Value Evaluator::aggregate(const AggregateExpr& a, std::int64_t t_ms) {
  Value out;
  out.type = ValueType::instant_vector;
  const AggregateOp op = a.op;

  double param = 0;
  std::string value_label;  // count_values
  if (a.param) {
    if (op == AggregateOp::count_values) {
      value_label = static_cast<const StringLiteral&>(unwrap_parens(*a.param)).value;
    } else {
      const Value p = eval(*a.param, t_ms);
      if (failed()) return out;
      param = p.scalar;
    }
  }
  // sum by (...) (rate(x[5m])) and its like, the commonest rules: values straight from the
  // store, the groups worked out once.
  if (const Call* c = range_call_aggregation(a)) {
    const CacheData::Grouping* grouping = range_groups(a, *c, t_ms);
    if (!grouping) return out;
    out.vector.reserve(grouping->result.size());
    for (const auto& [g, v] : grouping->result) out.vector.push_back(Sample{grouping->labels[static_cast<std::size_t>(g)], v});
    return out;
  }
  Value in = eval(*a.expr, t_ms);
  if (failed()) return out;
  Vector& samples = in.vector;

  std::int64_t k = 0;
  if (op == AggregateOp::topk || op == AggregateOp::bottomk) {
    if (!(param <= 9.223372036854775807e18 && param >= -9.223372036854775808e18)) {
      fail("Scalar value " + format_number(param) + " overflows int64");
      return out;
    }
    // 2^63 itself passes the check above; Go converts it to the smallest int64, hence no
    // result. (A C++ cast of 2^63 would be undefined.)
    k = param >= 9.223372036854775807e18 ? std::numeric_limits<std::int64_t>::min() : static_cast<std::int64_t>(param);
    if (k < 1) return out;
  }

  std::vector<std::string> grouping = a.grouping;
  if (op == AggregateOp::count_values) {
    if (!is_valid_label_name(value_label)) {
      fail("invalid label name " + quote_string(value_label));
      return out;
    }
    // The counted value becomes a label, and with by (...) one to group on.
    if (!a.without) grouping.push_back(value_label);
    for (Sample& s : samples) {
      const std::string formatted = format_number_plain(s.v);
      auto it = std::find_if(s.labels.begin(), s.labels.end(), [&](const Label& l) { return l.name == value_label; });
      if (it != s.labels.end()) s.labels.erase(it);
      s.labels.push_back(Label{value_label, formatted});
      normalize(s.labels);
    }
  }
  const LabelFilter key(std::move(grouping), !a.without);

  std::vector<Group> groups;
  GroupIndex index;
  for (std::size_t si = 0; si < samples.size(); ++si) {
    const Sample& s = samples[si];
    const std::uint64_t h = key.hash(s.labels);
    const int at = index.find(
        h, [&](int g) { return key.same(samples[groups[static_cast<std::size_t>(g)].first_sample].labels, s.labels); });
    if (at < 0) {
      index.add(h, static_cast<int>(groups.size()), static_cast<int>(groups.size()));
      Group g;
      g.labels = key.apply(s.labels);
      start_group(g.running, op, s.v);
      g.first_sample = si;
      if (op == AggregateOp::topk || op == AggregateOp::bottomk) g.heap.push_back(Sample{s.labels, s.v});
      if (op == AggregateOp::quantile) g.values.push_back(s.v);
      groups.push_back(std::move(g));
      continue;
    }
    Group& g = groups[static_cast<std::size_t>(at)];
    switch (op) {
      case AggregateOp::topk: offer<TopkLess>(g.heap, k, s, g.heap[0].v < s.v); break;
      case AggregateOp::bottomk: offer<BottomkLess>(g.heap, k, s, g.heap[0].v > s.v); break;
      case AggregateOp::quantile: g.values.push_back(s.v); break;
      default: add_to_group(g.running, op, s.v); break;
    }
  }

  out.vector.reserve(groups.size());
  for (Group& g : groups) {
    switch (op) {
      case AggregateOp::quantile: g.running.value = quantile_of(param, g.values); break;
      case AggregateOp::topk:
      case AggregateOp::bottomk: {
        // The heap has the worst kept sample on top; sorting it reversed lists the best first.
        const int n = static_cast<int>(g.heap.size());
        if (n > 1) {
          if (op == AggregateOp::topk) {
            gosort::SliceData<Sample, TopkLess> data{g.heap, TopkLess{}};
            gosort::Reversed<decltype(data)> reversed{data};
            gosort::sort(reversed, n);
          } else {
            gosort::SliceData<Sample, BottomkLess> data{g.heap, BottomkLess{}};
            gosort::Reversed<decltype(data)> reversed{data};
            gosort::sort(reversed, n);
          }
        }
        for (Sample& s : g.heap) out.vector.push_back(std::move(s));
        continue;
      }
      default: g.running.value = group_result(g.running, op); break;
    }
    out.vector.push_back(Sample{std::move(g.labels), g.running.value});
  }
  check_unique(out.vector);
  return out;
}

const Call* Evaluator::range_call_aggregation(const AggregateExpr& a) {
  switch (a.op) {
    case AggregateOp::topk:
    case AggregateOp::bottomk:
    case AggregateOp::quantile:
    case AggregateOp::count_values: return nullptr;
    default: return selector_range_call(*a.expr);
  }
}

CacheData::Grouping* Evaluator::range_groups(const AggregateExpr& a, const Call& c, std::int64_t t_ms) {
  const CacheData::RangeValues* values = range_values(c, t_ms);
  if (!values) return nullptr;
  const std::vector<Storage::SeriesRef>& refs = *values->selection;

  // Aggregations written alike share their groups and values.
  bool added = false;
  const std::size_t at = cache_->groupings_memo.index(a, cache_->groupings.size(), added);
  if (added) cache_->groupings.emplace_back();
  CacheData::Grouping& grouping = cache_->groupings[at];
  if (grouping.version != 0 && grouping.t_ms == t_ms && grouping.values_version == values->version) return &grouping;

  // Each series' group, worked out once: by its labels without the metric name (the range
  // function drops it), filtered as by (...) or without (...) says.
  if (grouping.group_of.size() < refs.size()) {
    const LabelFilter key(a.grouping, !a.without);
    for (std::size_t i = grouping.group_of.size(); i < refs.size(); ++i)
      grouping.group_of.push_back(grouping.number(key.apply(without_metric_name(storage_.labels(refs[i])))));
  }

  // Groups in order of their first sample.
  std::vector<Running>& running = grouping.running;
  std::vector<int>& order = grouping.order;
  running.clear();
  order.clear();
  grouping.slot.assign(grouping.labels.size(), -1);
  for (const auto& [position, v] : values->values) {
    const int g = grouping.group_of[position];
    int& at = grouping.slot[static_cast<std::size_t>(g)];
    if (at < 0) {
      at = static_cast<int>(running.size());
      running.emplace_back();
      order.push_back(g);
      start_group(running.back(), a.op, v);
      continue;
    }
    add_to_group(running[static_cast<std::size_t>(at)], a.op, v);
  }
  grouping.result.clear();
  for (std::size_t k = 0; k < running.size(); ++k) grouping.result.emplace_back(order[k], group_result(running[k], a.op));
  grouping.t_ms = t_ms;
  grouping.values_version = values->version;
  grouping.version = ++cache_->versions;
  return &grouping;
}

}  // namespace detail
}  // namespace promql
}  // namespace opsim
