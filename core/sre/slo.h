// Service level objectives: error budgets from good and total events, and the SRE
// workbook's multi-window, multi-burn-rate alerts. A pure library: it reads no clock and
// knows nothing about the simulation, which feeds it event counts and asks at each
// evaluation.
//
// [SECTION] SloTracker
// What the simulation records, per SLO indicator:
//   availability: good = requests succeeded, total = succeeded + failed (rejections by a
//                 tenant's own quota are not failures of the service and are not recorded);
//   latency:      good = requests succeeded within the SLO's threshold (arrival to
//                 completion), total = requests succeeded (failed ones have no latency).
//
// Time is cut into buckets of a fixed length B (the scrape interval, at least 1 s): bucket
// 0 is [0, B], bucket i >= 1 is (iB, (i+1)B], so an event at time t counts in every window
// (now - w, now] that contains t. A window of length w is the ceil(w / B) buckets ending
// with the bucket that holds `now`; it is aligned to buckets, so an evaluation at a bucket
// edge (as the simulation's scrapes are) sees exactly (now - w, now].
//
// Before a window has fully passed since the start, it holds the time since the start:
// error_ratio and burn_rate are the ratio over what has been seen, as a Prometheus rate()
// over a range longer than the series. The error budget, however, is for the whole SLO
// window, so budget_consumed always divides by the full window length.
//
// Definitions (SCENARIO_FORMAT "Definitions that tests rely on"):
//   error_ratio(w)     = bad / total over w (0 when total is 0), bad = total - good;
//   burn_rate(w)       = error_ratio(w) / (1 - target);
//   budget_consumed    = (time integral of the burn rate over the SLO window) / window
//                      = sum over the window's buckets of burn_rate(bucket) x B / window.
//                        A bucket without traffic burns 0; with varying traffic this is
//                        not bad / allowed-bad (the workbook's "burn rate x time / period");
//   budget_remaining_percent = 100 x (1 - consumed), below 0 once the budget is overspent;
//   sli_percent        = 100 x good / total over the SLO window (100 with no events);
//   compliant          = sli >= target, evaluated as error_ratio <= 1 - target so that an
//                        SLI of exactly the target is compliant despite binary rounding.
// 1 - target is taken from target_percent rounded to 1e-9 percent, so 99.9 gives exactly
// the double nearest 0.001 and an error ratio of exactly 1/1000 burns at exactly 1.
//
// Memory: one ring of cumulative sums (total, bad, sum of bucket error ratios; 24 bytes a
// bucket) covering the longest window needed, max(SLO window, longest alert window), plus
// one bucket; any window query is two ring reads, O(1). 30 d of 15 s buckets is 172,801
// entries, about 4 MB, whatever the run's length.
//
// [SECTION] BurnRateAlerts
// Each rule (long, short, factor, severity) holds when burn_rate(long) > factor AND
// burn_rate(short) > factor. The windows play the part of a `for`, so a rule goes from
// inactive straight to firing (no pending state); it resolves at the first evaluation where
// the condition no longer holds, and a later breach fires a new alert. De-duplication: a
// rule that keeps holding produces no further transition. Transitions of one evaluation
// come out in rule order, with the AlertState of monitoring/alert_rules.h.
// Rules with the same `alert` name and severity are one alert, as Sloth writes its page
// alert as (1h and 5m above 14.4x) or (6h and 30m above 6x): it fires when any of its rules
// holds (told with the first that does) and resolves when none does (told with the one
// that fired it).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/sim_time.h"
#include "monitoring/alert_rules.h"
#include "scenario/scenario.h"

namespace opsim::sre {

// The longest long window of a rule list (0 for none): what a tracker must keep for them.
SimDuration longest_alert_window(const std::vector<BurnRateAlertSpec>& rules);

class SloTracker {
 public:
  // bucket_length below 1 s is raised to 1 s. longest_alert_window: the longest window the
  // burn-rate alerts will ask for (longer queries are cut to what is kept).
  SloTracker(const SloSpec& spec, SimDuration bucket_length, SimDuration longest_alert_window = 0);
  // The bytes its buckets take (what the constructor allocates).
  static double estimated_bytes(const SloSpec& spec, SimDuration bucket_length, SimDuration longest_alert_window);

  // Adds events that happened at time t (good <= total; a larger good is cut to total).
  // t may lie in an older bucket still kept (cost: one step per bucket it is late); older
  // than that, the events go to the oldest bucket kept.
  void record(SimTime t, std::uint64_t good, std::uint64_t total);
  // Moves the newest bucket to the one holding `now`; buckets passed over stay empty.
  // Queries do not need it (they treat buckets after the newest as empty); it is what
  // lets old buckets be reused. A `now` earlier than the newest bucket changes nothing.
  void advance(SimTime now);

