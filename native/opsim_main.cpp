// opsim: the command-line scenario runner (native, and WebAssembly under node).
//
//   opsim run SCENARIO [--seed N] [--until DURATION] [--out DIR] [--format table|json] [--quiet]
//   opsim validate SCENARIO...
//   opsim grade SCENARIO [--seeds N] [--seed N] [--until DURATION] [--format table|json] [--quiet]
//   opsim list
//
// Exit codes: 0 success, 1 objectives failed (grade), 2 bad input, 3 internal error.
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <algorithm>
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
#include <vector>

#include "builtin.h"
#include "json/json.h"
#include "report/grade.h"
#include "report/report.h"
#include "scenario/loader.h"
#include "sim/simulation.h"

namespace {

constexpr int kExitOk = 0, kExitObjectivesFailed = 1, kExitBadInput = 2, kExitInternal = 3;

const char* kUsage =
    "opsim " OPSIM_VERSION " - operations simulator for a multi-tenant AI agent platform\n"
    "\n"
    "usage:\n"
    "  opsim run SCENARIO [--seed N] [--until DURATION] [--out DIR] [--format table|json] [--quiet]\n"
    "      Simulate a scenario to its end (or to --until) and print a summary.\n"
    "      --out DIR writes summary.json, timeseries.csv and events.jsonl into DIR, each\n"
    "      file complete or not at all.\n"
    "  opsim validate SCENARIO...\n"
    "      Check scenario files; print every error with its line and JSON path.\n"
    "  opsim grade SCENARIO [--seeds N] [--seed N] [--until DURATION] [--format table|json] [--quiet]\n"
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
    "  opsim list\n"
    "      The built-in scenarios (name and description).\n"
    "  opsim --help | --version\n"
    "\n"
    "SCENARIO is a path to a JSON file or the name of a built-in scenario (see `opsim list`).\n"
    "DURATION is written like \"90s\", \"6h\" or \"1d12h\".\n"
    "\n"
    "exit codes: 0 success, 1 objectives failed (grade), 2 bad input, 3 internal error\n";

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

// Loads and prints diagnostics; returns false when the scenario has errors.
bool load(const Source& src, opsim::LoadResult& result, bool print_warnings) {
  result = opsim::load_scenario(src.text);
  for (const auto& d : result.errors) std::fprintf(stderr, "%s\n", opsim::format_diagnostic(d, src.name, "error").c_str());
  if (print_warnings)
    for (const auto& d : result.warnings)
      std::fprintf(stderr, "%s\n", opsim::format_diagnostic(d, src.name, "warning").c_str());
  if (!result.ok) std::fprintf(stderr, "%s: %zu error(s); nothing simulated\n", src.name.c_str(), result.errors.size());
  return result.ok;
}

struct RunOptions {
  std::string scenario;
  bool has_seed = false;
  std::uint64_t seed = 0;
  bool has_until = false;
  opsim::SimDuration until = 0;
  std::string out_dir;
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
    } else if (a == "--out" && allow_out) {
      o.out_dir = value();
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

// Writes run outputs into DIR/.opsim-partial/ and moves each file into place only after the
// run has finished, so an interrupted or failed run leaves no partial files behind.
class OutputFiles : public opsim::SimObserver {
 public:
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
      for (const char* f : {"timeseries.csv", "events.jsonl", "summary.json"}) std::remove((tmp_ + "/" + f).c_str());
      ::rmdir(tmp_.c_str());
    }
  }
  void header(const std::string& text) { std::fputs(text.c_str(), series_); }
  void on_sample(opsim::SimTime t, const std::vector<double>& row) override {
    std::fputs(opsim::timeseries_csv_row(t, row).c_str(), series_);
  }
  void on_log(const opsim::LogEvent& e) override {
    std::fputs(e.json.c_str(), events_);
    std::fputc('\n', events_);
  }
  void commit(const std::string& summary) {
    FILE* f = std::fopen((tmp_ + "/summary.json").c_str(), "wb");
    if (!f || std::fputs(summary.c_str(), f) < 0 || std::fclose(f) != 0) throw std::runtime_error("cannot write summary.json");
    if (!close()) throw std::runtime_error("cannot finish writing " + tmp_);
    for (const char* name : {"timeseries.csv", "events.jsonl", "summary.json"}) {
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

// Runs to `until`, drawing a progress bar on stderr when it is a terminal.
void run_with_progress(opsim::Simulation& sim, opsim::SimTime until, bool show) {
  using clock = std::chrono::steady_clock;
  const auto started = clock::now();
  if (!show) {
    sim.run_until(until);
    return;
  }
  const opsim::SimDuration slice = std::max<opsim::SimDuration>(until / 400, opsim::kMicrosPerSecond);
  auto last_draw = started - std::chrono::seconds(1);
  while (sim.now() < until) {
    sim.run_until(std::min(until, sim.now() + slice));
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
  std::fprintf(stderr, "\n");
}

// `opsim grade`: runs the scenario with seeds s .. s+N-1 and grades its objectives across
// them by the rules of report/grade.h.
int cmd_grade(const std::vector<std::string>& args) {
  const RunOptions o = parse_options(args, true);
  const Source src = open_scenario(o.scenario);
  opsim::LoadResult loaded;
  if (!load(src, loaded, !o.quiet)) return kExitBadInput;
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
  const RunOptions o = parse_options(args, false);
  const Source src = open_scenario(o.scenario);
  opsim::LoadResult loaded;
  if (!load(src, loaded, !o.quiet)) return kExitBadInput;
  const opsim::Scenario& sc = loaded.scenario;
  opsim::Simulation sim(sc, o.has_seed ? o.seed : sc.seed);
  const opsim::SimTime until = o.has_until ? std::min(o.until, sc.duration) : sc.duration;
  std::unique_ptr<OutputFiles> files;
  if (!o.out_dir.empty()) {
    files = std::make_unique<OutputFiles>(o.out_dir);
    files->header(opsim::timeseries_csv_header(sim.metrics()));
    sim.add_observer(files.get());
  }
  run_with_progress(sim, until, !o.quiet && ::isatty(2));
  const std::string summary = opsim::summary_json(sim);
  if (files) files->commit(summary);
  if (o.format == "json") std::fputs(summary.c_str(), stdout);
  else std::fputs(opsim::summary_table(sim).c_str(), stdout);
  if (files && !o.quiet) std::fprintf(stderr, "wrote summary.json, timeseries.csv, events.jsonl to %s\n", o.out_dir.c_str());
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
    if (load(src, r, true)) std::printf("%s: ok (%zu warning(s))\n", src.name.c_str(), r.warnings.size());
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
