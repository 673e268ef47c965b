// Parameter sweeps: `opsim sweep` and `opsim merge` (docs/sweep.md).
//
// A sweep file names a base scenario, a grid of parameters (a JSON path into the scenario
// and a list of values each), seeds and the metrics to record. This file holds everything
// about a sweep that is not threads or files, so that tests and other front ends share it:
//   - reading and checking the sweep file (errors name the JSON path, like the loader's);
//   - the grid: points in a fixed order, each with a stable index, and shards of it;
//   - applying parameter values to the base scenario and validating every grid point with
//     the scenario loader before anything runs;
//   - the sweep's identity (a hash of both documents' canonical JSON);
//   - one result row per point, the result document, and merging shards into the
//     document that the whole sweep run at once would have written, byte for byte.
//
// Index order: the first parameter varies slowest, the seeds fastest, as nested loops in
// the order of the sweep file:
//   index = ((v_0 * n_1 + v_1) * n_2 + ... + v_last) * seeds + s
// where v_k is the position of parameter k's value in its list, n_k the length of that
// list and s the position of the seed in the seed list. A "combination" is one choice of
// parameter values (index / seeds); every seed of a combination runs the same scenario.
//
// Shard i/n (0-based, 0 <= i < n) holds the points whose index % n == i: round robin, so
// that points which run long (a large fleet at one end of a parameter's range) spread
// over every shard instead of landing in one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sim_time.h"
#include "json/json.h"
#include "scenario/loader.h"