  double error_ratio(SimTime now, SimDuration window) const;
  double burn_rate(SimTime now, SimDuration window) const;
  double budget_consumed(SimTime now) const;  // fraction of the budget, may exceed 1
  double budget_remaining_percent(SimTime now) const;
  double sli_percent(SimTime now) const;
  bool compliant(SimTime now) const;
  // Events in the window (for reports and tests).
  std::uint64_t total_events(SimTime now, SimDuration window) const;
  std::uint64_t bad_events(SimTime now, SimDuration window) const;

  const SloSpec& spec() const { return spec_; }
  const std::string& id() const { return spec_.id; }
  SimDuration bucket_length() const { return bucket_; }
  double allowed_error_ratio() const { return allowed_; }  // 1 - target
  std::size_t ring_size() const { return ring_.size(); }  // buckets kept, fixed at construction

 private:
  struct Cumulative {  // sums over every bucket from 0 up to this one
    std::uint64_t total = 0, bad = 0;
    double ratio_sum = 0;  // sum of the buckets' error ratios (bad / total, 0 when empty)
  };
  std::int64_t bucket_of(SimTime t) const;
  std::int64_t buckets_in(SimDuration window) const;  // ceil(window / B), in [1, kept]
  Cumulative at(std::int64_t bucket) const;  // the cumulative sums up to `bucket`
  Cumulative& slot(std::int64_t bucket) { return ring_[static_cast<std::size_t>(bucket % ring_len())]; }
  std::int64_t ring_len() const { return static_cast<std::int64_t>(ring_.size()); }
  void move_head(std::int64_t bucket);

  SloSpec spec_;
  SimDuration bucket_;
  double allowed_;
  std::int64_t slo_buckets_;  // the SLO window in buckets
  std::int64_t head_ = 0;     // the newest bucket written
  std::vector<Cumulative> ring_;  // bucket i at i % size; holds head_ - size + 1 .. head_
};

struct BurnRateTransition {
  int rule_index = -1;
  std::string slo_id, rule, severity;  // rule: the alert's name, or "<slo>:burn_rate:<long>/<short>"
  // The rule's labels and annotations (a spec's; empty for most), owned by the rules.
  const std::vector<std::pair<std::string, std::string>>* labels = nullptr;
  const std::vector<std::pair<std::string, std::string>>* annotations = nullptr;
  AlertState state = AlertState::firing;  // firing or resolved
  SimTime time = 0;  // evaluation time
  SimTime active_since = 0;  // when the alert fired
  SimDuration long_window = 0, short_window = 0;
  double factor = 0;
  double long_burn_rate = 0, short_burn_rate = 0;  // at this evaluation
  std::string reason;  // one sentence with the numbers

  // rule, slo, state, severity, metric (slo.<id>.burn_rate), long, short, factor,
  // long_burn_rate, short_burn_rate, labels and annotations when the rule has them, reason
  EventFields fields() const;
};

class BurnRateAlerts {
 public:
  explicit BurnRateAlerts(std::vector<BurnRateAlertSpec> rules);

  // Evaluates every rule against `slo` at `now` (not decreasing between calls).
  void evaluate(SimTime now, const SloTracker& slo, std::vector<BurnRateTransition>& out);

  const std::vector<BurnRateAlertSpec>& rules() const { return rules_; }
  std::size_t size() const { return rules_.size(); }
  // Whether rule i holds and its alert fires (rules of one alert: only those that hold).
  bool firing(std::size_t i) const;
  SimTime fired_at(std::size_t i) const;  // when its alert fired; -1 when firing(i) is false
  std::uint64_t fired_count(std::size_t i) const { return states_[i].fired; }  // alerts rule i fired
  std::uint64_t fired_total() const { return fired_total_; }

 private:
  struct RuleState {
    bool holds = false;  // at the last evaluation
    // The alert's state, kept by the first rule of the alert.
    bool firing = false;
    SimTime since = 0;
    std::size_t fired_by = 0;  // the rule that fired it
    std::uint64_t fired = 0;  // alerts this rule fired
  };
  std::vector<BurnRateAlertSpec> rules_;
  std::vector<RuleState> states_;
  std::vector<std::size_t> leader_;  // per rule: the first rule of its alert
  std::vector<std::pair<double, double>> burns_;  // per rule: long and short burn rates of this evaluation
  std::uint64_t fired_total_ = 0;
};

}  // namespace opsim::sre
