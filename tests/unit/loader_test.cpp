// Tests of the scenario loader (core/scenario/loader.cpp), the JSON reader it stands on and
// the time helpers it uses (core/engine/sim_time.h).
//
// The malformed scenarios live in tests/scenarios/invalid/, one file per mistake; the table
// kInvalidCases below says which diagnostic each must produce, and a test checks that the
// table and the folder list the same files. Limits too large for a fixture file (201
// services, 100001 trace points, a 16 MiB file) are built as text here.
//
// Directories are listed with <dirent.h>, not std::filesystem: these tests are also built
// with Emscripten 3.1.6, whose std::filesystem is not usable.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "engine/sim_time.h"
#include "json/json.h"
#include "test_support.h"

namespace opsim {
namespace {

using test::must_load;
using test::read_text;
using test::source_path;

// ---------------------------------------------------------------------------------------
// Helpers

bool is_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Paths relative to `dir` of the *.json files below it, sorted; `recurse` descends into
// subfolders.
void list_json(const std::string& root, const std::string& rel, bool recurse, std::vector<std::string>& out) {
  const std::string dir = rel.empty() ? root : root + "/" + rel;
  DIR* d = ::opendir(dir.c_str());
  REQUIRE(d != nullptr);
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string child = rel.empty() ? name : rel + "/" + name;
    if (is_directory(root + "/" + child)) {
      if (recurse) list_json(root, child, recurse, out);
    } else if (ends_with(name, ".json")) {
      out.push_back(child);
    }
  }
  ::closedir(d);
}

std::vector<std::string> json_files(const std::string& relative_dir, bool recurse) {
  std::vector<std::string> out;
  list_json(source_path(relative_dir), "", recurse, out);
  std::sort(out.begin(), out.end());
  return out;
}

std::string describe_all(const std::vector<Diagnostic>& ds, const char* severity) {
  std::string s;
  for (const Diagnostic& d : ds) s += format_diagnostic(d, "scenario", severity) + "\n";
  return s.empty() ? std::string("(no ") + severity + "s)\n" : s;
}

// True when some diagnostic has exactly `path`, contains `message`, stands on `line` and, if
// column > 0, at `column`.
bool has(const std::vector<Diagnostic>& ds, const std::string& path, const std::string& message, int line,
         int column = 0) {
  for (const Diagnostic& d : ds)
    if (d.path == path && d.message.find(message) != std::string::npos && d.line == line &&
        (column == 0 || d.column == column))
      return true;
  return false;
}

// Expects the load to fail with (at least) the given diagnostic.
void expect_error(const std::string& text, const std::string& path, const std::string& message, int line,
                  int column = 0) {
  const LoadResult r = load_scenario(text);
  INFO("expected: " << path << ": " << message << " on line " << line);
  INFO("got:\n" << describe_all(r.errors, "error"));
  CHECK_FALSE(r.ok);
  CHECK(has(r.errors, path, message, line, column));
}

// A small valid scenario whose sections can be replaced, laid out one member per line so
// that line numbers are predictable:
//   1 {   2 schema   3 name   4 duration   5 services   6 agents   7 tenants   8.. extra
struct Doc {
  std::string duration = R"("1h")";
  std::string services = R"([{"id": "svc"}])";
  std::string agents = R"([{"id": "ag", "service": "svc", "work": {"dist": "constant", "value": "1s"}}])";
  std::string tenants = R"([{"id": "t1", "load": [{"agent": "ag", "rate": 1}]}])";
  std::vector<std::string> extra;  // further members, `"key": value`, one per line

