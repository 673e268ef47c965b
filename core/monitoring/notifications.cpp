#include "monitoring/notifications.h"

#include <algorithm>
#include <utility>

#include "json/json.h"

namespace opsim {

const char* notification_reason_name(Notification::Reason r) {
  switch (r) {
    case Notification::Reason::first: return "first";
    case Notification::Reason::update: return "update";
    case Notification::Reason::repeat: return "repeat";
  }
  return "first";
}

int Notification::firing_count() const {
  int n = 0;
  for (const NotifiedAlert& a : alerts) n += a.state == AlertState::firing ? 1 : 0;
  return n;
}

int Notification::resolved_count() const { return static_cast<int>(alerts.size()) - firing_count(); }

EventFields Notification::fields() const {
  std::vector<std::string> ids;
  for (const NotifiedAlert& a : alerts) ids.push_back(a.rule);
  EventFields f;
  f.add("channel", channel)
      .add("group", group_key)
      .add("status", firing ? "firing" : "resolved")
      .add("reason", notification_reason_name(reason))
      .add("flushed_s", to_seconds(flushed_at))
      .add("firing", firing_count())
      .add("resolved", resolved_count())
      .add("alerts", std::move(ids));
  return f;
}

bool matches(const Matchers& m, const std::string& rule, const std::string& severity, const std::string& tenant,
             const std::string& service) {
  return (m.rule.empty() || m.rule == rule) && (m.severity.empty() || m.severity == severity) &&
         (m.tenant.empty() || m.tenant == tenant) && (m.service.empty() || m.service == service);
}

namespace {

bool matches(const Matchers& m, const NotifiedAlert& a) { return matches(m, a.rule, a.severity, a.tenant, a.service); }

std::string label(const NotifiedAlert& a, const std::string& name) {
  if (name == "rule") return a.rule;
  if (name == "severity") return a.severity;
  if (name == "tenant") return a.tenant;
  if (name == "service") return a.service;
  return std::string();
}

bool routes(const ChannelSpec& c, const std::string& severity) {
  return c.severities.empty() || std::find(c.severities.begin(), c.severities.end(), severity) != c.severities.end();
}

}  // namespace

Notifier::Notifier(const MonitoringSpec& spec, std::vector<std::string> group_by)
    : channels_(spec.channels),
      group_wait_(std::max<SimDuration>(0, spec.group_wait)),
      group_interval_(std::max<SimDuration>(0, spec.group_interval)),
      repeat_interval_(std::max<SimDuration>(1, spec.repeat_interval)),
      silences_(spec.silences),
      inhibit_(spec.inhibit),
      per_channel_(spec.channels.size(), 0) {
  for (const std::string& l : group_by) {
    if (l == "rule") by_rule_ = true;
    if (l == "severity") by_severity_ = true;
    if (l == "tenant") by_tenant_ = true;
    if (l == "service") by_service_ = true;
  }
}

std::string Notifier::group_key(const NotifiedAlert& a) const {
  // Label names in alphabetical order, as Alertmanager prints a group key.
  std::string k = "{";
  auto add = [&](bool on, const char* name, const std::string& v) {
    if (!on) return;
    if (k.size() > 1) k += ",";
    k += name;
    k += "=";
    k += json::quote(v);
  };
  add(by_rule_, "rule", a.rule);
  add(by_service_, "service", a.service);
  add(by_severity_, "severity", a.severity);
  add(by_tenant_, "tenant", a.tenant);
  return k + "}";
}

SimTime Notifier::tick_at_or_after(const Group& g, SimTime t) const {
  t = std::max(t, g.last_flush + 1);
  if (t <= g.anchor) return g.anchor;
  if (group_interval_ <= 0) return t;
  const SimTime k = (t - g.anchor + group_interval_ - 1) / group_interval_;
  return g.anchor + k * group_interval_;
}

void Notifier::wake_all(SimTime t) {
  for (auto& [id, g] : groups_) {
    if (g.last_flush < 0) continue;  // still waiting for its first flush at the anchor
    g.next_flush = std::min(g.next_flush, tick_at_or_after(g, t));
  }
}

SimTime Notifier::next_silence_boundary(SimTime after) const {
  SimTime b = kNever;
  for (const SilenceSpec& s : silences_) {
    if (s.starts > after) b = std::min(b, s.starts);
    if (s.ends > after) b = std::min(b, s.ends);
  }
  return b;
}

bool Notifier::silenced(const NotifiedAlert& a, SimTime t) const {
  for (const SilenceSpec& s : silences_)
    if (s.starts <= t && t < s.ends && matches(s.match, a)) return true;
  return false;
}

bool Notifier::inhibited(const NotifiedAlert& a) const {
  for (const InhibitSpec& r : inhibit_) {
    if (!matches(r.target, a)) continue;
    const bool two_sided = matches(r.source, a);
    for (const auto& [idx, src] : firing_now_) {
      if (idx == a.rule_index || !matches(r.source, src)) continue;
      if (two_sided && matches(r.target, src)) continue;
      bool equal = true;
      for (const std::string& l : r.equal) equal = equal && label(a, l) == label(src, l);
      if (equal) return true;
    }
  }
  return false;
}

void Notifier::count_muted(const NotifiedAlert& a, bool silenced_now, bool inhibited_now) {
  auto count = [&](std::map<int, SimTime>& episodes, std::uint64_t& total) {
    auto it = episodes.find(a.rule_index);
    if (it != episodes.end() && it->second == a.starts_at) return;
    episodes[a.rule_index] = a.starts_at;
    ++total;
  };
  if (silenced_now) count(silenced_episode_, silenced_total_);
  if (inhibited_now) count(inhibited_episode_, inhibited_total_);
}

void Notifier::add_silence(const SilenceSpec& s) {
  silences_.push_back(s);
  wake_all(std::max(s.starts, clock_));
}

void Notifier::on_transition(const AlertTransition& tr) {
  if (tr.state != AlertState::firing && tr.state != AlertState::resolved) return;
  const SimTime t = std::max(tr.time, clock_);
  run_flushes(t, false);
  clock_ = t;
  if (tr.state == AlertState::firing) {
    NotifiedAlert a;
    a.rule_index = tr.rule_index;
    a.rule = tr.rule;
    a.severity = tr.severity;
    a.tenant = tr.tenant;
    a.service = tr.service;
    a.state = AlertState::firing;
    a.value = tr.value;
    a.threshold = tr.threshold;
    a.starts_at = t;
    a.ends_at = -1;
    firing_now_[a.rule_index] = a;
    for (std::size_t c = 0; c < channels_.size(); ++c) {
      if (!routes(channels_[c], a.severity)) continue;
      const GroupId id{static_cast<int>(c), group_key(a)};
      auto it = groups_.find(id);
      if (it == groups_.end()) {
        Group g;
        g.anchor = t + group_wait_;
        g.next_flush = g.anchor;
        it = groups_.emplace(id, std::move(g)).first;
      }
      it->second.alerts[a.rule_index] = a;
    }
  } else {
    firing_now_.erase(tr.rule_index);
    // Wherever the alert is (its severity may have been changed since it fired).
    for (auto& [id, g] : groups_) {
      auto it = g.alerts.find(tr.rule_index);
      if (it == g.alerts.end() || it->second.state != AlertState::firing) continue;
      it->second.state = AlertState::resolved;
      it->second.ends_at = t;
      it->second.value = tr.value;
    }
  }
  wake_all(t);
}

void Notifier::run_flushes(SimTime limit, bool inclusive) {
  for (;;) {
    auto best = groups_.end();
    for (auto it = groups_.begin(); it != groups_.end(); ++it)
      if (best == groups_.end() || it->second.next_flush < best->second.next_flush) best = it;
    if (best == groups_.end()) return;
    const SimTime t = best->second.next_flush;
    if (t == kNever || t > limit || (!inclusive && t == limit)) return;
    flush(best->first, best->second, t);
    if (best->second.alerts.empty()) groups_.erase(best);
  }
}

void Notifier::flush(const GroupId& id, Group& g, SimTime t) {
  g.last_flush = t;
  std::vector<const NotifiedAlert*> firing, resolved;
  std::set<int> firing_ids;
  for (const auto& [idx, a] : g.alerts) {
    const bool sil = silenced(a, t);
    const bool inh = !sil && inhibited(a);
    if (sil || inh) {
      if (a.state == AlertState::firing) count_muted(a, sil, inh);
      continue;
    }
    if (a.state == AlertState::firing) {
      firing.push_back(&a);
      firing_ids.insert(idx);
    } else if (g.told_firing.count(idx)) {
      resolved.push_back(&a);
    }
  }
  bool send = false;
  Notification::Reason reason = Notification::Reason::first;
  if (!g.notified) {
    send = !firing.empty();
  } else if (!std::includes(g.sent_firing.begin(), g.sent_firing.end(), firing_ids.begin(), firing_ids.end()) ||
             !resolved.empty()) {
    send = true;
    reason = Notification::Reason::update;
  } else if (!firing.empty() && t >= g.sent_at + repeat_interval_) {
    send = true;
    reason = Notification::Reason::repeat;
  }
  if (send) {
    const ChannelSpec& ch = channels_[static_cast<std::size_t>(id.first)];
    Notification n;
    n.channel_index = id.first;
    n.channel = ch.id;
    n.group_key = id.second;
    n.flushed_at = t;
    n.time = t + ch.delay;
    n.firing = !firing.empty();
    n.reason = reason;
    for (const NotifiedAlert* a : firing) n.alerts.push_back(*a);
    for (const NotifiedAlert* a : resolved) n.alerts.push_back(*a);
    g.notified = true;
    g.sent_firing = firing_ids;
    g.sent_at = t;
    for (int idx : firing_ids) g.told_firing.insert(idx);
    for (const NotifiedAlert* a : resolved) g.told_firing.erase(a->rule_index);
    outbox_.push_back(Outgoing{n.time, seq_++, std::move(n)});
  }
  // Resolved alerts leave the group, sent or not.
  for (auto it = g.alerts.begin(); it != g.alerts.end();) {
    if (it->second.state == AlertState::resolved) {
      g.told_firing.erase(it->first);
      it = g.alerts.erase(it);
    } else {
      ++it;
    }
  }
  SimTime next = kNever;
  if (!g.alerts.empty()) {
    if (g.notified) next = std::min(next, tick_at_or_after(g, g.sent_at + repeat_interval_));
    const SimTime b = next_silence_boundary(t);
    if (b != kNever) next = std::min(next, tick_at_or_after(g, b));
  }
  g.next_flush = next;
}

void Notifier::advance(SimTime now, std::vector<Notification>& out) {
  run_flushes(now, true);
  clock_ = std::max(clock_, now);
  std::stable_sort(outbox_.begin(), outbox_.end(), [](const Outgoing& a, const Outgoing& b) {
    return a.time != b.time ? a.time < b.time : a.seq < b.seq;
  });
  std::size_t n = 0;
  while (n < outbox_.size() && outbox_[n].time <= now) {
    ++notifications_total_;
    ++per_channel_[static_cast<std::size_t>(outbox_[n].n.channel_index)];
    out.push_back(std::move(outbox_[n].n));
    ++n;
  }
  outbox_.erase(outbox_.begin(), outbox_.begin() + static_cast<std::ptrdiff_t>(n));
}

SimTime Notifier::next_due() const {
  SimTime t = kNever;
  for (const auto& [id, g] : groups_) t = std::min(t, g.next_flush);
  for (const Outgoing& o : outbox_) t = std::min(t, o.time);
  return t;
}

}  // namespace opsim
