// opsim: the command-line scenario runner (native, and WebAssembly under node).
//
//   opsim run SCENARIO [--seed N] [--until DURATION] [--rules FILE]... [--out DIR] [--format table|json]
//             [--manifest SERVICE] [--quiet]
//   opsim validate SCENARIO...
//   opsim grade SCENARIO [--seeds N] [--seed N] [--until DURATION] [--format table|json] [--quiet]
//   opsim sweep SWEEP_FILE [--jobs N] [--shard i/n] [--rules FILE]... [--out FILE] [--quiet]
//   opsim merge SHARD_FILE... [--out FILE]
//   opsim list
//
// Exit codes: 0 success, 1 objectives failed (grade), 2 bad input, 3 internal error,
// 128 + signal number when SIGINT (130) or SIGTERM (143) stopped a run or a sweep.
//
// Index
//   [SECTION] Usage, inputs and options
//   [SECTION] Stopping on SIGINT and SIGTERM
//   [SECTION] Output files
//   [SECTION] run, grade, validate, list
//   [SECTION] sweep and merge
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "builtin.h"
#include "json/json.h"
#include "report/event_json.h"
#include "report/grade.h"
#include "report/hpa_manifest.h"
#include "report/openmetrics.h"
#include "report/report.h"
#include "report/sweep.h"
#include "monitoring/prom_rules.h"
#include "scenario/loader.h"
#include "sim/simulation.h"

