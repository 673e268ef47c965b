// The front end's application object, shared by the browser page (web/) and the desktop
// window (native/desktop_main.cpp). It owns the running Simulation and what the UI keeps
// about it (plot history, controls); the panels read it and send it commands. It never
// reaches into the simulation's internals: everything shown comes from the Simulation's
// public state (metrics, series, events, fleet views).
//
// Platform code calls, each frame: update(wall_dt_s) then draw() between ImGui::NewFrame()
// and ImGui::Render(). The script hook (window.opsim in the browser) calls load, advance,
// play, pause, state_json and scenarios_json.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "history.h"
#include "plot.h"
#include "report/grade.h"
#include "scenario/loader.h"
#include "sim/simulation.h"
#include "user_files.h"

namespace opsim::ui {

struct EditorState;

// What differs between the browser and the desktop: implemented once per platform
// (web/platform_web.cpp, native/platform_desktop.cpp).
struct Platform {
  virtual ~Platform() = default;
  virtual const char* name() const = 0;  // "web" or "desktop"
  // Offer text as a file to save (browser: a download; desktop: written next to the program).
  virtual void save_file(const std::string& file_name, const std::string& text) = 0;
  // A link that opens the page with `payload` under the fragment key `key` ("scenario" for
  // a scenario's text, "bundle" for a scenario with its files): only where can_share_link().
  virtual std::string share_link(const std::string& key, const std::string& payload) = 0;
  virtual bool can_share_link() const = 0;
  // Ask the user for a file; the platform later calls App::load_from_user(text, name).
  virtual void pick_file() = 0;
  virtual bool can_pick_file() const = 0;
  // Read a file by path (desktop); false where paths mean nothing (browser).
  virtual bool read_path(const std::string& path, std::string& text) = 0;
  // Whether a scenario's folder means anything here (the files it names are read beside it).
  virtual bool can_read_path() const = 0;
};

// A built-in scenario as the library lists it.
struct LibraryEntry {
  std::string name, title, description;
  std::vector<std::string> tags;
  std::vector<std::string> files;  // a bundled example's files, as the scenario names them
};

struct LoadOutcome {
  bool ok = false;
  std::string error;  // every diagnostic, one per line, "LINE:COL: PATH: MESSAGE"
};

// A share link, or why there is none (then `link` is empty).
struct ShareOutcome {
  std::string link, error;
};

// Above this a share link is refused with the reason rather than made: browsers open links of
// a few megabytes, but chat and mail clients cut long ones, and a cut link opens nothing.
// 256 KiB carries every built-in scenario (the largest, large-50-tenants, makes a 90 KB link)
// and the bundled examples with their traces (scenario-prometheus: 36 KB).
constexpr std::size_t kMaxShareLinkChars = 256 * 1024;

// What the Plots tab shows above the overview plots: one service's, agent's or call edge's
// plots (the Graph tab's click), or nothing.
struct PlotFocus {
  enum class Kind { none, service, agent, call } kind = Kind::none;
  int index = -1;  // into the scenario's services, agents or call_edges()
};

class App {
 public:
  explicit App(Platform& platform);
  ~App();

