#include "sre/slo.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "json/json.h"
#include "scaling/decision.h"  // format_number, the one number formatter for reason sentences

namespace opsim::sre {

using scaling::format_number;

SimDuration longest_alert_window(const std::vector<BurnRateAlertSpec>& rules) {
  SimDuration w = 0;
  for (const BurnRateAlertSpec& r : rules) w = std::max({w, r.long_window, r.short_window});
  return w;
}

// [SECTION] SloTracker

namespace {

double ratio_of(std::uint64_t bad, std::uint64_t total) {
  return total == 0 ? 0.0 : static_cast<double>(bad) / static_cast<double>(total);
}

// The whole number of buckets covering `window` (at least 1).
std::int64_t ceil_buckets(SimDuration window, SimDuration bucket) {
  if (window <= bucket) return 1;
  return (window + bucket - 1) / bucket;
}

}  // namespace

double SloTracker::estimated_bytes(const SloSpec& spec, SimDuration bucket_length, SimDuration longest_alert_window) {
  const SimDuration bucket = std::max<SimDuration>(bucket_length, kMicrosPerSecond);
  const std::int64_t kept = std::max(ceil_buckets(spec.window, bucket), ceil_buckets(longest_alert_window, bucket));
  return static_cast<double>(kept + 1) * sizeof(Cumulative) + sizeof(SloTracker);
}

SloTracker::SloTracker(const SloSpec& spec, SimDuration bucket_length, SimDuration longest_alert_window)
    : spec_(spec), bucket_(std::max<SimDuration>(bucket_length, kMicrosPerSecond)) {
  // Rounded to 1e-9 percent so that a decimal target such as 99.9 leaves exactly the double
  // nearest 0.001: the binary error of 100 - 99.9 would otherwise make a 0.1 % error ratio
  // burn at 1.0000000000000568 and trip a 1x rule one bucket early.
  const double allowed_percent = std::round((100.0 - spec_.target_percent) * 1e9) / 1e9;
  allowed_ = std::max(0.0, allowed_percent / 100.0);
  slo_buckets_ = ceil_buckets(spec_.window, bucket_);
  const std::int64_t kept = std::max(slo_buckets_, ceil_buckets(longest_alert_window, bucket_));
  // One more than the longest window: its sum is the newest cumulative minus the one
  // just before the window.
  ring_.assign(static_cast<std::size_t>(kept + 1), Cumulative{});
}

std::int64_t SloTracker::bucket_of(SimTime t) const { return t <= 0 ? 0 : (t - 1) / bucket_; }

std::int64_t SloTracker::buckets_in(SimDuration window) const {
  return std::min(ceil_buckets(window, bucket_), ring_len() - 1);
}

SloTracker::Cumulative SloTracker::at(std::int64_t bucket) const {
  if (bucket < 0) return Cumulative{};
  if (bucket > head_) bucket = head_;  // nothing recorded after the newest bucket
  const std::int64_t oldest = std::max<std::int64_t>(0, head_ - ring_len() + 1);
  if (bucket < oldest) bucket = oldest;  // overwritten: the oldest kept is the best answer
  return ring_[static_cast<std::size_t>(bucket % ring_len())];
}

void SloTracker::move_head(std::int64_t bucket) {
  if (bucket <= head_) return;
  const Cumulative last = at(head_);
  // After a gap longer than the ring only the newest ring_len buckets need writing.
  for (std::int64_t i = std::max(head_ + 1, bucket - ring_len() + 1); i <= bucket; ++i) slot(i) = last;
  head_ = bucket;
}

void SloTracker::advance(SimTime now) { move_head(bucket_of(now)); }

void SloTracker::record(SimTime t, std::uint64_t good, std::uint64_t total) {
  if (total == 0) return;
  const std::uint64_t bad = total - std::min(good, total);
  std::int64_t b = bucket_of(t);
  move_head(b);
  // The cumulative just before the longest window must stay as it is.
  b = std::max<std::int64_t>(b, std::max<std::int64_t>(0, head_ - ring_len() + 2));
  Cumulative prev = at(b - 1);
  for (std::int64_t i = b; i <= head_; ++i) {
    Cumulative& c = slot(i);
    c.total += total;
    c.bad += bad;
    // Each bucket's ratio comes from its own exact counts, so the running sum never
    // carries the rounding of earlier updates.
    c.ratio_sum = prev.ratio_sum + ratio_of(c.bad - prev.bad, c.total - prev.total);
    prev = c;
  }
}

std::uint64_t SloTracker::total_events(SimTime now, SimDuration window) const {
  const std::int64_t n = bucket_of(now);
  return at(n).total - at(n - buckets_in(window)).total;
}

std::uint64_t SloTracker::bad_events(SimTime now, SimDuration window) const {
  const std::int64_t n = bucket_of(now);
  return at(n).bad - at(n - buckets_in(window)).bad;
}

double SloTracker::error_ratio(SimTime now, SimDuration window) const {
  const std::int64_t n = bucket_of(now);
  const Cumulative hi = at(n), lo = at(n - buckets_in(window));
  return ratio_of(hi.bad - lo.bad, hi.total - lo.total);
}

double SloTracker::burn_rate(SimTime now, SimDuration window) const {
  const double r = error_ratio(now, window);
  if (allowed_ <= 0) return r > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  return r / allowed_;
}

double SloTracker::budget_consumed(SimTime now) const {
  const std::int64_t n = bucket_of(now);
  // sum of burn_rate(bucket) x B / (slo_buckets x B) = sum of ratios / allowed / slo_buckets
  const double ratio_sum = at(n).ratio_sum - at(n - slo_buckets_).ratio_sum;
  if (allowed_ <= 0) return ratio_sum > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  return ratio_sum / allowed_ / static_cast<double>(slo_buckets_);
}

double SloTracker::budget_remaining_percent(SimTime now) const { return 100.0 * (1.0 - budget_consumed(now)); }

double SloTracker::sli_percent(SimTime now) const {
  const std::uint64_t total = total_events(now, spec_.window);
  if (total == 0) return 100.0;
  const std::uint64_t bad = bad_events(now, spec_.window);
  return 100.0 * static_cast<double>(total - bad) / static_cast<double>(total);
}

bool SloTracker::compliant(SimTime now) const { return error_ratio(now, spec_.window) <= allowed_; }

// [SECTION] BurnRateAlerts

EventFields BurnRateTransition::fields() const {
  EventFields f;
  f.add("rule", rule)
      .add("slo", slo_id)
      .add("state", alert_state_name(state))
      .add("severity", severity)
      .add("metric", "slo." + slo_id + ".burn_rate")
      .add("long", format_duration(long_window))
      .add("short", format_duration(short_window))
      .add("factor", factor)
      .add("long_burn_rate", long_burn_rate)
      .add("short_burn_rate", short_burn_rate);
  // As a Prometheus alert's event has them: "name=value" in name order.
  auto pairs = [](const std::vector<std::pair<std::string, std::string>>& items) {
    std::vector<std::string> out;
    for (const auto& [name, value] : items) out.push_back(name + "=" + value);
    return out;
  };
  if (labels && !labels->empty()) f.add("labels", pairs(*labels));
  if (annotations && !annotations->empty()) f.add("annotations", pairs(*annotations));
  f.add("reason", reason);
  return f;
}

BurnRateAlerts::BurnRateAlerts(std::vector<BurnRateAlertSpec> rules)
    : rules_(std::move(rules)), states_(rules_.size()), leader_(rules_.size()) {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    leader_[i] = i;
    if (rules_[i].alert.empty()) continue;
    for (std::size_t j = 0; j < i; ++j)
      if (rules_[j].alert == rules_[i].alert && rules_[j].severity == rules_[i].severity) {
        leader_[i] = j;
        break;
      }
  }
}

