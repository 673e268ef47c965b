// The front end's files (ui/user_files.h): how a path a scenario writes finds a file the user
// gave, what the reader records, what a dropped file is taken for, the share link's bundle,
// and a lone trace put into a tenant's load. The examples of examples/ load with their files
// given under their base names, as a drop on the page gives them.
#include <string>

#include <catch2/catch.hpp>

#include "builtin.h"
#include "test_support.h"
#include "user_files.h"

using namespace opsim;
using namespace opsim::ui;

namespace {

UserFiles given(std::initializer_list<std::pair<const char*, const char*>> files) {
  UserFiles set;
  for (const auto& [name, text] : files) set.put({name, text, false});
  return set;
}

// The loader's first pattern of tenant 0's first load.
const PatternSpec& first_pattern(const Scenario& s) { return s.tenants.at(0).load.at(0).patterns.at(0); }

// Ten simulated minutes of a scenario: what two loads of it must agree on.
std::uint64_t events_in_ten_minutes(const Scenario& s) {
  Simulation sim(s, s.seed);
  sim.run_until(10 * kMicrosPerMinute);
  return sim.events_processed();
}

}  // namespace

TEST_CASE("a path finds the file given under that name, else the one of its base name") {
  const UserFiles set = given({{"requests.csv", "a"}, {"data/hpa.yaml", "b"}, {"hpa.yaml", "c"}});
  std::string why;
  REQUIRE(set.resolve("requests.csv", why));
  CHECK(set.resolve("requests.csv", why)->text == "a");
  CHECK(set.resolve("examples/traces/requests.csv", why)->text == "a");  // dropped without its folder
  CHECK(set.resolve("data/hpa.yaml", why)->text == "b");  // the exact name first
  CHECK(set.resolve("hpa.yaml", why)->text == "c");
  CHECK(why.empty());

  CHECK(set.resolve("other/hpa.yaml", why) == nullptr);  // two of that base name: no guess
  CHECK(why.find("several files given are named hpa.yaml (data/hpa.yaml, hpa.yaml)") != std::string::npos);
  why.clear();
  CHECK(set.resolve("missing.csv", why) == nullptr);
  CHECK(why.empty());
}

TEST_CASE("a file given again replaces the one of the same name") {
  UserFiles set = given({{"a.csv", "1"}});
  set.put({"a.csv", "2", false});
  REQUIRE(set.all().size() == 1);
  CHECK(set.all().front().text == "2");
  set.put({"rules.yml", "groups: []", true});
  REQUIRE(set.rule_files().size() == 1);
  CHECK(set.rule_files().front().name == "rules.yml");
  CHECK(set.remove("a.csv"));
  CHECK_FALSE(set.remove("a.csv"));
}

TEST_CASE("the reader serves the user's files first, then the scenario's folder, and records both") {
  const UserFiles set = given({{"requests.csv", "given"}});
  FileUse use;
  const FolderReader beside = [](const std::string& path, NamedFile& out) {
    if (path != "hpa.yaml" && path != "requests.csv") return false;
    out = {"folder/" + path, "beside"};
    return true;
  };
  const FileReader read = set.reader(beside, use);
  NamedFile f;
  std::string why;
  REQUIRE(read("requests.csv", f, why));
  CHECK(f.name == "requests.csv");
  CHECK(f.text == "given");  // the user's version wins over the folder's
  REQUIRE(read("hpa.yaml", f, why));
  CHECK(f.name == "folder/hpa.yaml");
  CHECK_FALSE(read("slo.yaml", f, why));
  CHECK(why == "no file of that name was given, and none is beside the scenario");
  REQUIRE(read("requests.csv", f, why));  // read twice, recorded once

  REQUIRE(use.read.size() == 2);
  CHECK(use.read[0].name == "requests.csv");  // by the path the scenario writes
  CHECK(use.read[1].name == "hpa.yaml");
  CHECK(use.read[1].text == "beside");
  CHECK(use.missing == std::vector<std::string>{"slo.yaml"});
  CHECK(use.user_files_used == std::vector<std::string>{"requests.csv"});

  FileUse alone;
  CHECK_FALSE(set.reader({}, alone)("slo.yaml", f, why));
  CHECK(why == "no file of that name was given");
}

TEST_CASE("the file examples load with their files given under their base names, as a drop gives them") {
  for (const char* folder_and_files : {"examples/traces/scenario-csv.json requests.csv",
                                       "examples/traces/scenario-prometheus.json prometheus-query-range.json",
                                       "examples/kubernetes/scenario.json hpa.yaml"}) {
    const std::string spec = folder_and_files;
    const std::string scenario = spec.substr(0, spec.find(' '));
    const std::string file = spec.substr(spec.find(' ') + 1);
    INFO(scenario);
    const std::string folder = folder_of(scenario);
    const std::string text = test::read_text(scenario);

    UserFiles set;
    set.put({file, test::read_text(folder + file), false});
    FileUse use;
    const LoadResult dropped = load_scenario(text, set.reader({}, use));
    REQUIRE(dropped.errors.empty());
    REQUIRE(dropped.ok);
    CHECK(use.missing.empty());
    REQUIRE(use.read.size() == 1);
    CHECK(use.read[0].name == file);
    // The same scenario as opsim run reads from disk.
    const LoadResult from_disk = load_scenario(text, test::files_in(folder));
    REQUIRE(from_disk.ok);
    CHECK(events_in_ten_minutes(dropped.scenario) == events_in_ten_minutes(from_disk.scenario));

    // Without it: the loader's error names the file and where the scenario names it, and
    // the reader records it as missing (the page's hint).
    FileUse none;
    const LoadResult missing = load_scenario(text, UserFiles{}.reader({}, none));
    REQUIRE_FALSE(missing.ok);
    REQUIRE(!missing.errors.empty());
    CHECK(missing.errors[0].message == "cannot read \"" + file + "\": no file of that name was given");
    CHECK(missing.errors[0].line > 0);
    CHECK(none.missing == std::vector<std::string>{file});
  }
}

