// The PromQL evaluator (promql/eval.h) against Prometheus 2.42's semantics. Expectations are
// worked out from the definitions (the formulas are spelled out in the tests), not copied
// from Prometheus's test files; the evaluator was also compared with a real Prometheus 2.42
// over a few thousand queries while it was written.
//
// Index:
//   [SECTION] Fixture
//   [SECTION] Selectors, lookback, staleness, offsets
//   [SECTION] rate, increase, delta, irate, idelta
//   [SECTION] Functions over time
//   [SECTION] Other functions
//   [SECTION] histogram_quantile
//   [SECTION] Aggregations
//   [SECTION] Binary operators and vector matching
//   [SECTION] Subqueries
//   [SECTION] Range queries
//   [SECTION] What evaluations keep (QueryCache) and read in place
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include "promql/eval.h"
#include "promql/parser.h"

using namespace opsim::promql;

namespace {

// ---------------------------------------------------------------------------------------------
// [SECTION] Fixture
// ---------------------------------------------------------------------------------------------

constexpr std::int64_t kT0 = 1767571200000;  // 2026-01-05T00:00:00Z, in ms
constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// Labels from "name{a=\"1\",b=\"2\"}"-like pairs: {"__name__", "x", "a", "1"}.
Labels L(std::initializer_list<const char*> kv) {
  Labels out;
  for (auto it = kv.begin(); it != kv.end(); it += 2) out.push_back(Label{*it, *(it + 1)});
  normalize(out);
  return out;
}

struct Db {
  Storage storage;
  EvalOptions options;