namespace {

// [SECTION] Usage, inputs and options

constexpr int kExitOk = 0, kExitObjectivesFailed = 1, kExitBadInput = 2, kExitInternal = 3;

const char* kUsage =
    "opsim " OPSIM_VERSION " - operations simulator for a multi-tenant AI agent platform\n"
    "\n"
    "usage:\n"
    "  opsim run SCENARIO [--seed N] [--until DURATION] [--rules FILE]... [--out DIR] [--format table|json]\n"
    "            [--manifest SERVICE] [--quiet]\n"
    "      Simulate a scenario to its end (or to --until) and print a summary.\n"
    "      --rules FILE adds a Prometheus rule file (YAML: recording and alerting rules in\n"
    "      PromQL) to the scenario's monitoring.rule_files; repeatable. Its alerts are\n"
    "      logged as alert_* events like the scenario's rules.\n"
    "      --manifest SERVICE prints, in place of the summary, the scaling report's\n"
    "      recommendation for SERVICE's pool as an autoscaling/v2 HorizontalPodAutoscaler\n"
    "      (YAML, each field's reason in a comment; docs/files.md), which a scaling policy\n"
    "      {\"kind\": \"kubernetes\", \"manifest\": FILE} reads back.\n"
    "      --out DIR writes summary.json, timeseries.csv, events.jsonl and metrics.om (every\n"
    "      Prometheus series at every scrape, recording rules' results included, in\n"
    "      OpenMetrics text; see docs/prometheus.md) into DIR, each file complete or not at all.\n"
    "      SIGINT (Ctrl-C) or SIGTERM stops the run at the next slice of simulated time;\n"
    "      it prints the summary so far, and with --out writes the four files of the run so\n"
    "      far (summary.json gains \"interrupted\": true and \"requested_duration_s\"; its\n"
    "      \"duration_s\" is the simulated time reached); exit code 130 (SIGINT) or 143\n"
    "      (SIGTERM). A second Ctrl-C kills it at once, moving no file into place.\n"
    "  opsim validate SCENARIO...\n"
    "      Check scenario files; print every error with its line and JSON path.\n"
    "  opsim grade SCENARIO [--seeds N] [--seed N] [--until DURATION] [--rules FILE]... [--format table|json] [--quiet]\n"
    "      Run the scenario and check its objectives; exit 0 only when all pass, 1 when\n"
    "      one fails, 2 for bad input (such as a scenario without objectives).\n"
    "      --seeds N runs it N times (1 to 1000, default 1), with seeds s, s+1, ..., s+N-1,\n"
    "      s being --seed or the scenario's seed, and aggregates per objective: it passes\n"
    "      only if it passes on every seed; the table shows its target, its worst value\n"
    "      (the one closest to failing, or the failing one furthest beyond the target:\n"
    "      the largest actual for < and <=, the smallest for > and >=, the furthest from\n"
    "      the value for ==, the nearest for !=; ties go to the earlier seed; an unmeasured\n"
    "      metric is worst), the seed it came from, and \"k/N\", the seeds it passed on.\n"
    "      Prints one progress line per seed on stderr unless --quiet or --format json.\n"
    "      --format json prints {\"scenario\", \"seeds\", \"passed\", \"objectives\": [{\"id\",\n"
    "      \"metric\", \"op\", \"value\", \"worst\", \"worst_seed\", \"passes\", \"runs\",\n"
    "      \"passed\", \"actual\": [one per seed]}, ...]}.\n"
    "  opsim sweep SWEEP_FILE [--jobs N] [--shard i/n] [--rules FILE]... [--out FILE] [--quiet]\n"
    "      Run a scenario over a grid of parameter values and seeds; one result row per\n"
    "      point (docs/sweep.md). SWEEP_FILE is JSON:\n"
    "        {\"schema\": \"opsim-sweep/1\", \"name\": \"...\",\n"
    "         \"scenario\": \"base.json\" (relative to the sweep file) or a built-in name,\n"
    "         \"parameters\": [{\"path\": \"scaling.policies[0].cooldown\",\n"
    "                         \"values\": [\"1m\", \"5m\"]}, ...],\n"
    "         \"seeds\": 3 (seeds s..s+2, s = \"first_seed\" or the scenario's seed)\n"
    "                  or [1, 7, 42],\n"
    "         \"until\": \"6h\" (optional), \"metrics\": [\"latency_p95_ms\", ...]}\n"
    "      A path replaces a value that the base scenario writes out (\"$.\" optional,\n"
    "      [i] for array elements). Points are the cartesian product of the values times\n"
    "      the seeds, the first parameter varying slowest and the seed fastest; a point's\n"
    "      index is its position in that order. Every point's scenario is validated\n"
    "      before anything runs; any error exits 2 with nothing written.\n"
    "      --jobs N   worker threads (default: every core); the result does not depend on N.\n"
    "      --shard i/n  run only the points whose index % n == i (0-based: i = 0..n-1,\n"
    "                 as $SLURM_ARRAY_TASK_ID and $JOB_COMPLETION_INDEX are).\n"
    "      --out FILE writes the result atomically (temporary file, then rename);\n"
    "                 without it the result goes to stdout.\n"
    "      Result: a JSON object {\"format\": \"opsim-sweep-result/1\", \"opsim\", \"sweep_id\",\n"
    "      \"name\", \"scenario\", \"parameters\", \"seeds\", \"until_s\", \"metrics\",\n"
    "      \"points_total\", \"shard\": {\"index\", \"count\"}, \"partial\", \"rows\": [one a\n"
    "      line, by index: {\"index\", \"seed\", \"parameters\": {path: value}, \"metrics\":\n"
    "      {name: value}, \"objectives_passed\": true|false|null}]}. A run without --shard\n"
    "      is shard 0/1. Progress (points, elapsed, ETA) on stderr unless --quiet.\n"
    "      SIGINT or SIGTERM: running points stop, the rows of the points done are written\n"
    "      with \"partial\": true, exit code 130 (SIGINT) or 143 (SIGTERM).\n"
    "  opsim merge SHARD_FILE... [--out FILE]\n"
    "      Combine the results of the shards of one sweep into the file the whole sweep run\n"
    "      at once writes (the same bytes). Exit 2, writing nothing, when the files are of\n"
    "      different sweeps (\"sweep_id\") or do not hold every point exactly once.\n"
    "  opsim list\n"
    "      The built-in scenarios (name and description).\n"
    "  opsim --help | --version\n"
    "\n"
    "SCENARIO is a path to a JSON file or the name of a built-in scenario (see `opsim list`).\n"
    "DURATION is written like \"90s\", \"6h\" or \"1d12h\".\n"
    "\n"
    "exit codes: 0 success, 1 objectives failed (grade), 2 bad input, 3 internal error,\n"
    "            130 stopped by SIGINT, 143 stopped by SIGTERM (run and sweep)\n";

struct BadInput {
  std::string message;
};

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

struct Source {
  std::string name;  // what diagnostics call it
  std::string text;
};

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Source open_scenario(const std::string& arg) {
  Source src;
  if (file_exists(arg)) {
    if (!read_file(arg, src.text)) throw BadInput{"cannot read " + arg};
    src.name = arg;
    return src;
  }
  if (const opsim::BuiltinScenario* b = opsim::find_builtin_scenario(arg)) {
    src.name = "builtin:" + b->name;
    src.text = b->text;
    return src;
  }
  throw BadInput{"no scenario file or built-in scenario named \"" + arg + "\" (see `opsim list`)"};
}

// The folder a scenario's relative paths start from: its file's ("" for a built-in one,
// whose paths are the working directory's).
std::string scenario_folder(const Source& src) {
  const bool from_file = src.name.rfind("builtin:", 0) != 0;
  const std::string::size_type slash = src.name.rfind('/');
  return from_file && slash != std::string::npos ? src.name.substr(0, slash + 1) : "";
}

// Reads the files a scenario names (manifests, traces, SLO specs, rule files) from disk,
// relative to its file. `read`, when given, keeps each file read, for a sweep's identity.
opsim::FileReader files_beside(const Source& src, std::vector<opsim::NamedFile>* read = nullptr) {
  const std::string folder = scenario_folder(src);
  return [folder, read](const std::string& path, opsim::NamedFile& out, std::string& why) {
    out.name = !path.empty() && path[0] == '/' ? path : folder + path;
    if (!file_exists(out.name)) {
      why = "no such file: " + out.name;
      return false;
    }
    if (!read_file(out.name, out.text)) {
      why = "cannot read " + out.name;
      return false;
    }
    if (read) read->push_back(out);
    return true;
  };
}

// Loads and prints diagnostics; returns false when the scenario has errors.
bool load(const Source& src, opsim::LoadResult& result, bool print_warnings) {
  result = opsim::load_scenario(src.text, files_beside(src));
  for (const auto& d : result.errors) std::fprintf(stderr, "%s\n", opsim::format_diagnostic(d, src.name, "error").c_str());
  if (print_warnings)
    for (const auto& d : result.warnings)
      std::fprintf(stderr, "%s\n", opsim::format_diagnostic(d, src.name, "warning").c_str());
  if (!result.ok) std::fprintf(stderr, "%s: %zu error(s); nothing simulated\n", src.name.c_str(), result.errors.size());
  return result.ok;
}

// Reads the scenario's rule files (monitoring.rule_files, relative to the scenario's file)
// and those given with --rules. Prints what cannot be read; false then.
bool read_rule_files(const Source& src, const std::vector<std::string>& cli_rules, const opsim::Scenario& sc,
                     std::vector<opsim::RuleFileText>& files) {
  bool ok = true;
  auto read = [&](const opsim::FileReader& reader, const std::string& path, const std::string& where) {
    opsim::NamedFile f;
    std::string why;
    if (!reader(path, f, why)) {
      std::fprintf(stderr, "%s: error: cannot read the rule file %s (%s)\n", where.c_str(), path.c_str(), why.c_str());
      ok = false;
      return;
    }
    files.push_back({f.name, f.text});
  };
  const opsim::FileReader beside = files_beside(src);
  for (std::size_t i = 0; i < sc.monitoring.rule_files.size(); ++i)
    read(beside, sc.monitoring.rule_files[i], src.name + ": $.monitoring.rule_files[" + std::to_string(i) + "]");
  const opsim::FileReader here = files_beside(Source{});
  for (const std::string& path : cli_rules) read(here, path, "--rules");
  return ok;
}

// Attaches rule files' groups to the scenario (monitoring/prom_rules.h). Prints every error;
// false when there is one.
bool attach_rule_texts(const std::vector<opsim::RuleFileText>& files, opsim::Scenario& sc) {
  if (files.empty()) return true;
  std::vector<opsim::RuleFileError> errors;
  if (opsim::attach_rule_files(sc, files, errors)) return true;
  for (const opsim::RuleFileError& e : errors)
    std::fprintf(stderr, "%s\n", opsim::format_diagnostic(e.diagnostic, e.file, "error").c_str());
  std::fprintf(stderr, "%zu error(s) in rule files; nothing simulated\n", errors.size());
  return false;
}

bool attach_rules(const Source& src, const std::vector<std::string>& cli_rules, opsim::Scenario& sc) {
  std::vector<opsim::RuleFileText> files;
  return read_rule_files(src, cli_rules, sc, files) && attach_rule_texts(files, sc);
}

struct RunOptions {
  std::vector<std::string> rules;  // --rules FILE, in order
  std::string scenario;
  bool has_seed = false;
  std::uint64_t seed = 0;
  bool has_until = false;
  opsim::SimDuration until = 0;
  std::string out_dir;
  std::string manifest_service;  // run --manifest: print this pool's recommended HPA manifest
  std::string format = "table";
  bool quiet = false;
  int seeds = 1;  // grade: how many seeds, from `seed` on
};

RunOptions parse_options(const std::vector<std::string>& args, bool grade) {
  const bool allow_out = !grade;
  RunOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw BadInput{a + " needs a value"};
      return args[++i];
    };
    if (a == "--seed") {
      const std::string& v = value();
      char* end = nullptr;
      o.seed = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || v[0] == '-' || *end != 0) throw BadInput{"--seed expects an unsigned integer, found \"" + v + "\""};
      o.has_seed = true;
    } else if (a == "--seeds" && grade) {
      const std::string& v = value();
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != 0 || n < 1 || n > 1000)
        throw BadInput{"--seeds expects an integer from 1 to 1000, found \"" + v + "\""};
      o.seeds = static_cast<int>(n);
    } else if (a == "--until") {
      const std::string& v = value();
      if (!opsim::parse_duration(v, o.until) || o.until <= 0)
        throw BadInput{"--until expects a duration such as \"6h\", found \"" + v + "\""};
      o.has_until = true;
    } else if (a == "--rules") {
      o.rules.push_back(value());
    } else if (a == "--out" && allow_out) {
      o.out_dir = value();
    } else if (a == "--manifest" && allow_out) {
      o.manifest_service = value();
    } else if (a == "--format") {
      o.format = value();
      if (o.format != "table" && o.format != "json")
        throw BadInput{"--format expects \"table\" or \"json\", found \"" + o.format + "\""};
    } else if (a == "--quiet" || a == "-q") {
      o.quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      throw BadInput{"unknown option " + a + " (see opsim --help)"};
    } else if (o.scenario.empty()) {
      o.scenario = a;
    } else {
      throw BadInput{"unexpected argument \"" + a + "\" (one scenario per run)"};
    }
  }
  if (o.scenario.empty()) throw BadInput{"missing SCENARIO (see opsim --help)"};
  return o;
}

