// Notification routing as Alertmanager does it (the seed's "AlertManager"): channels
// (receivers) selected by severity, aggregation groups with group_wait / group_interval /
// repeat_interval, resolved notifications, silences and inhibition.
//
// Feed it the alert transitions (only `firing` and `resolved` matter; `pending` and
// `inactive` are ignored, as Prometheus sends Alertmanager only firing and resolved
// alerts) and the clock; it returns the notifications due. Deterministic: groups live in
// an ordered map, flushes run in (time, channel, group key) order, alerts in a
// notification are in rule order. No clock is read; memory is bounded by
// channels x groups x rules plus the notifications not yet due.
//
// Routing: an alert goes to every channel whose `severities` list its severity (an empty
// list takes every severity), like Alertmanager routes with `continue: true`.
//
// Group key: per channel, the values of the `group_by` labels (a subset of "rule",
// "severity", "tenant", "service"), written {service="api",tenant="acme"}. The default is
// {"tenant", "service"}: the alerts about one scope travel together, so that an outage
// that breaks error rate and latency at once pages once. ("rule" is left out of the
// default because in opsim a rule watches one series and so is one alert: grouping by
// rule makes every group a single alert. Pass {"rule","tenant","service"} for that.)
//
// Timing, per group, as Alertmanager's dispatcher and notification log:
// - A group is created when a firing alert arrives for a key that has no group; its first
//   flush is group_wait later (alerts arriving meanwhile join that flush).
// - After that the group flushes every group_interval (ticks anchored at the first
//   flush). At a flush, muted alerts (silenced or inhibited at that moment) are left out;
//   a notification is sent when
//     * the group has never notified and has a firing alert (reason "first"),
//     * a firing alert was not in the last notification, or an alert resolved since it
//       (reason "update"); resolved alerts are always sent (send_resolved),
//     * nothing changed, some alert fires and repeat_interval has passed since the last
//       notification (reason "repeat": re-sent at the first tick at or after
//       last + repeat_interval).
//   A resolved alert is sent only to a channel that was told it fired (one that fired and
//   resolved between two flushes, or while muted, is never sent). Resolved alerts leave
//   the group after the flush, sent or not; an empty group is deleted. A flush whose
//   notification would carry no alert sends nothing.
// - The notification is delivered channel `delay` after the flush: Notification::time =
//   flush time + delay.
// Silences: an alert whose labels match a silence's matchers at a flush time t with
// starts <= t < ends is left out of that flush and counted once per alert episode (one
// firing period of one rule) in silenced_total(). Inhibition: an alert matching an inhibit
// rule's `target` is left out while another alert matching its `source` is firing with
// equal values of every label in `equal` (an alert never inhibits itself, and as in
// Alertmanager an alert matching both sides is not inhibited by one that also matches
// both); counted once per episode in inhibited_total(). Muting is evaluated at each flush,
// so a muted alert is notified at the first flush after its silence ends or its source
// resolves.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/log_event.h"
#include "engine/sim_time.h"
#include "monitoring/alert_rules.h"
#include "scenario/scenario.h"

namespace opsim {

// One alert as a notification carries it.
struct NotifiedAlert {
  int rule_index = -1;
  std::string rule, severity, tenant, service;
  AlertState state = AlertState::firing;  // firing or resolved
  double value = 0.0;  // the value of its latest transition
  double threshold = 0.0;
  SimTime starts_at = 0;  // when it fired
  SimTime ends_at = -1;  // when it resolved, -1 while firing
};

struct Notification {
  enum class Reason { first, update, repeat };
  int channel_index = -1;
  std::string channel;
  std::string group_key;
  SimTime flushed_at = 0;  // the group's flush
  SimTime time = 0;  // delivery: flushed_at + the channel's delay
  bool firing = true;  // Alertmanager's status: firing when any alert fires, else resolved
  Reason reason = Reason::first;
  std::vector<NotifiedAlert> alerts;  // firing ones first, then resolved; rule order within