  // A built-in scenario's name, a bundled example's ("examples/traces/scenario-csv", read
  // with its files), or scenario JSON text (the files it names are read as the current
  // scenario's are: the user's files, then its folder). On failure the running simulation
  // is left as it was and the editor shows the errors; a file the scenario names that
  // cannot be found is listed in missing_files(), and the scenario waits for it: giving
  // the file later (a drop, the picker) loads it.
  LoadOutcome load(const std::string& name_or_text);
  // Files the user gave at once, in any order (dropped together, picked together):
  //   - one scenario among them: the others join the user's files and it loads with them;
  //   - no scenario: they join the user's files; then a scenario waiting for files loads,
  //     or else the current one reloads if it names one of them (its new version), or else
  //     each is used by what it is: a rule file joins every run (add_rule_file), a trace
  //     drives tenant `trace_tenant`'s first load (put_trace_in_load), and anything else is
  //     kept for a scenario that will name it.
  // files_notice says what was done, in a sentence.
  LoadOutcome load_from_user(const std::vector<NamedFile>& files);
  void load_from_user(const std::string& text, const std::string& file_name);  // one file
  // A #bundle= link's payload (user_files.h, write_bundle): its files join the user's files
  // and its scenario loads with them.
  LoadOutcome open_bundle(const std::string& bundle_json);
  // A link to the running scenario with the files it read (#bundle=), or its text alone
  // (#scenario=); refused, with the reason, past kMaxShareLinkChars.
  ShareOutcome share_link();
  // Opens the loaded exercise's reference solution (its `exercise.solution`) and plays it: a
  // built-in exercise's is the built-in beside it ("exercises/solutions/NAME"); one opened
  // from a path is read beside that path; an edited copy (the Scenario tab's Apply) falls
  // back on the built-in exercises' folder. On failure nothing changes.
  LoadOutcome open_solution();

  // A Prometheus rule file (pasted on the Alerts tab, or dropped on the page): one of the
  // user's files, whose groups join every run from now on, as `opsim run --rules` adds them;
  // the run restarts with them. A file of the same name is replaced. On errors nothing
  // changes and rule_file_error says why (file, line:column, what was expected and found).
  bool add_rule_file(const std::string& text, const std::string& file_name);
  void clear_rule_files();
  std::vector<RuleFileText> rule_files() const { return user_files_.rule_files(); }
  std::string rule_file_error;

  // The user's files (user_files.h): what the page was given besides scenarios.
  const UserFiles& user_files() const { return user_files_; }
  // Removing a file the running scenario reads changes nothing until it is loaded again.
  void remove_user_file(const std::string& name);
  void clear_user_files();
  // What the running scenario read (its files, by the path it writes), and what the last
  // load could not find.
  const FileUse& file_use() const { return file_use_; }
  const std::vector<std::string>& missing_files() const { return missing_files_; }
  // The last thing done with files (opened, waiting for, turned into a load), and whether
  // it went wrong; the notice under the toolbar shows it.
  std::string files_notice;
  bool files_notice_error = false;
  // The tenant (index) whose first load a trace dropped alone drives.
  int trace_tenant = 0;
  // The bundled examples of examples/ that are scenarios, with the files each names.
  const std::vector<LibraryEntry>& examples() const { return examples_; }
  // {"files": [{"name", "bytes", "joins_every_run"}], "read": [PATH], "missing": [PATH],
  //  "notice": TEXT, "notice_error": bool, "examples": [NAME]}: for the script hook.
  std::string files_json() const;

  void play() { playing_ = true; }
  void pause() { playing_ = false; }
  bool playing() const { return playing_; }
  // Advance by one scrape interval (paused stepping).
  void step();
  // Restart the current scenario from time 0 with the current seed.
  void reset();
  void set_seed(std::uint64_t seed);
  std::uint64_t seed() const { return seed_; }
  // Simulated seconds per wall second; 0 means as fast as the frame budget allows.
  void set_speed(double sim_s_per_wall_s) { speed_ = sim_s_per_wall_s; }
  double speed() const { return speed_; }
  // Runs `seconds` of simulated time now, synchronously (the script hook).
  void advance(double seconds);
  // What-if edits of the running simulation (from its next evaluation or scrape). They do
  // not touch the scenario text: reset, a new seed or a load start again without them.
  void update_scaling(std::size_t section, const ScalingSpec& spec);
  void update_alert_rule(std::size_t rule, const RuleSpec& spec);
  // Roll deployment d back now, as an operator would (a no-op unless it has started and has
  // not been rolled back, or a later release has replaced it).
  void rollback_deployment(std::size_t d);
  // Start a chaos experiment now (its `at` is ignored; safety and the steady state are
  // checked first, as for the scenario's). Returns its index among sim().chaos_view(i).
  std::size_t start_chaos(const ChaosSpec& experiment);
  // A fault that starts now and lasts its duration (-1: to the end).
  void inject_fault(const FaultSpec& fault);

