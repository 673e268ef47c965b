// What eval.cpp, functions.cpp, aggregate.cpp and binary.cpp share: the Evaluator (one per
// evaluate() or evaluate_range() call), Go's arithmetic where it differs from C's, and the
// label helpers that grouping and vector matching hash with.
//
// How the evaluator works: every node is evaluated at one instant (eval(e, t_ms)); a range
// query repeats the instant evaluation at each of its steps. That is what Prometheus's range
// evaluation computes, step by step, except for two things that depend on the whole range,
// kept in a "scope" per range evaluation (the range query, or one subquery):
//  - A subquery is evaluated once over the union of the windows it is asked for in its
//    scope, [first step - offset - range, last step - offset] aligned to its step, exactly as
//    Prometheus does; each step then takes the slice of its own window. (Also much cheaper
//    than re-evaluating it at every step.)
//  - A range function or a unary minus that turns two input series into the same label set
//    fails if both produced output at ANY step of the scope, not only at the same step
//    (Prometheus checks its whole result matrix).
//
// Errors: the evaluator does not throw (the WebAssembly build does not catch). The first
// runtime error is recorded with fail(); every function returns early once failed() is true,
// and the value it returns then is meaningless.
//
// Index:
//   [SECTION] Go's arithmetic and formatting
//   [SECTION] Labels: hashing, filtering, comparing
//   [SECTION] The evaluator
#pragma once
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "promql/eval.h"

namespace opsim {
namespace promql {
namespace detail {

// ---------------------------------------------------------------------------------------------
// [SECTION] Go's arithmetic and formatting
// ---------------------------------------------------------------------------------------------

// math.Max / math.Min: +Inf (-Inf) wins even over NaN, otherwise NaN wins; +0 > -0.
// std::fmax/fmin differ: they drop a NaN.
double go_max(double x, double y);
double go_min(double x, double y);
// math.Pow: Go's algorithm (repeated squaring of the mantissa for the integer part of the
// exponent), so that x ^ 2, x ^ 3 ... round as in Prometheus. Special cases equal C's pow.
double go_pow(double x, double y);
// math.Atan2 with Go's own arctangent (Cephes), so that atan2 matches Prometheus to the bit;
// the C library's is more exact, hence different in the last place.
double go_atan2(double y, double x);
// time.Duration.Seconds() of a duration given in microseconds: whole seconds plus the
// nanoseconds divided by 1e9, which is how rate() divides by the range.
double go_duration_seconds(SimDuration d_us);
// strconv.ParseFloat(s, 64): false for what Go refuses (and for overflow to ±Inf, which Go
// reports as an error). Accepts "+Inf", "inf", "NaN" in any case, as Go does.
bool go_parse_float(std::string_view s, double& out);
// model.LabelName.IsValid: [a-zA-Z_][a-zA-Z0-9_]*.
bool is_valid_label_name(std::string_view name);
// Prometheus's quantile(): the φ-quantile of `values` (which it reorders as Go's sort.Sort
// would), interpolating between the two nearest ranks, rank = φ * (n - 1). NaN for no values
// or φ = NaN, -Inf for φ < 0, +Inf for φ > 1. The quantile aggregation and
// quantile_over_time share it.
double quantile_of(double q, std::vector<double>& values);

// ---------------------------------------------------------------------------------------------
// [SECTION] Labels: hashing, filtering, comparing
// ---------------------------------------------------------------------------------------------

// labels.Labels.String() (as Prometheus's error messages print label sets):
// {__name__="x", a="1"}, the metric name among the other labels.
std::string go_labels_string(const Labels& labels);
// labels.Compare: label by label, name then value, a prefix first. What range query results
// are sorted by.
int compare_labels(const Labels& a, const Labels& b);
// The labels without __name__ (Prometheus's dropMetricName).
Labels without_metric_name(const Labels& labels);
void drop_metric_name(Labels& labels);

// A subset of a series' labels: what by (...) / without (...) group on, what on (...) /
// ignoring (...) match on, what histogram_quantile groups buckets by. Hashing the subset
// directly (without building it) keeps grouping and matching free of allocations; equal
// subsets hash alike (hash(l) == labels_hash(apply(l))), and same() settles collisions.
struct LabelFilter {
  std::vector<std::string> names;  // sorted, unique
  bool keep = false;  // true: only `names` (by, on); false: all but `names` (without, ignoring)
  // Whether excluding also excludes __name__: true for without and ignoring (Prometheus
  // never groups or matches on the metric name unless on/by names it), false for
  // histogram_quantile's "every label but le".
  bool exclude_name_too = true;

