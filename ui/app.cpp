#include "app.h"

#include <algorithm>
#include <chrono>

#include "builtin.h"
#include "editor.h"
#include "examples.h"
#include "imgui.h"
#include "json/json.h"
#include "panels.h"
#include "report/report.h"

namespace opsim::ui {
namespace {

// Wall-clock time the simulation may use per frame, so that a 60 Hz frame (16.7 ms) keeps
// room for drawing. Simulated time owed beyond it is dropped, and the speed read-out shows
// the rate actually reached.
constexpr double kSimBudgetS = 0.010;

double wall_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// A bundled example's name is its path without ".json": "examples/traces/scenario-csv".
const NamedFile* find_example(const std::string& name) {
  for (const NamedFile& f : bundled_examples())
    if (f.name == name + ".json") return &f;
  return nullptr;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) s += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  return s;
}

// Where the value at $.monitoring.rule_files[i] stands, for an error about that file (the
// loader keeps only the names).
void place_rule_file(const std::string& text, std::size_t i, Diagnostic& d) {
  json::Value root;
  json::ParseError error;
  if (!json::parse(text, root, error)) return;
  const json::Value* monitoring = root.find("monitoring");
  const json::Value* files = monitoring ? monitoring->find("rule_files") : nullptr;
  if (!files || i >= files->items.size()) return;
  d.line = files->items[i].line;
  d.column = files->items[i].column;
}

std::string describe_errors(const LoadResult& r) {
  std::string s;
  for (const Diagnostic& d : r.errors) {
    if (!s.empty()) s += "\n";
    if (!d.file.empty()) s += d.file + ":";  // a file the scenario names
    s += std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.path + ": " + d.message;
  }
  return s;
}

}  // namespace

App::App(Platform& platform) : platform_(platform), editor_(std::make_unique<EditorState>()) {
  for (const BuiltinScenario& b : builtin_scenarios()) {
    const LoadResult r = load_scenario(b.text);
    library_.push_back({b.name, r.ok ? r.scenario.name : b.name, r.scenario.description, r.scenario.tags, {}});
  }
  // The examples that are scenarios, read with their files as the library will open them
  // (a sweep file, examples/sweeps, has a "schema" too, but is no scenario: it does not load).
  for (const NamedFile& f : bundled_examples()) {
    if (f.name.size() < 5 || f.name.compare(f.name.size() - 5, 5, ".json") != 0) continue;
    if (classify_file(f.name, f.text) != FileRole::scenario) continue;
    FileUse use;
    const LoadResult r = load_scenario(f.text, UserFiles{}.reader(folder_reader({folder_of(f.name), false, true}), use));
    if (!r.ok) continue;
    LibraryEntry e{f.name.substr(0, f.name.size() - 5), r.scenario.name, r.scenario.description, r.scenario.tags, {}};
    for (const NamedFile& read : use.read) e.files.push_back(read.name);
    for (const std::string& named : r.scenario.monitoring.rule_files) e.files.push_back(named);
    examples_.push_back(std::move(e));
  }
  const LoadOutcome out = load("default");
  (void)out;  // the default scenario is compiled in and tested to load
}

App::~App() = default;

LoadOutcome App::load(const std::string& name_or_text) {
  if (const BuiltinScenario* b = find_builtin_scenario(name_or_text)) return load_text(b->text, b->name, Origin{});
  if (const NamedFile* e = find_example(name_or_text))
    return load_text(e->text, name_or_text, Origin{folder_of(e->name), false, true});
  // Text (the editor's Apply, the script hook): its files are where the running scenario's are.
  return load_text(name_or_text, "scenario", origin_);
}

FolderReader App::folder_reader(const Origin& origin) {
  if (origin.bundled) {
    const std::string folder = origin.folder;
    return [folder](const std::string& path, NamedFile& out) {
      for (const NamedFile& f : bundled_examples())
        if (f.name == folder + path) {
          out = f;
          return true;
        }
      return false;
    };
  }
  if (origin.from_disk && platform_.can_read_path()) {
    const std::string folder = origin.folder;
    Platform& platform = platform_;
    return [folder, &platform](const std::string& path, NamedFile& out) {
      // As the runner reads them (native/opsim_main.cpp, files_beside): relative to the
      // scenario's file, an absolute path as it is.
      out.name = !path.empty() && path[0] == '/' ? path : folder + path;
      return platform.read_path(out.name, out.text);
    };
  }
  return {};
}