TEST_CASE("a given file is taken for what its name and contents say") {
  CHECK(classify_file("scenario-csv.json", test::read_text("examples/traces/scenario-csv.json")) == FileRole::scenario);
  CHECK(classify_file("requests.csv", test::read_text("examples/traces/requests.csv")) == FileRole::trace);
  CHECK(classify_file("export.json", test::read_text("examples/traces/prometheus-query-range.json")) == FileRole::trace);
  CHECK(classify_file("hpa.yaml", test::read_text("examples/kubernetes/hpa.yaml")) == FileRole::manifest);
  CHECK(classify_file("hpa.json", R"({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler"})") ==
        FileRole::manifest);
  CHECK(classify_file("rules.yml", test::read_text("examples/rules/slo-burn-rate.yml")) == FileRole::rules);
  // Broken files go where their errors are best told: the loader, the rule-file reader.
  CHECK(classify_file("broken.json", "{\"schema\": ") == FileRole::scenario);
  CHECK(classify_file("no-schema.json", "{\"name\": \"x\"}") == FileRole::scenario);
  CHECK(classify_file("broken.yml", "groups: [") == FileRole::rules);
  CHECK(classify_file("notes.txt", "hello") == FileRole::other);
  CHECK(classify_file("slo.yaml", "apiVersion: openslo/v1\nkind: SLO\n") == FileRole::manifest);
}

TEST_CASE("the share link's bundle carries the scenario and its files, and is read strictly") {
  const ShareBundle bundle{"{\"schema\": \"opsim/1\"}\n", {{"requests.csv", "timestamp,v\n1,\"2\"\n"},
                                                          {"dir/hpa.yaml", "a: \"\\u00e9\" # é\n"}}};
  const std::string text = write_bundle(bundle);
  ShareBundle back;
  std::string why;
  REQUIRE(read_bundle(text, back, why));
  CHECK(back.scenario == bundle.scenario);
  REQUIRE(back.files.size() == 2);
  CHECK(back.files[0].name == "requests.csv");
  CHECK(back.files[0].text == bundle.files[0].text);
  CHECK(back.files[1].name == "dir/hpa.yaml");
  CHECK(back.files[1].text == bundle.files[1].text);
  CHECK(write_bundle(back) == text);

  CHECK_FALSE(read_bundle("[1]", back, why));
  CHECK(why == "$: expected an object {\"scenario\": TEXT, \"files\": {PATH: TEXT}}, found an array of 1");
  CHECK_FALSE(read_bundle(R"({"files": {}})", back, why));
  CHECK(why == "$.scenario: expected the scenario's text, found nothing");
  CHECK_FALSE(read_bundle(R"({"scenario": "x", "files": {"a.csv": 3}})", back, why));
  CHECK(why == "$.files[\"a.csv\"]: expected the file's text (a string), found 3");
  CHECK_FALSE(read_bundle(R"({"scenario": "x", "extra": 1})", back, why));
  CHECK(why == "$.extra: expected only \"scenario\" and \"files\", found \"extra\"");
  CHECK_FALSE(read_bundle("{\"scenario\": ", back, why));
  CHECK(why.rfind("1:", 0) == 0);  // the parser's line:column
}

TEST_CASE("a trace given alone drives a tenant's first load, and the rest of the text keeps its bytes") {
  const std::string text = find_builtin_scenario("default")->text;
  const std::string csv = test::read_text("examples/traces/requests.csv");
  std::string out, done, why;
  REQUIRE(put_trace_in_load(text, 0, "requests.csv", csv, out, done, why));
  CHECK(done ==
        "requests.csv now drives tenant acme's load of agent summarizer (its patterns and rate replaced by the trace, "
        "read per minute as the column \"requests_per_minute\" says)");
  // Only the load changed: the text before it is the same bytes.
  const std::size_t tenants = text.find("\"tenants\"");
  CHECK(out.compare(0, tenants, text, 0, tenants) == 0);

  UserFiles set = given({{"requests.csv", csv.c_str()}});
  FileUse use;
  const LoadResult r = load_scenario(out, set.reader({}, use));
  REQUIRE(r.errors.empty());
  REQUIRE(r.ok);
  REQUIRE(r.scenario.tenants[0].load[0].patterns.size() == 1);
  const PatternSpec& p = first_pattern(r.scenario);
  CHECK(p.type == PatternSpec::Type::trace);
  CHECK(p.points.size() == 289);  // a day at 5-minute resolution, both midnights
  CHECK(p.points.front().second == Approx(400.0 / 60));  // per minute, read per second
  // The other tenants keep their loads.
  const LoadResult before = load_scenario(text);
  REQUIRE(before.ok);
  REQUIRE(before.scenario.tenants.size() == r.scenario.tenants.size());
  for (std::size_t t = 1; t < r.scenario.tenants.size(); ++t)
    CHECK(r.scenario.tenants[t].load[0].patterns.size() == before.scenario.tenants[t].load[0].patterns.size());

  // A Prometheus export is read per second; a tenant out of range is refused by name.
  REQUIRE(put_trace_in_load(text, 1, "export.json", test::read_text("examples/traces/prometheus-query-range.json"), out,
                            done, why));
  CHECK(done.find("read per second") != std::string::npos);
  CHECK_FALSE(put_trace_in_load(text, 99, "requests.csv", csv, out, done, why));
  CHECK(why == "the current scenario has no tenant #100");
}
