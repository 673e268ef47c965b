// Parameter sweeps (core/report/sweep.h): paths into a scenario, the order of the grid,
// shards, the sweep's identity, validation of every point, and merging shards into the
// bytes of the whole sweep.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "report/sweep.h"
#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

const char* const kTiny = R"({"schema": "opsim/1", "name": "tiny", "seed": 7, "duration": "10m",
 "services": [{"id": "s", "instance": {"concurrency": 2}, "instances": {"initial": 2, "min": 1, "max": 4},
               "queue": {"capacity": 50, "timeout": "30s"}}],
 "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "1s"}}],
 "tenants": [{"id": "t", "load": [{"agent": "a", "rate": 1}]}],
 "scaling": {"service": "s", "policies": [{"id": "cpu", "kind": "threshold", "trigger": "cpu_utilization",
             "threshold_up": 75, "threshold_down": 30, "cooldown": "2m"}]},
 "objectives": [{"id": "avail", "metric": "availability_percent", "op": ">=", "value": 99}]})";

// 3 cooldowns x 2 ceilings x seeds [5, 9]: 12 points.
const char* const kSweep = R"({"schema": "opsim-sweep/1", "scenario": "tiny.json",
 "parameters": [{"path": "scaling.policies[0].cooldown", "values": ["1m", "2m", "5m"]},
                {"path": "$.services[0].instances.max", "values": [3, 4]}],
 "seeds": [5, 9], "until": "5m", "metrics": ["availability_percent", "tenant.t.requests_total"]})";

std::string diagnostics_text(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds) s += format_diagnostic(d, "sweep.json", "error") + "\n";
  return s;
}

std::string errors_text(const std::vector<SweepError>& es) {
  std::string s;
  for (const auto& e : es) s += format_diagnostic(e.diagnostic, e.in_scenario ? "scenario.json" : "sweep.json", "error") + "\n";
  return s;
}

SweepPlan must_plan(const std::string& sweep_text, const std::string& scenario_text = kTiny) {
  SweepSpec spec;
  std::vector<Diagnostic> diagnostics;
  const bool parsed = parse_sweep(sweep_text, spec, diagnostics);
  INFO(diagnostics_text(diagnostics));
  REQUIRE(parsed);
  SweepPlan plan;
  std::vector<SweepError> errors;
  const bool planned = plan_sweep(spec, scenario_text, plan, errors);
  INFO(errors_text(errors));
  REQUIRE(planned);
  return plan;
}

std::vector<SweepError> plan_errors(const std::string& sweep_text, const std::string& scenario_text = kTiny) {
  SweepSpec spec;
  std::vector<Diagnostic> diagnostics;
  REQUIRE(parse_sweep(sweep_text, spec, diagnostics));
  SweepPlan plan;
  std::vector<SweepError> errors;
  CHECK_FALSE(plan_sweep(spec, scenario_text, plan, errors));
  return errors;
}

// Runs the points of a shard as `opsim sweep --shard` does, one after another.
std::string run_shard(const SweepPlan& plan, const SweepShard& shard) {
  std::vector<json::Value> rows;
  for (std::size_t index : shard_points(plan.points, shard)) {
    const SweepPoint point = sweep_point(plan, index);
    const LoadResult loaded = sweep_scenario(plan, point.combination);
    REQUIRE(loaded.ok);
    Simulation sim(loaded.scenario, point.seed);
    sim.run_until(sweep_run_end(plan, loaded.scenario));
    rows.push_back(sweep_row(plan, point, sim));
  }
  // Written in reverse completion order on purpose: the document is in index order anyway.
  std::reverse(rows.begin(), rows.end());
  return sweep_result_json(plan, shard, rows, false, "test");
}

}  // namespace