  // The side-by-side mode: a second scenario (variant B, a built-in's name or JSON text)
  // runs beside the loaded one (A) in lockstep: with A's seed, and advanced to A's clock
  // whenever A moves, so that at every moment both have seen the same simulated time. B
  // restarts with A (reset, seed, load). What-if edits apply to A only. On failure nothing
  // changes.
  LoadOutcome compare_with(const std::string& name_or_text);
  void stop_comparing();
  // Null when not comparing.
  const Simulation* variant_sim() const { return variant_ ? variant_->sim.get() : nullptr; }
  const History* variant_history() const { return variant_ ? &variant_->history : nullptr; }
  const std::string& variant_name() const;

  // Per frame: advance the simulation for wall_dt_s of real time at the chosen speed,
  // within a wall-clock budget so the frame rate holds.
  void update(double wall_dt_s);
  void draw();

  // {"t_s": .., "metrics": {name: value}, "finished": bool, "grade": .., "variant": ..}: the
  // metrics have the same names and values as summary.json; "grade" is grade() as `opsim
  // grade --format json` prints it (null for a scenario without objectives), final once
  // "finished"; "variant" is null, or B's {"name", "t_s", "metrics", "finished"} when
  // comparing.
  std::string state_json() const;
  // The scenario's objectives graded on this run as it stands (one seed: the run's), by the
  // rules of report/grade.h: at the end of the run it is what `opsim grade` reports.
  Grade grade() const;
  // ["default", "mmc", ...]
  std::string scenarios_json() const;
  // Where a named widget was drawn in the last frame, for scripted clicks: "pause", "play",
  // "step", "reset", each tab as "tab:LABEL" ("tab:Scaling"), and, while their tab is open,
  // the top of the Scaling, Performance and SLOs panels ("panel:scaling", "panel:performance",
  // "panel:slos"), the Compare panel ("panel:compare"), the first rule's Edit button ("alert-edit-0"), the rule editor's value
  // field and Apply ("rule-value", "rule-apply"), the scaling what-if's first threshold_up
  // field and Apply ("scaling-threshold-up-0", "scaling-apply"), the Deployments, Chaos and
  // SRE panels ("panel:deployments", "panel:chaos", "panel:sre"), Roll back now
  // ("deploy-rollback"), the Chaos tab's Start now and Inject now ("chaos-start",
  // "fault-inject") and each experiment's row ("chaos:ID"), the Exercise (or Objectives)
  // panel ("panel:exercise"), its Show a hint button ("exercise-hint"), each revealed hint
  // ("exercise-hint-K", from 0), the final grade ("exercise-grade"), the For teachers
  // header ("exercise-teachers") and Open the reference solution ("exercise-solution"),
  // the Graph panel ("panel:graph") with each agent's row ("graph:agent:ID") and each
  // service's first box header ("graph:service:ID"), and the Plots tab's focused plots
  // ("plots-focus") with their Show all plots button ("plots-focus-close").
  // rect = {x, y, width, height} in ImGui coordinates (framebuffer pixels of the canvas or
  // window; the page converts them to CSS pixels). False if not drawn.
  bool widget_rect(const std::string& id, float rect[4]) const;

  // For panels.
  const Simulation& sim() const { return *sim_; }
  // Changes whenever the simulation is replaced (load, reset, seed) or edited live, so a
  // panel can cache what it derives from the simulation by (run_id(), sim().now()).
  std::uint64_t run_id() const { return run_id_; }
  const History& history() const { return history_; }
  const std::string& scenario_text() const { return scenario_text_; }
  const std::string& scenario_name() const { return scenario_name_; }
  const std::vector<LibraryEntry>& library() const { return library_; }
  Platform& platform() { return platform_; }
  double events_per_wall_second() const { return events_per_wall_s_; }
  void remember_widget(const std::string& id);  // records the last item's rect
  void remember_rect(const std::string& id, ImVec2 min, ImVec2 max);  // a drawn region's
  // Brings the tab `label` to the front in the next frame.
  void select_tab(const std::string& label) { tab_focus_ = label; }