  std::string text() const {
    std::string s = "{\n";
    s += "  \"schema\": \"opsim/1\",\n";
    s += "  \"name\": \"generated\",\n";
    s += "  \"duration\": " + duration + ",\n";
    s += "  \"services\": " + services + ",\n";
    s += "  \"agents\": " + agents + ",\n";
    s += "  \"tenants\": " + tenants;
    for (const std::string& e : extra) s += ",\n  " + e;
    s += "\n}\n";
    return s;
  }
};

// ---------------------------------------------------------------------------------------
// The malformed fixtures and what each must report.

struct InvalidCase {
  const char* file;  // in tests/scenarios/invalid/
  const char* path;  // exact JSON path of the diagnostic
  const char* message;  // a substring of its message
  int line;  // exact line
  int column;  // exact column, or 0 when not checked
};

const InvalidCase kInvalidCases[] = {
    // JSON syntax: line and column of the offending character.
    {"syntax_error_trailing_comma.json", "$",
     "JSON syntax error: expected a member name in double quotes, found '}'", 5, 1},
    {"syntax_error_missing_colon.json", "$", "JSON syntax error: expected ':' after a member name, found '\"'", 3, 10},
    {"syntax_error_unterminated_string.json", "$", "JSON syntax error: control character in a string (escape it)", 3,
     24},
    {"syntax_error_bad_literal.json", "$", "JSON syntax error: expected a JSON value, found 't'", 4, 11},
    {"syntax_error_missing_bracket.json", "$", "JSON syntax error: expected ',' or ']' in an array, found ':'", 6, 11},
    {"duplicate_member.json", "$", "JSON syntax error: duplicate member \"name\"", 5, 5},
    // Wrong types and values at the top level.
    {"root_not_object.json", "$", "expected an object, found an array of 1", 1, 1},
    {"schema_wrong_version.json", "$.schema", "expected \"opsim/1\", found \"opsim/2\"", 2, 13},
    {"missing_required_duration.json", "$.duration",
     "expected a duration such as \"250ms\", \"30s\" or \"1h30m\" from 1s to 400d, found nothing (the field is required)",
     1, 1},
    {"missing_required_name.json", "$.name", "expected a string, found nothing (the field is required)", 1, 1},
    {"duration_plain_number.json", "$.duration",
     "expected a duration such as \"250ms\", \"30s\" or \"1h30m\" from 1s to 400d, found 3600", 4, 15},
    {"duration_unknown_unit.json", "$.services[0].queue.timeout", "from 1ms to 1d, found \"30 seconds\"", 6, 0},
    {"duration_over_limit.json", "$.duration", "from 1s to 400d, found \"401d\"", 4, 15},
    {"seed_too_large.json", "$.seed", "expected an integer from 0 to 18446744073709551615, found 18446744073709551616", 4,
     11},
    {"seed_negative.json", "$.seed", "expected an integer from 0 to 18446744073709551615, found -1", 5, 11},
    {"start_not_iso8601.json", "$.start",
     "expected an ISO 8601 UTC timestamp such as \"2026-01-05T00:00:00Z\", found \"2026-01-05 00:00\"", 4, 12},
    {"spike_at_before_start.json", "$.tenants[0].load[0].patterns[0].at",
     "expected a time not before the scenario's start (2026-01-05T00:00:00Z), found \"2026-01-04T23:00:00Z\"", 10, 46},
    {"iso_time_invalid_date.json", "$.faults[0].at",
     "expected a time: an offset from start such as \"2d3h\", or an ISO 8601 UTC time, found \"2026-02-30T00:00:00Z\"", 9,
     0},
    {"capacity_not_integer.json", "$.services[0].queue.capacity", "expected an integer from 0 to 1000000, found \"abc\"",
     6, 39},
    {"concurrency_zero.json", "$.services[0].instance.concurrency", "expected an integer from 1 to 10000, found 0", 6,
     0},
    {"concurrency_fractional.json", "$.services[0].instance.concurrency",
     "expected an integer from 1 to 10000, found 2.5", 6, 0},
    {"error_percent_above_100.json", "$.agents[0].error_percent", "expected a number from 0 to 100, found 150", 7, 0},
    {"tags_not_array.json", "$.tags", "expected an array of strings, found \"chaos\"", 4, 0},
    {"id_with_dot.json", "$.services[0].id", "expected an id (1 to 64 letters, digits, '_' or '-'), found \"svc.eu\"", 5,
     0},
    {"tenants_empty.json", "$.tenants", "expected an array of at least 1, found an empty array", 7, 14},
    // Unknown fields at several depths.
    {"unknown_field_top_level.json", "$.sloss", "unknown field \"sloss\" (expected one of: schema, name, description", 8,
     0},
    {"unknown_field_in_queue.json", "$.services[0].queue.size",
     "unknown field \"size\" (expected one of: capacity, timeout, discipline, lifo_threshold, shed_at)", 7, 0},
    {"unknown_field_in_quota.json", "$.tenants[0].quota.max_concurent_agents",
     "unknown field \"max_concurent_agents\" (expected one of: max_concurrent_agents,", 8, 0},
    {"unknown_field_in_pattern.json", "$.tenants[0].load[0].patterns[0].peak",
     "unknown field \"peak\" (expected one of: type, peak_hour, trough_factor)", 10, 0},
    {"fault_field_of_other_type.json", "$.faults[0].add",
     "unknown field \"add\" for a fault of type \"instance_crash\" (expected one of: type, at, duration, service, count, "
     "fraction)",
     9, 0},
    // Missing required fields and bad enum values.
    {"agent_missing_work.json", "$.agents[0].work", "found nothing (the field is required)", 6, 0},
    {"load_missing_rate.json", "$.tenants[0].load[0].rate",
     "found nothing (the field is required unless a \"trace\" pattern gives the rate)", 8, 0},
    {"complexity_unknown_value.json", "$.agents[0].complexity",
     "expected one of \"low\", \"medium\", \"high\", found \"extreme\"", 7, 0},
    {"pattern_unknown_type.json", "$.tenants[0].load[0].patterns[0].type",
     "expected one of \"constant\", \"diurnal\", \"weekly\", \"ramp\", \"spike\", \"trace\", found \"sine\"", 9, 0},
    {"work_unknown_dist.json", "$.agents[0].work.dist",
     "expected one of \"constant\", \"exponential\", \"lognormal\", \"gamma\", found \"weibull\"", 7, 0},
    // Cross-references.
    {"agent_references_missing_service.json", "$.agents[0].service",
     "expected the id of a service (\"svc\"), found \"nope\"", 7, 26},
    {"load_references_missing_agent.json", "$.tenants[0].load[1].agent", "agent (\"ag\"), found \"ghost\"", 9, 0},
    {"fault_unknown_service.json", "$.faults[0].service", "expected the id of a service (\"svc\"), found \"svc2\"", 9, 0},
    {"fault_unknown_tenant.json", "$.faults[0].tenant", "expected the id of a tenant (\"t1\"), found \"t2\"", 9, 0},
    {"fault_unknown_provider.json", "$.faults[0].provider",
     "expected the id of a context provider (\"policy\"), found \"business\"", 10, 0},
    {"fault_unknown_agent.json", "$.faults[0].agent", "agent (\"ag\"), found \"writer\"", 9, 0},
    {"scaling_unknown_service.json", "$.scaling.service", "expected the id of a service (\"svc\"), found \"svc-eu\"", 8,
     0},
    {"slo_unknown_service.json", "$.slos[0].service", "expected the id of a service (\"svc\"), found \"web\"", 9, 0},
    {"deployment_unknown_service.json", "$.deployments[0].service", "expected the id of a service (\"svc\"), found \"api\"",
     9, 0},
    {"rule_unknown_tenant.json", "$.monitoring.rules[0].tenant", "expected the id of a tenant (\"t1\"), found \"acme\"", 9,
     0},
    {"rule_unknown_service.json", "$.monitoring.rules[1].service", "expected the id of a service (\"svc\"), found \"db\"",
     10, 0},
    {"call_references_missing_agent.json", "$.agents[0].calls[0].agent",
     "expected the id of an agent (\"support\", \"retriever\"), found \"retreiver\"", 8, 26},
    {"calls_form_a_cycle.json", "$.agents[2].calls[0].parallel[1].agent",
     "the calls form a cycle: support -> retriever -> support (an agent may not call itself, directly or through "
     "others)",
     11, 58},
    // Duplicate ids.
    {"duplicate_service_id.json", "$.services[1].id", "duplicate service id \"svc\"", 6, 0},
    {"duplicate_tenant_id.json", "$.tenants[2].id", "duplicate tenant id \"t1\"", 9, 0},
    // Metric names in objectives, rules and probes.
    {"objective_unknown_metric.json", "$.objectives[0].metric", "unknown metric \"latency_p95\"", 9, 0},
    {"rule_unknown_metric.json", "$.monitoring.rules[0].metric", "unknown metric \"cpu_percent\"", 9, 0},
    {"probe_unknown_metric.json", "$.chaos[0].hypothesis.probes[0].metric", "unknown metric \"availability\"", 9, 0},
    {"scoped_metric_unknown_tenant.json", "$.objectives[0].metric",
     "metric \"tenant.acme.latency_p95_ms\" names tenant \"acme\", which the scenario does not define", 9, 0},
    {"scoped_metric_without_metric.json", "$.objectives[0].metric", "a scoped metric is slo.<id>.<metric>", 9, 0},
    {"metric_wrong_scope.json", "$.objectives[0].metric", "metric \"cost_usd\" does not exist in this scope", 9, 0},
    // Consistency between fields.
    {"instances_min_above_max.json", "$.services[0].instances", "expected min <= max, found min 5 and max 3", 6, 0},
    {"lognormal_p99_below_median.json", "$.agents[0].work.p99", "expected a p99 above the median (2s), found \"1500ms\"",
     8, 0},
    {"fault_crash_count_and_fraction.json", "$.faults[0]", "expected either \"count\" or \"fraction\", found both", 9, 5},
    {"weekly_six_factors.json", "$.tenants[0].load[0].patterns[0].factors",
     "expected an array of 7 factors, Monday first, found an array of 6", 10, 0},
    {"trace_points_not_increasing.json", "$.tenants[0].load[0].patterns[0].points[2][0]",
     "expected a time after the previous point's, found \"20m\"", 12, 0},
    {"canary_steps_not_ending_at_100.json", "$.deployments[0].canary.steps",
     "expected an increasing array of traffic percentages ending at 100, found an array of 3", 9, 0},
    {"scaling_threshold_down_above_up.json", "$.scaling.policies[0].threshold_down",
     "expected a number below threshold_up (50), found 60", 11, 0},
    {"silence_ends_before_starts.json", "$.monitoring.routing.silences[0].ends",
     "expected a time after \"starts\", found \"10m\"", 10, 0},
    // Typed context provider data.
    {"context_entry_priority_out_of_range.json", "$.context.providers[0].data.entries[0].priority",
     "expected an integer from 1 to 10, found 11", 10, 18},
    {"context_policy_not_object.json", "$.context.providers[0].data.roles.admin.security",
     "expected a policy object (its settings), found \"elevated\"", 10, 46},
    {"context_data_of_other_kind.json", "$.context.providers[0].data.entries",
     "unknown field \"entries\" (expected one of: key, metrics)", 9, 25},
    // Limits.
    {"expected_requests_over_limit.json", "$.tenants",
     "the loads' peak rates over the duration come to 25920000000 requests, over the limit kMaxExpectedRequests = "
     "20000000000",
     7, 0},
    {"memory_over_limit.json", "$",
     "the simulation would need about 1107 MB (scopes, samples, SLO buckets, users x services, requests in flight), "
     "over the limit kMaxEstimatedMemoryMb = 1024",
     1, 1},
};

TEST_CASE("every malformed scenario file reports its diagnostic", "[loader]") {
  for (const InvalidCase& c : kInvalidCases) {
    DYNAMIC_SECTION(c.file) {
      const std::string text = read_text("tests/scenarios/invalid/" + std::string(c.file));
      REQUIRE_FALSE(text.empty());
      const LoadResult r = load_scenario(text);
      INFO("expected: " << c.path << ": " << c.message << " at line " << c.line << ", column " << c.column);
      INFO("got:\n" << describe_all(r.errors, "error"));
      CHECK_FALSE(r.ok);
      CHECK(has(r.errors, c.path, c.message, c.line, c.column));
      // Errors are reported in file order.
      for (std::size_t i = 1; i < r.errors.size(); ++i) {
        CHECK(r.errors[i - 1].line <= r.errors[i].line);
      }
    }
  }
}

TEST_CASE("the table of malformed scenarios and the folder list the same files", "[loader]") {
  const std::vector<std::string> files = json_files("tests/scenarios/invalid", false);
  std::set<std::string> in_table;
  for (const InvalidCase& c : kInvalidCases) {
    INFO(c.file << " appears twice in kInvalidCases");
    CHECK(in_table.insert(c.file).second);
  }
  for (const std::string& f : files) {
    INFO(f << " is in tests/scenarios/invalid/ but not in kInvalidCases");
    CHECK(in_table.count(f) == 1);
  }
  const std::set<std::string> on_disk(files.begin(), files.end());
  for (const std::string& f : in_table) {
    INFO(f << " is in kInvalidCases but not in tests/scenarios/invalid/");
    CHECK(on_disk.count(f) == 1);
  }
  CHECK(files.size() >= 30);
}

// ---------------------------------------------------------------------------------------
// Errors built as text: syntax corner cases, limits too large for a fixture file.

TEST_CASE("JSON syntax errors name the line and column", "[loader]") {
  SECTION("empty document") { expect_error("", "$", "JSON syntax error: expected a JSON value, found end of input", 1, 1); }
  SECTION("text after the document") {
    expect_error("{}\n  x", "$", "JSON syntax error: unexpected 'x' after the end of the document", 2, 3);
  }
  SECTION("CRLF line endings count lines once") {
    expect_error("{\r\n  \"schema\": \"opsim/1\",\r\n  \"name\": nul\r\n}", "$",
                 "JSON syntax error: expected a JSON value, found 'n'", 3, 11);
  }
  SECTION("invalid escape") {
    expect_error("{\n  \"name\": \"a\\qb\"\n}", "$", "JSON syntax error: invalid escape '\\q'", 2, 14);
  }
  SECTION("unpaired surrogate") {
    expect_error("{\"name\": \"\\ud800x\"}", "$", "JSON syntax error: unpaired surrogate in \\u escape", 1, 0);
  }
  SECTION("leading zero") {
    expect_error("{\"seed\": 012}", "$", "JSON syntax error: expected ',' or '}' in an object, found '1'", 1, 11);
  }
  SECTION("a number too large for a double points at the number") {
    expect_error("{\n  \"seed\": 1e999\n}", "$", "JSON syntax error: number out of range", 2, 11);
  }
  SECTION("single quotes") {
    expect_error("{'schema': 'opsim/1'}", "$", "JSON syntax error: expected a member name in double quotes, found '''",
                 1, 2);
  }
  SECTION("a duplicate member deep inside is still reported at the duplicate") {
    Doc d;
    d.services = "[{\"id\": \"svc\", \"queue\": {\"capacity\": 1, \"capacity\": 2}}]";
    expect_error(d.text(), "$", "JSON syntax error: duplicate member \"capacity\"", 5, 55);
  }
}

TEST_CASE("JSON nesting is limited to 64 levels", "[loader]") {
  auto nested = [](int levels) { return std::string(levels, '[') + std::string(levels, ']'); };
  json::Value v;
  json::ParseError e;
  CHECK(json::parse(nested(64), v, e));
  REQUIRE_FALSE(json::parse(nested(65), v, e));
  CHECK(e.message == "nesting deeper than 64 levels");
  CHECK(e.line == 1);
  CHECK(e.column == 65);
}

TEST_CASE("the JSON reader keeps positions and integer literals", "[loader]") {
  json::Value v;
  json::ParseError e;
  REQUIRE(json::parse("{\n  \"a\": [1, 2.5,\n        -3e2],\n  \"b\": \"\\u00e9\\ud83d\\ude00\"\n}", v, e));
  const json::Value* a = v.find("a");
  REQUIRE(a != nullptr);
  CHECK(a->line == 2);
  CHECK(a->column == 8);
  REQUIRE(a->items.size() == 3);
  CHECK(a->items[0].is_integer);
  CHECK_FALSE(a->items[1].is_integer);
  CHECK(a->items[2].line == 3);
  CHECK(a->items[2].column == 9);
  CHECK(a->items[2].number == -300);
  CHECK(a->items[2].text == "-3e2");
  CHECK(v.find("b")->text == "\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(json::describe(*a) == "an array of 3");
  CHECK(json::describe(*v.find("b")) == "\"\xc3\xa9\xf0\x9f\x98\x80\"");
}

TEST_CASE("limits refuse scenarios that would exhaust the machine", "[loader]") {
  SECTION("201 services exceed kMaxServices; 200 are accepted") {
    auto services = [](int n) {
      std::string s = "[";
      for (int i = 0; i < n; ++i) s += (i ? ", " : "") + std::string("{\"id\": \"s") + std::to_string(i) + "\"}";
      return s + "]";
    };
    Doc d;
    d.agents = R"([{"id": "ag", "service": "s0", "work": {"dist": "constant", "value": "1s"}}])";
    d.services = services(201);
    expect_error(d.text(), "$.services", "too many entries: 201 exceeds the limit kMaxServices = 200", 5, 15);
    d.services = services(200);
    CHECK(must_load(d.text()).services.size() == 200);
  }
  SECTION("1001 agents exceed kMaxAgents") {
    Doc d;
    std::string a = "[";
    for (int i = 0; i < 1001; ++i)
      a += (i ? ", " : "") + std::string("{\"id\": \"a") + std::to_string(i) +
           "\", \"service\": \"svc\", \"work\": {\"dist\": \"constant\", \"value\": \"1s\"}}";
    d.agents = a + "]";
    d.tenants = R"([{"id": "t1", "load": [{"agent": "a0", "rate": 1}]}])";
    expect_error(d.text(), "$.agents", "too many entries: 1001 exceeds the limit kMaxAgents = 1000", 6, 13);
  }
  SECTION("100001 trace points exceed kMaxTracePoints; 100000 are accepted") {
    auto trace = [](int n) {
      std::string s = R"([{"id": "t1", "load": [{"agent": "ag", "patterns": [{"type": "trace", "points": [)";
      for (int i = 0; i < n; ++i) s += (i ? "," : "") + std::string("[\"") + std::to_string(i) + "s\",1]";
      return s + "]}]}]}]";
    };
    Doc d;
    d.duration = R"("2d")";
    d.tenants = trace(100001);
    expect_error(d.text(), "$.tenants[0].load[0].patterns[0].points",
                 "too many points: 100001 exceeds the limit kMaxTracePoints = 100000", 7, 0);
    d.tenants = trace(100000);
    const Scenario s = must_load(d.text());
    REQUIRE(s.tenants[0].load[0].patterns.size() == 1);
    CHECK(s.tenants[0].load[0].patterns[0].points.size() == 100000);
    CHECK(s.tenants[0].load[0].patterns[0].points.back().first == 99999 * kMicrosPerSecond);
  }
  SECTION("the file size limit is 16 MiB") {
    Doc d;
    d.extra = {"\"x-pad\": \"\""};
    const std::size_t base = d.text().size();
    d.extra = {"\"x-pad\": \"" + std::string(ScenarioLimits::kMaxFileBytes - base, 'a') + "\""};
    REQUIRE(d.text().size() == ScenarioLimits::kMaxFileBytes);
    CHECK(must_load(d.text()).services.size() == 1);
    d.extra = {"\"x-pad\": \"" + std::string(ScenarioLimits::kMaxFileBytes - base + 1, 'a') + "\""};
    expect_error(d.text(), "$", "the file is 16777217 bytes, over the limit kMaxFileBytes = 16777216", 0, 0);
  }
  SECTION("expected requests: a huge rate over a long duration") {
    Doc d;
    // 5000/s x 4,000,000 s is exactly the limit, 2e10; one second more is over it.
    d.duration = R"("4000000s")";
    d.tenants = R"([{"id": "t1", "load": [{"agent": "ag", "rate": 5000}]}])";
    must_load(d.text());
    d.duration = R"("4000001s")";
    expect_error(d.text(), "$.tenants", "over the limit kMaxExpectedRequests = 20000000000", 7, 14);
  }
  SECTION("expected requests count the peak of the patterns") {
    Doc d;
    d.duration = R"("30d")";
    d.tenants = R"([{"id": "t1", "load": [{"agent": "ag", "rate": 1000, "patterns": [{"type": "spike", "at": "1d", )"
                R"("duration": "1m", "multiplier": 10}]}]}])";
    expect_error(d.text(), "$.tenants", "come to 25920000000 requests, over the limit kMaxExpectedRequests", 7, 0);
  }
  SECTION("slots summed over services") {
    Doc d;
    d.services = R"([{"id": "svc", "instance": {"concurrency": 10000}, "instances": {"initial": 1, "max": 200}}])";
    must_load(d.text());
    d.services = R"([{"id": "svc", "instance": {"concurrency": 10000}, "instances": {"initial": 1, "max": 201}}])";
    expect_error(d.text(), "$.services",
                 "instances.max x concurrency summed over services is 2010000, over the limit kMaxTotalSlots = 2000000",
                 5, 15);
  }
  SECTION("retained time-series values") {
    Doc d;
    d.extra = {R"("monitoring": {"scrape_interval": "1s", "retention": "30d"})"};
    expect_error(d.text(), "$.monitoring.retention", "values, over the limit kMaxRetainedValues = 50000000", 8, 17);
  }
  SECTION("SLO buckets") {
    // A 30-day SLO at a 1 s scrape keeps 2,592,001 buckets; one fits, two do not.
    Doc d;
    d.extra = {R"("monitoring": {"scrape_interval": "1s", "retention": "1h"})",
               R"("slos": [{"id": "a", "indicator": "availability", "target_percent": 99.9}])"};
    must_load(d.text());
    d.extra[1] = R"("slos": [{"id": "a", "indicator": "availability", "target_percent": 99.9},
                           {"id": "b", "indicator": "availability", "target_percent": 99}])";
    expect_error(d.text(), "$.slos", "come to 5184002 buckets, over the limit kMaxSloBuckets = 4000000", 9, 11);
  }
  SECTION("per-service numbers") {
    Doc d;
    d.services = R"([{"id": "svc", "instances": {"initial": 10001}}])";
    expect_error(d.text(), "$.services[0].instances.initial", "expected an integer from 0 to 10000, found 10001", 5, 0);
    d.services = R"([{"id": "svc", "queue": {"capacity": 1000001}}])";
    expect_error(d.text(), "$.services[0].queue.capacity", "expected an integer from 0 to 1000000, found 1000001", 5, 0);
  }
}