TEST_CASE("sweep paths: parsing, the loader's form, and errors", "[sweep]") {
  std::vector<JsonPathStep> steps;
  std::string why;
  REQUIRE(parse_json_path("scaling.policies[0].cooldown", steps, why));
  REQUIRE(steps.size() == 4);
  CHECK(steps[0].key == "scaling");
  CHECK(steps[2].is_index);
  CHECK(steps[2].index == 0);
  CHECK(json_path_text(steps) == "$.scaling.policies[0].cooldown");
  REQUIRE(parse_json_path("$.tenants[12].load[0].rate", steps, why));
  CHECK(json_path_text(steps) == "$.tenants[12].load[0].rate");
  REQUIRE(parse_json_path("context.providers[0].data[\"odd.key\"]", steps, why));
  CHECK(steps.back().key == "odd.key");
  CHECK(json_path_text(steps) == "$.context.providers[0].data[\"odd.key\"]");
  for (const char* bad : {"", "$", "a..b", "a[x]", "a[1", "$x", "a b", "a[0]b"}) {
    INFO(bad);
    CHECK_FALSE(parse_json_path(bad, steps, why));
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("sweep paths: a value is replaced in place, a missing path is refused with where it stops", "[sweep]") {
  json::Value doc = test::must_parse(kTiny);
  std::vector<JsonPathStep> steps;
  std::string why;
  REQUIRE(parse_json_path("scaling.policies[0].cooldown", steps, why));
  REQUIRE(apply_json_path(doc, steps, test::must_parse("\"7m\""), why));
  REQUIRE(parse_json_path("services[0].instances.max", steps, why));
  REQUIRE(apply_json_path(doc, steps, test::must_parse("9"), why));
  const Scenario sc = test::must_load(json::write(doc));
  CHECK(sc.services[0].instances_max == 9);
  CHECK(json::write(doc).find("\"cooldown\": \"7m\"") != std::string::npos);

  struct Case {
    const char* path;
    const char* message;
  };
  for (const Case& c : {Case{"scaling.policies[3].cooldown", "$.scaling.policies has 1 element(s), so no [3]"},
                        Case{"scaling.policies[0].cooldwon", "$.scaling.policies[0] has no member \"cooldwon\" (it has: id, kind,"},
                        Case{"scaling[0]", "$.scaling is an object, not an array, so it has no [0]"},
                        Case{"name.first", "$.name is \"tiny\", not an object, so it has no member \"first\""},
                        Case{"monitoring.scrape_interval", "$ has no member \"monitoring\""}}) {
    INFO(c.path);
    REQUIRE(parse_json_path(c.path, steps, why));
    json::Value copy = doc;
    CHECK_FALSE(apply_json_path(copy, steps, test::must_parse("1"), why));
    CHECK(why.find(c.message) != std::string::npos);
    CHECK(json::write(copy) == json::write(doc));  // nothing changed
  }
}

TEST_CASE("sweep canonical JSON: independent of layout, stable when read back", "[sweep]") {
  const std::string a = json::write(test::must_parse("{\"a\" :[1,2.50, 1e3 ,\"x\\u0001\\/\"],\n\"b\":{ }, \"c\": null}"));
  CHECK(a == "{\"a\": [1, 2.50, 1e3, \"x\\u0001/\"], \"b\": {}, \"c\": null}");
  CHECK(json::write(test::must_parse(a)) == a);
  CHECK(json::write(test::must_parse("18446744073709551615")) == "18446744073709551615");  // no rounding through a double
}

TEST_CASE("sweep grid: points in a fixed order, first parameter slowest, seed fastest", "[sweep]") {
  const SweepPlan plan = must_plan(kSweep);
  CHECK(plan.combinations == 6);
  CHECK(plan.points == 12);
  CHECK(plan.seeds == std::vector<std::uint64_t>{5, 9});
  struct Want {
    std::size_t index, cooldown, max;
    std::uint64_t seed;
  };
  for (const Want& w : {Want{0, 0, 0, 5}, Want{1, 0, 0, 9}, Want{2, 0, 1, 5}, Want{3, 0, 1, 9}, Want{4, 1, 0, 5},
                        Want{7, 1, 1, 9}, Want{11, 2, 1, 9}}) {
    INFO(w.index);
    const SweepPoint p = sweep_point(plan, w.index);
    CHECK(p.combination == w.index / 2);
    CHECK(p.value_positions == std::vector<std::size_t>{w.cooldown, w.max});
    CHECK(p.seed == w.seed);
  }
  // Point 7: cooldown "2m", max 4; the scenario the point runs has those values.
  const LoadResult r = sweep_scenario(plan, sweep_point(plan, 7).combination);
  REQUIRE(r.ok);
  CHECK(r.scenario.services[0].instances_max == 4);
  CHECK(sweep_run_end(plan, r.scenario) == 5 * kMicrosPerMinute);
}

TEST_CASE("sweep seeds: a count runs from first_seed, or from the scenario's seed", "[sweep]") {
  CHECK(must_plan(R"({"schema": "opsim-sweep/1", "scenario": "x", "seeds": 3, "metrics": ["cost_usd"]})").seeds ==
        std::vector<std::uint64_t>{7, 8, 9});
  const SweepPlan plan =
      must_plan(R"({"schema": "opsim-sweep/1", "scenario": "x", "seeds": 2, "first_seed": 100, "metrics": ["cost_usd"]})");
  CHECK(plan.seeds == std::vector<std::uint64_t>{100, 101});
  CHECK(plan.combinations == 1);
  CHECK(plan.points == 2);
}

TEST_CASE("sweep shards: round robin, 0-based, every point in exactly one shard", "[sweep]") {
  CHECK(shard_points(10, SweepShard{1, 3}) == std::vector<std::size_t>{1, 4, 7});
  CHECK(shard_points(10, SweepShard{0, 1}).size() == 10);
  CHECK(shard_points(2, SweepShard{4, 8}).empty());
  for (std::size_t n = 1; n <= 7; ++n) {
    std::vector<int> seen(23, 0);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t p : shard_points(23, SweepShard{i, n})) {
        ++seen[p];
        CHECK(in_shard(p, SweepShard{i, n}));
      }
    CHECK(std::count(seen.begin(), seen.end(), 1) == 23);
  }
  SweepShard s;
  std::string why;
  REQUIRE(parse_shard("3/8", s, why));
  CHECK(s.index == 3);
  CHECK(s.count == 8);
  CHECK_FALSE(parse_shard("8/8", s, why));
  CHECK(why.find("numbered from 0") != std::string::npos);
  for (const char* bad : {"1/0", "a/2", "1", "-1/2", "1/2/3", ""}) {
    INFO(bad);
    CHECK_FALSE(parse_shard(bad, s, why));
  }
}

TEST_CASE("sweep identity: stable across runs and layouts, changed by any content", "[sweep]") {
  const SweepPlan plan = must_plan(kSweep);
  // Pinned: a change here means shards written by an older opsim no longer merge with new ones.
  CHECK(plan.identity == "b6f7a04393edcba7");
  CHECK(plan.identity.size() == 16);
  CHECK(fnv1a64("") == 0xcbf29ce484222325ull);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cull);
  // Whitespace in either file does not matter.
  std::string spaced = kSweep, scenario = kTiny;
  for (std::string* s : {&spaced, &scenario}) {
    std::string out;
    for (char c : *s) out += c == ',' ? std::string(",\n   ") : std::string(1, c);
    *s = out;
  }
  CHECK(must_plan(spaced, scenario).identity == plan.identity);
  // A value of the sweep, or of the base scenario, does.
  std::string other_sweep = kSweep;
  other_sweep.replace(other_sweep.find("\"5m\"]"), 4, "\"6m\"");
  CHECK(must_plan(other_sweep).identity != plan.identity);
  std::string other_scenario = kTiny;
  other_scenario.replace(other_scenario.find("\"rate\": 1"), 9, "\"rate\": 2");
  CHECK(must_plan(kSweep, other_scenario).identity != plan.identity);
}

