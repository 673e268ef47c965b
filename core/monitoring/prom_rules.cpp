#include "monitoring/prom_rules.h"

#include <algorithm>
#include <cstdio>

#include "promql/eval.h"

namespace opsim {
namespace {

using promql::Label;
using promql::Labels;

// How long Prometheus keeps a resolved alert (rules/alerting.go's resolvedRetention).
constexpr SimDuration kResolvedRetention = 15 * kMicrosPerMinute;
// The default group interval: Prometheus's global evaluation_interval default.
constexpr SimDuration kDefaultGroupInterval = kMicrosPerMinute;

// Sets a label (an empty value removes it), as Prometheus's labels.Builder.Set.
void set_label(Labels& labels, const std::string& name, const std::string& value) {
  labels.erase(std::remove_if(labels.begin(), labels.end(), [&](const Label& l) { return l.name == name; }), labels.end());
  if (!value.empty()) labels.push_back({name, value});
}

// A scalar result is a vector of one sample without labels, as Prometheus's rule query makes it.
promql::Vector as_vector(promql::Value& v) {
  if (v.type == promql::ValueType::scalar) return {promql::Sample{{}, v.scalar}};
  return std::move(v.vector);
}

}  // namespace

PromRules::PromRules(const std::vector<RuleGroup>& groups, std::int64_t start_unix_ms, promql::Storage& storage)
    : groups_(groups), start_unix_ms_(start_unix_ms), storage_(storage) {
  for (const RuleGroup& g : groups_) {
    group_interval_.push_back(g.interval_us > 0 ? g.interval_us : kDefaultGroupInterval);
    for (const PromRule& r : g.rules) {
      PromRuleView v;
      v.group = &g;
      v.rule = &r;
      views_.push_back(v);
      states_.emplace_back();
    }
  }
}

namespace {
std::vector<std::pair<std::string, std::string>> expand_annotations(const PromRule& rule, const PromAlert& a) {
  AlertTemplateData data;
  data.labels = a.expr_labels;
  data.value = a.value;
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t k = 0; k < rule.annotations.size(); ++k)
    out.push_back({rule.annotations[k].first, expand_template(rule.annotation_templates[k], data)});
  return out;
}
}  // namespace

std::vector<std::pair<std::string, std::string>> PromRules::annotations(std::size_t i, const PromAlert& a) const {
  return expand_annotations(*views_[i].rule, a);
}

std::vector<const PromAlert*> PromRules::alerts(std::size_t i) const {
  std::vector<const PromAlert*> out;
  for (const auto& [key, a] : states_[i].alerts) out.push_back(&a);
  return out;
}

void PromRules::evaluate(SimTime now, std::vector<PromTransition>& transitions) {
  std::size_t first = 0;
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    const RuleGroup& g = groups_[gi];
    const std::size_t rules = g.rules.size();
    if (now % group_interval_[gi] == 0) {
      const std::int64_t t_ms = start_unix_ms_ + now / kMicrosPerMilli;
      for (std::size_t k = 0; k < rules; ++k) {
        ++evaluations_;
        if (g.rules[k].kind == PromRule::Kind::recording) evaluate_recording(first + k, t_ms, g);
        else evaluate_alerting(first + k, now, t_ms, g, transitions);
        views_[first + k].last_evaluation = now;
      }
    }
    first += rules;
  }
}

void PromRules::append_series(std::size_t i, std::int64_t t_ms, const std::vector<SeriesPoint>& points) {
  std::vector<promql::Storage::SeriesRef>& now = scratch_refs_;
  now.clear();
  for (const auto& [ref, v] : points) {
    storage_.append(ref, t_ms, v);
    now.push_back(ref);
  }
  // What the rule returned last time and not now is stale from now on.
  std::vector<promql::Storage::SeriesRef>& previous = states_[i].previous;
  std::sort(now.begin(), now.end());
  for (promql::Storage::SeriesRef r : previous)
    if (!std::binary_search(now.begin(), now.end(), r)) storage_.mark_stale(r, t_ms);
  previous.swap(now);  // the old list's room serves the next rule
}

promql::Storage::SeriesRef PromRules::recorded_series(RuleState& st, const PromRule& rule, const Labels& output) {
  auto& same_hash = st.recorded[promql::labels_hash(output)];
  for (const auto& [labels, ref] : same_hash)
    if (labels == output) return ref;
  Labels recorded = output;
  set_label(recorded, promql::kMetricNameLabel, rule.name);
  for (const auto& [name, value] : rule.labels) set_label(recorded, name, value);
  const promql::Storage::SeriesRef ref = storage_.series(recorded);
  same_hash.emplace_back(output, ref);
  return ref;
}