// [SECTION] Stopping on SIGINT and SIGTERM

// The handler only stores the signal's number; run loops poll it between slices of
// simulated time and stop there, so that what has been simulated can still be written.
// A lock-free atomic is one of the few things a signal handler may touch.
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "the stop flag is written by a signal handler");

extern "C" void on_stop_signal(int signal_number) { g_stop_signal.store(signal_number, std::memory_order_relaxed); }

int stop_signal() { return g_stop_signal.load(std::memory_order_relaxed); }
int stopped_exit_code() { return 128 + stop_signal(); }  // what a shell reports for the signal

// SA_RESETHAND: the first signal asks for a clean stop, a second one kills at once. An
// ignored SIGINT stays ignored: a shell starts background jobs so, so that Ctrl-C at the
// terminal does not reach them.
void install_stop_handlers() {
  for (int sig : {SIGINT, SIGTERM}) {
    struct sigaction old_action;
    if (::sigaction(sig, nullptr, &old_action) == 0 && old_action.sa_handler == SIG_IGN && sig == SIGINT) continue;
    struct sigaction action;
    std::memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    ::sigaction(sig, &action, nullptr);
  }
}

const char* signal_name(int sig) { return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal"; }

// [SECTION] Output files

// Writes run outputs into DIR/.opsim-partial/ and moves each file into place only after the
// run has finished, so a failed run leaves no partial files behind. A run stopped by a
// signal commits too: its files are whole, they end where the run stopped.
class OutputFiles : public opsim::SimObserver {
 public:
  static constexpr const char* kFiles[] = {"timeseries.csv", "events.jsonl", "summary.json", "metrics.om"};
  explicit OutputFiles(const std::string& dir) : dir_(dir), tmp_(dir + "/.opsim-partial") {
    make_dirs(dir_);
    ::mkdir(tmp_.c_str(), 0755);
    series_ = std::fopen((tmp_ + "/timeseries.csv").c_str(), "wb");
    events_ = std::fopen((tmp_ + "/events.jsonl").c_str(), "wb");
    if (!series_ || !events_) throw BadInput{"cannot write into " + dir_};
  }
  ~OutputFiles() override {
    close();
    if (!committed_) {
      for (const char* f : kFiles) std::remove((tmp_ + "/" + f).c_str());
      ::rmdir(tmp_.c_str());
    }
  }
  void header(const std::string& text) { std::fputs(text.c_str(), series_); }
  void on_sample(opsim::SimTime t, const std::vector<double>& row) override {
    std::fputs(opsim::timeseries_csv_row(t, row).c_str(), series_);
  }
  void on_log(const opsim::LogEvent& e) override {
    std::fputs(opsim::event_json(e).c_str(), events_);
    std::fputc('\n', events_);
  }
  void commit(const std::string& summary, const opsim::promql::Storage& prometheus) {
    FILE* f = std::fopen((tmp_ + "/summary.json").c_str(), "wb");
    if (!f || std::fputs(summary.c_str(), f) < 0 || std::fclose(f) != 0) throw std::runtime_error("cannot write summary.json");
    FILE* om = std::fopen((tmp_ + "/metrics.om").c_str(), "wb");
    bool om_ok = om != nullptr;
    if (om) {
      opsim::write_openmetrics(prometheus, [&](std::string_view text) {
        om_ok = om_ok && std::fwrite(text.data(), 1, text.size(), om) == text.size();
      });
      om_ok = std::fclose(om) == 0 && om_ok;
    }
    if (!om_ok) throw std::runtime_error("cannot write metrics.om");
    if (!close()) throw std::runtime_error("cannot finish writing " + tmp_);
    for (const char* name : kFiles) {
      if (std::rename((tmp_ + "/" + name).c_str(), (dir_ + "/" + name).c_str()) != 0)
        throw std::runtime_error(std::string("cannot move ") + name + " into " + dir_);
    }
    ::rmdir(tmp_.c_str());
    committed_ = true;
  }

 private:
  static void make_dirs(const std::string& dir) {
    std::string partial;
    for (std::size_t i = 0; i <= dir.size(); ++i) {
      if (i == dir.size() || dir[i] == '/') {
        if (!partial.empty()) ::mkdir(partial.c_str(), 0755);
      }
      if (i < dir.size()) partial += dir[i];
    }
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw BadInput{"cannot create directory " + dir};
  }
  bool close() {
    bool ok = true;
    if (series_) ok = std::fclose(series_) == 0 && ok;
    if (events_) ok = std::fclose(events_) == 0 && ok;
    series_ = events_ = nullptr;
    return ok;
  }
  std::string dir_, tmp_;
  FILE* series_ = nullptr;
  FILE* events_ = nullptr;
  bool committed_ = false;
};

// Runs to `until` in slices of simulated time (1/400 of the run, at least 1 s), drawing a
// progress bar on stderr when `show`; between slices it checks for a stop signal. Returns
// false when a signal stopped it before `until`. Slicing does not change results:
// run_until(t) processes the same events whatever the steps to t (the front end relies on
// that too).
bool run_with_progress(opsim::Simulation& sim, opsim::SimTime until, bool show) {
  using clock = std::chrono::steady_clock;
  const auto started = clock::now();
  const opsim::SimDuration slice = std::max<opsim::SimDuration>(until / 400, opsim::kMicrosPerSecond);
  auto last_draw = started - std::chrono::seconds(1);
  while (sim.now() < until) {
    if (stop_signal() != 0) {
      if (show) std::fprintf(stderr, "\n");
      return false;
    }
    sim.run_until(std::min(until, sim.now() + slice));
    if (!show) continue;
    const auto now = clock::now();
    if (now - last_draw < std::chrono::milliseconds(100) && sim.now() < until) continue;
    last_draw = now;
    const double frac = static_cast<double>(sim.now()) / static_cast<double>(until);
    const double wall_s = std::chrono::duration<double>(now - started).count();
    const int width = 30, filled = static_cast<int>(frac * width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar += std::string(static_cast<std::size_t>(width - filled), '-');
    std::fprintf(stderr, "\r[%s] %3.0f%%  %s of %s simulated  %.2fM events/s ", bar.c_str(), frac * 100,
                 opsim::format_duration(sim.now() / opsim::kMicrosPerSecond * opsim::kMicrosPerSecond).c_str(),
                 opsim::format_duration(until).c_str(),
                 wall_s > 0 ? static_cast<double>(sim.events_processed()) / wall_s / 1e6 : 0.0);
    std::fflush(stderr);
  }
  if (show) std::fprintf(stderr, "\n");
  return true;
}

// [SECTION] run, grade, validate, list

// `opsim grade`: runs the scenario with seeds s .. s+N-1 and grades its objectives across
// them by the rules of report/grade.h.
int cmd_grade(const std::vector<std::string>& args) {
  const RunOptions o = parse_options(args, true);
  const Source src = open_scenario(o.scenario);
  opsim::LoadResult loaded;
  if (!load(src, loaded, !o.quiet) || !attach_rules(src, o.rules, loaded.scenario)) return kExitBadInput;
  const opsim::Scenario& sc = loaded.scenario;
  if (sc.objectives.empty()) throw BadInput{src.name + " has no objectives to grade"};
  const std::uint64_t first = o.has_seed ? o.seed : sc.seed;
  const opsim::SimTime until = o.has_until ? std::min(o.until, sc.duration) : sc.duration;
  const bool progress = !o.quiet && o.format != "json";
  std::vector<opsim::GradeRun> runs;
  for (int i = 0; i < o.seeds; ++i) {
    opsim::Simulation sim(sc, first + static_cast<std::uint64_t>(i));
    run_with_progress(sim, until, progress && ::isatty(2));
    runs.push_back(opsim::grade_run(sim));
    if (progress) {
      int passes = 0;
      for (const auto& m : runs.back().measures) passes += m.passed ? 1 : 0;
      std::fprintf(stderr, "seed %llu (%d/%d): %d of %zu objectives pass\n", static_cast<unsigned long long>(sim.seed()),
                   i + 1, o.seeds, passes, runs.back().measures.size());
    }
  }
  const opsim::Grade grade = opsim::aggregate_grade(sc.objectives, runs);
  if (o.format == "json") std::fputs(opsim::grade_json(grade, sc.name).c_str(), stdout);
  else std::fputs((opsim::grade_table(grade) + (grade.passed ? "all objectives pass\n" : "some objectives fail\n")).c_str(), stdout);
  return grade.passed ? kExitOk : kExitObjectivesFailed;
}

int cmd_run(const std::vector<std::string>& args) {
  // From the start, so that a signal while the scenario loads also ends in a clean stop.
  install_stop_handlers();
  const RunOptions o = parse_options(args, false);
  const Source src = open_scenario(o.scenario);
  opsim::LoadResult loaded;
  if (!load(src, loaded, !o.quiet) || !attach_rules(src, o.rules, loaded.scenario)) return kExitBadInput;
  const opsim::Scenario& sc = loaded.scenario;
  if (!o.manifest_service.empty() &&
      std::none_of(sc.services.begin(), sc.services.end(), [&](const opsim::ServiceSpec& s) { return s.id == o.manifest_service; })) {
    std::string known;
    for (const opsim::ServiceSpec& s : sc.services) known += (known.empty() ? "" : ", ") + s.id;
    throw BadInput{"--manifest expects a service of the scenario (" + known + "), found \"" + o.manifest_service + "\""};
  }
  opsim::Simulation sim(sc, o.has_seed ? o.seed : sc.seed);
  const opsim::SimTime until = o.has_until ? std::min(o.until, sc.duration) : sc.duration;
  std::unique_ptr<OutputFiles> files;
  if (!o.out_dir.empty()) {
    files = std::make_unique<OutputFiles>(o.out_dir);
    files->header(opsim::timeseries_csv_header(sim.metrics()));
    sim.add_observer(files.get());
    sim.keep_all_series();  // metrics.om holds the whole run
  }
  const bool finished = run_with_progress(sim, until, !o.quiet && ::isatty(2));
  const std::string summary = opsim::summary_json(sim, finished ? -1 : until);
  if (files) files->commit(summary, sim.prometheus_storage());
  opsim::HpaRecommendation hpa;
  std::string why;
  if (!o.manifest_service.empty()) {
    if (!opsim::recommend_hpa(sim, o.manifest_service, hpa, why)) throw BadInput{"--manifest: " + why};
    std::fputs(opsim::hpa_manifest_yaml(hpa).c_str(), stdout);
  } else if (o.format == "json") {
    std::fputs(summary.c_str(), stdout);
  } else {
    std::fputs(opsim::summary_table(sim).c_str(), stdout);
  }
  if (files && !o.quiet)
    std::fprintf(stderr, "wrote summary.json, timeseries.csv, events.jsonl, metrics.om to %s\n", o.out_dir.c_str());
  if (!finished) {
    std::fprintf(stderr, "opsim: stopped by %s at %s of %s simulated%s\n", signal_name(stop_signal()),
                 opsim::format_duration(sim.now()).c_str(), opsim::format_duration(until).c_str(),
                 files ? "; the files hold the run so far" : "");
    return stopped_exit_code();
  }
  return kExitOk;
}

int cmd_validate(const std::vector<std::string>& args) {
  if (args.empty()) throw BadInput{"validate needs at least one SCENARIO"};
  bool all_ok = true;
  for (const std::string& a : args) {
    Source src;
    try {
      src = open_scenario(a);
    } catch (const BadInput& e) {
      std::fprintf(stderr, "opsim: %s\n", e.message.c_str());
      all_ok = false;
      continue;
    }
    opsim::LoadResult r;
    if (load(src, r, true) && attach_rules(src, {}, r.scenario))
      std::printf("%s: ok (%zu warning(s))\n", src.name.c_str(), r.warnings.size());
    else all_ok = false;
  }
  return all_ok ? kExitOk : kExitBadInput;
}

int cmd_list() {
  for (const opsim::BuiltinScenario& b : opsim::builtin_scenarios()) {
    opsim::LoadResult r = opsim::load_scenario(b.text);
    std::string tags;
    for (const auto& t : r.scenario.tags) tags += (tags.empty() ? "" : ",") + t;
    std::printf("%-28s %s%s%s\n", b.name.c_str(), r.ok ? r.scenario.name.c_str() : "(invalid)",
                tags.empty() ? "" : "  [", tags.empty() ? "" : (tags + "]").c_str());
  }
  return kExitOk;
}

// [SECTION] sweep and merge

// Writes a file by writing a temporary file beside it and renaming it into place, so that
// readers (and `opsim merge`) see the whole file or none of it.
class AtomicFile {
 public:
  explicit AtomicFile(const std::string& path) : path_(path), tmp_(path + ".tmp-" + std::to_string(::getpid())) {
    file_ = std::fopen(tmp_.c_str(), "wb");
    if (!file_) throw BadInput{"cannot write " + path_ + " (" + std::strerror(errno) + ")"};
  }
  ~AtomicFile() {
    if (file_) std::fclose(file_);
    if (!committed_) std::remove(tmp_.c_str());
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  void commit(const std::string& text) {
    // fsync before the rename: on a shared volume a merge on another machine must not see
    // the new name before the bytes.
    const bool written = std::fwrite(text.data(), 1, text.size(), file_) == text.size() && std::fflush(file_) == 0 &&
                         ::fsync(::fileno(file_)) == 0;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!written || !closed) throw std::runtime_error("cannot write " + tmp_);
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) throw std::runtime_error("cannot rename " + tmp_ + " to " + path_);
    committed_ = true;
  }

 private:
  std::string path_, tmp_;
  FILE* file_ = nullptr;
  bool committed_ = false;
};

std::string h_mm_ss(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return buf;
}

// Points done of the shard, elapsed wall time and an estimate of the rest: on a terminal
// one line redrawn at most 5 times a second, otherwise (a batch job's log) a line every
// 10 seconds and one at the end.
class SweepProgress {
 public:
  SweepProgress(std::size_t total, bool show) : total_(total), show_(show), tty_(::isatty(2) != 0) {}
  void update(std::size_t done, bool last) {
    if (!show_) return;
    const auto now = clock::now();
    if (!last && now - last_draw_ < (tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(10000))) return;
    last_draw_ = now;
    const double elapsed_s = std::chrono::duration<double>(now - started_).count();
    const std::string eta = done == 0 ? std::string("?")
                                      : h_mm_ss(elapsed_s / static_cast<double>(done) * static_cast<double>(total_ - done));
    std::fprintf(stderr, "%s%zu/%zu points (%3.0f%%)  elapsed %s  ETA %s%s", tty_ ? "\r" : "", done, total_,
                 total_ ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0,
                 h_mm_ss(elapsed_s).c_str(), eta.c_str(), tty_ && !last ? " " : "\n");
    std::fflush(stderr);
  }

 private:
  using clock = std::chrono::steady_clock;
  std::size_t total_;
  bool show_, tty_;
  clock::time_point started_ = clock::now(), last_draw_ = clock::now() - std::chrono::hours(1);
};

struct SweepOptions {
  std::string file, out;
  std::vector<std::string> rules;  // --rules FILE, for every point
  unsigned jobs = 0;  // 0: every core
  opsim::SweepShard shard;
  bool quiet = false;
};

SweepOptions parse_sweep_options(const std::vector<std::string>& args) {
  SweepOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw BadInput{a + " needs a value"};
      return args[++i];
    };
    if (a == "--jobs" || a == "-j") {
      const std::string& v = value();
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != 0 || n < 1 || n > 4096) throw BadInput{"--jobs expects an integer from 1 to 4096, found \"" + v + "\""};
      o.jobs = static_cast<unsigned>(n);
    } else if (a == "--shard") {
      std::string why;
      if (!opsim::parse_shard(value(), o.shard, why)) throw BadInput{"--shard " + why};
    } else if (a == "--out") {
      o.out = value();
    } else if (a == "--rules") {
      o.rules.push_back(value());
    } else if (a == "--quiet" || a == "-q") {
      o.quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      throw BadInput{"unknown option " + a + " (see opsim --help)"};
    } else if (o.file.empty()) {
      o.file = a;
    } else {
      throw BadInput{"unexpected argument \"" + a + "\" (one sweep file per run)"};
    }
  }
  if (o.file.empty()) throw BadInput{"missing SWEEP_FILE (see opsim --help)"};
  return o;
}