TEST_CASE("sweep file errors name the JSON path, what was expected and what was found", "[sweep]") {
  SweepSpec spec;
  std::vector<Diagnostic> ds;
  CHECK_FALSE(parse_sweep(R"({"schema": "opsim/1", "scenario": "x", "parameters": [{"path": "a..b", "values": []}],
 "seeds": 0, "until": 5, "metrics": ["bogus", "cost_usd", "cost_usd"], "typo": 1})",
                          spec, ds));
  const std::string text = diagnostics_text(ds);
  INFO(text);
  CHECK(text.find("sweep.json:1:12: error: $.schema: expected \"opsim-sweep/1\", found \"opsim/1\"") != std::string::npos);
  CHECK(text.find("$.parameters[0].path: expected a path into the scenario") != std::string::npos);
  CHECK(text.find("$.parameters[0].values: expected a non-empty array of values, found an empty array") != std::string::npos);
  CHECK(text.find("$.seeds: expected a count from 1 to 100000 or a list of seeds, found 0") != std::string::npos);
  CHECK(text.find("$.until: expected a duration such as \"6h\", found 5") != std::string::npos);
  CHECK(text.find("$.metrics[0]: expected a metric name") != std::string::npos);
  CHECK(text.find("$.metrics[2]: metric \"cost_usd\" is listed twice") != std::string::npos);
  CHECK(text.find("$.typo: unknown field \"typo\"") != std::string::npos);
  ds.clear();
  CHECK_FALSE(parse_sweep(R"({"schema": "opsim-sweep/1", "scenario": "x", "metrics": ["cost_usd"],
 "parameters": [{"path": "seed", "values": [1]}]})",
                          spec, ds));
  CHECK(diagnostics_text(ds).find("the seed is not a parameter") != std::string::npos);
  // A missing required field says what belongs there, as the scenario loader's do.
  ds.clear();
  CHECK_FALSE(parse_sweep(R"({"parameters": [{"values": [1]}], "x-note": 1})", spec, ds));
  const std::string missing = diagnostics_text(ds);
  INFO(missing);
  CHECK(missing.find("$.schema: expected \"opsim-sweep/1\", found nothing (the field is required)") != std::string::npos);
  CHECK(missing.find("$.scenario: expected a scenario file (relative to the sweep file) or a built-in scenario's name, "
                     "found nothing (the field is required)") != std::string::npos);
  CHECK(missing.find("$.parameters[0].path: expected a path into the scenario such as \"scaling.policies[0].cooldown\", "
                     "found nothing (the field is required)") != std::string::npos);
  CHECK(missing.find("$.metrics: expected a list of 1 to 1000 metric names") != std::string::npos);
  CHECK(missing.find("x-note") == std::string::npos);
  ds.clear();
  CHECK_FALSE(parse_sweep(R"({"schema": "opsim-sweep/1", "scenario": "x", "metrics": ["cost_usd"], "seeds": 2000,
 "parameters": [{"path": "a", "values": [1,2,3,4,5,6,7,8,9,10]}, {"path": "b", "values": [1,2,3,4,5,6,7,8,9,10]},
                {"path": "c", "values": [1,2,3,4,5,6,7,8,9,10]}]})",
                          spec, ds));
  CHECK(diagnostics_text(ds).find("the grid has 2000000 points") != std::string::npos);
}