  EditorState& editor() { return *editor_; }
  // The time range all plots show (their x axes are linked).
  PlotView plot_view;
  // The node whose plots the Plots tab shows first; back to none when a scenario is loaded.
  PlotFocus plot_focus;
  // Event kinds the event log hides.
  std::set<EventKind> hidden_event_kinds;
  // The context inspector's choices: tenant, user (-1: none) and the base prompt.
  int inspect_tenant = 0, inspect_user = -1;
  std::string base_prompt = "Summarise this quarter's risks for the leadership team.";
  // The desktop's "Open path" menu: the path typed and why it last failed.
  std::string open_path, open_path_error;
  // The Exercise tab: how many hints are revealed (back to 0 when another exercise is
  // loaded, kept across reset and edits of the same one), and why the reference solution
  // last failed to open.
  int hints_shown = 0;
  std::string solution_error;

 private:
  // Where the files a scenario names are read when the user has not given them: its folder
  // on disk (the desktop), or a bundled example's folder; nowhere for a built-in or a text.
  struct Origin {
    std::string folder;  // "examples/traces/"; "" with from_disk means the working directory
    bool from_disk = false, bundled = false;
  };
  LoadOutcome load_text(const std::string& text, const std::string& name, const Origin& origin);
  FolderReader folder_reader(const Origin& origin);
  void start(const Scenario& scenario, const std::string& text, const std::string& name);
  // Variant B: its own scenario, simulation and plot history.
  struct Variant {
    Scenario scenario;
    std::string name;
    std::unique_ptr<Simulation> sim;
    History history;
  };
  void start_variant();
  // Runs B up to A's clock (or B's end).
  void sync_variant();

  Platform& platform_;
  std::unique_ptr<Simulation> sim_;
  std::unique_ptr<Variant> variant_;
  Scenario scenario_;
  std::string scenario_text_, scenario_name_;
  History history_;
  std::uint64_t seed_ = 1;
  std::uint64_t run_id_ = 0;
  bool playing_ = true;
  double speed_ = 3600;  // one simulated hour per second to begin with
  double sim_debt_s_ = 0;  // simulated time owed to the speed setting, not yet run
  double events_per_wall_s_ = 0;
  SimDuration slice_us_ = kMicrosPerSecond;  // simulated time per slice, adapted each frame
  std::map<std::string, std::vector<float>> widget_rects_;
  std::unique_ptr<EditorState> editor_;
  std::vector<LibraryEntry> library_;
  std::string tab_focus_;  // a tab to select in the next frame ("Exercise" when one is opened)
  UserFiles user_files_;
  Origin origin_;  // the running scenario's
  FileUse file_use_;  // what the running scenario read
  // The rule files the running scenario names (monitoring.rule_files), as read.
  std::vector<RuleFileText> scenario_rule_files_;
  std::vector<std::string> missing_files_;
  // A scenario that could not load for want of files, loaded when files are given next.
  struct Pending {
    std::string text, name;
    Origin origin;
  };
  std::unique_ptr<Pending> pending_;
  std::vector<LibraryEntry> examples_;
};

// When a panel last derived its figures from the simulation: they are derived again only
// when the run or the simulated time has moved since, not on every frame.
struct DerivedStamp {
  std::uint64_t run_id = ~std::uint64_t{0};
  SimTime now = -1;
  // True, and stamped with now, when the figures are out of date.
  bool stale(const App& app) {
    if (run_id == app.run_id() && now == app.sim().now()) return false;
    run_id = app.run_id();
    now = app.sim().now();
    return true;
  }
};

}  // namespace opsim::ui