TEST_CASE("diagnostics point at the right element", "[loader]") {
  SECTION("a duplicate id after an item that is not an object") {
    Doc d;
    d.services = R"([{"id": "svc"}, 5, {"id": "b"}, {"id": "b"}])";
    const LoadResult r = load_scenario(d.text());
    INFO(describe_all(r.errors, "error"));
    CHECK_FALSE(r.ok);
    CHECK(has(r.errors, "$.services[1]", "expected an object, found 5", 5, 31));
    CHECK(has(r.errors, "$.services[3].id", "duplicate service id \"b\"", 5, 0));
    CHECK_FALSE(has(r.errors, "$.services[2].id", "duplicate", 5, 0));
  }
  SECTION("a duplicate id stands on the line of the id") {
    Doc d;
    d.services = "[{\"id\": \"svc\"},\n    {\"instance\": {\"concurrency\": 2},\n     \"id\": \"svc\"}]";
    expect_error(d.text(), "$.services[1].id", "duplicate service id \"svc\"", 7, 12);
  }
  SECTION("items without an id are not duplicates of each other") {
    Doc d;
    d.extra = {R"("slos": [{"indicator": "availability"}, {"indicator": "availability"}])"};
    const LoadResult r = load_scenario(d.text());
    INFO(describe_all(r.errors, "error"));
    CHECK(has(r.errors, "$.slos[0].id", "found nothing (the field is required)", 8, 0));
    CHECK(has(r.errors, "$.slos[1].id", "found nothing (the field is required)", 8, 0));
    for (const Diagnostic& e : r.errors) CHECK(e.message.find("duplicate") == std::string::npos);
  }
  SECTION("initial above an unstated-min max blames initial, not a min that was never written") {
    Doc d;
    d.services = R"([{"id": "svc", "instances": {"initial": 5, "max": 3}}])";
    const LoadResult r = load_scenario(d.text());
    INFO(describe_all(r.errors, "error"));
    CHECK(has(r.errors, "$.services[0].instances.initial", "expected initial between min (3) and max (3), found 5", 5));
    for (const Diagnostic& e : r.errors) CHECK(e.message.find("min 5") == std::string::npos);
  }
  SECTION("initial outside stated bounds") {
    Doc d;
    d.services = R"([{"id": "svc", "instances": {"initial": 1, "min": 2, "max": 4}}])";
    expect_error(d.text(), "$.services[0].instances.initial", "expected initial between min (2) and max (4), found 1", 5,
                 43);
  }
  SECTION("a fault of another type rejects fields of other types") {
    Doc d;
    d.extra = {R"("faults": [{"at": "1m", "type": "errors", "service": "svc", "error_percent": 5, "fraction": 0.5}])"};
    expect_error(d.text(), "$.faults[0].fraction",
                 "unknown field \"fraction\" for a fault of type \"errors\" (expected one of: type, at, duration, service, "
                 "agent, error_percent)",
                 8, 0);
  }
  SECTION("a chaos method fault has no \"at\"") {
    Doc d;
    d.extra = {R"("chaos": [{"id": "c", "at": "10m", "hypothesis": {"probes": [{"metric": "availability_percent", )"
               R"("tolerance": [99, 100]}]}, "method": [{"fault": {"type": "instance_crash", "service": "svc", )"
               R"("count": 1, "at": "5m"}, "duration": "1m"}]}])"};
    expect_error(d.text(), "$.chaos[0].method[0].fault.at", "unknown field \"at\" for a fault of type \"instance_crash\"",
                 8, 0);
  }
  SECTION("unknown field inside scaling behavior") {
    Doc d;
    d.extra = {R"("scaling": {"service": "svc", "policies": [{"id": "hpa", "kind": "target_tracking", )"
               R"("metric": "cpu_utilization", "target": 60, "behavior": {"scale_up": {"window": "0s"}}}]})"};
    expect_error(d.text(), "$.scaling.policies[0].behavior.scale_up.window",
                 "unknown field \"window\" (expected one of: stabilization_window, select_policy, tolerance, policies)", 8,
                 0);
  }
  SECTION("a per-direction tolerance is a number from 0 to 1") {
    Doc ok;
    ok.extra = {R"("scaling": {"service": "svc", "policies": [{"id": "hpa", "kind": "target_tracking", )"
                R"("metric": "cpu_utilization", "target": 60, "behavior": {"scale_down": {"tolerance": 0.2}}}]})"};
    const LoadResult r = load_scenario(ok.text());
    INFO(describe_all(r.errors, "error"));
    REQUIRE(r.ok);
    const ScalingPolicySpec& hpa = r.scenario.scaling[0].policies[0];
    REQUIRE(hpa.scale_down.tolerance);
    CHECK(*hpa.scale_down.tolerance == 0.2);
    CHECK_FALSE(hpa.scale_up.tolerance);
    CHECK(hpa.tolerance == 0.1);
    Doc d;
    d.extra = {R"("scaling": {"service": "svc", "policies": [{"id": "hpa", "kind": "target_tracking", )"
               R"("metric": "cpu_utilization", "target": 60, "behavior": {"scale_up": {"tolerance": 1.5}}}]})"};
    expect_error(d.text(), "$.scaling.policies[0].behavior.scale_up.tolerance", "a number from 0 to 1", 8, 0);
  }
  SECTION("missing fields report the line of the object that lacks them") {
    Doc d;
    d.extra = {"\"faults\": [\n    {\"type\": \"traffic_spike\", \"tenant\": \"t1\", \"multiplier\": 2}]"};
    expect_error(d.text(), "$.faults[0].at", "found nothing (the field is required)", 9, 5);
  }
  SECTION("scoped metrics name services and SLOs that must exist") {
    Doc d;
    d.extra = {R"("objectives": [{"id": "o", "metric": "service.api.latency_p95_ms", "op": "<=", "value": 1}])"};
    expect_error(d.text(), "$.objectives[0].metric",
                 "metric \"service.api.latency_p95_ms\" names service \"api\", which the scenario does not define", 8, 0);
    d.extra = {R"("objectives": [{"id": "o", "metric": "slo.avail.burn_rate", "op": "<=", "value": 1}])"};
    expect_error(d.text(), "$.objectives[0].metric", "names SLO \"avail\", which the scenario does not define", 8, 0);
  }
  SECTION("two scaling sections for one service") {
    Doc d;
    d.extra = {R"("scaling": [{"service": "svc"}, {"service": "svc"}])"};
    expect_error(d.text(), "$.scaling", "service \"svc\" has two scaling sections", 8, 14);
  }
  SECTION("a scalar where a section belongs") {
    Doc d;
    d.extra = {R"("monitoring": "on")"};
    expect_error(d.text(), "$.monitoring", "expected an object, found \"on\"", 8, 17);
  }
}

// ---------------------------------------------------------------------------------------
// Valid scenarios.