  LabelFilter() = default;
  LabelFilter(std::vector<std::string> label_names, bool keep_named, bool exclude_name = true);
  bool includes(std::string_view name) const;
  std::uint64_t hash(const Labels& labels) const;
  bool same(const Labels& a, const Labels& b) const;
  Labels apply(const Labels& labels) const;
};

// Groups items by a key hash with exact equality on collision: find() returns the group's
// index or -1; add() registers a new group whose representative is item `rep`. One open-
// addressed table (linear probing), not a node per group: indexes are built at every
// evaluation of a binary operator or an aggregation.
class GroupIndex {
 public:
  template <class Same>
  int find(std::uint64_t hash, Same same) const {
    if (slots_.empty()) return -1;
    for (std::size_t at = hash & mask_;; at = (at + 1) & mask_) {
      const Entry& e = slots_[at];
      if (e.group < 0) return -1;
      if (e.hash == hash && same(e.rep)) return e.group;
    }
  }
  void add(std::uint64_t hash, int rep, int group) {
    if (2 * (used_ + 1) > slots_.size()) grow();
    std::size_t at = hash & mask_;
    while (slots_[at].group >= 0) at = (at + 1) & mask_;
    slots_[at] = Entry{hash, rep, group};
    ++used_;
  }
  void clear() {
    slots_.clear();
    used_ = 0;
  }

 private:
  struct Entry {
    std::uint64_t hash = 0;
    int rep = -1, group = -1;  // group -1: an empty slot
  };
  void grow() {
    std::vector<Entry> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 16 : 2 * old.size(), Entry{});
    mask_ = slots_.size() - 1;
    for (const Entry& e : old) {
      if (e.group < 0) continue;
      std::size_t at = e.hash & mask_;
      while (slots_[at].group >= 0) at = (at + 1) & mask_;
      slots_[at] = e;
    }
  }
  std::vector<Entry> slots_;
  std::size_t mask_ = 0;
  std::size_t used_ = 0;
};

// ---------------------------------------------------------------------------------------------
// [SECTION] The evaluator
// ---------------------------------------------------------------------------------------------

// One bucket of a classic histogram: its upper bound (le) and cumulative count.
struct Bucket {
  double upper_bound;
  double count;
};

// A group's running figures for the aggregations that keep only numbers (all but topk,
// bottomk and quantile, whose samples or values are kept beside them).
struct Running {
  double value = 0;
  double mean = 0;
  std::int64_t count = 0;
};

// Distinct label sets, numbered in order of arrival.
struct LabelSets {
  std::vector<Labels> labels;  // by number
  GroupIndex index;
  // The number of `l`, which is added when new.
  int number(Labels l);
};

// A range evaluation's scope (Evaluator::open_scope): its steps' span, and what the
// cross-step check and the subqueries keep over them.
struct EvalScope {
  std::int64_t start_ms = 0, end_ms = 0;
  bool several_steps = false;
  // node -> (input series id, output label set hash) over the scope's steps so far.
  struct Produced {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> pairs;
    std::size_t compacted_size = 0;  // after the last deduplication
  };
  std::unordered_map<const Expr*, Produced> produced;
  // Each subquery evaluated over the scope's whole range.
  std::unordered_map<const SubqueryExpr*, Matrix> subqueries;
};

// What the evaluator keeps of a selector and of an aggregation over a range function
// between evaluations (a QueryCache's contents), or between the steps of one range
// evaluation (a cache of the evaluator's own).
struct CacheData {
  struct Selection {
    std::string error;  // a matcher's regex does not compile
    std::vector<CompiledMatcher> matchers;
    Storage::SeriesRef checked = 0;  // the storage's size() when the selection was last made
    std::vector<Storage::SeriesRef> refs;
  };
  // Memos shared by the nodes written alike (their text): rules repeat rate(x[5m]) and
  // sum by (le) (rate(x_bucket[5m])) at one evaluation time. index() is a node's memo,
  // `added` when its text is new (the caller then appends the memo).
  struct ByText {
    std::size_t index(const Expr& node, std::size_t memos, bool& added);
    std::unordered_map<const Expr*, std::size_t> of_node;
    std::unordered_map<std::string, std::size_t> of_text;
  };
  // Memos' values are numbered as they are computed, so that a memo built on another can
  // tell whether what it was built on has changed since.
  std::uint64_t versions = 0;

