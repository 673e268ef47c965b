// Evaluating a PromQL expression at an instant, over a Storage, with Prometheus 2.42's
// semantics (promql/engine.go, functions.go): the 5-minute lookback of instant selectors,
// staleness markers, closed range windows [t - range, t], rate()'s extrapolation,
// subqueries aligned to multiples of their step, vector matching, and the runtime errors
// Prometheus reports (duplicate series in a match group, a vector with duplicate label sets).
//
// A range query (a plot, the oracle test's query_range) is the instant evaluation at each
// step, which is what Prometheus's range evaluation computes.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "promql/ast.h"
#include "promql/storage.h"
#include "promql/value.h"

namespace opsim {
namespace promql {

struct EvalOptions {
  // How far back an instant selector looks for a series' latest point (Prometheus's
  // --query.lookback-delta).
  std::int64_t lookback_ms = 5 * 60 * 1000;
  // The step of a subquery written without one (`x[1h:]`): Prometheus's global
  // evaluation_interval, 1 minute unless configured.
  std::int64_t default_subquery_step_ms = 60 * 1000;
};

struct EvalResult {
  Value value;
  std::string error;  // a runtime error, as Prometheus words it; value is empty then
  bool ok() const { return error.empty(); }
};

namespace detail {
struct CacheData;
}

// What evaluations of the same parsed expressions over one storage keep from one to the
// next, so that a rule evaluated every interval does not redo what has not changed: each
// selector's series (brought up to date with the series created since, not searched
// again) and, for an aggregation over a range function, which group each series falls in.
// A rule manager owns one per rule set. The expressions and the storage must outlive it,
// and the storage may only grow (series are never removed).
class QueryCache {
 public:
  QueryCache();
  ~QueryCache();
  QueryCache(const QueryCache&) = delete;
  QueryCache& operator=(const QueryCache&) = delete;
  detail::CacheData& data() { return *data_; }

 private:
  std::unique_ptr<detail::CacheData> data_;
};

// The expression's value at t_ms (Unix milliseconds). The tree must have come from parse().
// With a cache, what earlier evaluations of `e` over `storage` found is reused.
EvalResult evaluate(const Expr& e, std::int64_t t_ms, const Storage& storage, const EvalOptions& options = {},
                    QueryCache* cache = nullptr);

// A range query: the instant value at start, start + step, ..., up to end, gathered into a
// matrix by label set (a scalar result becomes one series without labels). Series in label
// order, as Prometheus returns them.
EvalResult evaluate_range(const Expr& e, std::int64_t start_ms, std::int64_t end_ms, std::int64_t step_ms,
                          const Storage& storage, const EvalOptions& options = {});

}  // namespace promql
}  // namespace opsim