  Storage::SeriesRef add(const Labels& labels, std::initializer_list<Point> points) {
    const Storage::SeriesRef r = storage.series(labels);
    for (const Point& p : points) storage.append(r, p.t_ms, p.v);
    return r;
  }
  // value(t) sampled every interval_ms from start_ms to end_ms inclusive.
  template <class F>
  Storage::SeriesRef add_fn(const Labels& labels, std::int64_t start_ms, std::int64_t end_ms, std::int64_t interval_ms, F value) {
    const Storage::SeriesRef r = storage.series(labels);
    for (std::int64_t t = start_ms; t <= end_ms; t += interval_ms) storage.append(r, t, value(t));
    return r;
  }
  EvalResult eval(const std::string& expr, std::int64_t t_ms) const {
    ParseResult p = parse(expr);
    INFO(expr << (p.ok() ? "" : ": " + format_error(p.errors[0])));
    REQUIRE(p.ok());
    return evaluate(*p.expr, t_ms, storage, options);
  }
  EvalResult range(const std::string& expr, std::int64_t start_ms, std::int64_t end_ms, std::int64_t step_ms) const {
    ParseResult p = parse(expr);
    REQUIRE(p.ok());
    return evaluate_range(*p.expr, start_ms, end_ms, step_ms, storage, options);
  }
  // The instant vector's samples; fails the test on an error or another type.
  Vector vec(const std::string& expr, std::int64_t t_ms) const {
    EvalResult r = eval(expr, t_ms);
    INFO(expr << ": " << r.error);
    REQUIRE(r.ok());
    REQUIRE(r.value.type == ValueType::instant_vector);
    return r.value.vector;
  }
  // The value of the only sample.
  double one(const std::string& expr, std::int64_t t_ms) const {
    Vector v = vec(expr, t_ms);
    INFO(expr);
    REQUIRE(v.size() == 1);
    return v[0].v;
  }
  double scalar(const std::string& expr, std::int64_t t_ms) const {
    EvalResult r = eval(expr, t_ms);
    INFO(expr << ": " << r.error);
    REQUIRE(r.ok());
    REQUIRE(r.value.type == ValueType::scalar);
    return r.value.scalar;
  }
  std::string error(const std::string& expr, std::int64_t t_ms) const {
    EvalResult r = eval(expr, t_ms);
    INFO(expr);
    REQUIRE_FALSE(r.ok());
    return r.error;
  }
};

// The sample with exactly these labels; fails when absent.
double at(const Vector& v, const Labels& labels) {
  for (const Sample& s : v)
    if (s.labels == labels) return s.v;
  FAIL("no sample " << labels_text(labels));
  return 0;
}

std::vector<std::string> texts(const Vector& v) {
  std::vector<std::string> out;
  for (const Sample& s : v) out.push_back(labels_text(s.labels));
  return out;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Selectors, lookback, staleness, offsets
// ---------------------------------------------------------------------------------------------

TEST_CASE("eval: label matchers select series; regexes are anchored") {
  Db db;
  db.add(L({"__name__", "req", "job", "api", "code", "200"}), {{kT0, 1}});
  db.add(L({"__name__", "req", "job", "api", "code", "500"}), {{kT0, 2}});
  db.add(L({"__name__", "req", "job", "web", "code", "200"}), {{kT0, 3}});
  db.add(L({"__name__", "other", "job", "api"}), {{kT0, 4}});
  CHECK(db.vec("req", kT0).size() == 3);
  CHECK(db.one("req{job=\"web\"}", kT0) == 3);
  CHECK(db.vec("req{job!=\"web\"}", kT0).size() == 2);
  CHECK(db.one("req{code=~\"5..\"}", kT0) == 2);
  CHECK(db.vec("req{job=~\"ap\"}", kT0).empty());  // anchored: "ap" does not match "api"
  CHECK(db.vec("req{code!~\"2.*\",job=~\"API|x\"}", kT0).empty());
  CHECK(db.one("req{code!~\"2.*\",job=~\"(?i)API|x\"}", kT0) == 2);
  CHECK(db.vec("{job=\"api\"}", kT0).size() == 3);
  CHECK_FALSE(db.eval("req{job=~\"(\"}", kT0).ok());  // a regex that does not compile
  CHECK(db.vec("{__name__=~\"req|other\",code=\"\"}", kT0).size() == 1);  // "" matches a missing label
  // The samples keep every label, the metric name included.
  CHECK(db.vec("other", kT0)[0].labels == L({"__name__", "other", "job", "api"}));
}

TEST_CASE("eval: an instant selector looks back 5 minutes, both ends included") {
  Db db;
  db.add(L({"__name__", "g"}), {{kT0, 7}});
  CHECK(db.one("g", kT0) == 7);
  CHECK(db.one("g", kT0 + 5 * kMinute) == 7);          // exactly lookback old: still seen
  CHECK(db.vec("g", kT0 + 5 * kMinute + 1).empty());  // one millisecond more: gone
  CHECK(db.vec("g", kT0 - 1).empty());                // nothing before the first point
  db.options.lookback_ms = kMinute;
  CHECK(db.vec("g", kT0 + kMinute + 1).empty());
}

TEST_CASE("eval: a staleness marker ends a series at once; range selectors skip it") {
  Db db;
  const auto r = db.add(L({"__name__", "g"}), {{kT0, 1}, {kT0 + 10 * kSecond, 2}});
  db.storage.mark_stale(r, kT0 + 20 * kSecond);
  db.storage.append(r, kT0 + 30 * kSecond, 3);
  CHECK(db.one("g", kT0 + 19 * kSecond) == 2);
  CHECK(db.vec("g", kT0 + 20 * kSecond).empty());  // the marker is the newest point
  CHECK(db.vec("g", kT0 + 29 * kSecond).empty());
  CHECK(db.one("g", kT0 + 30 * kSecond) == 3);
  // The window [0s, 30s] holds 4 points, one of them the marker.
  CHECK(db.one("count_over_time(g[30s])", kT0 + 30 * kSecond) == 3);
  // [10s, 20s] holds the 10s point and the marker: one point.
  CHECK(db.one("count_over_time(g[10s])", kT0 + 20 * kSecond) == 1);
  // [19s, 20s]: only the marker, so no series at all.
  CHECK(db.vec("count_over_time(g[1s])", kT0 + 20 * kSecond).empty());
}

TEST_CASE("eval: offsets shift the evaluation time, negative ones forward") {
  Db db;
  db.add_fn(L({"__name__", "g"}), kT0, kT0 + 10 * kMinute, kMinute, [](std::int64_t t) { return double((t - kT0) / kMinute); });
  CHECK(db.one("g", kT0 + 5 * kMinute) == 5);
  CHECK(db.one("g offset 2m", kT0 + 5 * kMinute) == 3);
  CHECK(db.one("g offset -2m", kT0 + 5 * kMinute) == 7);
  CHECK(db.one("sum_over_time(g[1m] offset 2m)", kT0 + 5 * kMinute) == 2 + 3);
}

TEST_CASE("eval: a range selector returns the points of the closed window [t - range, t]") {
  Db db;
  db.add_fn(L({"__name__", "g", "a", "1"}), kT0, kT0 + 4 * kMinute, kMinute, [](std::int64_t t) { return double(t - kT0); });
  EvalResult r = db.eval("g[2m]", kT0 + 3 * kMinute);
  REQUIRE(r.ok());
  REQUIRE(r.value.type == ValueType::range_vector);
  REQUIRE(r.value.matrix.size() == 1);
  const std::vector<Point>& pts = r.value.matrix[0].points;
  REQUIRE(pts.size() == 3);  // 1m, 2m and 3m: both edges included
  CHECK(pts.front().t_ms == kT0 + kMinute);
  CHECK(pts.back().t_ms == kT0 + 3 * kMinute);
  CHECK(r.value.matrix[0].labels == L({"__name__", "g", "a", "1"}));
}

// ---------------------------------------------------------------------------------------------
// [SECTION] rate, increase, delta, irate, idelta
// ---------------------------------------------------------------------------------------------

TEST_CASE("eval: rate of a counter growing 1/s, scraped every 15 s, is exactly 1") {
  Db db;
  db.add_fn(L({"__name__", "c_total", "job", "a"}), kT0, kT0 + 20 * kMinute, 15 * kSecond,
            [](std::int64_t t) { return double(t - kT0) / 1000; });
  // [5m, 10m] holds 21 points spanning exactly the window: no extrapolation needed.
  CHECK(db.one("rate(c_total[5m])", kT0 + 10 * kMinute) == 1);
  CHECK(db.one("increase(c_total[5m])", kT0 + 10 * kMinute) == 300);
  // Not on a scrape: [10m 7s - 5m, 10m 7s] spans 4m45s of points, 7 s to the end, 8 s to the
  // start; both gaps are under 1.1 intervals, so the increase extrapolates to the edges and
  // the rate is still 1.
  CHECK(db.one("rate(c_total[5m])", kT0 + 10 * kMinute + 7 * kSecond) == Approx(1).epsilon(1e-12));
  // The metric name goes.
  CHECK(db.vec("rate(c_total[5m])", kT0 + 10 * kMinute)[0].labels == L({"job", "a"}));
}

TEST_CASE("eval: rate extrapolates by Prometheus's formula, never below the counter's zero") {
  Db db;
  // Counter = t - 4 (seconds from kT0), scraped at 5, 20, 35, 50 s: values 1, 16, 31, 46.
  db.add(L({"__name__", "c_total"}), {{kT0 + 5000, 1}, {kT0 + 20000, 16}, {kT0 + 35000, 31}, {kT0 + 50000, 46}});
  // Result = change * (extrapolated interval / sampled interval) [/ range in seconds], in
  // that order of operations.
  // Window [0, 60 s]: change 45 over a sampled 45 s, average interval 15 s (threshold
  // 16.5 s). To the end: 10 s < 16.5, extrapolate fully. To the start: 5 s, but the counter
  // reaches zero 45 * (1 / 45) = 1 s before the first point, so only 1 s.
  const double sampled = 45;
  CHECK(db.one("increase(c_total[1m])", kT0 + 60000) == 45 * ((sampled + 1 + 10) / sampled));
  CHECK(db.one("rate(c_total[1m])", kT0 + 60000) == 45 * ((sampled + 1 + 10) / sampled / 60));
  // Window [-40 s, 80 s]: 30 s to the end exceeds 16.5 s, so half an interval (7.5 s); the
  // start is still clamped to the zero point 1 s away.
  CHECK(db.one("increase(c_total[2m])", kT0 + 80000) == 45 * ((sampled + 1 + 7.5) / sampled));
  // delta() neither adds resets nor stops at zero: 45 s to the start, half an interval.
  CHECK(db.one("delta(c_total[2m])", kT0 + 80000) == 45 * ((sampled + 7.5 + 7.5) / sampled));
  CHECK(db.one("delta(c_total[1m])", kT0 + 60000) == 45 * ((sampled + 5 + 10) / sampled));
  // A single point gives nothing.
  CHECK(db.vec("rate(c_total[10s])", kT0 + 55000).empty());
}

TEST_CASE("eval: counter resets are added back; delta and idelta see raw differences") {
  Db db;
  db.add(L({"__name__", "c_total"}), {{kT0, 10}, {kT0 + 10000, 20}, {kT0 + 20000, 5}, {kT0 + 30000, 15}});
  // Raw change 15 - 10 = 5, plus the 20 lost at the reset; the points span the window
  // [0, 30 s] exactly.
  CHECK(db.one("increase(c_total[30s])", kT0 + 30000) == 25);
  CHECK(db.one("delta(c_total[30s])", kT0 + 30000) == 5);
  // irate and idelta use the last two points: 5 -> 15 over 10 s.
  CHECK(db.one("irate(c_total[30s])", kT0 + 30000) == 1);
  CHECK(db.one("idelta(c_total[30s])", kT0 + 30000) == 10);
  // At 20 s the last two are 20 -> 5: a reset, so irate counts from zero: 5 / 10 s.
  CHECK(db.one("irate(c_total[30s])", kT0 + 20000) == 0.5);
  CHECK(db.one("idelta(c_total[30s])", kT0 + 20000) == -15);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Functions over time
// ---------------------------------------------------------------------------------------------

TEST_CASE("eval: *_over_time aggregate each series' window") {
  Db db;
  const double values[] = {2, 4, 4, 4, 5, 5, 7, 9};
  const auto r = db.storage.series(L({"__name__", "g", "a", "x"}));
  for (int i = 0; i < 8; ++i) db.storage.append(r, kT0 + i * 10000, values[i]);
  const std::int64_t t = kT0 + 70000;
  CHECK(db.one("avg_over_time(g[70s])", t) == 5);
  CHECK(db.one("sum_over_time(g[70s])", t) == 40);
  CHECK(db.one("min_over_time(g[70s])", t) == 2);
  CHECK(db.one("max_over_time(g[70s])", t) == 9);
  CHECK(db.one("count_over_time(g[70s])", t) == 8);
  CHECK(db.one("stdvar_over_time(g[70s])", t) == 4);  // the population variance
  CHECK(db.one("stddev_over_time(g[70s])", t) == 2);
  CHECK(db.one("last_over_time(g[70s])", t) == 9);
  CHECK(db.one("present_over_time(g[70s])", t) == 1);
  // quantile: rank q * (n - 1), interpolated: 0.5 * 7 = 3.5, halfway between 4 and 5.
  CHECK(db.one("quantile_over_time(0.5, g[70s])", t) == 4.5);
  CHECK(db.one("quantile_over_time(0.1, g[70s])", t) == Approx(2 * 0.3 + 4 * 0.7));
  CHECK(std::isinf(db.one("quantile_over_time(2, g[70s])", t)));
  CHECK(db.one("quantile_over_time(-1, g[70s])", t) == -kInf);
  // Only last_over_time keeps the metric name.
  CHECK(db.vec("last_over_time(g[70s])", t)[0].labels == L({"__name__", "g", "a", "x"}));
  CHECK(db.vec("max_over_time(g[70s])", t)[0].labels == L({"a", "x"}));
}

TEST_CASE("eval: sum_over_time is Kahan-compensated") {
  Db db;
  // 1e16, then 1 five times, then -1e16: a naive running sum loses every 1 (1e16 + 1 ==
  // 1e16 in doubles); Neumaier's compensation keeps them.
  const auto r = db.storage.series(L({"__name__", "g"}));
  const double values[] = {1e16, 1, 1, 1, 1, 1, -1e16};
  for (int i = 0; i < 7; ++i) db.storage.append(r, kT0 + i * 1000, values[i]);
  CHECK(db.one("sum_over_time(g[6s])", kT0 + 6000) == 5);
}

TEST_CASE("eval: absent and absent_over_time take labels from equality matchers") {
  Db db;
  db.add(L({"__name__", "up", "job", "a"}), {{kT0, 1}});
  CHECK(db.vec("absent(up)", kT0).empty());
  Vector v = db.vec("absent(nope{job=\"x\",code=~\"5..\",env=\"prod\"})", kT0);
  REQUIRE(v.size() == 1);
  CHECK(v[0].v == 1);
  CHECK(v[0].labels == L({"job", "x", "env", "prod"}));  // no name, no regex-matched label
  // A label matched twice is left out (Prometheus's historic behaviour).
  CHECK(db.vec("absent(nope{job=\"x\",job=\"y\",a=\"b\"})", kT0)[0].labels == L({"a", "b"}));
  CHECK(db.vec("absent(sum(nope{job=\"x\"}))", kT0)[0].labels.empty());
  CHECK(db.vec("absent_over_time(up[1m])", kT0 + 30000).empty());
  CHECK(db.vec("absent_over_time(up{job=\"a\"}[1m])", kT0 + 61000)[0].labels == L({"job", "a"}));
  CHECK(db.vec("absent_over_time(up[1m:10s])", kT0 + 10 * kMinute)[0].labels.empty());
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Other functions
// ---------------------------------------------------------------------------------------------

TEST_CASE("eval: math functions drop the name; round rounds ties up") {
  Db db;
  db.add(L({"__name__", "g", "i", "1"}), {{kT0, 2.5}});
  db.add(L({"__name__", "g", "i", "2"}), {{kT0, -2.5}});
  db.add(L({"__name__", "g", "i", "3"}), {{kT0, 1.26}});
  const Vector r = db.vec("round(g)", kT0);
  CHECK(at(r, L({"i", "1"})) == 3);
  CHECK(at(r, L({"i", "2"})) == -2);  // floor(-2.5 + 0.5)
  // round(v, 0.1) is floor(v * 10 + 0.5) / 10 (dividing by the inverse).
  CHECK(at(db.vec("round(g, 0.1)", kT0), L({"i", "3"})) == std::floor(1.26 * (1 / 0.1) + 0.5) / (1 / 0.1));
  CHECK(at(db.vec("abs(g)", kT0), L({"i", "2"})) == 2.5);
  CHECK(at(db.vec("ceil(g)", kT0), L({"i", "2"})) == -2);
  CHECK(at(db.vec("floor(g)", kT0), L({"i", "3"})) == 1);
  CHECK(at(db.vec("clamp(g, -1, 2)", kT0), L({"i", "1"})) == 2);
  CHECK(at(db.vec("clamp_min(g, 0)", kT0), L({"i", "2"})) == 0);
  CHECK(at(db.vec("clamp_max(g, 0)", kT0), L({"i", "3"})) == 0);
  CHECK(db.vec("clamp(g, 2, 1)", kT0).empty());  // max < min: nothing
  // Go's math.Min: NaN wins (std::fmin would drop it).
  CHECK(std::isnan(at(db.vec("clamp_max(g, NaN)", kT0), L({"i", "1"}))));
}

TEST_CASE("eval: sort and sort_desc order by value with NaN last and keep the name") {
  Db db;
  const double values[] = {3, kNaN, 1, 2};
  for (int i = 0; i < 4; ++i) db.add(L({"__name__", "g", "i", std::to_string(i).c_str()}), {{kT0, values[i]}});
  Vector up = db.vec("sort(g)", kT0);
  REQUIRE(up.size() == 4);
  CHECK(up[0].v == 1);
  CHECK(up[1].v == 2);
  CHECK(up[2].v == 3);
  CHECK(std::isnan(up[3].v));
  CHECK(label_value(up[0].labels, "__name__") == "g");
  Vector down = db.vec("sort_desc(g)", kT0);
  CHECK(down[0].v == 3);
  CHECK(down[2].v == 1);
  CHECK(std::isnan(down[3].v));
  // Up to 12 samples Go's sort is an insertion sort: equal values keep their input order.
  Db ties;
  const double tied[] = {2, 1, 2, 1};
  for (int i = 0; i < 4; ++i) ties.add(L({"__name__", "t", "i", std::to_string(i).c_str()}), {{kT0, tied[i]}});
  std::vector<std::string> order;
  for (const Sample& s : ties.vec("sort(t)", kT0)) order.push_back(std::string(label_value(s.labels, "i")));
  CHECK(order == std::vector<std::string>{"1", "3", "0", "2"});
}

TEST_CASE("eval: vector, scalar, time, timestamp") {
  Db db;
  db.add(L({"__name__", "g", "i", "1"}), {{kT0 + 1500, 4}});
  db.add(L({"__name__", "g", "i", "2"}), {{kT0 + 1000, 5}});
  CHECK(db.scalar("time()", kT0 + 2000) == (kT0 + 2000) / 1000.0);
  CHECK(db.vec("vector(3)", kT0)[0].labels.empty());
  CHECK(db.one("vector(3)", kT0) == 3);
  CHECK(db.scalar("scalar(g{i=\"1\"})", kT0 + 2000) == 4);
  CHECK(std::isnan(db.scalar("scalar(g)", kT0 + 2000)));  // not exactly one sample
  // A selector's samples keep their own time; a computed vector has the evaluation time.
  const Vector ts = db.vec("timestamp(g)", kT0 + 2000);
  CHECK(at(ts, L({"i", "1"})) == (kT0 + 1500) / 1000.0);
  CHECK(at(ts, L({"i", "2"})) == (kT0 + 1000) / 1000.0);
  CHECK(at(db.vec("timestamp(-g)", kT0 + 2000), L({"i", "1"})) == (kT0 + 2000) / 1000.0);
  CHECK(db.scalar("-time()", kT0) == -kT0 / 1000.0);
  EvalResult s = db.eval("\"text\"", kT0);
  REQUIRE(s.ok());
  CHECK(s.value.type == ValueType::string);
  CHECK(s.value.string == "text");
}

TEST_CASE("eval: label_replace expands groups, deletes on an empty result, keeps unmatched series") {
  Db db;
  db.add(L({"__name__", "up", "instance", "host-1:9100"}), {{kT0, 1}});
  db.add(L({"__name__", "up", "instance", "other"}), {{kT0, 1}});
  const Vector v = db.vec("label_replace(up, \"host\", \"$1\", \"instance\", \"host-(.*):.*\")", kT0);
  CHECK(texts(v) == std::vector<std::string>{"up{host=\"1\", instance=\"host-1:9100\"}", "up{instance=\"other\"}"});
  // "${1}x" is group 1 then x; "$1x" would name a group "1x" (none: empty).
  CHECK(label_value(db.vec("label_replace(up, \"h\", \"${1}x\", \"instance\", \"host-(.).*\")", kT0)[0].labels, "h") == "1x");
  CHECK(label_value(db.vec("label_replace(up, \"h\", \"$1x\", \"instance\", \"host-(.).*\")", kT0)[0].labels, "h") == "");
  CHECK(label_value(db.vec("label_replace(up, \"h\", \"$n\", \"instance\", \"(?P<n>h)ost.*\")", kT0)[0].labels, "h") == "h");
  // An empty replacement removes the label.
  CHECK(db.vec("label_replace(up, \"instance\", \"\", \"instance\", \"host.*\")", kT0)[0].labels == L({"__name__", "up"}));
  CHECK(db.error("label_replace(up, \"x\", \"y\", \"instance\", \"(\")", kT0) ==
        "invalid regular expression in label_replace(): (");
  CHECK(db.error("label_replace(up, \"1x\", \"y\", \"instance\", \".*\")", kT0) ==
        "invalid destination label name in label_replace(): 1x");
  // Two series made identical.
  CHECK(db.error("label_replace(up, \"instance\", \"x\", \"instance\", \".*\")", kT0) ==
        "vector cannot contain metrics with the same labelset");
}

// ---------------------------------------------------------------------------------------------
// [SECTION] histogram_quantile
// ---------------------------------------------------------------------------------------------

TEST_CASE("eval: histogram_quantile interpolates linearly inside the bucket that holds the rank") {
  Db db;
  // 40 observations: 10 <= 1, 10 in (1, 2], 20 in (2, 4], none above.
  const char* les[] = {"1", "2", "4", "+Inf"};
  const double counts[] = {10, 20, 40, 40};
  for (int i = 0; i < 4; ++i) db.add(L({"__name__", "lat_bucket", "job", "a", "le", les[i]}), {{kT0, counts[i]}});
  // rank = q * 40; inside bucket (lo, hi] holding c of them after `before`:
  // lo + (hi - lo) * (rank - before) / c.
  CHECK(db.one("histogram_quantile(0.25, lat_bucket)", kT0) == 0 + 1 * (10.0 / 10));
  CHECK(db.one("histogram_quantile(0.5, lat_bucket)", kT0) == 1 + 1 * (10.0 / 10));
  CHECK(db.one("histogram_quantile(0.75, lat_bucket)", kT0) == 2 + 2 * (10.0 / 20));
  CHECK(db.one("histogram_quantile(0.1, lat_bucket)", kT0) == 0 + 1 * (4.0 / 10));
  CHECK(db.vec("histogram_quantile(0.5, lat_bucket)", kT0)[0].labels == L({"job", "a"}));  // no name, no le
  CHECK(db.one("histogram_quantile(2, lat_bucket)", kT0) == kInf);
  CHECK(db.one("histogram_quantile(-1, lat_bucket)", kT0) == -kInf);
  CHECK(std::isnan(db.one("histogram_quantile(NaN, lat_bucket)", kT0)));
  // Without the +Inf bucket there is no answer.
  CHECK(std::isnan(db.one("histogram_quantile(0.5, lat_bucket{le!=\"+Inf\"})", kT0)));
}

TEST_CASE("eval: histogram_quantile's rules for +Inf, non-monotonic and duplicate buckets") {
  Db db;
  // 50 observations, 10 of them above the largest finite bound 4.
  const char* les[] = {"1", "2", "4", "+Inf"};
  const double counts[] = {10, 20, 40, 50};
  for (int i = 0; i < 4; ++i) db.add(L({"__name__", "a_bucket", "le", les[i]}), {{kT0, counts[i]}});
  // rank 49.5 lies in +Inf: the answer is the largest finite bound.
  CHECK(db.one("histogram_quantile(0.99, a_bucket)", kT0) == 4);
  // Counts that go down are raised to the running maximum: (1, 10), (2, 8 -> 10), (4, 40).
  const char* les2[] = {"1", "2", "4", "+Inf"};
  const double counts2[] = {10, 8, 40, 40};
  for (int i = 0; i < 4; ++i) db.add(L({"__name__", "b_bucket", "le", les2[i]}), {{kT0, counts2[i]}});
  // rank 20: bucket (2, 4] with 30 after 10: 2 + 2 * 10 / 30.
  CHECK(db.one("histogram_quantile(0.5, b_bucket)", kT0) == 2 + 2 * (10.0 / 30));
  // "1" and "1.0" are one bucket: their counts add.
  db.add(L({"__name__", "c_bucket", "le", "1"}), {{kT0, 5}});
  db.add(L({"__name__", "c_bucket", "le", "1.0"}), {{kT0, 5}});
  db.add(L({"__name__", "c_bucket", "le", "+Inf"}), {{kT0, 20}});
  CHECK(db.one("histogram_quantile(0.25, c_bucket)", kT0) == 1 * (5.0 / 10));
  // A first bucket with a bound <= 0 answers its bound rather than interpolating from 0.
  db.add(L({"__name__", "d_bucket", "le", "-1"}), {{kT0, 10}});
  db.add(L({"__name__", "d_bucket", "le", "+Inf"}), {{kT0, 20}});
  CHECK(db.one("histogram_quantile(0.2, d_bucket)", kT0) == -1);
  // Series without a parseable le are ignored.
  db.add(L({"__name__", "e_bucket", "le", "x"}), {{kT0, 1}});
  CHECK(db.vec("histogram_quantile(0.5, e_bucket)", kT0).empty());
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Aggregations
// ---------------------------------------------------------------------------------------------

struct AggDb : Db {
  AggDb() {
    add(L({"__name__", "m", "job", "api", "inst", "0"}), {{kT0, 1}});
    add(L({"__name__", "m", "job", "api", "inst", "1"}), {{kT0, 3}});
    add(L({"__name__", "m", "job", "web", "inst", "0"}), {{kT0, 10}});
    add(L({"__name__", "m", "job", "web", "inst", "1"}), {{kT0, 20}});
    add(L({"__name__", "m", "job", "web", "inst", "2"}), {{kT0, 30}});
  }
};

TEST_CASE("eval: aggregations by and without, the metric name dropped") {
  AggDb db;
  CHECK(db.one("sum(m)", kT0) == 64);
  CHECK(db.vec("sum(m)", kT0)[0].labels.empty());
  const Vector by_job = db.vec("sum by (job) (m)", kT0);
  CHECK(texts(by_job) == std::vector<std::string>{"{job=\"api\"}", "{job=\"web\"}"});  // first-seen order
  CHECK(at(by_job, L({"job", "web"})) == 60);
  CHECK(at(db.vec("sum without (inst) (m)", kT0), L({"job", "api"})) == 4);
  CHECK(at(db.vec("avg by (job) (m)", kT0), L({"job", "web"})) == 20);
  CHECK(at(db.vec("count by (inst) (m)", kT0), L({"inst", "0"})) == 2);
  CHECK(at(db.vec("min by (job) (m)", kT0), L({"job", "web"})) == 10);
  CHECK(at(db.vec("max by (job) (m)", kT0), L({"job", "api"})) == 3);
  // Population variance of 10, 20, 30: 200 / 3.
  CHECK(at(db.vec("stdvar by (job) (m)", kT0), L({"job", "web"})) == Approx(200.0 / 3).epsilon(1e-14));
  CHECK(at(db.vec("stddev by (job) (m)", kT0), L({"job", "api"})) == 1);
  // quantile: 0.5 of 1, 3, 10, 20, 30 is the middle; 0.9 interpolates at rank 3.6.
  CHECK(db.one("quantile(0.5, m)", kT0) == 10);
  CHECK(db.one("quantile(0.9, m)", kT0) == Approx(20 * 0.4 + 30 * 0.6));
  // by (__name__) keeps the name.
  CHECK(db.vec("sum by (__name__) (m)", kT0)[0].labels == L({"__name__", "m"}));
}

TEST_CASE("eval: topk and bottomk keep whole samples, best first") {
  AggDb db;
  const Vector top = db.vec("topk(2, m)", kT0);
  REQUIRE(top.size() == 2);
  CHECK(top[0].v == 30);
  CHECK(top[1].v == 20);
  CHECK(label_value(top[0].labels, "__name__") == "m");
  const Vector bottom = db.vec("bottomk by (job) (1, m)", kT0);
  CHECK(texts(bottom) == std::vector<std::string>{"m{inst=\"0\", job=\"api\"}", "m{inst=\"0\", job=\"web\"}"});
  // Among equal values the first seen stay (a heap top is replaced only by a larger value).
  Db ties;
  for (int i = 0; i < 4; ++i) ties.add(L({"__name__", "t", "i", std::to_string(i).c_str()}), {{kT0, 1}});
  CHECK(texts(ties.vec("topk(2, t)", kT0)) == std::vector<std::string>{"t{i=\"0\"}", "t{i=\"1\"}"});
  CHECK(db.vec("topk(0, m)", kT0).empty());
  CHECK(db.vec("topk(100, m)", kT0).size() == 5);
  CHECK(db.error("topk(NaN, m)", kT0) == "Scalar value NaN overflows int64");
}

TEST_CASE("eval: count_values counts each value under a label") {
  Db db;
  const double values[] = {1, 1, 0.1, 1e21, -1.5e-7};
  for (int i = 0; i < 5; ++i) db.add(L({"__name__", "g", "i", std::to_string(i).c_str()}), {{kT0, values[i]}});
  const Vector v = db.vec("count_values(\"v\", g)", kT0);
  // Values written as Go's FormatFloat(v, 'f', -1): shortest digits, never an exponent.
  CHECK(at(v, L({"v", "1"})) == 2);
  CHECK(at(v, L({"v", "0.1"})) == 1);
  CHECK(at(v, L({"v", "1000000000000000000000"})) == 1);
  CHECK(at(v, L({"v", "-0.00000015"})) == 1);
  CHECK(at(db.vec("count_values without (i) (\"v\", g)", kT0), L({"v", "1"})) == 2);
  CHECK(db.error("count_values(\"a b\", g)", kT0) == "invalid label name \"a b\"");
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Binary operators and vector matching
// ---------------------------------------------------------------------------------------------

TEST_CASE("eval: scalar arithmetic and comparisons") {
  Db db;
  CHECK(db.scalar("1 + 2 * 3", kT0) == 7);
  CHECK(db.scalar("2 ^ 10", kT0) == 1024);
  CHECK(db.scalar("2 ^ 3 ^ 2", kT0) == 512);  // right-associative
  CHECK(db.scalar("-5 % 3", kT0) == -2);      // the sign of the dividend
  CHECK(db.scalar("1 / 0", kT0) == kInf);
  CHECK(std::isnan(db.scalar("0 / 0", kT0)));
  CHECK(db.scalar("2 > bool 1", kT0) == 1);
  CHECK(db.scalar("2 == bool 1", kT0) == 0);
  CHECK(db.scalar("1 atan2 1", kT0) == Approx(std::atan(1.0)));
  CHECK(db.scalar("3 ^ 3", kT0) == 27);
  CHECK(db.scalar("2 ^ 0.5", kT0) == std::sqrt(2.0));
  CHECK(db.scalar("2 ^ -1", kT0) == 0.5);
}

TEST_CASE("eval: vector and scalar: arithmetic drops the name, filters keep the vector's value") {
  Db db;
  db.add(L({"__name__", "g", "i", "1"}), {{kT0, 5}});
  db.add(L({"__name__", "g", "i", "2"}), {{kT0, 15}});
  CHECK(db.vec("g * 2", kT0)[1].v == 30);
  CHECK(db.vec("g * 2", kT0)[0].labels == L({"i", "1"}));
  CHECK(db.vec("20 - g", kT0)[0].v == 15);
  const Vector filtered = db.vec("10 < g", kT0);  // the scalar on the left: still g's value
  REQUIRE(filtered.size() == 1);
  CHECK(filtered[0].v == 15);
  CHECK(filtered[0].labels == L({"__name__", "g", "i", "2"}));
  const Vector as_bool = db.vec("g > bool 10", kT0);
  CHECK(as_bool[0].v == 0);
  CHECK(as_bool[1].v == 1);
  CHECK(as_bool[0].labels == L({"i", "1"}));
  // atan2 is not among the operators that drop the name in Prometheus 2.42.
  CHECK(label_value(db.vec("g atan2 1", kT0)[0].labels, "__name__") == "g");
  CHECK(db.vec("-g", kT0)[0].labels == L({"i", "1"}));
  CHECK(db.vec("-g", kT0)[0].v == -5);
}

struct MatchDb : Db {
  MatchDb() {
    add(L({"__name__", "req", "job", "api", "inst", "0", "code", "200"}), {{kT0, 10}});
    add(L({"__name__", "req", "job", "api", "inst", "0", "code", "500"}), {{kT0, 2}});
    add(L({"__name__", "req", "job", "api", "inst", "1", "code", "200"}), {{kT0, 20}});
    add(L({"__name__", "lim", "job", "api", "inst", "0"}), {{kT0, 100}});
    add(L({"__name__", "lim", "job", "api", "inst", "1"}), {{kT0, 200}});
    add(L({"__name__", "info", "inst", "0", "version", "v1"}), {{kT0, 1}});
    add(L({"__name__", "info", "inst", "1", "version", "v2"}), {{kT0, 1}});
  }
};

TEST_CASE("eval: one-to-one matching on all labels, on (...) or ignoring (...)") {
  MatchDb db;
  const Vector ratio = db.vec("req{code=\"500\"} / ignoring(code) req{code=\"200\"}", kT0);
  REQUIRE(ratio.size() == 1);
  CHECK(ratio[0].v == 0.2);
  CHECK(ratio[0].labels == L({"job", "api", "inst", "0"}));  // ignoring: code dropped
  const Vector on = db.vec("req{code=\"200\"} / on(inst) lim", kT0);
  CHECK(at(on, L({"inst", "1"})) == 0.1);  // on: only the on labels remain
  CHECK(db.vec("req / lim", kT0).empty());  // the label sets differ
  // One-to-one, even a filter returns only the on (...) labels, or drops the ignoring (...)
  // ones (but keeps the name).
  const Vector cmp_on = db.vec("req{code=\"200\"} < on(job, inst) lim", kT0);
  CHECK(cmp_on.size() == 2);
  CHECK(cmp_on[0].labels == L({"job", "api", "inst", "0"}));
  CHECK(cmp_on[0].v == 10);
  CHECK(db.vec("req{code=\"200\"} < ignoring(code) lim", kT0)[0].labels == L({"__name__", "req", "job", "api", "inst", "0"}));
  // With group_left, a filter keeps the left side whole.
  const Vector cmp_many = db.vec("req < on(job, inst) group_left lim", kT0);
  CHECK(cmp_many.size() == 3);
  CHECK(cmp_many[1].labels == L({"__name__", "req", "job", "api", "inst", "0", "code", "500"}));
}

TEST_CASE("eval: group_left and group_right copy the listed labels from the one side") {
  MatchDb db;
  const Vector v = db.vec("req * on(inst) group_left(version) info", kT0);
  REQUIRE(v.size() == 3);
  CHECK(at(v, L({"job", "api", "inst", "0", "code", "500", "version", "v1"})) == 2);
  CHECK(at(v, L({"job", "api", "inst", "1", "code", "200", "version", "v2"})) == 20);
  const Vector right = db.vec("info * on(inst) group_right(version) req", kT0);
  CHECK(at(right, L({"job", "api", "inst", "0", "code", "200", "version", "v1"})) == 10);
  // Share of each code in its instance: many-to-one division.
  const Vector share = db.vec("req / on(job, inst) group_left sum by (job, inst) (req)", kT0);
  CHECK(at(share, L({"job", "api", "inst", "0", "code", "200"})) == 10.0 / 12);
}

TEST_CASE("eval: matching errors are Prometheus's") {
  MatchDb db;
  CHECK(db.error("lim / on(job) req", kT0) ==
        "found duplicate series for the match group {job=\"api\"} on the right hand-side of the operation: "
        "[{__name__=\"req\", code=\"500\", inst=\"0\", job=\"api\"}, {__name__=\"req\", code=\"200\", inst=\"0\", job=\"api\"}]"
        ";many-to-many matching not allowed: matching labels must be unique on one side");
  CHECK(db.error("req / on(job) group_right lim", kT0).find("on the left hand-side") != std::string::npos);
  CHECK(db.error("req / on(inst) lim", kT0) ==
        "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
  // group_left(code) takes code from lim, which has none: req's two inst 0 series collide.
  CHECK(db.error("req / on(inst) group_left(code) lim", kT0) ==
        "multiple matches for labels: grouping labels must ensure unique matches");
  // Without the name, the req and lim sums of an instance have the same labels.
  CHECK(db.error("sum by (__name__, inst) ({__name__=~\"req|lim\"}) * 1", kT0) ==
        "vector cannot contain metrics with the same labelset");
  // Matches that a filter drops do not count: of inst 0's two req series only 10 > 5 stays.
  const Vector kept = db.vec("req > on(inst) (lim - 95)", kT0);
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].v == 10);
}

TEST_CASE("eval: and, or, unless match on label sets and keep the left side") {
  MatchDb db;
  CHECK(texts(db.vec("req and on(inst) info{version=\"v2\"}", kT0)) ==
        std::vector<std::string>{"req{code=\"200\", inst=\"1\", job=\"api\"}"});
  CHECK(db.vec("req unless on(inst) info{version=\"v2\"}", kT0).size() == 2);
  const Vector either = db.vec("lim or on(inst) info", kT0);  // info's instances are all in lim
  CHECK(either.size() == 2);
  CHECK(db.vec("lim or info", kT0).size() == 4);
  CHECK(db.vec("lim and nope", kT0).empty());
  CHECK(db.vec("nope or lim", kT0).size() == 2);
  CHECK(db.vec("lim unless nope", kT0).size() == 2);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Subqueries
// ---------------------------------------------------------------------------------------------

TEST_CASE("eval: subquery steps are absolute multiples of the step inside [t - offset - range, t - offset]") {
  Db db;
  // g = seconds since the epoch start of the data, every 10 s.
  db.add_fn(L({"__name__", "g"}), kT0, kT0 + 10 * kMinute, 10 * kSecond, [](std::int64_t t) { return double(t - kT0) / 1000; });
  // kT0 is a multiple of 20 s, so the steps are kT0 + 20 k. At kT0 + 70 s, [10 s, 70 s]: steps
  // 20, 40, 60 s, each seeing g's latest value.
  CHECK(db.one("sum_over_time(g[1m:20s])", kT0 + 70000) == 20 + 40 + 60);
  CHECK(db.one("count_over_time(g[1m:20s])", kT0 + 70000) == 3);
  // At kT0 + 80 s: [20 s, 80 s] includes both edges: 20, 40, 60, 80.
  CHECK(db.one("sum_over_time(g[1m:20s])", kT0 + 80000) == 20 + 40 + 60 + 80);
  // offset 5 s: [15 s, 75 s]: 20, 40, 60 again; the inner selector looks back from each step.
  CHECK(db.one("sum_over_time(g[1m:20s] offset 5s)", kT0 + 80000) == 20 + 40 + 60);
  // Step 15 s at kT0 + 50 s: [-10 s, 50 s] aligned to multiples of 15 s since the epoch.
  double expected = 0;
  for (std::int64_t t = ((kT0 - 10000) / 15000 + 1) * 15000; t <= kT0 + 50000; t += 15000)
    if (t >= kT0) expected += double((t - kT0) / 10000 * 10);  // the latest 10 s point
  CHECK(db.one("sum_over_time(g[1m:15s])", kT0 + 50000) == expected);
  // No step: options.default_subquery_step_ms.
  db.options.default_subquery_step_ms = 30000;
  CHECK(db.one("count_over_time(g[2m:])", kT0 + 5 * kMinute) == 5);
  // rate over a subquery uses the subquery's range for extrapolation: g grows 1/s.
  CHECK(db.one("rate(g[1m:10s])", kT0 + 5 * kMinute) == 1);
  // Nested: the inner one re-evaluated at each outer step.
  CHECK(db.one("max_over_time(sum_over_time(g[20s:10s])[30s:10s])", kT0 + 100000) == 80 + 90 + 100);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Range queries
// ---------------------------------------------------------------------------------------------

TEST_CASE("eval: a range query gathers each step's samples by label set, sorted by labels") {
  Db db;
  db.add(L({"__name__", "g", "i", "2"}), {{kT0, 2}});
  db.add(L({"__name__", "g", "i", "1"}), {{kT0 + kMinute, 1}});
  EvalResult r = db.range("g", kT0, kT0 + 2 * kMinute, kMinute);
  REQUIRE(r.ok());
  REQUIRE(r.value.matrix.size() == 2);
  CHECK(label_value(r.value.matrix[0].labels, "i") == "1");  // sorted, not creation order
  CHECK(r.value.matrix[0].points.size() == 2);               // from 1m on
  CHECK(r.value.matrix[1].points.size() == 3);
  CHECK(r.value.matrix[1].points[2].t_ms == kT0 + 2 * kMinute);
  CHECK(r.value.matrix[1].points[2].v == 2);
  // A scalar becomes one series without labels.
  EvalResult s = db.range("time()", kT0, kT0 + kMinute, 30000);
  REQUIRE(s.ok());
  REQUIRE(s.value.matrix.size() == 1);
  CHECK(s.value.matrix[0].labels.empty());
  CHECK(s.value.matrix[0].points[1].v == (kT0 + 30000) / 1000.0);
  CHECK(db.range("g[1m]", kT0, kT0, 1000).error ==
        "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector");
  CHECK_FALSE(db.range("g", kT0, kT0 + 1000, 0).ok());
}

TEST_CASE("eval: series that collide once the name is dropped fail across the whole range") {
  Db db;
  // a in the first minute, b in the second: never at the same step.
  db.add_fn(L({"__name__", "a", "i", "1"}), kT0, kT0 + 50000, 10000, [](std::int64_t) { return 1.0; });
  db.add_fn(L({"__name__", "b", "i", "1"}), kT0 + 60000, kT0 + 120000, 10000, [](std::int64_t) { return 2.0; });
  db.options.lookback_ms = 5000;
  // Each instant sees one of them: fine.
  CHECK(db.one("-{__name__=~\"a|b\"}", kT0 + 30000) == -1);
  CHECK(db.one("-{__name__=~\"a|b\"}", kT0 + 90000) == -2);
  // Prometheus checks the negated or rated matrix as a whole in a range evaluation: an error.
  CHECK(db.range("-{__name__=~\"a|b\"}", kT0, kT0 + 120000, 10000).error ==
        "vector cannot contain metrics with the same labelset");
  // [20s] at 60 s holds a's 40 s and 50 s points and b's 60 s one: a collision at one instant.
  CHECK(db.error("max_over_time({__name__=~\"a|b\"}[20s])", kT0 + 60000) ==
        "vector cannot contain metrics with the same labelset");
  // [5s] windows never hold both a and b.
  CHECK(db.one("max_over_time({__name__=~\"a|b\"}[5s])", kT0 + 60000) == 2);
  CHECK(db.range("max_over_time({__name__=~\"a|b\"}[5s])", kT0, kT0 + 120000, 10000).error ==
        "vector cannot contain metrics with the same labelset");
  // Likewise inside a subquery, even in an instant query.
  CHECK(db.error("max_over_time(max_over_time({__name__=~\"a|b\"}[5s])[2m:10s])", kT0 + 120000) ==
        "vector cannot contain metrics with the same labelset");
  // A subquery in a range query is evaluated once over all the outer steps' windows, as in
  // Prometheus: here the windows of the two outer steps (0 s and 120 s) each hold one of a
  // and b, but the subquery's single evaluation over [-10 s, 120 s] holds both.
  CHECK(db.one("max_over_time(max_over_time({__name__=~\"a|b\"}[5s])[10s:10s])", kT0) == 1);
  CHECK(db.one("max_over_time(max_over_time({__name__=~\"a|b\"}[5s])[10s:10s])", kT0 + 120000) == 2);
  CHECK(db.range("max_over_time(max_over_time({__name__=~\"a|b\"}[5s])[10s:10s])", kT0, kT0 + 120000, 120000).error ==
        "vector cannot contain metrics with the same labelset");
  // Functions of instant vectors check step by step only.
  CHECK(db.range("abs({__name__=~\"a|b\"})", kT0, kT0 + 120000, 10000).ok());
}


// ---------------------------------------------------------------------------------------------
// [SECTION] What evaluations keep (QueryCache) and read in place
// ---------------------------------------------------------------------------------------------

// Evaluates each text (parsed anew, as separate rules are) at t with one cache.
struct Cached {
  const Storage& storage;
  QueryCache cache;
  std::vector<ParseResult> parsed;  // the trees the cache's entries point into
  explicit Cached(const Storage& s) : storage(s) {}
  Vector vec(const std::string& expr, std::int64_t t_ms) {
    parsed.push_back(parse(expr));
    REQUIRE(parsed.back().ok());
    EvalResult r = evaluate(*parsed.back().expr, t_ms, storage, {}, &cache);
    INFO(expr << ": " << r.error);
    REQUIRE(r.ok());
    return r.value.vector;
  }
  Vector again(std::size_t i, std::int64_t t_ms) {
    EvalResult r = evaluate(*parsed[i].expr, t_ms, storage, {}, &cache);
    REQUIRE(r.ok());
    return r.value.vector;
  }
};

TEST_CASE("eval: a cached selection takes in the series created after it was made") {
  Db db;
  db.add_fn(L({"__name__", "c", "k", "a"}), kT0, kT0 + 10 * kMinute, 15 * kSecond, [](std::int64_t t) { return t / 1000.0; });
  Cached cached(db.storage);
  CHECK(cached.vec("sum(rate(c[5m]))", kT0 + 10 * kMinute).size() == 1);
  CHECK(cached.vec("c", kT0 + 10 * kMinute).size() == 1);
  db.add_fn(L({"__name__", "c", "k", "b"}), kT0, kT0 + 10 * kMinute, 15 * kSecond, [](std::int64_t t) { return t / 500.0; });
  db.add(L({"__name__", "other", "k", "c"}), {{kT0 + 10 * kMinute, 1}});
  // The same trees again: the new series of c count, the other metric's does not.
  CHECK(cached.again(1, kT0 + 10 * kMinute).size() == 2);
  const Vector sum = cached.again(0, kT0 + 10 * kMinute);
  REQUIRE(sum.size() == 1);
  CHECK(sum[0].v == Approx(1.0 + 2.0));  // 1/s and 2/s
}

TEST_CASE("eval: calls written alike share values at one time, until a selected series gains a point") {
  Db db;
  const Storage::SeriesRef c = db.add_fn(L({"__name__", "c", "k", "a"}), kT0, kT0 + 10 * kMinute - 15 * kSecond,
                                         15 * kSecond, [](std::int64_t t) { return static_cast<double>(t - kT0) / 1000; });
  Cached cached(db.storage);
  const std::int64_t t = kT0 + 10 * kMinute;
  const double before = cached.vec("sum(increase(c[5m]))", t)[0].v;
  // A rule between two others writes c's point at t (as a recording rule writing into a
  // selected series would): the second evaluation must see it, not the first's values.
  db.storage.append(c, t, 1000);
  const double after = cached.vec("sum(increase(c[5m]))", t)[0].v;
  CHECK(after != before);
  CHECK(after == db.one("sum(increase(c[5m]))", t));  // as an evaluation without a cache
}

TEST_CASE("eval: aggregations and histograms written alike share values at one time, until a series gains a point") {
  Db db;
  const char* bounds[] = {"0.1", "0.5", "1", "+Inf"};
  std::vector<Storage::SeriesRef> buckets;
  for (int b = 0; b < 4; ++b)
    buckets.push_back(db.add_fn(L({"__name__", "h_bucket", "le", bounds[b]}), kT0, kT0 + 10 * kMinute - 15 * kSecond,
                                15 * kSecond, [&](std::int64_t t) { return static_cast<double>((t - kT0) / 1000 * (b + 1)); }));
  const std::int64_t t = kT0 + 10 * kMinute;
  Cached cached(db.storage);
  // Three rules over one aggregation, as p50, p90 and a sum: each equals its evaluation alone.
  const char* exprs[] = {"histogram_quantile(0.5, sum by (le) (rate(h_bucket[5m])))",
                         "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))", "sum by (le) (rate(h_bucket[5m]))"};
  for (const char* e : exprs) {
    INFO(e);
    const Vector v = cached.vec(e, t);
    REQUIRE(!v.empty());
    CHECK(v[0].v == db.vec(e, t)[0].v);
  }
  CHECK(cached.again(0, t)[0].v != cached.again(1, t)[0].v);
  // A rule writes a point into one bucket at t: every later rule must see it.
  const double p50_before = cached.again(0, t)[0].v;
  db.storage.append(buckets[0], t, 1e6);
  for (std::size_t i = 0; i < 2; ++i) {
    INFO(exprs[i]);
    CHECK(cached.again(i, t)[0].v == db.vec(exprs[i], t)[0].v);
  }
  CHECK(cached.again(0, t)[0].v != p50_before);
}

TEST_CASE("eval: an aggregation over a range function equals the same aggregation of its samples") {
  // sum by (...) (rate(x[5m])) and histogram_quantile over it are taken from the store; `* 1`
  // forces the sample-by-sample path. Both must agree to the bit.
  Db db;
  const char* services[] = {"api", "web"};
  const char* bounds[] = {"0.1", "0.5", "1", "+Inf"};
  for (int s = 0; s < 2; ++s)
    for (int b = 0; b < 4; ++b)
      for (const char* tenant : {"t1", "t2", "t3"})
        db.add_fn(L({"__name__", "h_bucket", "service", services[s], "le", bounds[b], "tenant", tenant}), kT0,
                  kT0 + 20 * kMinute, 15 * kSecond, [&](std::int64_t t) {
                    return std::floor(static_cast<double>(t - kT0) / 1000 * (b + 1) * (s + 1) * (tenant[1] - '0') / 7.0);
                  });
  const std::int64_t t = kT0 + 20 * kMinute;
  for (const char* agg : {"sum", "avg", "min", "max", "count", "stddev", "stdvar"}) {
    for (const char* grouping : {"by (service)", "without (tenant)", "by (le)", ""}) {
      const std::string in = std::string(agg) + " " + grouping + " (rate(h_bucket[5m]))";
      const std::string forced = std::string(agg) + " " + grouping + " (rate(h_bucket[5m]) * 1)";
      INFO(in);
      const Vector a = db.vec(in, t), b = db.vec(forced, t);
      REQUIRE(texts(a) == texts(b));
      for (std::size_t i = 0; i < a.size(); ++i) CHECK(std::memcmp(&a[i].v, &b[i].v, sizeof(double)) == 0);
    }
  }
  for (const char* q : {"0.5", "0.9", "0.99"}) {
    const std::string in = std::string("histogram_quantile(") + q + ", sum by (le, service) (rate(h_bucket[5m])))";
    const std::string forced = std::string("histogram_quantile(") + q + ", sum by (le, service) (rate(h_bucket[5m]) * 1))";
    INFO(in);
    const Vector a = db.vec(in, t), b = db.vec(forced, t);
    REQUIRE(texts(a) == texts(b));
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].v == b[i].v);
  }
}

TEST_CASE("eval: rate adds back a counter reset wherever the window has one, as a full scan does") {
  // The store keeps the times of the points that fell below the one before, so that a window
  // without one needs no scan. A stale marker long before the windows makes the second
  // series take the copying path, which scans every point: both must agree.
  Db db;
  auto value = [](std::int64_t t) {
    const std::int64_t s = (t - kT0) / 1000;
    return static_cast<double>(s < 300 ? s * 2 : s < 600 ? s - 300 : s * 3 - 1500);  // resets at 5m and at 10m
  };
  db.add_fn(L({"__name__", "c", "path", "indexed"}), kT0, kT0 + 20 * kMinute, 15 * kSecond, value);
  const Storage::SeriesRef scanned = db.storage.series(L({"__name__", "c", "path", "scanned"}));
  db.storage.append(scanned, kT0 - kMinute, 0);
  db.storage.mark_stale(scanned, kT0 - 30 * kSecond);
  for (std::int64_t t = kT0; t <= kT0 + 20 * kMinute; t += 15 * kSecond) db.storage.append(scanned, t, value(t));
  // Windows holding no reset, one at their first point (which does not count), one inside.
  for (std::int64_t end = kT0 + 2 * kMinute; end <= kT0 + 20 * kMinute; end += 15 * kSecond) {
    INFO("window ending " << (end - kT0) / 1000 << " s");
    const double indexed = db.one("rate(c{path=\"indexed\"}[3m])", end);
    const double full = db.one("rate(c{path=\"scanned\"}[3m])", end);
    CHECK(std::memcmp(&indexed, &full, sizeof(double)) == 0);
  }
}

// A ring of rows like the time-series rows' (metrics/registry.h): `capacity` slots of
// `columns` values, the oldest overwritten once it is full.
struct RowRing : ColumnSource {
  std::size_t columns, capacity, first = 0, rows = 0;
  std::vector<std::int64_t> times_us;
  std::vector<double> values;
  RowRing(std::size_t c, std::size_t cap) : columns(c), capacity(cap), times_us(cap), values(c * cap) {}
  void add(std::int64_t t_us, const std::vector<double>& row) {
    const std::size_t at = (first + rows) % capacity;
    times_us[at] = t_us;
    for (std::size_t k = 0; k < columns; ++k) values[at * columns + k] = row[k];
    if (rows < capacity) ++rows;
    else first = (first + 1) % capacity;
  }
  ColumnRing ring() const override { return {times_us.data(), values.data(), columns, capacity, first, rows, kT0}; }
};

TEST_CASE("eval: a column of the rows reads as the same points kept as a series") {
  // The store copies the part of a column that windows read, row by row as rows come: it
  // must give what a series holding the ring's points gives, as the ring wraps and drops
  // rows, for windows longer than the ring and for a wider window after narrower ones.
  RowRing rows(3, 40);  // 40 rows of 15 s: the ring keeps 9 min 45 s
  Storage columns;
  columns.set_column_source(&rows);
  columns.column_series(L({"__name__", "c"}), 1);
  Storage kept(39 * 15 * kSecond);  // a series' retention to match
  const Storage::SeriesRef p = kept.series(L({"__name__", "c"}));
  QueryCache cache;
  const char* exprs[] = {"rate(c[1m])",      "max_over_time(c[2m])", "avg_over_time(c[5m])",
                         "increase(c[20m])", "rate(c[1m])",          "sum_over_time(c[8m])"};
  std::vector<ParseResult> parsed;
  for (const char* e : exprs) parsed.push_back(parse(e));
  int compared = 0;
  for (int i = 0; i < 200; ++i) {
    const std::int64_t t_ms = kT0 + i * 15 * kSecond;
    const double v = static_cast<double>((i % 70) * (i % 70) + i % 3);  // resets at 70 and 140
    rows.add(i * 15 * kSecond * 1000, {-1.0, v, 1e9});
    kept.append(p, t_ms, v);
    if (i % 2 != 0) continue;
    // Some times only some expressions, so that the copy must reach back further later.
    for (std::size_t k = 0; k < parsed.size(); ++k) {
      if ((i / 2 + static_cast<int>(k)) % 3 == 0) continue;
      INFO(exprs[k] << " at row " << i);
      const EvalResult a = evaluate(*parsed[k].expr, t_ms, columns, {}, &cache);
      const EvalResult b = evaluate(*parsed[k].expr, t_ms, kept, {});
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      REQUIRE(a.value.vector.size() == b.value.vector.size());
      for (std::size_t j = 0; j < a.value.vector.size(); ++j) {
        CHECK(std::memcmp(&a.value.vector[j].v, &b.value.vector[j].v, sizeof(double)) == 0);
        ++compared;
      }
    }
  }
  CHECK(compared > 300);
}

TEST_CASE("eval: a series' points survive the buffer reclaiming its dropped front") {
  Storage st(10 * kMinute);  // retention: 10 minutes
  const Storage::SeriesRef r = st.series(L({"__name__", "g"}));
  for (int i = 0; i <= 2000; ++i) st.append(r, kT0 + i * 15 * kSecond, i);
  std::vector<Point> pts;
  st.points(r, INT64_MIN, INT64_MAX, pts);
  // 10 minutes of 15 s points behind the newest, and the newest.
  REQUIRE(pts.size() == 41);
  for (std::size_t k = 0; k < pts.size(); ++k) {
    CHECK(pts[k].t_ms == kT0 + static_cast<std::int64_t>(1960 + k) * 15 * kSecond);
    CHECK(pts[k].v == static_cast<double>(1960 + k));
  }
  CHECK(st.point_count() == 41);
}

}  // namespace