void PromRules::evaluate_recording(std::size_t i, std::int64_t t_ms, const RuleGroup& g) {
  const PromRule& rule = *views_[i].rule;
  PromRuleView& view = views_[i];
  promql::EvalResult r = promql::evaluate(*rule.expr, t_ms, storage_, {}, &cache_);
  if (!r.ok()) {
    view.last_error = r.error;
    return;
  }
  const promql::Vector v = as_vector(r.value);
  std::vector<SeriesPoint>& points = scratch_points_;
  points.clear();
  for (const promql::Sample& s : v) points.emplace_back(recorded_series(states_[i], rule, s.labels), s.v);
  // Two label sets that are one once the rule's name and labels are applied.
  std::vector<promql::Storage::SeriesRef>& refs = scratch_refs_;
  refs.clear();
  for (const SeriesPoint& p : points) refs.push_back(p.first);
  std::sort(refs.begin(), refs.end());
  if (std::adjacent_find(refs.begin(), refs.end()) != refs.end()) {
    view.last_error = "vector contains metrics with the same labelset after applying rule labels";
    return;
  }
  if (g.limit > 0 && static_cast<int>(v.size()) > g.limit) {
    view.last_error = "exceeded limit of " + std::to_string(g.limit) + " with " + std::to_string(v.size()) + " series";
    return;
  }
  view.last_error.clear();
  view.last_series = v.size();
  append_series(i, t_ms, points);
}

void PromRules::evaluate_alerting(std::size_t i, SimTime now, std::int64_t t_ms, const RuleGroup& g,
                                  std::vector<PromTransition>& transitions) {
  const PromRule& rule = *views_[i].rule;
  PromRuleView& view = views_[i];
  RuleState& st = states_[i];
  promql::EvalResult r = promql::evaluate(*rule.expr, t_ms, storage_, {}, &cache_);
  if (!r.ok()) {
    view.last_error = r.error;
    return;
  }
  const promql::Vector v = as_vector(r.value);
  // This evaluation's alerts, by label set.
  std::map<std::string, PromAlert> result;
  for (const promql::Sample& s : v) {
    AlertTemplateData data;  // for the label values that are templates
    data.value = s.v;
    PromAlert a;
    a.labels = s.labels;
    set_label(a.labels, promql::kMetricNameLabel, "");
    for (std::size_t k = 0; k < rule.labels.size(); ++k) {
      // A value without an action is its own expansion.
      const std::string& text = rule.labels[k].second;
      if (text.find("{{") == std::string::npos) {
        set_label(a.labels, rule.labels[k].first, text);
        continue;
      }
      if (data.labels.empty()) data.labels = s.labels;
      set_label(a.labels, rule.labels[k].first, expand_template(rule.label_templates[k], data));
    }
    set_label(a.labels, "alertname", rule.name);
    promql::normalize(a.labels);
    a.expr_labels = s.labels;
    a.value = s.v;
    a.active_since = now;
    if (!result.emplace(promql::labels_text(a.labels), std::move(a)).second) {
      view.last_error = "vector contains metrics with the same labelset after applying alert labels";
      return;
    }
  }
  view.last_error.clear();
  view.last_series = result.size();
  for (auto& [key, a] : result) {
    auto it = st.alerts.find(key);
    if (it != st.alerts.end() && it->second.state != AlertState::inactive) {
      it->second.value = a.value;
      it->second.expr_labels = std::move(a.expr_labels);
      continue;
    }
    a.index = next_alert_index_++;
    PromAlert& fresh = st.alerts.insert_or_assign(key, std::move(a)).first->second;
    if (rule.for_us > 0) transitions.push_back(transition(rule, fresh, AlertState::pending, now));
  }
  int active = 0;
  std::vector<SeriesPoint>& alert_series = scratch_points_;
  alert_series.clear();
  for (auto it = st.alerts.begin(); it != st.alerts.end();) {
    PromAlert& a = it->second;
    if (result.count(it->first) == 0) {
      bool keep_firing = false;
      if (a.state == AlertState::firing && rule.keep_firing_for_us > 0) {
        if (a.keep_firing_since < 0) a.keep_firing_since = now;
        keep_firing = now - a.keep_firing_since < rule.keep_firing_for_us;
      }
      const bool drop =
          a.state == AlertState::pending || (a.resolved_at >= 0 && now - a.resolved_at > kResolvedRetention);
      if (a.state != AlertState::inactive && !keep_firing) {
        // A pending alert that goes away was never reported: no transition, as Prometheus
        // tells Alertmanager nothing of it.
        if (a.state == AlertState::firing) transitions.push_back(transition(rule, a, AlertState::resolved, now));
        a.state = AlertState::inactive;
        a.resolved_at = now;
      }
      if (drop) {
        it = st.alerts.erase(it);
        continue;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since = -1;
    }
    ++active;
    if (a.state == AlertState::pending && now - a.active_since >= rule.for_us) {
      a.state = AlertState::firing;
      a.fired_at = now;
      ++fired_total_;
      transitions.push_back(transition(rule, a, AlertState::firing, now));
    }
    // The alert's own series, found once per state.
    const int firing = a.state == AlertState::firing ? 1 : 0;
    if (a.alerts_series[firing] < 0) {
      Labels l = a.labels;
      l.push_back({promql::kMetricNameLabel, "ALERTS"});
      l.push_back({"alertstate", firing ? "firing" : "pending"});
      a.alerts_series[firing] = storage_.series(l);
    }
    if (a.for_state_series < 0) {
      Labels f = a.labels;
      f.push_back({promql::kMetricNameLabel, "ALERTS_FOR_STATE"});
      a.for_state_series = storage_.series(f);
    }
    alert_series.emplace_back(static_cast<promql::Storage::SeriesRef>(a.alerts_series[firing]), 1);
    alert_series.emplace_back(static_cast<promql::Storage::SeriesRef>(a.for_state_series),
                              static_cast<double>((start_unix_ms_ + a.active_since / kMicrosPerMilli) / 1000));
    ++it;
  }
  if (g.limit > 0 && active > g.limit) {
    st.alerts.clear();
    view.last_error = "exceeded limit of " + std::to_string(g.limit) + " with " + std::to_string(active) + " alerts";
    return;
  }
  append_series(i, t_ms, alert_series);
}

PromTransition PromRules::transition(const PromRule& rule, const PromAlert& a, AlertState s, SimTime now) const {
  PromTransition p;
  AlertTransition& t = p.transition;
  t.rule_index = kFirstPromAlertIndex + a.index;
  t.rule = rule.name;
  t.severity = std::string(promql::label_value(a.labels, "severity"));
  t.metric = rule.expr_text;
  t.tenant = std::string(promql::label_value(a.labels, "tenant"));
  t.service = std::string(promql::label_value(a.labels, "service"));
  t.state = s;
  t.value = a.value;
  t.time = now;
  t.active_since = a.active_since;
  const std::string value = promql::format_number(a.value);
  switch (s) {
    case AlertState::pending:
      p.reason = "the expression returned " + value + " for these labels; it fires if it still does after " +
                 format_duration(rule.for_us);
      break;
    case AlertState::firing:
      p.reason = rule.for_us > 0 ? "the expression has returned these labels for " + format_duration(now - a.active_since) +
                                       " (the rule's for: " + format_duration(rule.for_us) + "), now " + value
                                 : "the expression returned " + value + " for these labels";
      break;
    default:
      p.reason = rule.keep_firing_for_us > 0 ? "the expression has not returned these labels for " +
                                                   format_duration(rule.keep_firing_for_us) + " (keep_firing_for)"
                                             : "the expression no longer returns these labels";
      break;
  }
  EventFields& f = p.fields;
  f.add("rule", rule.name).add("state", alert_state_name(s)).add("severity", t.severity);
  f.add("labels", promql::labels_text(a.labels)).add("expr", rule.expr_text).add("value", a.value);
  if (!t.tenant.empty()) f.add("tenant", t.tenant);
  if (!t.service.empty()) f.add("service", t.service);
  std::vector<std::string> annotations;
  for (const auto& [name, text] : expand_annotations(rule, a)) annotations.push_back(name + "=" + text);
  f.add("annotations", std::move(annotations));
  f.add("reason", p.reason);
  return p;
}

}  // namespace opsim

