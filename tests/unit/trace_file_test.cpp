// Traffic traces users bring (a CSV or a Prometheus query_range export) and the options of
// every trace pattern (unit, scale, shift, repeat): what the loader reads, what the arrival
// process makes of it, and how bad files are refused.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/random.h"
#include "scenario/loader.h"
#include "scenario/trace_file.h"
#include "sim/load_model.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

// One tenant's load on a service with room for all of it, its pattern as given.
std::string scenario(const std::string& pattern, const std::string& duration = "2h") {
  return R"({"schema": "opsim/1", "name": "trace", "duration": ")" + duration + R"(", "seed": 23,
    "monitoring": {"scrape_interval": "1m"},
    "services": [{"id": "s", "instance": {"concurrency": 1000}, "instances": {"initial": 2, "max": 2}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "10ms"}}],
    "tenants": [{"id": "t", "quota": {"max_requests_per_minute": 100000000},
                 "load": [{"agent": "a", "patterns": [)" + pattern + R"(]}]}]})";
}

LoadResult load(const std::string& text, const FileReader& reader) {
  LoadResult r = load_scenario(text, reader);
  std::string errors;
  for (const auto& d : r.errors) errors += format_diagnostic(d, "scenario.json", "error") + "\n";
  INFO(errors);
  REQUIRE(r.ok);
  return r;
}

const PatternSpec& trace_of(const LoadResult& r) { return r.scenario.tenants[0].load[0].patterns[0]; }

std::string first_error(const std::string& text, const FileReader& reader) {
  const LoadResult r = load_scenario(text, reader);
  REQUIRE_FALSE(r.ok);
  return format_diagnostic(r.errors.front(), "scenario.json", "error");
}

// Arrivals per scrape interval (the requests_total column's increments).
struct Arrivals : SimObserver {
  int col = -1;
  double last = 0;
  std::vector<double> per_scrape;
  void on_sample(SimTime, const std::vector<double>& row) override {
    const double total = row[static_cast<std::size_t>(col)];
    per_scrape.push_back(total - last);
    last = total;
  }
  void on_log(const LogEvent&) override {}
};

}  // namespace

TEST_CASE("A CSV trace in Unix seconds drives arrivals: its integral in total, its shape per interval") {
  // Two hours, a point a minute: a slow wave from 5 to 45 requests per second with a step.
  std::string csv = "timestamp,value\n";
  std::vector<double> rate;
  for (int m = 0; m <= 120; ++m) {
    const double r = 25 + 20 * std::sin(m / 9.0) + (m >= 60 && m < 75 ? 30 : 0);
    rate.push_back(r);
    csv += std::to_string(1767600000 + 60 * m) + "," + std::to_string(r) + "\n";
  }
  const LoadResult r = load(scenario(R"({"type": "trace", "file": "load.csv"})"), test::named_files({{"load.csv", csv}}));
  const PatternSpec& p = trace_of(r);
  REQUIRE(p.points.size() == 121);
  CHECK(p.points[1].first == kMicrosPerMinute);  // times from the first row

  Simulation sim(r.scenario, r.scenario.seed);
  Arrivals arrivals;
  arrivals.col = sim.metrics().find("requests_total");
  REQUIRE(arrivals.col >= 0);
  sim.add_observer(&arrivals);
  sim.run();
  // The integral of the piecewise-linear rate: trapezoids between the points.
  double integral = 0;
  for (std::size_t i = 1; i < rate.size(); ++i) integral += 60 * (rate[i - 1] + rate[i]) / 2;
  const double total = test::metric(sim, "requests_total");
  CHECK(std::fabs(total - integral) < 0.02 * integral);
  CHECK(std::fabs(total - integral) < 4 * std::sqrt(integral));  // as close as Poisson noise allows
  // Per 10 minutes, each interval's count follows the trace's own integral there.
  REQUIRE(arrivals.per_scrape.size() >= 120);
  for (int k = 0; k < 12; ++k) {
    double expected = 0, got = 0;
    for (int m = 10 * k; m < 10 * k + 10; ++m) {
      expected += 60 * (rate[static_cast<std::size_t>(m)] + rate[static_cast<std::size_t>(m) + 1]) / 2;
      got += arrivals.per_scrape[static_cast<std::size_t>(m)];
    }
    INFO("minutes " << 10 * k << " to " << 10 * k + 10);
    CHECK(std::fabs(got - expected) < 4 * std::sqrt(expected) + 1);
  }
}