TEST_CASE("every scenario in scenarios/ loads without errors", "[loader]") {
  std::vector<std::string> files = json_files("scenarios", true);
  files.erase(std::remove_if(files.begin(), files.end(),
                             [](const std::string& f) { return ends_with(f, "opsim.schema.json"); }),
              files.end());
  REQUIRE_FALSE(files.empty());
  for (const std::string& f : files) {
    DYNAMIC_SECTION(f) {
      const std::string text = read_text("scenarios/" + f);
      REQUIRE_FALSE(text.empty());
      const LoadResult r = load_scenario(text);
      INFO(describe_all(r.errors, "error"));
      CHECK(r.ok);
      CHECK(r.errors.empty());
      CHECK_FALSE(r.scenario.name.empty());
      CHECK(r.scenario.duration > 0);
    }
  }
}

TEST_CASE("defaults follow SCENARIO_FORMAT.md", "[loader]") {
  Doc d;
  const Scenario s = must_load(d.text());
  CHECK(s.seed == 1);
  CHECK(s.calendar.start_unix_s() == 1767571200);  // 2026-01-05T00:00:00Z
  CHECK(s.calendar.iso8601(0) == "2026-01-05T00:00:00Z");
  CHECK(s.calendar.weekday(0) == 0);  // a Monday
  CHECK(s.duration == kMicrosPerHour);

  SECTION("services and agents") {
    const ServiceSpec& sv = s.services.at(0);
    CHECK(sv.concurrency == 1);
    CHECK(sv.instances_initial == 1);
    CHECK(sv.instances_min == 1);
    CHECK(sv.instances_max == 1);
    CHECK(sv.queue_capacity == 100);
    CHECK(sv.queue_timeout == 30 * kMicrosPerSecond);
    const AgentSpec& a = s.agents.at(0);
    CHECK(a.service_index == 0);
    CHECK(a.complexity == Complexity::medium);
    CHECK(a.model_size == ModelSize::standard);
    CHECK(a.error_percent == 0);
    CHECK(a.memory_estimate_mb == 256);
    CHECK(a.cpu_estimate_cores == 0.5);
    CHECK(a.work.kind == Distribution::Kind::constant);
    CHECK(a.work.a == 1.0);
    CHECK(s.tenants.at(0).load.at(0).agent_index == 0);
    CHECK(s.tenants.at(0).name == "t1");  // the name defaults to the id
  }
  SECTION("tenant quota: the seed's ResourceQuota defaults") {
    const QuotaSpec& q = s.tenants.at(0).quota;
    CHECK_FALSE(q.given);
    CHECK(q.max_concurrent_agents == 10);
    CHECK(q.max_memory_mb == 2048);
    CHECK(q.max_cpu_cores == 2.0);
    CHECK(q.max_requests_per_minute == 1000);
    CHECK(q.max_execution_time == 300 * kMicrosPerSecond);
  }
  SECTION("a partial quota keeps the other defaults") {
    Doc d2;
    d2.tenants = R"([{"id": "t1", "quota": {"max_concurrent_agents": 3}, "load": [{"agent": "ag", "rate": 1}]}])";
    const Scenario s2 = must_load(d2.text());
    const QuotaSpec& q = s2.tenants.at(0).quota;
    CHECK(q.given);
    CHECK(q.max_concurrent_agents == 3);
    CHECK(q.max_memory_mb == 2048);
    CHECK(q.max_cpu_cores == 2.0);
    CHECK(q.max_requests_per_minute == 1000);
    CHECK(q.max_execution_time == 300 * kMicrosPerSecond);
  }
  SECTION("monitoring") {
    CHECK(s.monitoring.scrape_interval == 15 * kMicrosPerSecond);
    CHECK(s.monitoring.retention == 24 * kMicrosPerHour);
    CHECK_FALSE(s.monitoring.rules_given);
    REQUIRE(s.monitoring.rules.size() == 3 + s.tenants.size());
    CHECK(s.monitoring.rules[0].metric == "error_rate_percent");
    CHECK(s.monitoring.rules[0].value == 5);
    CHECK(s.monitoring.rules[1].metric == "latency_avg_ms");
    CHECK(s.monitoring.rules[1].value == 1000);
    CHECK(s.monitoring.rules[2].metric == "cpu_utilization");
    CHECK(s.monitoring.rules[2].value == 80);
    // The seed's tenant quota threshold, one rule per tenant.
    CHECK(s.monitoring.rules[3].metric == "quota_utilization_percent");
    CHECK(s.monitoring.rules[3].tenant == s.tenants[0].id);
    CHECK(s.monitoring.rules[3].value == 90);
  }
  SECTION("burn-rate alerts: the SRE workbook's three windows") {
    const auto& b = s.alerting.burn_rate;
    REQUIRE(b.size() == 3);
    CHECK(b[0].factor == 14.4);
    CHECK(b[0].long_window == kMicrosPerHour);
    CHECK(b[0].short_window == 5 * kMicrosPerMinute);
    CHECK(b[0].severity == "page");
    CHECK(b[1].factor == 6);
    CHECK(b[1].long_window == 6 * kMicrosPerHour);
    CHECK(b[1].short_window == 30 * kMicrosPerMinute);
    CHECK(b[1].severity == "page");
    CHECK(b[2].factor == 1);
    CHECK(b[2].long_window == 3 * kMicrosPerDay);
    CHECK(b[2].short_window == 6 * kMicrosPerHour);
    CHECK(b[2].severity == "ticket");
  }
  SECTION("instances: unstated bounds follow the stated ones") {
    Doc d2;
    d2.services = R"([{"id": "svc", "instances": {"initial": 3}}])";
    const ServiceSpec a = must_load(d2.text()).services.at(0);
    CHECK(a.instances_initial == 3);
    CHECK(a.instances_min == 3);
    CHECK(a.instances_max == 3);
    d2.services = R"([{"id": "svc", "instances": {"min": 2, "max": 40}}])";
    const ServiceSpec b = must_load(d2.text()).services.at(0);
    CHECK(b.instances_initial == 2);
    CHECK(b.instances_min == 2);
    CHECK(b.instances_max == 40);
  }
}

TEST_CASE("durations, times and the seed are read exactly", "[loader]") {
  Doc d;
  d.duration = R"("1h30m")";
  d.services = R"([{"id": "svc", "instance": {"startup": "1.5s"}, "queue": {"timeout": "250ms"}}])";
  d.tenants = R"([{"id": "t1", "load": [{"agent": "ag", "rate": 2, "patterns": [
      {"type": "spike", "at": "2026-01-05T01:00:00Z", "duration": "10m", "multiplier": 3},
      {"type": "ramp", "at": "20m", "duration": "1w", "from": 1, "to": 2}]}]}])";
  d.extra = {R"("seed": 18446744073709551615)"};
  const Scenario s = must_load(d.text());
  CHECK(s.duration == 5400 * kMicrosPerSecond);
  CHECK(s.seed == std::numeric_limits<std::uint64_t>::max());
  CHECK(s.seed == 18446744073709551615ull);
  CHECK(s.services[0].queue_timeout == 250 * kMicrosPerMilli);
  CHECK(s.services[0].startup == 1500 * kMicrosPerMilli);
  const auto& pats = s.tenants[0].load[0].patterns;
  REQUIRE(pats.size() == 2);
  CHECK(pats[0].type == PatternSpec::Type::spike);
  CHECK(pats[0].at == kMicrosPerHour);  // an ISO time, one hour after start
  CHECK(pats[0].duration == 10 * kMicrosPerMinute);
  CHECK(pats[0].multiplier == 3);
  CHECK(pats[1].type == PatternSpec::Type::ramp);
  CHECK(pats[1].at == 20 * kMicrosPerMinute);
  CHECK(pats[1].duration == 7 * kMicrosPerDay);

  SECTION("ISO times are relative to a custom start") {
    Doc d2;
    d2.duration = R"("3d")";
    d2.extra = {R"("start": "2026-03-01T00:00:00Z")",
                R"("faults": [{"type": "errors", "service": "svc", "error_percent": 5, "at": "2026-03-02T06:00:00Z", )"
                R"("duration": "20m"}])"};
    const Scenario s2 = must_load(d2.text());
    CHECK(s2.calendar.iso8601(0) == "2026-03-01T00:00:00Z");
    CHECK(s2.calendar.weekday(0) == 6);  // a Sunday
    REQUIRE(s2.faults.size() == 1);
    CHECK(s2.faults[0].at == 30 * kMicrosPerHour);
    CHECK(s2.faults[0].duration == 20 * kMicrosPerMinute);
    CHECK(s2.faults[0].service_index == 0);
  }
  SECTION("a fault without a duration is permanent") {
    Doc d2;
    d2.extra = {R"("faults": [{"type": "instance_crash", "service": "svc", "fraction": 0.5, "at": "10m"}])"};
    const Scenario s2 = must_load(d2.text());
    REQUIRE(s2.faults.size() == 1);
    CHECK(s2.faults[0].duration == -1);
    CHECK(s2.faults[0].fraction == 0.5);
  }
  SECTION("seed 0 and a seed just above 2^53 are exact") {
    Doc d2;
    d2.extra = {R"("seed": 0)"};
    CHECK(must_load(d2.text()).seed == 0);
    d2.extra = {R"("seed": 9007199254740993)"};
    CHECK(must_load(d2.text()).seed == 9007199254740993ull);
  }
  SECTION("a seed written as a fraction or exponent is refused") {
    Doc d2;
    d2.extra = {R"("seed": 1e3)"};
    expect_error(d2.text(), "$.seed", "expected an integer from 0 to 18446744073709551615, found 1e3", 8, 11);
    d2.extra = {R"("seed": "42")"};
    expect_error(d2.text(), "$.seed", "found \"42\"", 8, 11);
  }
}

TEST_CASE("\"x-\" fields are ignored at every depth", "[loader]") {
  Doc d;
  d.services = R"([{"id": "svc", "x-owner": "team-a", "queue": {"capacity": 7, "x-note": [1, 2]}}])";
  d.tenants = R"([{"id": "t1", "x-tier": {"gold": true},
                 "load": [{"agent": "ag", "rate": 1, "x-why": "peak",
                           "patterns": [{"type": "diurnal", "peak_hour": 9, "x-src": "survey"}]}]}])";
  d.extra = {R"("x-editor": {"version": 3})",
             R"("faults": [{"type": "latency", "service": "svc", "add": "100ms", "at": "5m", "x-ticket": "OPS-1"}])"};
  const LoadResult r = load_scenario(d.text());
  INFO(describe_all(r.errors, "error"));
  REQUIRE(r.ok);
  CHECK(r.scenario.services[0].queue_capacity == 7);
  CHECK(r.scenario.tenants[0].load[0].patterns[0].peak_hour == 9);
  CHECK(r.scenario.faults.at(0).add == 100 * kMicrosPerMilli);
  // A key that merely contains "x-" later on is not an extension.
  Doc bad;
  bad.services = R"([{"id": "svc", "ax-owner": 1}])";
  expect_error(bad.text(), "$.services[0].ax-owner", "unknown field \"ax-owner\"", 5, 0);
}