  // A range function's values over a selector at one time (Evaluator::range_values).
  struct RangeValues {
    const std::vector<Storage::SeriesRef>* selection = nullptr;  // the selector's series
    std::int64_t t_ms = 0;
    double param = 0;
    std::uint64_t version = 0;  // 0: none computed
    // Each selected series' newest point when the values were computed: while none has a
    // newer one (points are only ever appended), the values hold.
    std::vector<std::int64_t> last_times;
    std::vector<std::pair<std::uint32_t, double>> values;  // (position in the selection, value)
  };
  ByText range_values_memo;
  std::vector<RangeValues> range_values;

  // histogram_quantile over an aggregation of a range function (Evaluator::
  // histogram_of_groups): the histograms' labels, and each aggregation group's histogram
  // and bound.
  struct Histograms : LabelSets {
    std::vector<std::pair<int, double>> of_group;  // (histogram or -1, le)
    std::uint64_t of_version = 0;  // the aggregation's result the buckets are of (0: none)
    std::vector<std::vector<Bucket>> buckets;  // by histogram
    std::vector<int> order;                    // the histograms with buckets, in order of their first
    std::vector<char> seen;                    // by histogram: in `order` already
    std::vector<Bucket> scratch;               // one histogram's buckets, as bucket_quantile sorts them
  };
  // An aggregation over a range function of a selector (Evaluator::aggregate): the groups'
  // labels, and each selected series' group by its position in the selection.
  struct Grouping : LabelSets {
    std::vector<int> group_of;
    // The groups at t_ms: (group, value) in order of each group's first sample, computed
    // from the range values numbered values_version; numbered `version` itself.
    std::vector<std::pair<int, double>> result;
    std::int64_t t_ms = 0;
    std::uint64_t values_version = 0;
    std::uint64_t version = 0;
    // The room that computes `result` (kept, so that no evaluation allocates it anew).
    std::vector<Running> running;  // by place in `order`
    std::vector<int> order;        // the groups in order of their first sample
    std::vector<int> slot;         // a group's place in `order`, -1: none yet
    Histograms histograms;         // when histogram_quantile() takes the aggregation
  };
  ByText groupings_memo;
  std::deque<Grouping> groupings;  // a deque: the evaluator holds pointers while it adds