// The base scenario of a sweep: a file relative to the sweep file's folder (or absolute),
// else a built-in scenario's name.
bool open_sweep_scenario(const std::string& sweep_file, const opsim::SweepSpec& spec, Source& out) {
  const std::size_t slash = sweep_file.rfind('/');
  const std::string folder = slash == std::string::npos ? std::string() : sweep_file.substr(0, slash + 1);
  const std::string path = !spec.scenario.empty() && spec.scenario[0] == '/' ? spec.scenario : folder + spec.scenario;
  if (file_exists(path)) {
    out.name = path;
    return read_file(path, out.text);
  }
  if (const opsim::BuiltinScenario* b = opsim::find_builtin_scenario(spec.scenario)) {
    out.name = "builtin:" + b->name;
    out.text = b->text;
    return true;
  }
  const opsim::json::Value* at = spec.doc.find("scenario");
  std::fprintf(stderr, "%s\n",
               opsim::format_diagnostic({"$.scenario",
                                         "expected a scenario file (looked for " + opsim::json::quote(path) +
                                             ") or the name of a built-in scenario (see `opsim list`), found " +
                                             opsim::json::quote(spec.scenario),
                                         at ? at->line : 0, at ? at->column : 0},
                                        sweep_file, "error")
                   .c_str());
  return false;
}

