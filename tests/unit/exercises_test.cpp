// The course exercises in scenarios/exercises/: each has an exercise section whose reference
// solution exists beside it; the solution passes every objective on 3 seeds (graded as
// `opsim grade --seeds 3` does) and the unchanged exercise fails at least one on its own
// seed. Also the exercise section's loader rules, and that every scenario file loads.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "builtin.h"
#include "report/grade.h"
#include "test_support.h"

using namespace opsim;

namespace {

bool is_file(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
bool is_dir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// *.json files below `rel` (relative to the source tree), as relative paths, sorted.
void list_json(const std::string& rel, bool recurse, std::vector<std::string>& out) {
  DIR* d = ::opendir(test::source_path(rel).c_str());
  REQUIRE(d != nullptr);
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string child = rel + "/" + name;
    if (is_dir(test::source_path(child))) {
      if (recurse) list_json(child, recurse, out);
    } else if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0 && name != "opsim.schema.json") {
      out.push_back(child);
    }
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
}

std::vector<std::string> exercise_files() {
  std::vector<std::string> files;
  list_json("scenarios/exercises", false, files);
  return files;
}

std::string errors_of(const LoadResult& r) {
  std::string s;
  for (const auto& d : r.errors) s += format_diagnostic(d, "scenario", "error") + "\n";
  return s;
}

// A small valid scenario with `extra` members added at the top level.
std::string doc(const std::string& extra) {
  return R"({"schema": "opsim/1", "name": "n", "duration": "1h", "services": [{"id": "s"}],
  "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "1s"}}],
  "tenants": [{"id": "t"}],
  )" + extra + "}";
}