  // histogram_quantile's le labels, parsed (the same few strings at every evaluation).
  struct Bounds {
    // go_parse_float(le, out), remembered.
    bool parse(std::string_view le, double& out);
    std::unordered_map<std::string, std::pair<bool, double>> parsed;
  };
  Bounds bounds;
  const Storage* storage = nullptr;  // whose series the entries are
  std::unordered_map<const VectorSelector*, Selection> selections;
  // The open scopes of the evaluation under way, innermost last. Opening a nested scope may
  // move the enclosing ones; the pointers subquery_over_scope hands out stay valid, for they
  // point into the nodes of the scopes' maps, which a move does not reallocate.
  std::vector<EvalScope> scopes;
};

// The expression under parentheses (Prometheus unwraps them wherever it inspects a node's
// kind: a function's range-vector argument, absent()'s selector, string arguments).
const Expr& unwrap_parens(const Expr& e);

// An operand of a binary operator: a scalar, or an instant vector whose samples stay where
// they are (a selector's labels in the store, copied only for a sample the result keeps;
// any other vector's in its evaluated value). Binary operators are most of what alerting
// rules compute, and most of their operands' samples are filtered out or matched away.
class Operand {
 public:
  double scalar = 0;

  int size() const { return static_cast<int>(items_.size()); }
  bool empty() const { return items_.empty(); }
  const Labels& labels(int i) const { return *items_[static_cast<std::size_t>(i)].labels; }
  double value(int i) const { return items_[static_cast<std::size_t>(i)].v; }
  // Sample i for the result, with value v (the whole sample, once: its labels may move).
  Sample take(int i, double v, bool drop_name) {
    Item& it = items_[static_cast<std::size_t>(i)];
    if (!evaluated_.empty()) {
      Labels& own = evaluated_[static_cast<std::size_t>(i)].labels;
      if (drop_name) drop_metric_name(own);
      return Sample{std::move(own), v};
    }
    return Sample{drop_name ? without_metric_name(*it.labels) : *it.labels, v};
  }
  Sample take(int i) { return take(i, value(i), false); }

  // A selector's sample, borrowed from the store.
  void borrow(const Labels& labels, double v) { items_.push_back(Item{&labels, v}); }
  // An evaluated vector, kept.
  void keep(Vector v) {
    evaluated_ = std::move(v);
    items_.clear();
    for (const Sample& s : evaluated_) items_.push_back(Item{&s.labels, s.v});
  }

 private:
  struct Item {
    const Labels* labels;
    double v;
  };
  std::vector<Item> items_;
  Vector evaluated_;  // empty when the items are borrowed
};

class Evaluator {
 public:
  // cache: what earlier evaluations over `storage` kept (null: the evaluator keeps its own).
  Evaluator(const Storage& storage, const EvalOptions& options, CacheData* cache = nullptr);

  // The value of `e` at t_ms: scalar, string, instant vector (or range vector: a selector or
  // subquery at the top).
  Value eval(const Expr& e, std::int64_t t_ms);

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

  // A range evaluation from start_ms to end_ms (the whole of evaluate_range, a subquery)
  // opens a scope; see the file comment. Only a scope of several steps needs the cross-step
  // check.
  void open_scope(std::int64_t start_ms, std::int64_t end_ms, bool several_steps) {
    scopes_.emplace_back();
    scopes_.back().start_ms = start_ms;
    scopes_.back().end_ms = end_ms;
    scopes_.back().several_steps = several_steps;
  }
  // Runs the cross-step check; false (failed) when it found a collision.
  bool close_scope();
  // One step's output of a node that maps input series one to one (a range function, unary
  // minus): (input series id, output label set hash) per output sample. Fails with
  // Prometheus's error when two inputs give the same label set at this step or, in a scope
  // of several steps, at any of its steps.
  bool check_outputs(const Expr* node, const std::vector<std::pair<std::uint64_t, std::uint64_t>>& produced);
  // Fails (and returns false) when two samples share a label set: Prometheus's check on
  // every step's result of a function, an aggregation or an operator.
  bool check_unique(const Vector& v);