LoadOutcome App::load_text(const std::string& text, const std::string& name, const Origin& origin) {
  FileUse use;
  const FileReader files = user_files_.reader(folder_reader(origin), use);
  LoadResult r = load_scenario(text, files);
  // The rule files it names are read here, as the runner reads them (read_rule_files), and
  // must fit the scenario: their errors are the scenario's.
  std::vector<RuleFileText> named_rules;
  if (r.ok) {
    for (std::size_t i = 0; i < r.scenario.monitoring.rule_files.size(); ++i) {
      const std::string& path = r.scenario.monitoring.rule_files[i];
      NamedFile f;
      std::string why;
      if (files(path, f, why)) {
        named_rules.push_back({f.name, f.text});
        continue;
      }
      Diagnostic d("$.monitoring.rule_files[" + std::to_string(i) + "]",
                   "cannot read the rule file " + json::quote(path) + (why.empty() ? "" : ": " + why));
      place_rule_file(text, i, d);
      r.errors.push_back(std::move(d));
    }
    Scenario trial = r.scenario;
    std::vector<RuleFileError> errors;
    if (!named_rules.empty() && !attach_rule_files(trial, named_rules, errors))
      for (RuleFileError& e : errors) {
        e.diagnostic.file = e.file;
        r.errors.push_back(std::move(e.diagnostic));
      }
    r.ok = r.errors.empty();
  }
  editor_->set_result(text, r);
  missing_files_ = use.missing;
  LoadOutcome out;
  out.ok = r.ok;
  if (!r.ok) {
    out.error = describe_errors(r);
    // Waits for its files: given next, they load it (load_from_user).
    if (!use.missing.empty()) pending_ = std::make_unique<Pending>(Pending{text, name, origin});
    return out;
  }
  pending_.reset();
  // A rule file the user added to every run and this scenario names is now its own.
  for (const std::string& used : use.user_files_used)
    if (UserFile* f = user_files_.find_exact(used)) f->joins_every_run = false;
  file_use_ = std::move(use);
  scenario_rule_files_ = std::move(named_rules);
  origin_ = origin;
  // Another exercise (not the same one edited and applied): its hints start hidden and its
  // tab comes to the front, since the statement is what the student reads first.
  const ExerciseSpec& next = r.scenario.exercise;
  if (next.present != scenario_.exercise.present || next.statement != scenario_.exercise.statement) {
    hints_shown = 0;
    solution_error.clear();
    if (next.present) tab_focus_ = "Exercise";
  }
  seed_ = r.scenario.seed;
  plot_focus = PlotFocus{};  // its indices were the last scenario's
  trace_tenant = std::clamp(trace_tenant, 0, std::max(0, static_cast<int>(r.scenario.tenants.size()) - 1));
  start(r.scenario, text, name);
  return out;
}

LoadOutcome App::open_solution() {
  LoadOutcome out;
  const ExerciseSpec& ex = scenario_.exercise;
  if (!ex.present || ex.solution.empty()) {
    out.error = "this scenario names no reference solution";
    return out;
  }
  std::string builtin;
  if (find_builtin_scenario(scenario_name_)) {
    builtin = solution_location(scenario_name_, ex.solution, true);
  } else {
    const std::string path = solution_location(scenario_name_, ex.solution, false);
    std::string text;
    if (platform_.read_path(path, text)) {
      out = load(text);
      if (out.ok) scenario_name_ = path;
    }
    // The folder of the built-in exercises ("exercises/" + "solutions/NAME.json").
    if (!out.ok) builtin = solution_location("exercises/", ex.solution, true);
  }
  if (!builtin.empty()) {
    if (!find_builtin_scenario(builtin)) {
      out.error = "no reference solution " + builtin + " among the built-in scenarios";
      return out;
    }
    out = load(builtin);
  }
  if (out.ok) {
    tab_focus_ = "Objectives";  // the solution has the objectives and no exercise section
    play();
  }
  return out;
}