  int firing_count() const;
  int resolved_count() const;
  // channel, group, status (firing | resolved), reason (first | update | repeat),
  // flushed_s, firing and resolved (counts), alerts (rule ids)
  EventFields fields() const;
};
const char* notification_reason_name(Notification::Reason r);

bool matches(const Matchers& m, const std::string& rule, const std::string& severity, const std::string& tenant,
             const std::string& service);

class Notifier {
 public:
  // Channels, group_wait, group_interval, repeat_interval, silences and inhibit rules from
  // the spec; group_by as described above (unknown label names are ignored).
  explicit Notifier(const MonitoringSpec& spec,
                    std::vector<std::string> group_by = {"tenant", "service"});

  // Transition times must not decrease (an earlier one is taken as happening at the last
  // time seen). Flushes due strictly before the transition's time run first, so a
  // transition at t joins a flush due at t.
  void on_transition(const AlertTransition& t);
  // Runs the flushes due at or before `now` and appends the notifications whose delivery
  // time is at or before `now`, in (time, flush order).
  void advance(SimTime now, std::vector<Notification>& out);
  // The earliest time at which a flush or a delivery is due (kNever when none), so that
  // the caller can schedule advance() exactly.
  SimTime next_due() const;
  static constexpr SimTime kNever = INT64_MAX;

  void add_silence(const SilenceSpec& s);  // takes effect from its own `starts`
  bool silenced(const NotifiedAlert& a, SimTime t) const;
  bool inhibited(const NotifiedAlert& a) const;  // against the alerts firing now

  std::uint64_t notifications_total() const { return notifications_total_; }
  std::uint64_t notifications_for(std::size_t channel) const { return per_channel_[channel]; }
  std::uint64_t silenced_total() const { return silenced_total_; }
  std::uint64_t inhibited_total() const { return inhibited_total_; }
  std::size_t group_count() const { return groups_.size(); }

 private:
  struct Group {
    SimTime anchor = 0;  // first flush; later flushes at anchor + k * group_interval
    SimTime next_flush = kNever;
    SimTime last_flush = -1;
    std::map<int, NotifiedAlert> alerts;  // by rule index
    bool notified = false;  // the notification log has an entry
    std::set<int> sent_firing;  // firing alerts of the last notification
    std::set<int> told_firing;  // told firing and not yet told resolved
    SimTime sent_at = 0;
  };
  using GroupId = std::pair<int, std::string>;  // channel index, group key
  struct Outgoing {
    SimTime time;
    std::uint64_t seq;
    Notification n;
  };

  std::string group_key(const NotifiedAlert& a) const;
  SimTime tick_at_or_after(const Group& g, SimTime t) const;
  void wake_all(SimTime t);  // something that can change a flush's outcome happens at t
  void run_flushes(SimTime limit, bool inclusive);
  void flush(const GroupId& id, Group& g, SimTime t);
  SimTime next_silence_boundary(SimTime after) const;
  void count_muted(const NotifiedAlert& a, bool silenced_now, bool inhibited_now);

  std::vector<ChannelSpec> channels_;
  SimDuration group_wait_, group_interval_, repeat_interval_;
  std::vector<SilenceSpec> silences_;
  std::vector<InhibitSpec> inhibit_;
  bool by_rule_ = false, by_severity_ = false, by_tenant_ = false, by_service_ = false;

  std::map<int, NotifiedAlert> firing_now_;  // every firing alert, for inhibition
  std::map<GroupId, Group> groups_;
  std::vector<Outgoing> outbox_;
  std::uint64_t seq_ = 0;
  SimTime clock_ = 0;
  std::map<int, SimTime> silenced_episode_, inhibited_episode_;  // rule -> counted starts_at
  std::uint64_t notifications_total_ = 0, silenced_total_ = 0, inhibited_total_ = 0;
  std::vector<std::uint64_t> per_channel_;
};

}  // namespace opsim