TEST_CASE("A CSV trace's options: ISO times, a named column, per minute, scale, shift") {
  const std::string csv =
      "region,timestamp,requests_per_minute,errors\r\n"
      "eu,2025-03-01T00:00:00Z,600,1\r\n"
      "eu,2025-03-01T00:30:00Z,1200,2\r\n"
      "\r\n"
      "eu,2025-03-01T01:00:00Z,300,0\r\n";
  const LoadResult r = load(
      scenario(R"({"type": "trace", "file": "x.csv", "column": "requests_per_minute", "unit": "per_minute", "scale": 2, "shift": "15m"})"),
      test::named_files({{"x.csv", csv}}));
  const PatternSpec& p = trace_of(r);
  REQUIRE(p.points.size() == 3);
  CHECK(p.points[0] == std::make_pair(SimTime{0}, 20.0));
  CHECK(p.points[1] == std::make_pair(30 * kMicrosPerMinute, 40.0));
  CHECK(p.points[2] == std::make_pair(60 * kMicrosPerMinute, 10.0));
  LoadSpec l = r.scenario.tenants[0].load[0];
  const Calendar cal;
  CHECK(load_rate(l, cal, 0) == 20);                       // before the trace starts: its first rate
  CHECK(load_rate(l, cal, 30 * kMicrosPerMinute) == 30);   // 15 minutes in
  CHECK(load_rate(l, cal, 45 * kMicrosPerMinute) == 40);
  CHECK(load_rate(l, cal, 3 * kMicrosPerHour) == 10);      // after it: its last
  // The first numeric column by default: region is text, so timestamp's neighbour.
  const LoadResult d = load(scenario(R"({"type": "trace", "file": "x.csv"})"), test::named_files({{"x.csv", csv}}));
  CHECK(trace_of(d).points[1].second == 1200);
  // A start part-way into the trace.
  const LoadResult back = load(scenario(R"({"type": "trace", "file": "x.csv", "shift": "-30m"})"), test::named_files({{"x.csv", csv}}));
  CHECK(load_rate(back.scenario.tenants[0].load[0], cal, 0) == 1200);
}

TEST_CASE("A Prometheus query_range export: one series, or the sum of all") {
  const std::string one = R"({"status": "success", "data": {"resultType": "matrix", "result": [
      {"metric": {"job": "api"}, "values": [[1767600000, "4"], [1767600060, "6.5"], [1767600120, "5"]]}]}})";
  const LoadResult r = load(scenario(R"({"type": "trace", "file": "p.json"})"), test::named_files({{"p.json", one}}));
  REQUIRE(trace_of(r).points.size() == 3);
  CHECK(trace_of(r).points[1] == std::make_pair(kMicrosPerMinute, 6.5));
  const std::string two = R"({"status": "success", "data": {"resultType": "matrix", "result": [
      {"metric": {"pod": "a"}, "values": [[1767600000, "4"], [1767600060, "6.5"]]},
      {"metric": {"pod": "b"}, "values": [[1767600060, "1.5"], [1767600120, "2"]]}]}})";
  const LoadResult s = load(scenario(R"({"type": "trace", "file": "p.json"})"), test::named_files({{"p.json", two}}));
  const std::vector<std::pair<SimTime, double>> summed = {{0, 4}, {kMicrosPerMinute, 8}, {2 * kMicrosPerMinute, 2}};
  CHECK(trace_of(s).points == summed);
}

TEST_CASE("repeat loops a trace: the same rates as the trace written out, and a bound that covers them") {
  // hpa-defaults' bursts: 3 req/s, then 9 for four minutes, every ten minutes from 10m on.
  const LoadResult looped = load(scenario(R"({"type": "trace", "shift": "10m", "repeat": "10m",
      "points": [["0s", 3], ["30s", 9], ["4m", 9], ["4m30s", 3]]})", "3h"), {});
  std::string unrolled = R"({"type": "trace", "points": [["0s", 3])";
  for (int k = 1; k < 18; ++k) {
    const std::string m = std::to_string(10 * k);
    unrolled += R"(, [")" + m + R"(m", 3], [")" + m + R"(m30s", 9], [")" + std::to_string(10 * k + 4) + R"(m", 9], [")" +
                std::to_string(10 * k + 4) + R"(m30s", 3])";
  }
  unrolled += "]}";
  const LoadResult written = load(scenario(unrolled, "3h"), {});
  const LoadSpec& a = looped.scenario.tenants[0].load[0];
  const LoadSpec& b = written.scenario.tenants[0].load[0];
  const Calendar cal;
  for (SimTime t = 0; t < 3 * kMicrosPerHour; t += 7 * kMicrosPerSecond + 13)
    REQUIRE(load_rate(a, cal, t) == load_rate(b, cal, t));
  CHECK(load_rate(a, cal, 5 * kMicrosPerMinute) == 3);
  CHECK(load_rate(a, cal, 22 * kMicrosPerMinute) == 9);

  // The thinning bound is never below the rate, wherever the interval falls.
  PatternSpec p = trace_of(looped);
  for (SimDuration shift : {SimDuration{0}, 7 * kMicrosPerMinute, -3 * kMicrosPerMinute}) {
    p.shift = shift;
    p.points = {{kMicrosPerMinute, 2}, {3 * kMicrosPerMinute, 12}, {8 * kMicrosPerMinute, 1}, {10 * kMicrosPerMinute, 7}};
    LoadSpec l;
    l.patterns = {p};
    Rng rng(5);
    for (int i = 0; i < 3000; ++i) {
      const SimTime x = static_cast<SimTime>(rng.below(static_cast<std::uint64_t>(3 * kMicrosPerHour)));
      const SimTime y = x + 1 + static_cast<SimTime>(rng.below(static_cast<std::uint64_t>(25 * kMicrosPerMinute)));
      const double bound = load_rate_bound(l, cal, x, y);
      for (int k = 0; k <= 40; ++k) REQUIRE(load_rate(l, cal, x + (y - x) * k / 40) <= bound);
    }
  }
}