void App::load_from_user(const std::string& text, const std::string& file_name) {
  const LoadOutcome out = load_from_user(std::vector<NamedFile>{{file_name, text}});
  (void)out;  // files_notice and the editor say what happened
}

LoadOutcome App::load_from_user(const std::vector<NamedFile>& files) {
  files_notice.clear();
  files_notice_error = false;
  LoadOutcome out;
  auto fail = [&](const std::string& why) {
    files_notice = why;
    files_notice_error = true;
    out.ok = false;
    out.error = why;
    return out;
  };
  std::vector<const NamedFile*> scenarios, others;
  std::vector<FileRole> roles;
  for (const NamedFile& f : files) {
    const FileRole role = classify_file(f.name, f.text);
    if (role == FileRole::scenario) {
      scenarios.push_back(&f);
    } else {
      others.push_back(&f);
      roles.push_back(role);
    }
  }
  if (scenarios.size() > 1) {
    std::vector<std::string> names;
    for (const NamedFile* f : scenarios) names.push_back(f->name);
    return fail("Nothing opened: " + join_names(names) + " are each a scenario; give one scenario at a time, with the "
                "files it names");
  }
  std::vector<std::string> given;
  for (const NamedFile* f : others) {
    user_files_.put({f->name, f->text, false});
    given.push_back(f->name);
  }
  // What became of a load, in the notice: what it read, what it still needs.
  auto report = [&](const std::string& what) {
    if (out.ok) {
      std::vector<std::string> read;
      for (const NamedFile& r : file_use_.read) read.push_back(r.name);
      files_notice = "Opened " + what + (read.empty() ? "" : " with " + join_names(read));
      std::vector<std::string> unused;
      for (const std::string& g : given)
        if (std::find(file_use_.user_files_used.begin(), file_use_.user_files_used.end(), g) ==
            file_use_.user_files_used.end())
          unused.push_back(g);
      if (!unused.empty()) files_notice += "; it does not name " + join_names(unused) + " (kept in Files)";
    } else if (!missing_files_.empty()) {
      files_notice = what + " names " + join_names(missing_files_) + ", not given yet: " +
                     (platform_.can_pick_file() ? "drop or pick " : "open ") +
                     (missing_files_.size() == 1 ? "it" : "them") + " and it opens with " +
                     (missing_files_.size() == 1 ? "it" : "them") + " (the Scenario tab has the errors)";
      files_notice_error = true;
    } else {
      files_notice = what + " has errors; the Scenario tab shows them";
      files_notice_error = true;
    }
    editor_->focus_request = !out.ok;  // a broken file opens the editor at its errors
    return out;
  };

  if (scenarios.size() == 1) {
    const NamedFile& f = *scenarios.front();
    out = load_text(f.text, f.name, Origin{folder_of(f.name), true, false});
    return report(f.name);
  }
  if (pending_) {
    const Pending p = *pending_;
    out = load_text(p.text, p.name, p.origin);
    return report(p.name);
  }
  // A new version of a file the running scenario reads: the scenario again, with it.
  for (const NamedFile* f : others)
    for (const NamedFile& read : file_use_.read)
      if (read.name == f->name || base_name(read.name) == base_name(f->name)) {
        out = load_text(scenario_text_, scenario_name_, origin_);
        return report(scenario_name_ + " again");
      }
  // Each file alone, by what it is.
  std::vector<std::string> kept;
  bool traced = false;
  out.ok = true;
  for (std::size_t i = 0; i < others.size(); ++i) {
    const NamedFile& f = *others[i];
    if (roles[i] == FileRole::rules) {
      user_files_.remove(f.name);  // add_rule_file keeps it only if it reads
      if (!add_rule_file(f.text, f.name)) {
        tab_focus_ = "Alerts";
        return fail("The rule file " + f.name + " has errors (Alerts tab):\n" + rule_file_error);
      }
      files_notice += (files_notice.empty() ? "" : "; ") + f.name + "'s rules join every run (Alerts tab)";
    } else if (roles[i] == FileRole::trace && !traced) {
      std::string text, done, why;
      if (!put_trace_in_load(scenario_text_, static_cast<std::size_t>(std::max(0, trace_tenant)), f.name, f.text, text,
                             done, why))
        return fail(f.name + " is a traffic trace, but " + why);
      out = load_text(text, scenario_name_, origin_);
      if (!out.ok) return fail(f.name + " as a load: " + out.error);
      traced = true;
      files_notice += (files_notice.empty() ? "" : "; ") + done + "; the Scenario tab shows the change";
    } else {
      kept.push_back(f.name + " (" + role_name(roles[i]) + ")");
    }
  }
  if (!kept.empty())
    files_notice += (files_notice.empty() ? "" : "; ") + std::string("Kept ") + join_names(kept) +
                    " in Files: the running scenario does not name " + (kept.size() == 1 ? "it" : "them") +
                    "; a scenario that does finds " + (kept.size() == 1 ? "it" : "them") + " there";
  return out;
}