TEST_CASE("every section is simulated: no warnings; what opsim cannot simulate is refused", "[loader]") {
  SECTION("scaling, as an object") {
    Doc d;
    d.services = R"([{"id": "svc", "instances": {"initial": 2, "min": 1, "max": 10}}])";
    d.extra = {R"("scaling": {"service": "svc", "evaluation_interval": "30s", "policies": [)"
               R"({"id": "cpu", "kind": "threshold", "trigger": "cpu_utilization", "threshold_up": 75, "threshold_down": 30},)"
               R"({"id": "hpa", "kind": "target_tracking", "metric": "cpu_utilization", "target": 60}]})"};
    const LoadResult r = load_scenario(d.text());
    INFO(describe_all(r.errors, "error") << describe_all(r.warnings, "warning"));
    REQUIRE(r.ok);
    CHECK(r.errors.empty());
    CHECK(r.warnings.empty());  // autoscaling is simulated
    REQUIRE(r.scenario.scaling.size() == 1);
    const ScalingSpec& sc = r.scenario.scaling[0];
    CHECK(sc.service_index == 0);
    CHECK(sc.evaluation_interval == 30 * kMicrosPerSecond);
    REQUIRE(sc.policies.size() == 2);
    CHECK(sc.policies[1].kind == ScalingPolicySpec::Kind::target_tracking);
    // Kubernetes HPA defaults when no behavior is given.
    CHECK(sc.policies[1].scale_down.stabilization_window == 300 * kMicrosPerSecond);
    CHECK(sc.policies[1].scale_up.policies.size() == 2);
    // No per-direction tolerance: both directions use the policy's.
    CHECK_FALSE(sc.policies[1].scale_up.tolerance);
    CHECK_FALSE(sc.policies[1].scale_down.tolerance);
  }
  SECTION("scaling, as an array") {
    Doc d;
    d.services = R"([{"id": "a"}, {"id": "svc"}])";
    d.extra = {R"("scaling": [{"service": "svc"}, {"service": "a"}])"};
    const LoadResult r = load_scenario(d.text());
    INFO(describe_all(r.errors, "error"));
    REQUIRE(r.ok);
    REQUIRE(r.scenario.scaling.size() == 2);
    CHECK(r.scenario.scaling[0].service_index == 1);
    CHECK(r.scenario.scaling[1].service_index == 0);
    CHECK_FALSE(has(r.warnings, "$.scaling", "not simulated", 8));
  }
  SECTION("SLOs, faults and an objective on an incident metric") {
    Doc d;
    d.extra = {R"("slos": [{"id": "avail", "indicator": "availability", "target_percent": 99.9}])",
               R"("incidents": {"open_on": ["page"]})",
               R"("faults": [{"type": "security", "tenant": "t1", "at": "5m"}, {"type": "errors", "agent": "ag", "error_percent": 5, "at": "5m"}])",
               R"("objectives": [{"id": "quiet", "metric": "incidents_total", "op": "<=", "value": 0}])"};
    const LoadResult r = load_scenario(d.text());
    INFO(describe_all(r.errors, "error") << describe_all(r.warnings, "warning"));
    REQUIRE(r.ok);
    CHECK(r.warnings.empty());
    CHECK(r.scenario.slos.at(0).window == 30 * kMicrosPerDay);
    CHECK(r.scenario.faults.at(1).agent_index == 0);
  }
  SECTION("a storage quota is refused: nothing an agent does stores data") {
    Doc d;
    d.tenants = R"([{"id": "t1", "quota": {"max_concurrent_agents": 4, "max_storage_gb": 5}, "load": [{"agent": "ag", "rate": 1}]}])";
    expect_error(d.text(), "$.tenants[0].quota.max_storage_gb",
                 "max_storage_gb is not simulated (agents have no storage footprint in opsim, so a storage quota could "
                 "never refuse a request): remove the field",
                 7, 0);
  }
  SECTION("a rule with a tenant or a service reads its metric in that scope, so the metric is named without one") {
    // It reads tenant.<id>.<metric> (or service.<id>.<metric>): a scoped name would be
    // scoped twice, and a metric not measured per tenant would not exist; either rule
    // would read nothing and never fire.
    Doc d;
    d.extra = {R"("monitoring": {"rules": [{"id": "slow", "metric": "tenant.t1.latency_p95_ms", "value": 1, "tenant": "t1"}]})"};
    expect_error(d.text(), "$.monitoring.rules[0].metric",
                 "expected a metric name without a scope, found \"tenant.t1.latency_p95_ms\": the rule's \"tenant\" scopes it "
                 "(it reads tenant.t1.<metric>)",
                 8, 0);
    d.extra = {R"("monitoring": {"rules": [{"id": "hot", "metric": "cpu_utilization", "value": 1, "tenant": "t1"}]})"};
    expect_error(d.text(), "$.monitoring.rules[0].metric",
                 "expected a metric measured per tenant, found \"cpu_utilization\", which is not: the rule would read "
                 "tenant.t1.cpu_utilization",
                 8, 0);
    d.extra = {R"("monitoring": {"rules": [{"id": "slow", "metric": "service.svc.latency_p95_ms", "value": 1, "service": "svc"}]})"};
    expect_error(d.text(), "$.monitoring.rules[0].metric", "the rule's \"service\" scopes it (it reads service.svc.<metric>)", 8);
    // The tenant scopes the metric; the service labels the alert (routing, incidents).
    d.extra = {R"("monitoring": {"rules": [{"id": "slow", "metric": "latency_p95_ms", "value": 1, "tenant": "t1", "service": "svc"}]})"};
    const LoadResult r = load_scenario(d.text());
    INFO(describe_all(r.errors, "error"));
    REQUIRE(r.ok);
    CHECK(r.scenario.monitoring.rules.at(0).tenant == "t1");
    CHECK(r.scenario.monitoring.rules.at(0).service == "svc");
  }
  SECTION("a latency or errors fault acts on a service or on an agent, not both") {
    // An agent's fault acts on that agent's requests alone: a service beside it was read and
    // ignored.
    Doc d;
    d.extra = {R"("faults": [{"type": "latency", "service": "svc", "agent": "ag", "add": "1s", "at": "5m"}])"};
    expect_error(d.text(), "$.faults[0].service",
                 "expected \"service\" or \"agent\", found both: a fault on an agent acts on that agent's requests", 8);
    d.extra = {R"("chaos": [{"id": "c", "at": "2h", "hypothesis": {"probes": [{"metric": "availability_percent", )"
               R"("tolerance": [99, 100]}]}, "method": [{"fault": {"type": "errors", "service": "svc", "agent": "ag", )"
               R"("error_percent": 5}, "duration": "5m"}]}])"};
    expect_error(d.text(), "$.chaos[0].method[0].fault.service", "expected \"service\" or \"agent\", found both", 8);
  }
  SECTION("a rolling deployment takes no canary settings and no auto_rollback; a blue-green one no steps") {
    // Nothing judges a rolling update on the way, and a blue-green switch is judged once.
    Doc d;
    d.extra = {R"("deployments": [{"id": "v2", "service": "svc", "at": "1h", "strategy": "rolling", "auto_rollback": false}])"};
    expect_error(d.text(), "$.deployments[0].auto_rollback",
                 "expected no \"auto_rollback\" for a rolling deployment: nothing judges a rolling update on the way", 8);
    d.extra = {R"("deployments": [{"id": "v2", "service": "svc", "at": "1h", "strategy": "rolling", )"
               R"("canary": {"step_duration": "5m"}}])"};
    expect_error(d.text(), "$.deployments[0].canary", "expected no \"canary\" for a rolling deployment", 8);
    d.extra = {R"("deployments": [{"id": "v2", "service": "svc", "at": "1h", "strategy": "blue_green", )"
               R"("canary": {"steps": [50, 100], "step_duration": "5m"}, "auto_rollback": false}])"};
    expect_error(d.text(), "$.deployments[0].canary.steps", "expected no \"steps\" for a blue_green deployment", 8);
    // A blue-green deployment's analysis uses the canary's step_duration and gates.
    d.extra = {R"("deployments": [{"id": "v2", "service": "svc", "at": "1h", "strategy": "blue_green", )"
               R"("canary": {"step_duration": "5m", "max_error_rate_percent": 2}, "auto_rollback": false}])"};
    const LoadResult r = load_scenario(d.text());
    INFO(describe_all(r.errors, "error"));
    REQUIRE(r.ok);
    CHECK(r.scenario.deployments.at(0).canary_step_duration == 5 * kMicrosPerMinute);
    CHECK_FALSE(r.scenario.deployments.at(0).auto_rollback);
  }
  SECTION("a data_loss or security fault needs an incidents section, the only thing it acts on") {
    Doc d;
    d.extra = {R"("faults": [{"type": "security", "tenant": "t1", "at": "5m"}])"};
    expect_error(d.text(), "$.faults[0]",
                 "a fault of type \"security\" only opens and flags incidents: add an incidents section, or remove the fault",
                 8, 0);
  }
  SECTION("deployments and chaos experiments are simulated") {
    Doc d;
    d.extra = {R"("deployments": [{"id": "v2", "service": "svc", "at": "1h", "strategy": "canary"}])",
               R"("chaos": [{"id": "c", "at": "2h", "hypothesis": {"probes": [{"metric": "availability_percent", )"
               R"("tolerance": [99, 100]}]}, "method": [{"fault": {"type": "errors", "service": "svc", "error_percent": 5}, )"
               R"("duration": "5m"}]}])",
               R"("objectives": [{"id": "c", "metric": "chaos.c.passed", "op": ">=", "value": 1}])"};
    const LoadResult r = load_scenario(d.text());
    INFO(describe_all(r.errors, "error") << describe_all(r.warnings, "warning"));
    REQUIRE(r.ok);
    CHECK(r.warnings.empty());
  }
  SECTION("a scenario with only simulated sections has no warnings") {
    Doc d;
    d.extra = {R"("objectives": [{"id": "p95", "metric": "tenant.t1.latency_p95_ms", "op": "<=", "value": 800}])"};
    const LoadResult r = load_scenario(d.text());
    INFO(describe_all(r.warnings, "warning"));
    REQUIRE(r.ok);
    CHECK(r.warnings.empty());
  }
}

// ---------------------------------------------------------------------------------------
// agents[].calls (SCENARIO_FORMAT.md, issue 15).

// Agents "ag" (the caller, loaded by the tenant), "b" and "c" on line 6; "ag" has the given
// calls, and "b" those in `b_calls` when not empty.
Doc calls_doc(const std::string& calls, const std::string& b_calls = "") {
  Doc d;
  d.agents = R"([{"id": "ag", "service": "svc", "work": {"dist": "constant", "value": "1s"}, "calls": )" + calls +
             R"(}, {"id": "b", "service": "svc", "work": {"dist": "constant", "value": "100ms"})" +
             (b_calls.empty() ? "" : ", \"calls\": " + b_calls) +
             R"(}, {"id": "c", "service": "svc", "work": {"dist": "constant", "value": "10ms"}}])";
  return d;
}

