#include "app.h"

#include <algorithm>
#include <chrono>

#include "builtin.h"
#include "editor.h"
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
    library_.push_back({b.name, r.ok ? r.scenario.name : b.name, r.scenario.description, r.scenario.tags});
  }
  const LoadOutcome out = load("default");
  (void)out;  // the default scenario is compiled in and tested to load
}

App::~App() = default;

LoadOutcome App::load(const std::string& name_or_text) {
  std::string text = name_or_text, name = "scenario";
  if (const BuiltinScenario* b = find_builtin_scenario(name_or_text)) {
    text = b->text;
    name = b->name;
  }
  LoadResult r = load_scenario(text);
  editor_->set_result(text, r);
  LoadOutcome out;
  out.ok = r.ok;
  if (!r.ok) {
    out.error = describe_errors(r);
    return out;
  }
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
  // A YAML file is a Prometheus rule file; anything else is a scenario.
  auto ends_with = [&](const char* suffix) {
    const std::string s(suffix);
    return file_name.size() >= s.size() && file_name.compare(file_name.size() - s.size(), s.size(), s) == 0;
  };
  if (ends_with(".yml") || ends_with(".yaml")) {
    add_rule_file(text, file_name);
    tab_focus_ = "Alerts";
    return;
  }
  const LoadOutcome out = load(text);
  if (out.ok) scenario_name_ = file_name;
  editor_->focus_request = !out.ok;  // a broken file opens the editor at its errors
}

bool App::add_rule_file(const std::string& text, const std::string& file_name) {
  std::vector<RuleFileText> files = rule_files_;
  files.erase(std::remove_if(files.begin(), files.end(), [&](const RuleFileText& f) { return f.name == file_name; }),
              files.end());
  files.push_back({file_name, text});
  Scenario trial = scenario_;
  std::vector<RuleFileError> errors;
  if (!attach_rule_files(trial, files, errors)) {
    rule_file_error.clear();
    for (const RuleFileError& e : errors) rule_file_error += format_diagnostic(e.diagnostic, e.file, "error") + "\n";
    return false;
  }
  rule_file_error.clear();
  rule_files_ = std::move(files);
  reset();
  tab_focus_ = "Alerts";
  return true;
}

void App::clear_rule_files() {
  rule_files_.clear();
  rule_file_error.clear();
  reset();
}

void App::start(const Scenario& scenario, const std::string& text, const std::string& name) {
  scenario_ = scenario;
  scenario_text_ = text;
  scenario_name_ = name;
  // The user's rule files join whatever scenario runs (a scenario whose scrape interval
  // they do not fit runs without them, and the Alerts tab says why).
  Scenario with_rules = scenario_;
  if (!rule_files_.empty()) {
    std::vector<RuleFileError> errors;
    if (!attach_rule_files(with_rules, rule_files_, errors)) {
      with_rules = scenario_;
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
  const LoadResult r = load_scenario(text);
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
    tab("Library", draw_library);
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
  ImGui::End();
}

}  // namespace opsim::ui