LoadOutcome App::open_bundle(const std::string& bundle_json) {
  ShareBundle bundle;
  std::string why;
  if (!read_bundle(bundle_json, bundle, why)) {
    files_notice = "The link's bundle is not readable: " + why;
    files_notice_error = true;
    return LoadOutcome{false, files_notice};
  }
  // The scenario is the link's own member, whatever classify_file would make of a broken one.
  for (const NamedFile& f : bundle.files) user_files_.put({f.name, f.text, false});
  files_notice.clear();
  files_notice_error = false;
  LoadOutcome out = load_text(bundle.scenario, "shared-link.json", Origin{});
  if (out.ok) {
    files_notice = "Opened the shared scenario" + std::string(bundle.files.empty() ? "" : " with its files");
  } else {
    files_notice = "The shared scenario does not load; the Scenario tab shows why";
    files_notice_error = true;
    editor_->focus_request = true;
  }
  return out;
}

ShareOutcome App::share_link() {
  ShareOutcome out;
  if (!platform_.can_share_link()) {
    out.error = "no share links here";
    return out;
  }
  if (file_use_.read.empty()) {
    out.link = platform_.share_link("scenario", scenario_text_);
  } else {
    ShareBundle bundle{scenario_text_, file_use_.read};
    out.link = platform_.share_link("bundle", write_bundle(bundle));
  }
  if (out.link.size() > kMaxShareLinkChars) {
    std::vector<std::string> names;
    for (const NamedFile& f : file_use_.read) names.push_back(f.name);
    out.error = "No link made: the scenario" + (names.empty() ? "" : " with " + join_names(names)) + " makes a link of " +
                std::to_string((out.link.size() + 1023) / 1024) + " KiB, over the " +
                std::to_string(kMaxShareLinkChars / 1024) +
                " KiB a link may carry. Download the scenario and send it with its files instead.";
    out.link.clear();
  }
  return out;
}

bool App::add_rule_file(const std::string& text, const std::string& file_name) {
  UserFiles trial_files = user_files_;
  trial_files.put({file_name, text, true});
  std::vector<RuleFileText> files = scenario_rule_files_;
  for (const RuleFileText& f : trial_files.rule_files()) files.push_back(f);
  Scenario trial = scenario_;
  std::vector<RuleFileError> errors;
  if (!attach_rule_files(trial, files, errors)) {
    rule_file_error.clear();
    for (const RuleFileError& e : errors) rule_file_error += format_diagnostic(e.diagnostic, e.file, "error") + "\n";
    return false;
  }
  rule_file_error.clear();
  user_files_ = std::move(trial_files);
  reset();
  tab_focus_ = "Alerts";
  return true;
}

void App::clear_rule_files() {
  for (const RuleFileText& f : user_files_.rule_files()) user_files_.remove(f.name);
  rule_file_error.clear();
  reset();
}

void App::remove_user_file(const std::string& name) {
  UserFile* f = user_files_.find_exact(name);
  const bool joined = f && f->joins_every_run;
  user_files_.remove(name);
  if (joined) reset();  // its rules leave the run now, as Remove all rule files does
}