namespace opsim {

class Simulation;

// ---------------------------------------------------------------------------------------
// [SECTION] Paths into a JSON document
// ---------------------------------------------------------------------------------------

// One step of a path: a member of an object or an element of an array.
struct JsonPathStep {
  bool is_index = false;
  std::size_t index = 0;
  std::string key;
};

// "scaling.policies[0].cooldown", optionally written "$.scaling..."; a key that is not
// made of letters, digits, '_' and '-' is written in brackets: tenants[0]["odd.key"].
bool parse_json_path(std::string_view text, std::vector<JsonPathStep>& out, std::string& why);
// The form the loader's diagnostics use: "$.scaling.policies[0].cooldown".
std::string json_path_text(const std::vector<JsonPathStep>& steps);

// Replaces the value at `steps` in `doc` with `value`. The path must exist in `doc`: every
// member named and every index in range. Returns false with a reason that names the part
// of the path that is missing and what is there instead.
bool apply_json_path(json::Value& doc, const std::vector<JsonPathStep>& steps, const json::Value& value, std::string& why);

// FNV-1a, 64 bits: identifies a sweep so that shards of different sweeps are not merged
// by mistake (an accidental mismatch, not an adversary, is what it guards against).
std::uint64_t fnv1a64(std::string_view bytes);

// ---------------------------------------------------------------------------------------
// [SECTION] The sweep file
// ---------------------------------------------------------------------------------------

struct SweepParameter {
  std::string path;  // as written in the sweep file
  std::vector<JsonPathStep> steps;
  std::vector<json::Value> values;
};

// Limits that keep a mistyped sweep file from occupying a machine for days.
struct SweepLimits {
  static constexpr std::size_t kMaxFileBytes = 4u << 20;
  static constexpr std::size_t kMaxParameters = 32;
  static constexpr std::size_t kMaxSeeds = 100000;
  static constexpr std::size_t kMaxMetrics = 1000;
  static constexpr std::size_t kMaxPoints = 1000000;
};

struct SweepSpec {
  json::Value doc;  // the sweep file as parsed: positions for diagnostics, canonical form
  std::string name;  // optional label
  std::string scenario;  // as written: a path relative to the sweep file, or a built-in name
  std::vector<SweepParameter> parameters;
  // Either a list of seeds, or a count from first_seed (default: the scenario's seed).
  std::vector<std::uint64_t> seed_list;
  std::size_t seed_count = 0;
  bool has_first_seed = false;
  std::uint64_t first_seed = 0;
  SimDuration until = 0;  // 0: each point runs to its scenario's duration
  std::vector<std::string> metrics;
};

// Reads a sweep file. Errors name the JSON path, what was expected and what was found.
bool parse_sweep(std::string_view text, SweepSpec& out, std::vector<Diagnostic>& errors);

// ---------------------------------------------------------------------------------------
// [SECTION] The plan: a sweep applied to its base scenario
// ---------------------------------------------------------------------------------------

struct SweepError {
  bool in_scenario = false;  // the base scenario's own error (its own line numbers)
  Diagnostic diagnostic;  // otherwise a position in the sweep file
};

struct SweepPlan {
  SweepSpec spec;
  json::Value base;  // the base scenario document
  std::vector<std::uint64_t> seeds;  // resolved
  std::size_t combinations = 0;  // product of the parameters' value counts (1 without any)
  std::size_t points = 0;  // combinations x seeds
  std::string identity;  // 16 hex digits: FNV-1a of the sweep's and the scenario's canonical JSON
  FileReader files;  // reads the files the scenario names, for every combination
};

// Applies every combination of values to the base scenario and validates it with the
// scenario loader, and checks that every metric is measured in every combination. Fills
// `errors` (each distinct error once, at most kMaxReportedSweepErrors, then a count of the rest) and
// returns false when anything is wrong; then nothing may run.
constexpr std::size_t kMaxReportedSweepErrors = 20;
// `files` reads the files the scenario names (loader.h).
bool plan_sweep(const SweepSpec& spec, std::string_view base_scenario_text, SweepPlan& out, std::vector<SweepError>& errors,
                const FileReader& files = {});
// Folds into the plan's identity a text every point also runs with (a rule file, a file the
// scenario names), so that shards run with other files are not merged as one sweep.
void add_to_sweep_identity(SweepPlan& plan, std::string_view text);

struct SweepPoint {
  std::size_t index = 0;
  std::size_t combination = 0;
  std::vector<std::size_t> value_positions;  // per parameter, its value's position in its list
  std::uint64_t seed = 0;
};
SweepPoint sweep_point(const SweepPlan& plan, std::size_t index);

// The scenario of one combination (the base with its values applied), loaded. Valid for
// every combination of a plan that plan_sweep accepted.
LoadResult sweep_scenario(const SweepPlan& plan, std::size_t combination);

// Where a point's run ends: `until` of the sweep, capped at the scenario's duration.
SimTime sweep_run_end(const SweepPlan& plan, const Scenario& scenario);

// ---------------------------------------------------------------------------------------
// [SECTION] Shards
// ---------------------------------------------------------------------------------------

struct SweepShard {
  std::size_t index = 0, count = 1;  // 0-based: 0 <= index < count
};
// "i/n" with 0 <= i < n <= 1000000.
bool parse_shard(std::string_view text, SweepShard& out, std::string& why);
bool in_shard(std::size_t point_index, const SweepShard& shard);
// The indexes of the points of a shard, ascending.
std::vector<std::size_t> shard_points(std::size_t points, const SweepShard& shard);

// ---------------------------------------------------------------------------------------
// [SECTION] Results
// ---------------------------------------------------------------------------------------

// The row of a point whose simulation has run to its end: {"index", "seed", "parameters":
// {path: value, ...}, "metrics": {name: value, ...}, "objectives_passed": true | false |
// null without objectives}. Metrics are read the way objectives are graded (report.h).
json::Value sweep_row(const SweepPlan& plan, const SweepPoint& point, const Simulation& sim);

// The result document of a shard (rows in any order; written by index). `partial` marks a
// run stopped before every point of its shard finished. `tool_version` is opsim's version.
std::string sweep_result_json(const SweepPlan& plan, const SweepShard& shard, std::vector<json::Value> rows,
                              bool partial, std::string_view tool_version);

struct SweepResultFile {
  std::string name;  // for messages
  std::string text;
};
// Checks that the files are results of one sweep (same identity, format and opsim version)
// that together hold every point exactly once, and writes the result of the whole sweep:
// the bytes `opsim sweep` writes without --shard. Otherwise returns false with errors that
// name the missing and the duplicate indexes.
bool merge_sweep_results(const std::vector<SweepResultFile>& files, std::string& out, std::vector<std::string>& errors);

// "0-3, 7, 9-10": indexes (ascending) as ranges, the first `max_items` of them.
std::string index_ranges(const std::vector<std::size_t>& sorted_indexes, std::size_t max_items = 20);

}  // namespace opsim