bool has_error(const LoadResult& r, const std::string& path, const std::string& message) {
  for (const auto& d : r.errors)
    if (d.path == path && d.message.find(message) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("the exercise section is read, with errors naming path, expected and found", "[loader][exercise]") {
  SECTION("a full section") {
    const LoadResult r = load_scenario(
        doc(R"("exercise": {"statement": "Do it.", "hints": ["one", "two"], "solution": "solutions/x.json"})"));
    INFO(errors_of(r));
    REQUIRE(r.ok);
    CHECK(r.scenario.exercise.present);
    CHECK(r.scenario.exercise.statement == "Do it.");
    CHECK(r.scenario.exercise.hints == std::vector<std::string>{"one", "two"});
    CHECK(r.scenario.exercise.solution == "solutions/x.json");
  }
  SECTION("absent, and a statement alone") {
    CHECK_FALSE(load_scenario(doc(R"("x-note": 1)")).scenario.exercise.present);
    const LoadResult r = load_scenario(doc(R"("exercise": {"statement": "Do it."})"));
    REQUIRE(r.ok);
    CHECK(r.scenario.exercise.hints.empty());
    CHECK(r.scenario.exercise.solution.empty());
  }
  SECTION("mistakes") {
    CHECK(has_error(load_scenario(doc(R"("exercise": "do it")")), "$.exercise", "expected an object, found \"do it\""));
    CHECK(has_error(load_scenario(doc(R"("exercise": {"hints": []})")), "$.exercise.statement",
                    "expected a string, found nothing (the field is required)"));
    CHECK(has_error(load_scenario(doc(R"("exercise": {"statement": ""})")), "$.exercise.statement",
                    "expected a non-empty string, found \"\""));
    CHECK(has_error(load_scenario(doc(R"("exercise": {"statement": "s", "hints": "one"})")), "$.exercise.hints",
                    "expected an array, found \"one\""));
    CHECK(has_error(load_scenario(doc(R"("exercise": {"statement": "s", "hints": ["ok", 3]})")), "$.exercise.hints[1]",
                    "expected a non-empty string, found 3"));
    CHECK(has_error(load_scenario(doc(R"("exercise": {"statement": "s", "hint": []})")), "$.exercise.hint",
                    "unknown field \"hint\" (expected one of: statement, hints, solution)"));
    for (const char* bad : {"/etc/x.json", "../x.json", "solutions/../x.json", "x.txt", ".json", "a//b.json", "a b.json"}) {
      INFO(bad);
      CHECK(has_error(load_scenario(doc(std::string(R"("exercise": {"statement": "s", "solution": ")") + bad + "\"}")),
                      "$.exercise.solution", "expected a relative file name ending in \".json\""));
    }
    for (const char* good : {"x.json", "solutions/x.json", "a/b.c/x.v2.json"}) {
      INFO(good);
      CHECK(load_scenario(doc(std::string(R"("exercise": {"statement": "s", "solution": ")") + good + "\"}")).ok);
    }
  }
}

TEST_CASE("every scenario file under scenarios/ loads", "[exercise]") {
  std::vector<std::string> files;
  list_json("scenarios", true, files);
  CHECK(files.size() >= 20);
  for (const std::string& f : files) {
    const LoadResult r = load_scenario(test::read_text(f));
    INFO(f << "\n" << errors_of(r));
    CHECK(r.ok);
  }
}

TEST_CASE("there are at least 8 exercises, each with a statement, hints and a solution beside it", "[exercise]") {
  const std::vector<std::string> files = exercise_files();
  CHECK(files.size() >= 8);
  for (const std::string& f : files) {
    INFO(f);
    const Scenario sc = test::must_load(test::read_text(f));
    CHECK(sc.exercise.present);
    CHECK_FALSE(sc.exercise.statement.empty());
    CHECK(sc.exercise.hints.size() >= 2);
    CHECK(sc.exercise.hints.size() <= 3);
    CHECK_FALSE(sc.objectives.empty());
    REQUIRE_FALSE(sc.exercise.solution.empty());
    const std::string solution = solution_location(f, sc.exercise.solution, false);
    CHECK(is_file(test::source_path(solution)));
    // A solution is a scenario of its own, not another exercise, with the same objectives.
    const Scenario sol = test::must_load(test::read_text(solution));
    CHECK_FALSE(sol.exercise.present);
    REQUIRE(sol.objectives.size() == sc.objectives.size());
    for (std::size_t i = 0; i < sc.objectives.size(); ++i) {
      CHECK(sol.objectives[i].id == sc.objectives[i].id);
      CHECK(sol.objectives[i].metric == sc.objectives[i].metric);
      CHECK(sol.objectives[i].op == sc.objectives[i].op);
      CHECK(sol.objectives[i].value == sc.objectives[i].value);
    }
  }
}

TEST_CASE("each solution passes every objective on 3 seeds; the unchanged exercise fails one", "[exercise]") {
  for (const std::string& f : exercise_files()) {
    const Scenario sc = test::must_load(test::read_text(f));
    if (sc.exercise.solution.empty()) continue;  // reported by the test above
    const Scenario sol = test::must_load(test::read_text(solution_location(f, sc.exercise.solution, false)));
    DYNAMIC_SECTION(f) {
      const Grade unchanged = grade_scenario(sc, sc.seed, 1);
      INFO("the unchanged exercise on its seed:\n" << grade_table(unchanged));
      CHECK_FALSE(unchanged.passed);
      const Grade solved = grade_scenario(sol, sol.seed, 3);
      INFO("the solution over 3 seeds:\n" << grade_table(solved));
      CHECK(solved.passed);
      CHECK(solved.seeds.size() == 3);
    }
  }
}

TEST_CASE("built-in exercises find their solutions by name", "[exercise]") {
  // scenarios/ is compiled in, so the built-in "exercises/NAME" finds its solution by name.
  int exercises = 0;
  for (const BuiltinScenario& b : builtin_scenarios()) {
    const LoadResult r = load_scenario(b.text);
    if (!r.ok || !r.scenario.exercise.present) continue;
    ++exercises;
    const std::string sol = solution_location(b.name, r.scenario.exercise.solution, true);
    INFO(b.name << " -> " << sol);
    CHECK(find_builtin_scenario(sol) != nullptr);
  }
  CHECK(exercises >= 8);
}