int cmd_sweep(const std::vector<std::string>& args) {
  install_stop_handlers();
  const SweepOptions o = parse_sweep_options(args);
  Source sweep_src;
  if (!read_file(o.file, sweep_src.text) || !file_exists(o.file)) throw BadInput{"cannot read sweep file " + o.file};
  auto nothing_run = [&](std::size_t errors) {
    std::fprintf(stderr, "%s: %zu error(s); nothing run, nothing written\n", o.file.c_str(), errors);
    return kExitBadInput;
  };
  opsim::SweepSpec spec;
  std::vector<opsim::Diagnostic> diagnostics;
  if (!opsim::parse_sweep(sweep_src.text, spec, diagnostics)) {
    for (const auto& d : diagnostics) std::fprintf(stderr, "%s\n", opsim::format_diagnostic(d, o.file, "error").c_str());
    return nothing_run(diagnostics.size());
  }
  Source base;
  if (!open_sweep_scenario(o.file, spec, base)) return nothing_run(1);
  opsim::SweepPlan plan;
  std::vector<opsim::SweepError> errors;
  // The files the scenario names, read once here for the sweep's identity, and by every
  // point as it loads.
  std::vector<opsim::NamedFile> named_files;
  opsim::load_scenario(base.text, files_beside(base, &named_files));
  if (!opsim::plan_sweep(spec, base.text, plan, errors, files_beside(base))) {
    for (const auto& e : errors)
      std::fprintf(stderr, "%s\n", opsim::format_diagnostic(e.diagnostic, e.in_scenario ? base.name : o.file, "error").c_str());
    return nothing_run(errors.size());
  }

  // The rule files every point runs with: read, and checked against the base scenario, now.
  std::vector<opsim::RuleFileText> rule_files;
  {
    opsim::LoadResult base_scenario = opsim::load_scenario(base.text, plan.files);
    if (!read_rule_files(base, o.rules, base_scenario.scenario, rule_files) ||
        !attach_rule_texts(rule_files, base_scenario.scenario))
      return nothing_run(1);
  }
  for (const opsim::RuleFileText& f : rule_files) opsim::add_to_sweep_identity(plan, f.text);
  for (const opsim::NamedFile& f : named_files) opsim::add_to_sweep_identity(plan, f.text);

  const std::vector<std::size_t> shard_indices = opsim::shard_points(plan.points, o.shard);
  unsigned jobs = o.jobs ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
#ifdef __EMSCRIPTEN__
  jobs = 1;  // no threads in the WebAssembly runner: the points run one after another
#endif
  jobs = static_cast<unsigned>(std::max<std::size_t>(1, std::min<std::size_t>(jobs, shard_indices.size())));
  if (!o.quiet)
    std::fprintf(stderr, "sweep %s: %zu points (%zu combinations x %zu seeds); shard %zu/%zu runs %zu on %u thread(s)\n",
                 plan.identity.c_str(), plan.points, plan.combinations, plan.seeds.size(), o.shard.index, o.shard.count,
                 shard_indices.size(), jobs);
  // Opened before the first point runs, so that an unwritable --out fails in a second,
  // not after hours.
  std::unique_ptr<AtomicFile> out;
  if (!o.out.empty()) out = std::make_unique<AtomicFile>(o.out);

  // Each point is its own Simulation on its own Scenario; the workers share only the
  // plan (read-only), the next position to take and the slots of their own positions.
  std::vector<opsim::json::Value> rows(shard_indices.size());
  std::vector<char> done(shard_indices.size(), 0);
  std::atomic<std::size_t> next{0}, completed{0};
  std::atomic<bool> failed{false};
  std::string failure;  // the first worker's error; written once, read after join
  std::atomic_flag failure_taken = ATOMIC_FLAG_INIT;
  SweepProgress progress(shard_indices.size(), !o.quiet);
  auto worker = [&](bool draws_progress) {
    std::size_t cached_combination = static_cast<std::size_t>(-1);
    opsim::LoadResult scenario;
    try {
      while (stop_signal() == 0 && !failed.load()) {
        const std::size_t k = next.fetch_add(1);
        if (k >= shard_indices.size()) break;
        const opsim::SweepPoint point = opsim::sweep_point(plan, shard_indices[k]);
        if (point.combination != cached_combination) {
          scenario = opsim::sweep_scenario(plan, point.combination);
          if (!scenario.ok) throw std::runtime_error("point " + std::to_string(point.index) + " no longer loads");
          std::vector<opsim::RuleFileError> rule_errors;
          if (!rule_files.empty() && !opsim::attach_rule_files(scenario.scenario, rule_files, rule_errors))
            throw std::runtime_error("point " + std::to_string(point.index) + ": its rule files do not fit it: " +
                                     rule_errors.front().diagnostic.message);
          cached_combination = point.combination;
        }
        opsim::Simulation sim(scenario.scenario, point.seed);
        if (!run_with_progress(sim, opsim::sweep_run_end(plan, scenario.scenario), false)) break;
        rows[k] = opsim::sweep_row(plan, point, sim);
        done[k] = 1;
        const std::size_t n = completed.fetch_add(1) + 1;
        if (draws_progress) progress.update(n, false);
      }
    } catch (const std::exception& e) {
      if (!failure_taken.test_and_set()) failure = e.what();
      failed.store(true);
    }
  };
#ifdef __EMSCRIPTEN__
  worker(true);
#else
  std::atomic<unsigned> running{jobs};
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < jobs; ++j)
    threads.emplace_back([&] {
      worker(false);
      running.fetch_sub(1);
    });
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    progress.update(completed.load(), false);
  }
  for (std::thread& t : threads) t.join();