TEST_CASE("sweep validation: every point's scenario is loaded before anything runs", "[sweep]") {
  SECTION("a path the base scenario does not have") {
    const auto errors = plan_errors(R"({"schema": "opsim-sweep/1", "scenario": "x", "metrics": ["cost_usd"],
 "parameters": [{"path": "scaling.policies[2].cooldown", "values": ["1m", "2m"]}]})");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].diagnostic.path == "$.parameters[0].path");
    CHECK(errors[0].diagnostic.line == 2);
    CHECK(errors[0].diagnostic.message.find("$.scaling.policies has 1 element(s), so no [2]") != std::string::npos);
  }
  SECTION("one bad value: reported once, at that value, with the loader's message") {
    const auto errors = plan_errors(R"({"schema": "opsim-sweep/1", "scenario": "x", "metrics": ["cost_usd"],
 "parameters": [{"path": "scaling.policies[0].cooldown", "values": ["1m", "2m", "3m"]},
                {"path": "services[0].instances.max", "values": [4, "many"]}]})");
    const std::string text = errors_text(errors);
    INFO(text);
    REQUIRE(errors.size() == 1);
    CHECK(text.find("sweep.json:3:69: error: $.parameters[1].values[1]: with services[0].instances.max = \"many\" the "
                    "scenario is invalid: $.services[0].instances.max: expected an integer") != std::string::npos);
    CHECK(text.find("(in 3 of 6 combinations, the first at point 1)") != std::string::npos);
  }
  SECTION("values valid alone but not together") {
    const auto errors = plan_errors(R"({"schema": "opsim-sweep/1", "scenario": "x", "metrics": ["cost_usd"],
 "parameters": [{"path": "services[0].instances.min", "values": [1, 3]},
                {"path": "services[0].instances.max", "values": [2, 4]}]})");
    const std::string text = errors_text(errors);
    INFO(text);
    CHECK(text.find("$.parameters: with services[0].instances.min = 3, services[0].instances.max = 2 the scenario is invalid") !=
          std::string::npos);
  }
  SECTION("a metric the scenario does not measure") {
    const auto errors = plan_errors(R"({"schema": "opsim-sweep/1", "scenario": "x",
 "metrics": ["cost_usd", "tenant.nobody.latency_p95_ms"]})");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].diagnostic.path == "$.metrics[1]");
    CHECK(errors[0].diagnostic.message.find("the scenario has no tenant \"nobody\"") != std::string::npos);
  }
  SECTION("the base scenario's own error, at its own line, once") {
    std::string broken = kTiny;
    broken.replace(broken.find("\"service\": \"s\", \"work\""), 14, "\"service\": \"z\"");
    const auto errors = plan_errors(R"({"schema": "opsim-sweep/1", "scenario": "x", "metrics": ["cost_usd"],
 "parameters": [{"path": "scaling.policies[0].cooldown", "values": ["1m", "2m"]}]})",
                                    broken);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].in_scenario);
    CHECK(errors[0].diagnostic.path == "$.agents[0].service");
    CHECK(errors[0].diagnostic.line == 4);
  }
}