bool BurnRateAlerts::firing(std::size_t i) const { return states_[leader_[i]].firing && states_[i].holds; }

SimTime BurnRateAlerts::fired_at(std::size_t i) const { return firing(i) ? states_[leader_[i]].since : -1; }

void BurnRateAlerts::evaluate(SimTime now, const SloTracker& slo, std::vector<BurnRateTransition>& out) {
  burns_.resize(rules_.size());
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const BurnRateAlertSpec& r = rules_[i];
    burns_[i] = {slo.burn_rate(now, r.long_window), slo.burn_rate(now, r.short_window)};
    states_[i].holds = burns_[i].first > r.factor && burns_[i].second > r.factor;
  }
  for (std::size_t a = 0; a < rules_.size(); ++a) {
    if (leader_[a] != a) continue;
    // The alert holds while any of its rules does; the first that holds is its cause.
    std::size_t cause = a;
    bool holds = false;
    for (std::size_t j = a; j < rules_.size() && !holds; ++j)
      if (leader_[j] == a && states_[j].holds) {
        holds = true;
        cause = j;
      }
    RuleState& st = states_[a];
    if (holds == st.firing) continue;  // de-duplicated: no news while the state stays
    // A resolution is told in the terms of the rule that fired the alert.
    const std::size_t i = holds ? cause : st.fired_by;
    const BurnRateAlertSpec& r = rules_[i];
    const double long_burn = burns_[i].first, short_burn = burns_[i].second;

    BurnRateTransition t;
    t.rule_index = static_cast<int>(a);
    t.slo_id = slo.id();
    t.rule = r.alert.empty() ? slo.id() + ":burn_rate:" + format_duration(r.long_window) + "/" + format_duration(r.short_window)
                             : r.alert;
    t.severity = r.severity;
    t.labels = &r.labels;
    t.annotations = &r.annotations;
    t.time = now;
    t.long_window = r.long_window;
    t.short_window = r.short_window;
    t.factor = r.factor;
    t.long_burn_rate = long_burn;
    t.short_burn_rate = short_burn;
    const std::string burns = "SLO " + slo.id() + " burns its error budget at " + format_number(long_burn) +
                              "x over " + format_duration(r.long_window) + " and " + format_number(short_burn) +
                              "x over " + format_duration(r.short_window);
    if (holds) {
      st.firing = true;
      st.since = now;
      st.fired_by = i;
      ++states_[i].fired;
      ++fired_total_;
      t.state = AlertState::firing;
      // At the long window's rate the whole window's budget lasts window / burn.
      const double hours_left = to_seconds(slo.spec().window) / 3600.0 / long_burn;
      t.reason = burns + ", both above " + format_number(r.factor) + "x, so its " +
                 format_duration(slo.spec().window) + " budget would be spent in " + format_number(hours_left) +
                 " hours at this rate.";
    } else {
      st.firing = false;
      t.state = AlertState::resolved;
      t.reason = burns + ", no longer both above " + format_number(r.factor) + "x" +
                 (r.alert.empty() ? "" : ", nor does any other window pair of " + r.alert) + ".";
    }
    t.active_since = st.since;
    out.push_back(std::move(t));
  }
}

}  // namespace opsim::sre