void App::clear_user_files() {
  const bool joined = !user_files_.rule_files().empty();
  user_files_.clear();
  pending_.reset();
  if (joined) reset();
}

std::string App::files_json() const {
  std::string s = "{\"files\": [";
  for (std::size_t i = 0; i < user_files_.all().size(); ++i) {
    const UserFile& f = user_files_.all()[i];
    s += std::string(i ? ", " : "") + "{\"name\": " + json::quote(f.name) + ", \"bytes\": " + std::to_string(f.text.size()) +
         ", \"joins_every_run\": " + (f.joins_every_run ? "true" : "false") + "}";
  }
  auto list = [](const std::vector<std::string>& names) {
    std::string l = "[";
    for (std::size_t i = 0; i < names.size(); ++i) l += (i ? ", " : "") + json::quote(names[i]);
    return l + "]";
  };
  std::vector<std::string> read, examples;
  for (const NamedFile& f : file_use_.read) read.push_back(f.name);
  for (const LibraryEntry& e : examples_) examples.push_back(e.name);
  return s + "], \"read\": " + list(read) + ", \"missing\": " + list(missing_files_) +
         ", \"notice\": " + json::quote(files_notice) + ", \"notice_error\": " + (files_notice_error ? "true" : "false") +
         ", \"examples\": " + list(examples) + "}";
}

void App::start(const Scenario& scenario, const std::string& text, const std::string& name) {
  scenario_ = scenario;
  scenario_text_ = text;
  scenario_name_ = name;
  // The rule files the scenario names, then the user's that join every run, as the runner
  // attaches its own then --rules'. The scenario's were checked when it loaded; the user's
  // may not fit it (a scrape interval), and then it runs without them and the Alerts tab
  // says why.
  Scenario with_rules = scenario_;
  const std::vector<RuleFileText> joining = user_files_.rule_files();
  if (!scenario_rule_files_.empty() || !joining.empty()) {
    std::vector<RuleFileText> files = scenario_rule_files_;
    files.insert(files.end(), joining.begin(), joining.end());
    std::vector<RuleFileError> errors;
    if (!attach_rule_files(with_rules, files, errors)) {
      with_rules = scenario_;
      std::vector<RuleFileError> own;
      if (!scenario_rule_files_.empty()) attach_rule_files(with_rules, scenario_rule_files_, own);
      rule_file_error = "the rule files do not fit this scenario; it runs without them:\n";
      for (const RuleFileError& e : errors) rule_file_error += format_diagnostic(e.diagnostic, e.file, "error") + "\n";
    }
  }
  sim_ = std::make_unique<Simulation>(with_rules, seed_);
  history_.reset(sim_->metrics().columns().size());
  sim_->add_observer(&history_);
  sim_debt_s_ = 0;
  plot_view.reset();
  start_variant();
  ++run_id_;
}

void App::reset() { start(scenario_, scenario_text_, scenario_name_); }

LoadOutcome App::compare_with(const std::string& name_or_text) {
  std::string text = name_or_text, name = "edited scenario";
  if (const BuiltinScenario* b = find_builtin_scenario(name_or_text)) {
    text = b->text;
    name = b->name;
  }
  // B's files are found as A's are (the user's, then A's folder).
  FileUse use;
  const LoadResult r = load_scenario(text, user_files_.reader(folder_reader(origin_), use));
  LoadOutcome out;
  out.ok = r.ok;
  if (!r.ok) {
    out.error = describe_errors(r);
    return out;
  }
  variant_ = std::make_unique<Variant>();
  variant_->scenario = r.scenario;
  variant_->name = name;
  start_variant();
  ++run_id_;
  return out;
}

void App::stop_comparing() {
  variant_.reset();
  ++run_id_;
}

const std::string& App::variant_name() const {
  static const std::string none;
  return variant_ ? variant_->name : none;
}

void App::start_variant() {
  if (!variant_) return;
  // A's seed, not B's own: the two runs then draw the same arrivals wherever their
  // scenarios agree, so what differs between them is the variant's change.
  variant_->sim = std::make_unique<Simulation>(variant_->scenario, seed_);
  variant_->history.reset(variant_->sim->metrics().columns().size());
  variant_->sim->add_observer(&variant_->history);
  sync_variant();
}