TEST_CASE("sweep results: rows by index, shards merge into the whole sweep's bytes", "[sweep]") {
  const SweepPlan plan = must_plan(kSweep);
  const std::string whole = run_shard(plan, SweepShard{0, 1});
  const json::Value doc = test::must_parse(whole);
  REQUIRE(doc.find("rows")->items.size() == 12);
  CHECK(whole.find("\"points_total\": 12,\n  \"shard\": {\"index\": 0, \"count\": 1},\n  \"partial\": false,") !=
        std::string::npos);
  CHECK(whole.find("\n    {\"index\": 7, \"seed\": 9, \"parameters\": {\"scaling.policies[0].cooldown\": \"2m\", "
                   "\"$.services[0].instances.max\": 4}, \"metrics\": {\"availability_percent\": ") != std::string::npos);
  CHECK(whole.find("\"objectives_passed\": true}") != std::string::npos);
  // Rows agree with a plain run of the same scenario and seed.
  {
    const LoadResult r = sweep_scenario(plan, 3);
    Simulation sim(r.scenario, 9);
    sim.run_until(5 * kMicrosPerMinute);
    const json::Value& row = doc.find("rows")->items[7];
    CHECK(row.find("metrics")->find("tenant.t.requests_total")->number == test::metric(sim, "tenant.t.requests_total"));
  }

  std::vector<SweepResultFile> shards;
  for (std::size_t i = 0; i < 3; ++i) shards.push_back({"shard-" + std::to_string(i), run_shard(plan, SweepShard{i, 3})});
  std::string merged;
  std::vector<std::string> errors;
  REQUIRE(merge_sweep_results({shards[2], shards[0], shards[1]}, merged, errors));
  CHECK(merged == whole);
  // Merging the whole sweep with itself alone is the identity.
  REQUIRE(merge_sweep_results({{"whole", whole}}, merged, errors));
  CHECK(merged == whole);

  errors.clear();
  CHECK_FALSE(merge_sweep_results({shards[0], shards[2]}, merged, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "points missing: 1, 4, 7, 10 (4 of 12); no file holds shard(s) 1 of 3");
  errors.clear();
  CHECK_FALSE(merge_sweep_results({shards[0], shards[1], shards[2], shards[1]}, merged, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "points given more than once: 1, 4, 7, 10 (point 1 is in shard-1 and shard-1)");

  std::string other_sweep = kSweep;
  other_sweep.replace(other_sweep.find("[5, 9]"), 6, "[5, 8]");
  const SweepPlan other = must_plan(other_sweep);
  errors.clear();
  CHECK_FALSE(merge_sweep_results({shards[0], shards[1], {"other", run_shard(other, SweepShard{2, 3})}}, merged, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "other is from sweep \"" + other.identity + "\", shard-0 from sweep \"" + plan.identity +
                         "\": a different sweep file or base scenario");
  errors.clear();
  CHECK_FALSE(merge_sweep_results({{"junk", "{\"rows\": []}"}}, merged, errors));
  CHECK(errors[0].find("junk: not a result of opsim sweep") == 0);
}

TEST_CASE("sweep index ranges", "[sweep]") {
  CHECK(index_ranges({}) == "");
  CHECK(index_ranges({0, 1, 2, 3, 7, 9, 10}) == "0-3, 7, 9-10");
  CHECK(index_ranges({1, 3, 5, 7}, 2) == "1, 3, ... (2 more)");
}
