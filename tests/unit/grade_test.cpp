// Grading over seeds (core/report/grade.h): the aggregation rules on hand-made runs, and a
// real scenario whose objective passes on one seed and fails on another.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "report/grade.h"
#include "test_support.h"

using namespace opsim;

namespace {

ObjectiveSpec objective(const char* id, CompareOp op, double value) {
  ObjectiveSpec o;
  o.id = id;
  o.metric = "latency_p95_ms";
  o.op = op;
  o.value = value;
  return o;
}

// One run per seed, from 10 on; `values[k][i]` is objective i's value on run k.
std::vector<GradeRun> runs_of(const std::vector<ObjectiveSpec>& objectives, const std::vector<std::vector<double>>& values) {
  std::vector<GradeRun> runs;
  for (std::size_t k = 0; k < values.size(); ++k) {
    GradeRun r;
    r.seed = 10 + k;
    for (std::size_t i = 0; i < objectives.size(); ++i)
      r.measures.push_back({true, values[k][i], compare(values[k][i], objectives[i].op, objectives[i].value)});
    runs.push_back(r);
  }
  return runs;
}

}  // namespace

TEST_CASE("an objective passes only if it passes on every seed", "[grade]") {
  const std::vector<ObjectiveSpec> objs = {objective("p95", CompareOp::le, 800), objective("avail", CompareOp::ge, 99)};
  const Grade all = aggregate_grade(objs, runs_of(objs, {{700, 99.5}, {790, 99.9}, {650, 99.2}}));
  CHECK(all.passed);
  CHECK(all.seeds == std::vector<std::uint64_t>{10, 11, 12});
  REQUIRE(all.objectives.size() == 2);
  CHECK(all.objectives[0].passes == 3);
  CHECK(all.objectives[0].runs == 3);

  const Grade one_fails = aggregate_grade(objs, runs_of(objs, {{700, 99.5}, {801, 99.9}, {650, 99.2}}));
  CHECK_FALSE(one_fails.passed);
  CHECK_FALSE(one_fails.objectives[0].passed);
  CHECK(one_fails.objectives[0].passes == 2);
  CHECK(one_fails.objectives[1].passed);
  CHECK(one_fails.objectives[1].passes == 3);
}

TEST_CASE("the worst value is the one closest to failing, or the furthest beyond", "[grade]") {
  SECTION("<= and <: the largest value") {
    const std::vector<ObjectiveSpec> objs = {objective("le", CompareOp::le, 800), objective("lt", CompareOp::lt, 800)};
    const Grade g = aggregate_grade(objs, runs_of(objs, {{700, 700}, {790, 800}, {650, 650}}));
    CHECK(g.objectives[0].worst == 790);
    CHECK(g.objectives[0].worst_seed == 11);
    CHECK(g.objectives[0].passed);
    CHECK(g.objectives[1].worst == 800);
    CHECK_FALSE(g.objectives[1].passed);  // 800 < 800 fails, though its margin is 0
  }
  SECTION(">= and >: the smallest value") {
    const std::vector<ObjectiveSpec> objs = {objective("ge", CompareOp::ge, 99)};
    const Grade g = aggregate_grade(objs, runs_of(objs, {{99.5}, {97}, {98}}));
    CHECK(g.objectives[0].worst == 97);
    CHECK(g.objectives[0].worst_seed == 11);
    CHECK(g.objectives[0].passes == 1);
  }
  SECTION("==: the furthest from the value; !=: the nearest") {
    const std::vector<ObjectiveSpec> objs = {objective("eq", CompareOp::eq, 1), objective("ne", CompareOp::ne, 0)};
    const Grade g = aggregate_grade(objs, runs_of(objs, {{1, 3}, {0, 1}, {3, 2}}));
    CHECK(g.objectives[0].worst == 3);
    CHECK(g.objectives[0].passes == 1);
    CHECK(g.objectives[1].worst == 1);
    CHECK(g.objectives[1].passed);
  }
  SECTION("ties go to the earlier seed") {
    const std::vector<ObjectiveSpec> objs = {objective("le", CompareOp::le, 800)};
    const Grade g = aggregate_grade(objs, runs_of(objs, {{500}, {700}, {700}}));
    CHECK(g.objectives[0].worst_seed == 11);
  }
}