void App::sync_variant() {
  if (!variant_) return;
  Simulation& b = *variant_->sim;
  const SimTime target = std::min(sim_->now(), b.end_time());
  if (b.now() < target) b.run_until(target);
}

void App::set_seed(std::uint64_t seed) {
  seed_ = seed;
  reset();
}

void App::step() {
  playing_ = false;
  sim_->run_until(sim_->now() + scenario_.monitoring.scrape_interval);
  sync_variant();
}

void App::advance(double seconds) {
  if (seconds <= 0) return;
  sim_->run_until(sim_->now() + from_seconds(seconds));
  sync_variant();
}

void App::update_scaling(std::size_t section, const ScalingSpec& spec) {
  if (section >= sim_->scenario().scaling.size()) return;
  sim_->update_scaling(section, spec);
  ++run_id_;
}

void App::update_alert_rule(std::size_t rule, const RuleSpec& spec) {
  if (rule >= sim_->alerts().size()) return;
  sim_->update_alert_rule(rule, spec);
  ++run_id_;
}

void App::rollback_deployment(std::size_t d) {
  if (d >= sim_->deployment_count()) return;
  sim_->rollback_deployment(d, "rolled back by hand from the Deployments tab");
  ++run_id_;
}

std::size_t App::start_chaos(const ChaosSpec& experiment) {
  const std::size_t i = sim_->start_chaos(experiment);
  ++run_id_;
  return i;
}

void App::inject_fault(const FaultSpec& fault) {
  sim_->inject_fault(fault);
  ++run_id_;
}

void App::update(double wall_dt_s) {
  if (!playing_ || sim_->finished()) {
    sim_debt_s_ = 0;
    return;
  }
  const double started = wall_seconds();
  const std::uint64_t events_before = sim_->events_processed();
  // Target: where the clock should be after this frame at the chosen speed.
  SimTime target = sim_->end_time();
  if (speed_ > 0) {
    sim_debt_s_ += speed_ * std::min(wall_dt_s, 0.25);
    target = std::min(target, sim_->now() + from_seconds(sim_debt_s_));
  }
  // Run in slices sized so that each takes well under the budget, checking the clock
  // between them; the slice adapts to how fast the last one ran.
  SimDuration slice = std::max<SimDuration>(kMicrosPerMilli, slice_us_);
  while (sim_->now() < target) {
    const double t0 = wall_seconds();
    const SimTime before = sim_->now();
    sim_->run_until(std::min(target, before + slice));
    sync_variant();  // inside the slice, so that the frame budget covers both runs
    const double took = wall_seconds() - t0;
    if (took < kSimBudgetS / 8) slice *= 2;
    else if (took > kSimBudgetS / 4 && slice > kMicrosPerMilli) slice /= 2;
    if (wall_seconds() - started > kSimBudgetS) break;
  }
  slice_us_ = slice;
  if (speed_ > 0) sim_debt_s_ = std::max(0.0, to_seconds(target - sim_->now()));
  const double spent = wall_seconds() - started;
  if (spent > 0) {
    const double rate = static_cast<double>(sim_->events_processed() - events_before) / std::max(spent, wall_dt_s);
    events_per_wall_s_ = events_per_wall_s_ == 0 ? rate : 0.9 * events_per_wall_s_ + 0.1 * rate;
  }
}

std::string App::state_json() const {
  std::string s = opsim::state_json(*sim_);
  s.pop_back();  // the closing brace: the front end's fields follow the core's
  std::string grade = "null";
  if (!scenario_.objectives.empty()) {
    grade = grade_json(this->grade(), scenario_.name);
    while (!grade.empty() && grade.back() == '\n') grade.pop_back();
  }
  std::string variant = "null";
  if (variant_) {
    const Simulation& b = *variant_->sim;
    variant = opsim::state_json(b);
    variant.pop_back();
    variant = "{\"name\": " + json::quote(variant_->name) + ", " + variant.substr(1) +
              ", \"finished\": " + (b.finished() ? "true" : "false") + "}";
  }
  return s + ", \"finished\": " + (sim_->finished() ? "true" : "false") + ", \"grade\": " + grade +
         ", \"variant\": " + variant + "}";
}