#endif
  if (failed.load()) throw std::runtime_error(failure);
  const bool stopped = completed.load() < shard_indices.size();
  progress.update(completed.load(), true);

  std::vector<opsim::json::Value> finished_rows;
  for (std::size_t k = 0; k < shard_indices.size(); ++k)
    if (done[k]) finished_rows.push_back(std::move(rows[k]));
  const std::string result = opsim::sweep_result_json(plan, o.shard, std::move(finished_rows), stopped, OPSIM_VERSION);
  if (out) out->commit(result);
  else std::fputs(result.c_str(), stdout);
  if (out && !o.quiet)
    std::fprintf(stderr, "wrote %zu of %zu rows to %s\n", static_cast<std::size_t>(completed.load()), shard_indices.size(), o.out.c_str());
  if (stopped) {
    std::fprintf(stderr, "opsim: stopped by %s after %zu of %zu points; the result is marked \"partial\": true\n",
                 signal_name(stop_signal()), static_cast<std::size_t>(completed.load()), shard_indices.size());
    return stopped_exit_code();
  }
  return kExitOk;
}

int cmd_merge(const std::vector<std::string>& args) {
  std::vector<opsim::SweepResultFile> files;
  std::string out_path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--out") {
      if (i + 1 >= args.size()) throw BadInput{"--out needs a value"};
      out_path = args[++i];
    } else if (!args[i].empty() && args[i][0] == '-') {
      throw BadInput{"unknown option " + args[i] + " (see opsim --help)"};
    } else {
      opsim::SweepResultFile f;
      f.name = args[i];
      if (!file_exists(f.name) || !read_file(f.name, f.text)) throw BadInput{"cannot read " + f.name};
      files.push_back(std::move(f));
    }
  }
  if (files.empty()) throw BadInput{"merge needs at least one SHARD_FILE (see opsim --help)"};
  std::string merged;
  std::vector<std::string> errors;
  if (!opsim::merge_sweep_results(files, merged, errors)) {
    for (const std::string& e : errors) std::fprintf(stderr, "opsim: merge: %s\n", e.c_str());
    std::fprintf(stderr, "opsim: merge: nothing written\n");
    return kExitBadInput;
  }
  if (out_path.empty()) {
    std::fputs(merged.c_str(), stdout);
  } else {
    AtomicFile out(out_path);
    out.commit(merged);
  }
  return kExitOk;
}

int dispatch(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(kUsage, stderr);
    return kExitBadInput;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  for (const std::string& a : args)
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
  if (cmd == "--version") {
    std::printf("opsim %s\n", OPSIM_VERSION);
    return kExitOk;
  }
  if (cmd == "run") return cmd_run(args);
  if (cmd == "grade") return cmd_grade(args);
  if (cmd == "validate") return cmd_validate(args);
  if (cmd == "sweep") return cmd_sweep(args);
  if (cmd == "merge") return cmd_merge(args);
  if (cmd == "list") return cmd_list();
  throw BadInput{"unknown command \"" + cmd + "\" (see opsim --help)"};
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return dispatch(argc, argv);
  } catch (const BadInput& e) {
    std::fprintf(stderr, "opsim: %s\n", e.message.c_str());
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "opsim: internal error: %s\n", e.what());
    return kExitInternal;
  }
}