namespace opsim {

bool attach_rule_files(Scenario& s, const std::vector<RuleFileText>& files, std::vector<RuleFileError>& errors) {
  auto set = std::make_shared<PromRuleSet>();
  const std::size_t before = errors.size();
  for (const RuleFileText& f : files) {
    std::vector<RuleGroup> groups;
    std::vector<Diagnostic> diagnostics;
    load_rule_file(f.name, f.text, groups, diagnostics);
    for (Diagnostic& d : diagnostics) errors.push_back({f.name, std::move(d)});
    for (std::size_t gi = 0; gi < groups.size(); ++gi) {
      const RuleGroup& g = groups[gi];
      // Groups run at scrapes (prom_rules.h): an interval between two scrapes would see the
      // same samples as the scrape before it, which is not what Prometheus would compute.
      const SimDuration interval = g.interval_us > 0 ? g.interval_us : kDefaultGroupInterval;
      if (interval % s.monitoring.scrape_interval != 0) {
        Diagnostic d;
        d.path = "groups[" + std::to_string(gi) + "].interval";
        d.line = g.line;
        d.column = g.column;
        d.message = "expected an interval that is a multiple of monitoring.scrape_interval (" +
                    format_duration(s.monitoring.scrape_interval) + "), found " + format_duration(interval) +
                    (g.interval_us > 0 ? "" : " (the default, 1m)");
        errors.push_back({f.name, std::move(d)});
      }
      set->groups.push_back(std::move(groups[gi]));
    }
  }
  if (errors.size() > before) return false;
  // Rule files replace the seed's default rules, as a list of JSON rules does.
  if (!s.monitoring.rules_given) s.monitoring.rules.clear();
  s.monitoring.prometheus_rules = std::move(set);
  return true;
}

}  // namespace opsim