TEST_CASE("calls: the contract's example is read and resolved", "[loader][calls]") {
  Doc d;
  d.services = R"([{"id": "agents"}, {"id": "tools"}])";
  d.agents = R"([{"id": "support", "service": "agents", "work": {"dist": "lognormal", "median": "200ms", "p99": "1s"},
    "calls": [
      {"agent": "retriever", "timeout": "2s"},
      {"parallel": [{"agent": "crm-lookup"}, {"agent": "kb-search", "on_failure": "continue"}]},
      {"agent": "llm-call", "count": 3, "timeout": "30s", "cancel_on_timeout": true,
       "retry": {"max_attempts": 3, "backoff": "200ms", "max_backoff": "10s", "multiplier": 2,
                 "jitter": "full", "budget_percent": 10},
       "circuit_breaker": {"failure_percent": 50, "window": "30s", "min_calls": 20,
                           "open_for": "30s", "half_open_calls": 5},
       "on_failure": "fail", "x-note": "extensions are ignored here too"}]},
    {"id": "retriever", "service": "tools", "work": {"dist": "constant", "value": "50ms"}},
    {"id": "crm-lookup", "service": "tools", "work": {"dist": "constant", "value": "50ms"}},
    {"id": "kb-search", "service": "tools", "work": {"dist": "constant", "value": "50ms"}},
    {"id": "llm-call", "service": "tools", "work": {"dist": "constant", "value": "1s"}}])";
  d.tenants = R"([{"id": "t1", "load": [{"agent": "support", "rate": 1}]}])";
  const LoadResult r = load_scenario(d.text());
  INFO(describe_all(r.errors, "error") << describe_all(r.warnings, "warning"));
  REQUIRE(r.ok);
  CHECK(r.warnings.empty());
  const AgentSpec& support = r.scenario.agents.at(0);
  REQUIRE(support.calls.size() == 3);

  const CallStep& first = support.calls[0];
  CHECK_FALSE(first.parallel);
  REQUIRE(first.calls.size() == 1);
  CHECK(first.calls[0].agent == "retriever");
  CHECK(first.calls[0].agent_index == 1);
  CHECK(first.calls[0].timeout == 2 * kMicrosPerSecond);
  CHECK(first.calls[0].count == 1);

  const CallStep& second = support.calls[1];
  CHECK(second.parallel);
  REQUIRE(second.calls.size() == 2);
  CHECK(second.calls[0].agent_index == 2);
  CHECK_FALSE(second.calls[0].continue_on_failure);
  CHECK(second.calls[1].agent_index == 3);
  CHECK(second.calls[1].continue_on_failure);

  const CallStep& third = support.calls[2];
  CHECK_FALSE(third.parallel);
  REQUIRE(third.calls.size() == 1);
  const CallSpec& llm = third.calls[0];
  CHECK(llm.agent_index == 4);
  CHECK(llm.count == 3);
  CHECK(llm.timeout == 30 * kMicrosPerSecond);
  CHECK(llm.cancel_on_timeout);
  CHECK_FALSE(llm.continue_on_failure);
  CHECK(llm.retry.max_attempts == 3);
  CHECK(llm.retry.backoff == 200 * kMicrosPerMilli);
  CHECK(llm.retry.max_backoff == 10 * kMicrosPerSecond);
  CHECK(llm.retry.multiplier == 2);
  CHECK(llm.retry.jitter == Jitter::full);
  CHECK(llm.retry.budget_percent == 10);
  CHECK(llm.circuit_breaker.enabled);
  CHECK(llm.circuit_breaker.failure_percent == 50);
  CHECK(llm.circuit_breaker.window == 30 * kMicrosPerSecond);
  CHECK(llm.circuit_breaker.min_calls == 20);
  CHECK(llm.circuit_breaker.open_for == 30 * kMicrosPerSecond);
  CHECK(llm.circuit_breaker.half_open_calls == 5);

  // The called agents call nobody.
  for (std::size_t i = 1; i < r.scenario.agents.size(); ++i) CHECK(r.scenario.agents[i].calls.empty());
}

TEST_CASE("calls: defaults", "[loader][calls]") {
  SECTION("a bare call: once, no timeout, no retry, no breaker, failure fails the caller") {
    const LoadResult r = load_scenario(calls_doc(R"([{"agent": "b"}])").text());
    INFO(describe_all(r.errors, "error"));
    REQUIRE(r.ok);
    const CallSpec& c = r.scenario.agents.at(0).calls.at(0).calls.at(0);
    CHECK(c.agent_index == 1);
    CHECK(c.count == 1);
    CHECK(c.timeout == -1);
    CHECK_FALSE(c.cancel_on_timeout);
    CHECK(c.retry.max_attempts == 1);
    CHECK_FALSE(c.circuit_breaker.enabled);
    CHECK_FALSE(c.continue_on_failure);
  }
  SECTION("a retry object takes resilience4j's defaults for what it leaves out") {
    const LoadResult r =
        load_scenario(calls_doc(R"([{"agent": "b", "retry": {"max_attempts": 5}}, {"agent": "c", "retry": {}}])").text());
    INFO(describe_all(r.errors, "error"));
    REQUIRE(r.ok);
    const RetrySpec& five = r.scenario.agents.at(0).calls.at(0).calls.at(0).retry;
    CHECK(five.max_attempts == 5);
    CHECK(five.backoff == 500 * kMicrosPerMilli);  // resilience4j's waitDuration
    CHECK(five.multiplier == 1.5);  // resilience4j's exponential backoff
    CHECK(five.max_backoff == 10 * kMicrosPerSecond);
    CHECK(five.jitter == Jitter::none);
    CHECK(five.budget_percent == -1);  // no budget
    const RetrySpec& empty = r.scenario.agents.at(0).calls.at(1).calls.at(0).retry;
    CHECK(empty.max_attempts == 3);  // resilience4j's maxAttempts
    CHECK(empty.backoff == 500 * kMicrosPerMilli);
  }
  SECTION("a circuit breaker object is enabled with resilience4j's defaults") {
    const LoadResult r = load_scenario(calls_doc(R"([{"agent": "b", "circuit_breaker": {}}])").text());
    INFO(describe_all(r.errors, "error"));
    REQUIRE(r.ok);
    const CircuitBreakerSpec& b = r.scenario.agents.at(0).calls.at(0).calls.at(0).circuit_breaker;
    CHECK(b.enabled);
    CHECK(b.failure_percent == 50);
    CHECK(b.window == 60 * kMicrosPerSecond);
    CHECK(b.min_calls == 100);
    CHECK(b.open_for == 60 * kMicrosPerSecond);
    CHECK(b.half_open_calls == 10);
  }
  SECTION("max_attempts 1 alone, an empty calls array, decorrelated jitter, a call to an agent listed later") {
    const LoadResult r = load_scenario(calls_doc(R"([{"agent": "c", "retry": {"max_attempts": 1}},)"
                                                 R"( {"agent": "b", "retry": {"jitter": "decorrelated", "budget_percent": 0}}])",
                                                 "[]")
                                           .text());
    INFO(describe_all(r.errors, "error"));
    REQUIRE(r.ok);
    const AgentSpec& a = r.scenario.agents.at(0);
    CHECK(a.calls.at(0).calls.at(0).agent_index == 2);
    CHECK(a.calls.at(0).calls.at(0).retry.max_attempts == 1);
    CHECK(a.calls.at(1).calls.at(0).retry.jitter == Jitter::decorrelated);
    CHECK(a.calls.at(1).calls.at(0).retry.multiplier == 3);  // the AWS blog's factor, unless given
    CHECK(a.calls.at(1).calls.at(0).retry.budget_percent == 0);
    CHECK(r.scenario.agents.at(1).calls.empty());
  }
  SECTION("a diamond is not a cycle") {
    // ag -> b -> c and ag -> c: c is reached twice, on no loop.
    const LoadResult r = load_scenario(calls_doc(R"([{"agent": "b"}, {"agent": "c"}])", R"([{"agent": "c"}])").text());
    INFO(describe_all(r.errors, "error"));
    CHECK(r.ok);
  }
}