Grade App::grade() const { return aggregate_grade(scenario_.objectives, {grade_run(*sim_)}); }

std::string App::scenarios_json() const {
  std::string s = "[";
  for (const BuiltinScenario& b : builtin_scenarios()) s += (s.size() > 1 ? "," : "") + json::quote(b.name);
  return s + "]";
}

void App::remember_widget(const std::string& id) { remember_rect(id, ImGui::GetItemRectMin(), ImGui::GetItemRectMax()); }

void App::remember_rect(const std::string& id, ImVec2 a, ImVec2 b) { widget_rects_[id] = {a.x, a.y, b.x - a.x, b.y - a.y}; }

bool App::widget_rect(const std::string& id, float rect[4]) const {
  const auto it = widget_rects_.find(id);
  if (it == widget_rects_.end()) return false;
  std::copy(it->second.begin(), it->second.end(), rect);
  return true;
}

void App::draw() {
  widget_rects_.clear();
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  const ImGuiWindowFlags host = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_MenuBar |
                                ImGuiWindowFlags_NoSavedSettings |
                                ImGuiWindowFlags_NoBackground;  // the frame is cleared to kBackground
  ImGui::Begin("opsim", nullptr, host);
  draw_menu(*this);
  draw_toolbar(*this);
  draw_files_notice(*this);
  ImGui::Separator();
  const float left_w = std::max(320.0f, ImGui::GetContentRegionAvail().x * 0.30f);
  ImGui::BeginChild("left", ImVec2(left_w, 0), false);
  draw_overview(*this);
  draw_services(*this);
  draw_tenants(*this);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("right", ImVec2(0, 0), false);
  if (ImGui::BeginTabBar("views")) {
    // Taken now, so that a panel drawn below may ask for another tab in the next frame.
    const std::string focus = std::move(tab_focus_);
    tab_focus_.clear();
    // Each tab's rectangle is kept as "tab:LABEL" for scripted clicks.
    auto tab = [&](const char* label, void (*draw_panel)(App&)) {
      const ImGuiTabItemFlags flags = focus == label ? ImGuiTabItemFlags_SetSelected : 0;
      const bool open = ImGui::BeginTabItem(label, nullptr, flags);
      remember_widget(std::string("tab:") + label);
      if (open) {
        draw_panel(*this);
        ImGui::EndTabItem();
      }
    };
    // An exercise opens on its statement; a scenario with objectives alone shows them
    // beside the editor, where a student changing the scenario looks.
    // (Read from the simulation each time: a panel may load another scenario, which frees
    // the one a reference taken here would still point at.)
    if (sim_->scenario().exercise.present) tab("Exercise", draw_exercise);
    tab("Plots", draw_plots);
    tab("Graph", draw_graph);
    tab("Explore", draw_explore);
    tab("Alerts", draw_alerts);
    tab("Scaling", draw_scaling);
    tab("Performance", draw_performance);
    tab("SLOs", draw_slos);
    tab("Incidents", draw_incidents);
    tab("SRE", draw_sre);
    tab("Deployments", draw_deployments);
    tab("Chaos", draw_chaos);
    tab("Context", draw_context);
    tab("Events", draw_events);
    tab("Compare", draw_compare);
    if (!sim_->scenario().exercise.present && !sim_->scenario().objectives.empty()) tab("Objectives", draw_exercise);
    const ImGuiTabItemFlags editor_flags = editor_->focus_request ? ImGuiTabItemFlags_SetSelected : 0;
    const bool editor_open = ImGui::BeginTabItem("Scenario", nullptr, editor_flags);
    remember_widget("tab:Scenario");
    if (editor_open) {
      draw_editor(*this);
      ImGui::EndTabItem();
    }
    editor_->focus_request = false;
    tab("Files", draw_files);
    tab("Library", draw_library);
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
  ImGui::End();
}

}  // namespace opsim::ui