  // The series a selector selects, its matchers compiled once per cache. Null after failing
  // (a regex that does not compile).
  const std::vector<Storage::SeriesRef>* select(const VectorSelector& vs);
  // The instant vector selector: each series' newest point in [t - offset - lookback,
  // t - offset], none when that point is a staleness marker. sample_times (when given)
  // receives each sample's own timestamp, for timestamp().
  void instant_selector(const VectorSelector& vs, std::int64_t t_ms, Vector& out,
                        std::vector<std::int64_t>* sample_times = nullptr);
  // The same samples as f(series, point), for each series that has one (false: failed).
  template <class F>
  bool for_each_latest(const VectorSelector& vs, std::int64_t t_ms, F f) {
    const std::vector<Storage::SeriesRef>* refs = select(vs);
    if (!refs) return false;
    const std::int64_t ref_t_ms = t_ms - vs.offset_us / kMicrosPerMilli;
    for (Storage::SeriesRef r : *refs) {
      Point p{};
      // Closed window [ref - lookback, ref]: a point exactly lookback old still counts (2.42).
      if (storage_.latest(r, ref_t_ms - options_.lookback_ms, ref_t_ms, p)) f(r, p);
    }
    return true;
  }
  // A range selector at the top of the expression: the points in [t - offset - range,
  // t - offset] of each series that has some.
  Matrix range_selector(const MatrixSelector& ms, std::int64_t t_ms);
  // expr[range:step] offset d at t: the inner expression at every multiple of step in
  // [t - offset - range, t - offset], gathered by label set (series in order of first
  // appearance; those without a point in the window left out).
  Matrix subquery(const SubqueryExpr& sq, std::int64_t t_ms);
  // The subquery over the whole of the current scope (what subquery() slices). Null after
  // failing. Stable until the scope closes.
  const Matrix* subquery_over_scope(const SubqueryExpr& sq);

  Value call(const Call& c, std::int64_t t_ms);                // functions.cpp
  // The call when `e` is a range function that drops the metric name (not absent_over_time
  // or last_over_time) over a range selector naming one metric: what an aggregation can
  // take straight from the store, without building each series' labelled sample.
  static const Call* selector_range_call(const Expr& e);
  // For such a call: the function's value at t of each selected series that has one, with
  // the series' position in the selection, in that order (null after failing). Valid until
  // the next call.
  const CacheData::RangeValues* range_values(const Call& c, std::int64_t t_ms);
  Value aggregate(const AggregateExpr& a, std::int64_t t_ms);  // aggregate.cpp
  Value binary(const BinaryExpr& b, std::int64_t t_ms);        // binary.cpp
  // An operand of a binary operator at t (false: failed).
  bool operand(const Expr& e, std::int64_t t_ms, Operand& out);

  const Storage& storage() const { return storage_; }
  const EvalOptions& options() const { return options_; }

  // label_replace's regex, compiled once per call node and evaluation (null: failed).
  struct CompiledReplace {
    std::shared_ptr<const std::regex> regex;
    std::vector<std::string> group_names;  // by group number; "" for unnamed groups
  };
  const CompiledReplace* replace_regex(const Call& c, const std::string& pattern, const std::string& dst);

 private:
  // The selector_range_call an aggregation aggregates, when it keeps only numbers (not
  // topk, bottomk, quantile or count_values): its groups can come from the cache.
  static const Call* range_call_aggregation(const AggregateExpr& a);
  // Such an aggregation's groups at t, in the grouping's `result`: (group, value) in order
  // of each group's first sample, as aggregate() orders them (null after failing).
  CacheData::Grouping* range_groups(const AggregateExpr& a, const Call& c, std::int64_t t_ms);
  // histogram_quantile(c) over such an aggregation (functions.cpp).
  Value histogram_of_groups(const Call& c, const AggregateExpr& a, const Call& inner, std::int64_t t_ms);

  const Storage& storage_;
  const EvalOptions& options_;
  std::string error_;
  std::unique_ptr<CacheData> own_cache_;
  CacheData* cache_;
  std::vector<Point> range_points_;  // a window's points when they must be copied
  std::unordered_map<const Call*, CompiledReplace> replace_regexes_;
  // The cache's: their room serves every evaluation (an instant query opens one).
  std::vector<EvalScope>& scopes_;
};

}  // namespace detail
}  // namespace promql
}  // namespace opsim