TEST_CASE("calls: what the loader refuses", "[loader][calls]") {
  auto refused = [](const std::string& calls, const std::string& path, const std::string& message,
                    const std::string& b_calls = "") { expect_error(calls_doc(calls, b_calls).text(), path, message, 6); };
  SECTION("cycles, named in call order from where the walk met them") {
    refused(R"([{"agent": "ag"}])", "$.agents[0].calls[0].agent",
            "the calls form a cycle: ag -> ag (an agent may not call itself, directly or through others)");
    refused(R"([{"agent": "c"}, {"agent": "b"}])", "$.agents[1].calls[0].parallel[0].agent",
            "the calls form a cycle: ag -> b -> ag", R"([{"parallel": [{"agent": "ag"}]}])");
    // Through three agents, reported once although b names ag twice.
    Doc d;
    d.agents = R"([{"id": "ag", "service": "svc", "work": {"dist": "constant", "value": "1s"}, "calls": [{"agent": "c"}]},)"
               R"( {"id": "b", "service": "svc", "work": {"dist": "constant", "value": "1s"},)"
               R"(  "calls": [{"agent": "ag"}, {"agent": "ag", "count": 2}]},)"
               R"( {"id": "c", "service": "svc", "work": {"dist": "constant", "value": "1s"}, "calls": [{"agent": "b"}]}])";
    const LoadResult r = load_scenario(d.text());
    INFO(describe_all(r.errors, "error"));
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].path == "$.agents[1].calls[0].agent");
    CHECK(r.errors[0].message.find("the calls form a cycle: ag -> c -> b -> ag") == 0);
  }
  SECTION("references and steps") {
    refused(R"([{"agent": "nobody"}])", "$.agents[0].calls[0].agent",
            "expected the id of an agent (\"ag\", \"b\", \"c\"), found \"nobody\"");
    refused(R"([{"count": 2}])", "$.agents[0].calls[0].agent", "expected a string, found nothing (the field is required)");
    refused(R"(["b"])", "$.agents[0].calls[0]",
            "expected a call such as {\"agent\": \"retriever\"}, or a parallel step {\"parallel\": [calls]}, found \"b\"");
    refused(R"({"agent": "b"})", "$.agents[0].calls", "expected an array, found an object");
    refused(R"([{"parallel": []}])", "$.agents[0].calls[0].parallel", "expected an array of at least 1, found an empty array");
    refused(R"([{"parallel": [{"parallel": [{"agent": "b"}]}]}])", "$.agents[0].calls[0].parallel[0]",
            "expected a call such as {\"agent\": \"retriever\"}, found a parallel step: parallel steps do not nest");
    refused(R"([{"parallel": [{"agent": "b"}], "agent": "c"}])", "$.agents[0].calls[0].agent",
            "unknown field \"agent\" in a parallel step (expected one of: parallel)");
    refused(R"([{"agent": "b", "retries": 3}])", "$.agents[0].calls[0].retries",
            "unknown field \"retries\" (expected one of: agent, count, timeout, cancel_on_timeout, retry, circuit_breaker, "
            "on_failure)");
  }
  SECTION("call options") {
    refused(R"([{"agent": "b", "count": 0}])", "$.agents[0].calls[0].count", "expected an integer from 1 to 1000, found 0");
    refused(R"([{"agent": "b", "count": 1.5}])", "$.agents[0].calls[0].count", "expected an integer from 1 to 1000, found 1.5");
    refused(R"([{"agent": "b", "timeout": "0s"}])", "$.agents[0].calls[0].timeout", "from 1ms to 1d, found \"0s\"");
    refused(R"([{"agent": "b", "timeout": 2}])", "$.agents[0].calls[0].timeout", "from 1ms to 1d, found 2");
    refused(R"([{"agent": "b", "on_failure": "ignore"}])", "$.agents[0].calls[0].on_failure",
            "expected one of \"fail\", \"continue\", found \"ignore\"");
    refused(R"([{"agent": "b", "cancel_on_timeout": "yes", "timeout": "1s"}])", "$.agents[0].calls[0].cancel_on_timeout",
            "expected true or false, found \"yes\"");
  }
  SECTION("cancel_on_timeout on a call without a timeout would change nothing") {
    for (const char* value : {"true", "false"})
      refused(R"([{"agent": "b", "cancel_on_timeout": )" + std::string(value) + "}]", "$.agents[0].calls[0].cancel_on_timeout",
              "expected no \"cancel_on_timeout\" on a call without a \"timeout\": such a call never times out, so it would "
              "change nothing");
  }
  SECTION("retry") {
    const std::string p = "$.agents[0].calls[0].retry";
    refused(R"([{"agent": "b", "retry": {"max_attempts": 0}}])", p + ".max_attempts", "expected an integer from 1 to 100, found 0");
    refused(R"([{"agent": "b", "retry": {"max_attempts": 101}}])", p + ".max_attempts", "expected an integer from 1 to 100, found 101");
    refused(R"([{"agent": "b", "retry": {"backoff": "-1s"}}])", p + ".backoff", "from 0s to 1d, found \"-1s\"");
    refused(R"([{"agent": "b", "retry": {"multiplier": 0.5}}])", p + ".multiplier", "expected a number from 1 to 1000, found 0.5");
    refused(R"([{"agent": "b", "retry": {"jitter": "random"}}])", p + ".jitter",
            "expected one of \"none\", \"full\", \"equal\", \"decorrelated\", found \"random\"");
    refused(R"([{"agent": "b", "retry": {"budget_percent": 101}}])", p + ".budget_percent", "expected a number from 0 to 100, found 101");
    refused(R"([{"agent": "b", "retry": {"budget_percent": -5}}])", p + ".budget_percent", "expected a number from 0 to 100, found -5");
    refused(R"([{"agent": "b", "retry": {"attempts": 3}}])", p + ".attempts",
            "unknown field \"attempts\" (expected one of: max_attempts, backoff, max_backoff, multiplier, jitter, budget_percent)");
    refused(R"([{"agent": "b", "retry": 3}])", p, "expected an object, found 3");
  }
  SECTION("retry settings that would change nothing, or contradict each other") {
    const std::string p = "$.agents[0].calls[0].retry";
    for (const char* member : {R"("backoff": "1s")", R"("max_backoff": "1s")", R"("multiplier": 2)", R"("jitter": "full")",
                               R"("budget_percent": 10)"}) {
      const std::string m = member;
      const std::string key = m.substr(1, m.find('"', 1) - 1);
      refused(R"([{"agent": "b", "retry": {"max_attempts": 1, )" + m + "}}]", p + "." + key,
              "expected no \"" + key + "\" with max_attempts 1: a call of one attempt is never retried, so it would change nothing");
    }
    refused(R"([{"agent": "b", "retry": {"backoff": "2s", "max_backoff": "1s"}}])", p + ".max_backoff",
            "expected a max_backoff of at least the backoff (2s), found \"1s\"");
    refused(R"([{"agent": "b", "retry": {"backoff": "30s"}}])", p + ".max_backoff",
            "expected a max_backoff of at least the backoff (30s), found nothing (its default is 10s)");
  }
  SECTION("circuit_breaker") {
    const std::string p = "$.agents[0].calls[0].circuit_breaker";
    refused(R"([{"agent": "b", "circuit_breaker": {"failure_percent": 0}}])", p + ".failure_percent",
            "expected a number above 0 and at most 100, found 0");
    refused(R"([{"agent": "b", "circuit_breaker": {"failure_percent": 100.5}}])", p + ".failure_percent",
            "expected a number above 0 and at most 100, found 100.5");
    refused(R"([{"agent": "b", "circuit_breaker": {"window": "0s"}}])", p + ".window", "from 1ms to 1d, found \"0s\"");
    refused(R"([{"agent": "b", "circuit_breaker": {"min_calls": 0}}])", p + ".min_calls", "expected an integer from 1 to 1000000, found 0");
    refused(R"([{"agent": "b", "circuit_breaker": {"open_for": "0s"}}])", p + ".open_for", "from 1ms to 1d, found \"0s\"");
    refused(R"([{"agent": "b", "circuit_breaker": {"half_open_calls": 2.5}}])", p + ".half_open_calls",
            "expected an integer from 1 to 1000000, found 2.5");
    refused(R"([{"agent": "b", "circuit_breaker": {"enabled": true}}])", p + ".enabled",
            "unknown field \"enabled\" (expected one of: failure_percent, window, min_calls, open_for, half_open_calls)");
  }
}

TEST_CASE("model providers and queue protection: read, and what the loader refuses", "[loader][models]") {
  const std::string provider =
      R"({"id": "llm", "kind": "llm_provider", "rate_limit_rpm": 600, "rate_limit_tpm": 90000, "retry_after": "2s",
          "time_to_first_token": {"dist": "constant", "value": "300ms"}, "output_tokens_per_second": 50,
          "input_tokens_per_second": 4000, "cost_per_1k_input_tokens": 0.5, "cost_per_1k_output_tokens": 1.5})";
  const std::string model_agent =
      R"({"id": "m", "service": "llm", "tokens": {"input": {"dist": "lognormal", "median": 800, "p99": 4000},
          "output": {"dist": "constant", "value": 200}}})";
  SECTION("read") {
    Doc d;
    d.services = "[{\"id\": \"svc\", \"queue\": {\"capacity\": 100, \"discipline\": \"adaptive_lifo\", \"lifo_threshold\": 10, "
                 "\"shed_at\": {\"sheddable\": 20, \"default\": 50}}}, " + provider + "]";
    d.agents = R"([{"id": "ag", "service": "svc", "work": {"dist": "constant", "value": "1s"}, "calls": [{"agent": "m"}]}, )" +
               model_agent + "]";
    d.tenants = R"([{"id": "t1", "priority": "sheddable", "quota": {"max_tokens_per_minute": 50000},
                     "load": [{"agent": "ag", "rate": 1}]}])";
    const LoadResult r = load_scenario(d.text());
    INFO(describe_all(r.errors, "error"));
    REQUIRE(r.ok);
    const Scenario& s = r.scenario;
    CHECK(s.has_providers());
    CHECK(s.sheds());
    const ServiceSpec& svc = s.services[0];
    CHECK(svc.kind == ServiceSpec::Kind::service);
    CHECK(svc.discipline == QueueDiscipline::adaptive_lifo);
    CHECK(svc.lifo_threshold == 10);
    CHECK(svc.shed_sheddable_at == 20);
    CHECK(svc.shed_default_at == 50);
    const ModelProviderSpec& m = s.services[1].model;
    CHECK(s.services[1].kind == ServiceSpec::Kind::llm_provider);
    CHECK(m.rate_limit_rpm == 600);
    CHECK(m.rate_limit_tpm == 90000);
    CHECK(m.retry_after == 2 * kMicrosPerSecond);
    CHECK(m.time_to_first_token.mean() == Approx(0.3));
    CHECK(m.output_tokens_per_second == 50);
    CHECK(m.input_tokens_per_second == 4000);
    CHECK(m.cost_per_1k_input_tokens == 0.5);
    CHECK(m.cost_per_1k_output_tokens == 1.5);
    CHECK(s.agents[1].has_tokens);
    CHECK(s.agents[1].input_tokens.quantile(0.5) == Approx(800));
    CHECK(s.agents[1].output_tokens.mean() == 200);
    CHECK(s.tenants[0].priority == Priority::sheddable);
    CHECK(s.tenants[0].quota.max_tokens_per_minute == 50000);
  }
  SECTION("defaults: a plain service and queue, default priority, no token quota") {
    const LoadResult r = load_scenario(Doc{}.text());
    REQUIRE(r.ok);
    CHECK(r.scenario.services[0].kind == ServiceSpec::Kind::service);
    CHECK(r.scenario.services[0].discipline == QueueDiscipline::fifo);
    CHECK_FALSE(r.scenario.sheds());
    CHECK_FALSE(r.scenario.has_providers());
    CHECK(r.scenario.tenants[0].priority == Priority::default_);
    CHECK(r.scenario.tenants[0].quota.max_tokens_per_minute == 0);
  }
  auto refused = [&](const std::string& services, const std::string& agents, const std::string& path,
                     const std::string& message, int line, const std::string& tenants = "") {
    Doc d;
    d.services = services;
    d.agents = agents;
    if (!tenants.empty()) d.tenants = tenants;
    const LoadResult r = load_scenario(d.text());
    INFO("expected: " << path << ": " << message);
    INFO("got:\n" << describe_all(r.errors, "error"));
    CHECK_FALSE(r.ok);
    bool found = false;  // (the members span several lines: the line is not checked here)
    for (const Diagnostic& e : r.errors) found = found || (e.path == path && e.message.find(message) != std::string::npos);
    CHECK(found);
    (void)line;
  };
  const std::string plain_agent = R"({"id": "ag", "service": "svc", "work": {"dist": "constant", "value": "1s"}})";
  SECTION("a model provider's settings belong to a model provider") {
    refused(R"([{"id": "svc", "rate_limit_rpm": 10}])", "[" + plain_agent + "]", "$.services[0].rate_limit_rpm",
            "rate_limit_rpm belongs to a model provider: add \"kind\": \"llm_provider\" to the service", 5);
    refused(R"([{"id": "svc"}, {"id": "llm", "kind": "llm_provider", "output_tokens_per_second": 50}])",
            "[" + plain_agent + "]", "$.services[1].time_to_first_token",
            "expected an object such as {\"dist\": \"exponential\", \"mean\": \"1s\"}, found nothing", 5);
  }
  SECTION("retry_after needs a limit; tokens and work each where they belong") {
    refused(R"([{"id": "svc"}, {"id": "llm", "kind": "llm_provider", "retry_after": "1s",
                 "time_to_first_token": {"dist": "constant", "value": "1s"}, "output_tokens_per_second": 5}])",
            "[" + plain_agent + "]", "$.services[1].retry_after", "without rate_limit_rpm or rate_limit_tpm", 5);
    refused("[{\"id\": \"svc\"}, " + provider + "]",
            R"([{"id": "ag", "service": "llm", "work": {"dist": "constant", "value": "1s"},
                 "tokens": {"input": {"dist": "constant", "value": 1}, "output": {"dist": "constant", "value": 1}}}])",
            "$.agents[0].work", "takes its work time from its tokens", 6);
    refused("[{\"id\": \"svc\"}, " + provider + "]", R"([{"id": "ag", "service": "llm"}])", "$.agents[0].tokens",
            "found nothing (the field is required)", 6);
    refused(R"([{"id": "svc"}])",
            R"([{"id": "ag", "service": "svc", "work": {"dist": "constant", "value": "1s"},
                 "tokens": {"input": {"dist": "constant", "value": 1}, "output": {"dist": "constant", "value": 1}}}])",
            "$.agents[0].tokens", "only an agent on a service of kind llm_provider has them", 6);
    refused("[{\"id\": \"svc\"}, " + provider + "]",
            R"([{"id": "ag", "service": "llm", "tokens": {"input": {"dist": "lognormal", "median": 800, "p99": 100},
                 "output": {"dist": "constant", "value": 0}}}])",
            "$.agents[0].tokens.input.p99", "expected a p99 above the median (800)", 6);
  }
  SECTION("a token quota needs a model provider") {
    refused(R"([{"id": "svc"}])", "[" + plain_agent + "]", "$.tenants[0].quota.max_tokens_per_minute",
            "no service of this scenario is of kind llm_provider", 7,
            R"([{"id": "t1", "quota": {"max_tokens_per_minute": 1000}, "load": [{"agent": "ag", "rate": 1}]}])");
    refused(R"([{"id": "svc"}])", "[" + plain_agent + "]", "$.tenants[0].priority",
            "expected one of \"critical\", \"default\", \"sheddable\", found \"urgent\"", 7,
            R"([{"id": "t1", "priority": "urgent", "load": [{"agent": "ag", "rate": 1}]}])");
  }
  SECTION("queue protection") {
    const std::string agents = "[" + plain_agent + "]";
    refused(R"([{"id": "svc", "queue": {"discipline": "random"}}])", agents, "$.services[0].queue.discipline",
            "expected one of \"fifo\", \"lifo\", \"adaptive_lifo\", found \"random\"", 5);
    refused(R"([{"id": "svc", "queue": {"discipline": "lifo", "lifo_threshold": 3}}])", agents,
            "$.services[0].queue.lifo_threshold", "lifo_threshold is read only with \"discipline\": \"adaptive_lifo\"", 5);
    refused(R"([{"id": "svc", "queue": {"discipline": "adaptive_lifo"}}])", agents, "$.services[0].queue.lifo_threshold",
            "found nothing (the field is required)", 5);
    refused(R"([{"id": "svc", "queue": {"capacity": 50, "shed_at": {"sheddable": 50}}}])", agents,
            "$.services[0].queue.shed_at.sheddable",
            "expected a queue length below the queue's capacity (50), found 50: the queue would be full before it shed", 5);
    refused(R"([{"id": "svc", "queue": {"shed_at": {"sheddable": 30, "default": 20}}}])", agents,
            "$.services[0].queue.shed_at.default", "expected default's threshold at or above sheddable's (30)", 5);
    refused(R"([{"id": "svc", "queue": {"shed_at": {}}}])", agents, "$.services[0].queue.shed_at",
            "expected \"sheddable\" or \"default\" (a queue length), found neither", 5);
  }
}