TEST_CASE("A bad trace file is refused at its line and column") {
  const std::string text = scenario(R"({"type": "trace", "file": "t.csv"})");
  auto error_for = [&](const std::string& csv) { return first_error(text, test::named_files({{"t.csv", csv}})); };
  CHECK(error_for("time,value\n1,2\n") ==
        "t.csv:1:1: error: header: expected a column named timestamp (Unix seconds or ISO 8601 UTC), found the columns "
        "\"time\", \"value\" (in the file that $.tenants[0].load[0].patterns[0].file names)");
  CHECK(error_for("timestamp,value\n100,2\n160,abc\n").find("t.csv:3:5: error: value: expected a number of at least 0 (the rate), found \"abc\"") == 0);
  CHECK(error_for("timestamp,value\n100,2\n90,3\n").find("t.csv:3:1: error: timestamp: expected a time after the previous row's, found \"90\"") == 0);
  CHECK(error_for("timestamp,value\n2025-13-01T00:00:00Z,2\n").find("t.csv:2:1: error: timestamp: expected a Unix time in seconds or an ISO 8601") == 0);
  // Records may end with a lone "\r" (old Mac files); lines are counted by "\n", as editors
  // count them (a fuzzed input once placed an error past the file's last line).
  CHECK(error_for("timestamp,value\r100,2\r160,abc\r").find("t.csv:1:27: error: value: expected a number") == 0);
  CHECK(error_for("timestamp,value\n100,2,7\n").find("t.csv:2:1: error: row: expected 2 fields, as the header has, found 3") == 0);
  CHECK(error_for("timestamp,value\n100,-2\n").find("found \"-2\"") != std::string::npos);
  CHECK(error_for("timestamp,value\n").find("expected rows after the header, found none") != std::string::npos);
  CHECK(error_for("timestamp,\"value\n100,2\n").find("expected a closing \" for the field that starts here") != std::string::npos);
  CHECK(first_error(scenario(R"({"type": "trace", "file": "t.csv", "column": "rps"})"), test::named_files({{"t.csv", "timestamp,value\n1,2\n"}}))
            .find("expected the column \"rps\" (the pattern's \"column\"), found the columns \"timestamp\", \"value\"") != std::string::npos);

  const std::string prom = scenario(R"({"type": "trace", "file": "p.json"})");
  auto prom_error = [&](const std::string& json) { return first_error(prom, test::named_files({{"p.json", json}})); };
  CHECK(prom_error(R"({"status": "error", "errorType": "bad_data", "error": "parse error"})")
            .find("p.json:1:12: error: status: expected \"success\" (the query failed: parse error)") == 0);
  CHECK(prom_error(R"({"status": "success", "data": {"resultType": "vector", "result": []}})")
            .find("data.resultType: expected \"matrix\"") != std::string::npos);
  CHECK(prom_error(R"({"status": "success", "data": {"resultType": "matrix", "result": [{"metric": {}, "values": [[1, 2]]}]}})")
            .find("data.result[0].values[0]: expected a pair [unix_seconds, \"value\"]") != std::string::npos);

  // The pattern's own fields.
  CHECK(first_error(scenario(R"({"type": "trace", "file": "t.csv", "points": [["0s", 1]]})"), test::named_files({}))
            .find("no \"file\" beside \"points\"") != std::string::npos);
  CHECK(first_error(scenario(R"({"type": "trace", "points": [["0s", 1], ["20m", 2]], "repeat": "10m"})"), {})
            .find("$.tenants[0].load[0].patterns[0].repeat: expected a period at least as long as the trace (20m") != std::string::npos);
  CHECK(first_error(scenario(R"({"type": "trace", "points": [["0s", 1]], "column": "x"})"), {})
            .find("no \"column\" without \"file\"") != std::string::npos);
  CHECK(first_error(text, test::named_files({})).find("$.tenants[0].load[0].patterns[0].file: cannot read \"t.csv\": no such file") !=
        std::string::npos);
}