TEST_CASE("an unmeasured or NaN value fails and is the worst", "[grade]") {
  const std::vector<ObjectiveSpec> objs = {objective("le", CompareOp::le, 800)};
  std::vector<GradeRun> runs = runs_of(objs, {{100}, {900}, {100}});
  runs[2].measures[0] = ObjectiveMeasure{};  // not simulated
  const Grade g = aggregate_grade(objs, runs);
  CHECK_FALSE(g.objectives[0].measured);
  CHECK(g.objectives[0].worst_seed == 12);
  CHECK(g.objectives[0].passes == 1);

  std::vector<GradeRun> nan_runs = runs_of(objs, {{100}, {std::numeric_limits<double>::quiet_NaN()}});
  const Grade n = aggregate_grade(objs, nan_runs);
  CHECK(n.objectives[0].worst_seed == 11);
  CHECK_FALSE(n.passed);
}

TEST_CASE("no objectives or no runs is not a pass", "[grade]") {
  CHECK_FALSE(aggregate_grade({}, {}).passed);
  const std::vector<ObjectiveSpec> objs = {objective("le", CompareOp::le, 800)};
  const Grade g = aggregate_grade(objs, {});
  CHECK_FALSE(g.passed);
  CHECK(g.objectives[0].runs == 0);
}

TEST_CASE("the table and the json show worst, k/N and the verdict", "[grade]") {
  const std::vector<ObjectiveSpec> objs = {objective("p95", CompareOp::le, 800)};
  const Grade g = aggregate_grade(objs, runs_of(objs, {{700}, {812.5}, {650}}));
  const std::string table = grade_table(g);
  CHECK(table.find("worst") != std::string::npos);
  CHECK(table.find("812.5") != std::string::npos);
  CHECK(table.find("2/3") != std::string::npos);
  CHECK(table.find("FAIL") != std::string::npos);
  const std::string json = grade_json(g, "demo");
  CHECK(json.find("\"seeds\": [10, 11, 12]") != std::string::npos);
  CHECK(json.find("\"passed\": false") != std::string::npos);
  CHECK(json.find("\"worst\":812.5") != std::string::npos);
  CHECK(json.find("\"actual\":[700, 812.5, 650]") != std::string::npos);
}

TEST_CASE("solution_location resolves beside the exercise", "[grade]") {
  CHECK(solution_location("scenarios/exercises/cooldown.json", "solutions/cooldown.json", false) ==
        "scenarios/exercises/solutions/cooldown.json");
  CHECK(solution_location("cooldown.json", "solutions/cooldown.json", false) == "solutions/cooldown.json");
  CHECK(solution_location("exercises/cooldown", "solutions/cooldown.json", true) == "exercises/solutions/cooldown");
}

TEST_CASE("a real scenario can pass on one seed and fail on another", "[grade]") {
  // A queue that times out at 10 s under a burst just above capacity: how many requests fail
  // depends on the seed. The objective sits between the best and the worst seed's value.
  Scenario sc = test::must_load(test::read_text("scenarios/exercises/queue.json"));
  Grade probe = grade_scenario(sc, 41, 3);
  REQUIRE(probe.objectives.size() >= 1);
  REQUIRE(probe.objectives[0].spec.metric == "availability_percent");
  const auto& by_seed = probe.objectives[0].by_seed;
  double lo = by_seed[0].actual, hi = by_seed[0].actual;
  for (const auto& m : by_seed) {
    lo = std::min(lo, m.actual);
    hi = std::max(hi, m.actual);
  }
  REQUIRE(lo < hi);
  sc.objectives.resize(1);
  sc.objectives[0].value = (lo + hi) / 2;  // availability >= midpoint
  const Grade g = grade_scenario(sc, 41, 3);
  const ObjectiveGrade& o = g.objectives[0];
  CHECK(o.passes >= 1);
  CHECK(o.passes < 3);
  CHECK_FALSE(o.passed);
  CHECK_FALSE(g.passed);
  CHECK(o.worst == lo);
  // Each seed alone gives the same verdict as its share of the aggregate.
  int passes_alone = 0;
  for (std::uint64_t seed = 41; seed < 44; ++seed) passes_alone += grade_scenario(sc, seed, 1).passed ? 1 : 0;
  CHECK(passes_alone == o.passes);
}