TEST_CASE("calls: limits", "[loader][calls]") {
  auto repeated = [](const std::string& item, int n) {
    std::string s = "[";
    for (int i = 0; i < n; ++i) s += (i ? ", " : "") + item;
    return s + "]";
  };
  SECTION("steps per agent and calls per parallel step") {
    CHECK(load_scenario(calls_doc(repeated(R"({"agent": "b"})", ScenarioLimits::kMaxCallSteps)).text()).ok);
    expect_error(calls_doc(repeated(R"({"agent": "b"})", ScenarioLimits::kMaxCallSteps + 1)).text(), "$.agents[0].calls",
                 "too many entries: 101 exceeds the limit kMaxCallSteps = 100", 6);
    const std::string wide = "[{\"parallel\": " + repeated(R"({"agent": "b"})", ScenarioLimits::kMaxParallelCalls + 1) + "}]";
    expect_error(calls_doc(wide).text(), "$.agents[0].calls[0].parallel",
                 "too many entries: 101 exceeds the limit kMaxParallelCalls = 100", 6);
  }
  SECTION("expected requests count each arrival's calls, every attempt of each") {
    // 1 request per second for a day is 86400 arrivals of ag; each makes 1 + 1000 x 100 x
    // (1 + 1000 x 100) requests in the worst case, about 1e10, so 8.6e14 in all.
    Doc d = calls_doc(R"([{"agent": "b", "count": 1000, "retry": {"max_attempts": 100}}])",
                      R"([{"agent": "c", "count": 1000, "retry": {"max_attempts": 100}}])");
    d.duration = R"("1d")";
    expect_error(d.text(), "$.tenants",
                 "requests (each arrival with the calls it makes, every attempt counted), over the limit "
                 "kMaxExpectedRequests = 20000000000",
                 7);
    // One level fewer, 86400 x (1 + 1e5) = 8.6e9, is within the limit.
    d = calls_doc(R"([{"agent": "b", "count": 1000, "retry": {"max_attempts": 100}}])");
    d.duration = R"("1d")";
    CHECK(load_scenario(d.text()).ok);
  }
}

TEST_CASE("format_diagnostic has the compiler form", "[loader]") {
  CHECK(format_diagnostic({"$.seed", "expected an integer", 4, 11}, "s.json", "error") ==
        "s.json:4:11: error: $.seed: expected an integer");
  CHECK(format_diagnostic({"$", "the file is too big", 0, 0}, "s.json", "error") ==
        "s.json: error: $: the file is too big");
}

// ---------------------------------------------------------------------------------------
// Time helpers.

TEST_CASE("parse_duration and format_duration", "[loader]") {
  auto parsed = [](const char* text) {
    SimDuration d = -12345;
    INFO(text);
    REQUIRE(parse_duration(text, d));
    return d;
  };
  CHECK(parsed("1h30m") == 5400 * kMicrosPerSecond);
  CHECK(parsed("250ms") == 250 * kMicrosPerMilli);
  CHECK(parsed("15s") == 15 * kMicrosPerSecond);
  CHECK(parsed("5m") == 5 * kMicrosPerMinute);
  CHECK(parsed("2h") == 2 * kMicrosPerHour);
  CHECK(parsed("7d") == 7 * kMicrosPerDay);
  CHECK(parsed("1w") == 7 * kMicrosPerDay);
  CHECK(parsed("10us") == 10);
  CHECK(parsed("0s") == 0);
  CHECK(parsed("1.5s") == 1500000);
  CHECK(parsed("0.1s") == 100000);
  CHECK(parsed("2d3h") == 51 * kMicrosPerHour);
  CHECK(parsed("1h1m1s1ms1us") == kMicrosPerHour + kMicrosPerMinute + kMicrosPerSecond + kMicrosPerMilli + 1);

  for (const char* bad : {"", "15", "1.5", "-5s", "5 s", "5S", "1.5us", "s", "1h30", ".5s", "5.s", "1y", "1e3s",
                          "99999999999999999999s"}) {
    SimDuration d = 777;
    INFO("\"" << bad << "\"");
    CHECK_FALSE(parse_duration(bad, d));
    CHECK(d == 777);  // left alone
  }

  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(5400 * kMicrosPerSecond) == "1h30m");
  CHECK(format_duration(250 * kMicrosPerMilli) == "250ms");
  CHECK(format_duration(7 * kMicrosPerDay) == "7d");
  CHECK(format_duration(kMicrosPerDay + 1) == "1d1us");
  CHECK(format_duration(1500 * kMicrosPerMilli) == "1s500ms");
  for (SimDuration d : {SimDuration{1}, SimDuration{61 * kMicrosPerSecond}, SimDuration{400 * kMicrosPerDay},
                        SimDuration{123456789012}}) {
    SimDuration back = -1;
    INFO(d);
    REQUIRE(parse_duration(format_duration(d), back));
    CHECK(back == d);
  }
}

TEST_CASE("parse_iso8601_utc and Calendar", "[loader]") {
  std::int64_t t = 0;
  REQUIRE(parse_iso8601_utc("2026-01-05T00:00:00Z", t));
  CHECK(t == 1767571200);
  REQUIRE(parse_iso8601_utc("1970-01-01T00:00:00Z", t));
  CHECK(t == 0);
  REQUIRE(parse_iso8601_utc("2024-02-29T12:34:56+00:00", t));
  CHECK(t == 1709210096);
  REQUIRE(parse_iso8601_utc("2026-01-05T14:30:00.250Z", t));
  CHECK(t == 1767571200 + 14 * 3600 + 30 * 60);
  for (const char* bad : {"2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-05T24:00:00Z",
                          "2026-01-05 00:00:00Z", "2026-01-05T00:00:00", "2026-01-05T00:00:00+01:00", "1969-12-31T23:59:59Z",
                          "2026-01-05T00:00:00.Z", "2026-1-5T00:00:00Z", ""}) {
    std::int64_t x = 42;
    INFO("\"" << bad << "\"");
    CHECK_FALSE(parse_iso8601_utc(bad, x));
  }

  const Calendar cal(1767571200);  // Monday 2026-01-05T00:00:00Z
  CHECK(cal.weekday(0) == 0);
  CHECK(cal.weekday(6 * kMicrosPerDay) == 6);  // Sunday
  CHECK(cal.weekday(7 * kMicrosPerDay) == 0);
  CHECK(cal.weekday(kMicrosPerDay - 1) == 0);
  CHECK(cal.hour_of_day(0) == 0.0);
  CHECK(cal.hour_of_day(14 * kMicrosPerHour + 30 * kMicrosPerMinute) == 14.5);
  CHECK(cal.hour_of_day(25 * kMicrosPerHour) == 1.0);
  CHECK(cal.next_midnight(0) == kMicrosPerDay);  // strictly after
  CHECK(cal.next_midnight(kMicrosPerDay - 1) == kMicrosPerDay);
  CHECK(cal.next_midnight(kMicrosPerDay) == 2 * kMicrosPerDay);
  CHECK(cal.iso8601(0) == "2026-01-05T00:00:00Z");
  CHECK(cal.iso8601(14 * kMicrosPerHour + 30 * kMicrosPerMinute + 999999) == "2026-01-05T14:30:00Z");
  CHECK(cal.iso8601(27 * kMicrosPerDay) == "2026-02-01T00:00:00Z");

  // A start that is not midnight: the next midnight is measured from the start.
  const Calendar noon(1767571200 + 12 * 3600);
  CHECK(noon.hour_of_day(0) == 12.0);
  CHECK(noon.next_midnight(0) == 12 * kMicrosPerHour);
  CHECK(noon.weekday(12 * kMicrosPerHour) == 1);  // Tuesday
  CHECK(noon.iso8601(12 * kMicrosPerHour) == "2026-01-06T00:00:00Z");

  // Leap year 2028: 28 Feb + 1 day is 29 Feb.
  REQUIRE(parse_iso8601_utc("2028-02-28T00:00:00Z", t));
  CHECK(Calendar(t).iso8601(kMicrosPerDay) == "2028-02-29T00:00:00Z");
  CHECK(Calendar(t).iso8601(2 * kMicrosPerDay) == "2028-03-01T00:00:00Z");
}

}  // namespace
}  // namespace opsim
