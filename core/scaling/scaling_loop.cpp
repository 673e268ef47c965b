#include "scaling/scaling_loop.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "promql/eval.h"
#include "promql/parser.h"
#include "scaling/decision.h"

namespace opsim {

ScalingLoop::ScalingLoop(Engine& engine, Scenario& scenario, Fleet& fleet, RequestPath& requests, const Rollouts& rollouts,
                         IncidentSignals& incidents, MetricRegistry& registry, EventLog& log, const std::vector<double>& row,
                         const promql::Storage& storage, std::int64_t start_unix_ms)
    : engine_(engine),
      id_(engine.add(this)),
      scenario_(scenario),
      fleet_(fleet),
      requests_(requests),
      rollouts_(rollouts),
      incidents_(incidents),
      registry_(registry),
      log_(log),
      row_(row),
      storage_(storage),
      start_unix_ms_(start_unix_ms) {
  // The policies' series, parsed once (the loader has checked that they parse).
  for (const ScalingSpec& spec : scenario_.scaling)
    for (const ScalingPolicySpec& p : spec.policies) {
      std::vector<std::string> texts{p.series};
      for (const ScalingPolicySpec::TrackedMetric& t : p.more_metrics) texts.push_back(t.series);
      for (const std::string& text : texts) {
        if (text.empty() || series_.count(text)) continue;
        promql::ParseResult parsed = promql::parse(text);
        if (!parsed.ok()) throw std::invalid_argument("scaling series " + text + ": " + parsed.errors.front().message);
        series_[text] = std::move(parsed.expr);
      }
    }
  pool_stats_.resize(fleet_.pool_count());
  eval_since_.assign(fleet_.pool_count(), 0);
  rate_windows_.resize(fleet_.pool_count());
  for (std::size_t section = 0; section < scenario_.scaling.size(); ++section) {
    const ScalingSpec& spec = scenario_.scaling[section];
    const ServiceSpec& service = scenario_.services[static_cast<std::size_t>(spec.service_index)];
    for (std::size_t pi = 0; pi < fleet_.pool_count(); ++pi) {
      const int pool = static_cast<int>(pi);
      if (fleet_.service_of(pool) != spec.service_index) continue;
      PoolScaler sc;
      sc.pool = pool;
      fleet_.set_scaled(pool);
      requests_.set_scaled(pool);
      sc.spec = &spec;
      sc.threshold = std::make_unique<scaling::ThresholdScaler>(spec, service.instances_min, service.instances_max);
      const int sizes = static_cast<int>(fleet_.size_factors(pool).size());
      if (sizes > 1)
        sc.vertical =
            std::make_unique<scaling::ThresholdScaler>(spec, 0, sizes - 1, ScalingPolicySpec::Direction::vertical);
      // A policy's own bounds (a manifest's minReplicas and maxReplicas) hold within the
      // service's; where they do not overlap (the loader warns), the service's nearest bound.
      for (const ScalingPolicySpec& p : spec.policies)
        if (p.kind == ScalingPolicySpec::Kind::target_tracking) {
          const int lo = std::min(std::max(p.min_instances, service.instances_min), service.instances_max);
          const int hi = std::max(lo, p.max_instances < 0 ? service.instances_max : std::min(p.max_instances, service.instances_max));
          sc.hpa.push_back(std::make_unique<scaling::HpaController>(p, lo, hi));
        }
      if (spec.predictive.enabled)
        sc.predictive = std::make_unique<scaling::PredictiveEngine>(spec.predictive, scenario_.calendar);
      scalers_.push_back(std::move(sc));
    }
  }
}

void ScalingLoop::start() {
  for (std::size_t i = 0; i < scalers_.size(); ++i)
    engine_.schedule(scalers_[i].spec->evaluation_interval, id_, kEvaluate, static_cast<std::uint32_t>(i));
}

void ScalingLoop::on_event(std::uint16_t kind, std::uint32_t target) {
  if (kind == kEvaluate) evaluate(target);
}

void ScalingLoop::evaluate(std::uint32_t index) {
  PoolScaler& sc = scalers_[index];
  const int pool = sc.pool;
  const int service_index = fleet_.service_of(pool);
  const SimTime now = engine_.now();
  // The pool's own figures since the last evaluation.
  const PoolEvalWindow fw = fleet_.take_eval_window(pool);
  const RequestPath::EvalWindow rw = requests_.take_eval_window(pool);
  scaling::MetricValues values;
  if (fw.ready_slot_us > 0) values.cpu_utilization = 100.0 * fw.busy_slot_us / fw.ready_slot_us;
  if (fw.memory_ready_mb_us > 0) values.memory_utilization = 100.0 * fw.memory_used_mb_us / fw.memory_ready_mb_us;
  // The request rate and the queue length over the last kRateWindow (at least this
  // evaluation's interval), as a Prometheus adapter's rate(...[1m]) gives an HPA: a 15 s
  // count of Poisson arrivals alone moves by several percent, enough to cross a tolerance.
  std::deque<RateWindow>& windows = rate_windows_[static_cast<std::size_t>(pool)];
  windows.push_back({eval_since_[static_cast<std::size_t>(pool)], now, rw.arrivals, rw.queue_len_us});
  while (windows.size() > 1 && windows.front().to <= now - kRateWindow) windows.pop_front();
  std::uint64_t arrivals = 0;
  double queue_len_us = 0;
  for (const RateWindow& w : windows) {
    arrivals += w.arrivals;
    queue_len_us += w.queue_len_us;
  }
  const double span_s = to_seconds(now - windows.front().from);
  if (span_s > 0) {
    values.request_rate = static_cast<double>(arrivals) / span_s;
    values.queue_depth = queue_len_us / (span_s * kMicrosPerSecond);
  }
  for (const ScalingPolicySpec& policy : sc.spec->policies)
    if (!policy.metric.empty()) {
      const int col = registry_.find(policy.metric);
      if (col >= 0 && !row_.empty()) values.custom.emplace_back(policy.metric, row_[static_cast<std::size_t>(col)]);
    }
  eval_since_[static_cast<std::size_t>(pool)] = now;

  const int current = fleet_.serving_instances(pool);
  const int ready = fleet_.ready_instances(pool);
  const ServiceSpec& service = scenario_.services[static_cast<std::size_t>(service_index)];
  std::vector<scaling::ScalingDecision> extra;
  int floor = 0;  // what a confident forecast needs: no scale-in below it
  // Target tracking (the Kubernetes HPA) on the metric each policy names: its
  // recommendation joins the consolidation.
  for (auto& hpa : sc.hpa) {
    const std::optional<scaling::HpaDecision> d = track(*hpa, now, current, ready, values);
    if (d && d->changed()) extra.push_back({now, current, d->desired, hpa->spec().id, d->reason});
  }
  // Predictive: it learns what its metric measures over the pool and proposes a size ahead
  // of the forecast peak. A utilisation is learnt times the ready instances (busy slots' or
  // memory's worth: a load, which does not fall when the fleet grows), like the request
  // rate and the queue length, and the peak is spread over the instances against the
  // threshold per instance; any other metric's value is compared with the threshold as it
  // is and the fleet scaled in proportion (a Kubernetes Object metric).
  std::optional<double> load;
  double instances_for_value = 1.0;
  const std::string& learnt = sc.spec->predictive.metric;
  if (learnt == "cpu_utilization") {
    if (values.cpu_utilization) load = *values.cpu_utilization * ready;
  } else if (learnt == "memory_utilization") {
    if (values.memory_utilization) load = *values.memory_utilization * ready;
  } else if (learnt == "request_rate") {
    load = values.request_rate;
  } else if (learnt == "queue_depth") {
    load = values.queue_depth;
  } else if (const int col = registry_.find(learnt); col >= 0 && !row_.empty()) {
    load = row_[static_cast<std::size_t>(col)];
    instances_for_value = current;
  }
  if (sc.predictive && sc.spec->predictive.enabled && load) {
    sc.predictive->observe(now, *load);
    const scaling::Forecast f = sc.predictive->forecast(now);
    if (auto d = scaling::predictive_decision(now, f, sc.spec->predictive, current, service.instances_max,
                                              instances_for_value))
      extra.push_back(*d);
    floor = std::min(service.instances_max, scaling::predictive_need(f, sc.spec->predictive, instances_for_value));
    // The service's figure is its least accurate pool's.
    double worst = 0;
    for (const PoolScaler& other : scalers_)
      if (other.predictive && fleet_.service_of(other.pool) == service_index)
        worst = std::max(worst, other.predictive->error_percent());
    registry_.service(service_index).forecast_error_percent = worst;
  }
  const scaling::ThresholdScaler::Outcome out = sc.threshold->evaluate(now, current, values, extra, floor);
  sc.note = out.note;
  if (out.decision && out.decision->to != current) {
    resize(pool, out.decision->to, out.decision->policy_id, out.decision->reason);
    registry_.service(service_index).window.scaling_events++;
    sc.note = out.decision->reason;
  }
  // Vertical: one size change at a time; the next waits for the rolling restart to end.
  if (sc.vertical && !fleet_.rolling(pool) && rollouts_.active_on(service_index) < 0) {
    const scaling::ThresholdScaler::Outcome v = sc.vertical->evaluate(now, fleet_.size(pool), values);
    if (v.decision && v.decision->to != fleet_.size(pool)) {
      resize_instances(pool, v.decision->to, v.decision->policy_id, v.decision->reason);
      registry_.service(service_index).window.scaling_events++;
      sc.note += (sc.note.empty() ? "" : " ") + v.decision->reason;
    }
  }
  const SimTime next = now + sc.spec->evaluation_interval;
  if (next <= engine_.end()) engine_.schedule(next, id_, kEvaluate, index);
}

std::optional<scaling::HpaMetric> ScalingLoop::measure(const std::string& metric, const std::string& series,
                                                       ScalingPolicySpec::TargetType type, int current, int ready,
                                                       const scaling::MetricValues& values) const {
  using scaling::HpaMetric;
  using scaling::HpaPods;
  if (!series.empty()) {
    const promql::EvalResult r =
        promql::evaluate(*series_.at(series), start_unix_ms_ + engine_.now() / kMicrosPerMilli, storage_);
    if (!r.ok() || (r.value.type == promql::ValueType::instant_vector && r.value.vector.empty())) return std::nullopt;
    double total = r.value.type == promql::ValueType::scalar ? r.value.scalar : 0;
    for (const promql::Sample& s : r.value.vector) total += s.v;
    if (!std::isfinite(total)) return std::nullopt;
    return HpaMetric::average_value(HpaPods::pool_total(ready, total, current - ready));
  }
  // Resource metrics: the average utilisation over the ready instances (starting ones report
  // nothing: Kubernetes' missing pods).
  if (metric == "cpu_utilization" || metric == "memory_utilization") {
    const std::optional<double> v = metric == "cpu_utilization" ? values.cpu_utilization : values.memory_utilization;
    if (!v) return std::nullopt;
    return HpaMetric::utilization(HpaPods::ready_and_starting(ready, *v, current - ready));
  }
  // Pods metrics with an averageValue target: the pool's figure per ready instance.
  if (metric == "request_rate" || metric == "queue_depth") {
    const std::optional<double> total = metric == "request_rate" ? values.request_rate : values.queue_depth;
    if (!total) return std::nullopt;
    return HpaMetric::average_value(HpaPods::pool_total(ready, *total, current - ready));
  }
  // Any other metric (scoped names included) is an Object metric: its value in the last
  // scrape against the target, or (average_value) against the target per instance.
  const int col = registry_.find(metric);
  if (col < 0 || row_.empty()) return std::nullopt;
  const double value = row_[static_cast<std::size_t>(col)];
  if (type == ScalingPolicySpec::TargetType::average_value) return HpaMetric::object_average_value(value);
  return HpaMetric::object_value(value, ready);
}

std::optional<scaling::HpaDecision> ScalingLoop::track(scaling::HpaController& hpa, SimTime now, int current, int ready,
                                                        const scaling::MetricValues& values) const {
  const ScalingPolicySpec& p = hpa.spec();
  std::optional<scaling::HpaMetric> first = measure(p.metric, p.series, p.target_type, current, ready, values);
  if (p.more_metrics.empty()) {
    if (!first) return std::nullopt;
    return hpa.recommend(now, current, *first);
  }
  // A manifest's several metrics: one that cannot be measured stands in as no value.
  std::vector<scaling::HpaMetric> all;
  auto add = [&](std::optional<scaling::HpaMetric> m, const std::string& name, double goal) {
    if (!m) m = scaling::HpaMetric::object_value(std::numeric_limits<double>::quiet_NaN(), ready);
    m->name = name;
    m->goal = goal;
    all.push_back(*m);
  };
  add(std::move(first), p.metric, p.target);
  for (const ScalingPolicySpec::TrackedMetric& t : p.more_metrics)
    add(measure(t.metric, t.series, t.target_type, current, ready, values), t.metric, t.target);
  return hpa.recommend(now, current, all);
}

void ScalingLoop::resize(int pool, int target, const std::string& policy, const std::string& reason) {
  const auto [from, to] = fleet_.resize(pool, target);
  if (from == to) return;
  EventFields w;
  w.add("service", scenario_.services[static_cast<std::size_t>(fleet_.service_of(pool))].id);
  const int owner = fleet_.owner_of(pool);
  if (owner >= 0) w.add("pool_tenant", scenario_.tenants[static_cast<std::size_t>(owner)].id);
  w.add("from", from).add("to", to).add("policy", policy).add("reason", reason);
  const EventKind kind = to > from ? EventKind::scale_out : EventKind::scale_in;
  log_.log(kind, std::move(w));
  record(pool, kind, from, to, policy, reason);
}

void ScalingLoop::resize_instances(int pool, int to, const std::string& policy, const std::string& reason) {
  const std::vector<double>& factors = fleet_.size_factors(pool);
  const double from_factor = factors[static_cast<std::size_t>(fleet_.size(pool))];
  const double to_factor = factors[static_cast<std::size_t>(to)];
  const EventKind kind = to > fleet_.size(pool) ? EventKind::scale_up : EventKind::scale_down;
  fleet_.set_instance_size(pool, to);
  EventFields w;
  w.add("service", scenario_.services[static_cast<std::size_t>(fleet_.service_of(pool))].id);
  const int owner = fleet_.owner_of(pool);
  if (owner >= 0) w.add("pool_tenant", scenario_.tenants[static_cast<std::size_t>(owner)].id);
  w.add("from_size", from_factor).add("to_size", to_factor);
  w.add("slots_per_instance", fleet_.slots_for(pool, to)).add("policy", policy).add("reason", reason);
  log_.log(kind, std::move(w));
  record(pool, kind, from_factor, to_factor, policy, reason);
  fleet_.roll_to_size(pool);
}

void ScalingLoop::record(int pool, EventKind kind, double from, double to, const std::string& policy,
                         const std::string& reason) {
  PoolStats& st = pool_stats_[static_cast<std::size_t>(pool)];
  st.scale_out += kind == EventKind::scale_out;
  st.scale_in += kind == EventKind::scale_in;
  st.scale_up += kind == EventKind::scale_up;
  st.scale_down += kind == EventKind::scale_down;
  if (policy == "predictive") ++st.predictive;
  st.last_at = engine_.now();
  auto it = std::find_if(st.by_policy.begin(), st.by_policy.end(), [&](const auto& e) { return e.first == policy; });
  if (it == st.by_policy.end()) st.by_policy.emplace_back(policy, 1);
  else ++it->second;
  records_.push_back({engine_.now(), pool, kind, from, to, policy, reason});
  incidents_.on_event(scenario_.services[static_cast<std::size_t>(fleet_.service_of(pool))].id, event_kind_name(kind), reason);
  if (records_.size() > kRecords) records_.pop_front();
}

std::vector<bool> ScalingLoop::cooldown_blocked() const {
  std::vector<bool> out(scenario_.services.size(), false);
  for (const PoolScaler& sc : scalers_)
    if (sc.note.find("cooldown") != std::string::npos) out[static_cast<std::size_t>(fleet_.service_of(sc.pool))] = true;
  return out;
}

void ScalingLoop::update(std::size_t section, const ScalingSpec& changed) {
  ScalingSpec& spec = scenario_.scaling[section];
  spec.evaluation_interval = changed.evaluation_interval;
  spec.max_events_per_hour = changed.max_events_per_hour;
  spec.cost_optimization = changed.cost_optimization;
  for (const ScalingPolicySpec& c : changed.policies)
    for (ScalingPolicySpec& mine : spec.policies) {
      if (mine.id != c.id || mine.kind != c.kind) continue;
      const ScalingTrigger trigger = mine.trigger;
      const ScalingPolicySpec::Direction direction = mine.direction;
      const std::vector<double> sizes = mine.size_factors;
      const std::vector<ScheduleStep> schedule = mine.schedule;
      const std::string metric = mine.metric;
      mine = c;
      mine.trigger = trigger;
      mine.direction = direction;
      mine.size_factors = sizes;
      mine.schedule = schedule;
      mine.metric = metric;
    }
  const std::string predictive_metric = spec.predictive.metric;
  spec.predictive = changed.predictive;
  spec.predictive.metric = predictive_metric;
  for (PoolScaler& sc : scalers_) {
    if (sc.spec != &spec) continue;
    sc.threshold->update(spec);
    if (sc.vertical) sc.vertical->update(spec);
    for (auto& hpa : sc.hpa)
      for (const ScalingPolicySpec& pol : spec.policies)
        if (pol.id == hpa->spec().id) hpa->update_spec(pol);
    if (sc.predictive)
      sc.predictive->update_spec(spec.predictive);
    else if (spec.predictive.enabled)
      sc.predictive = std::make_unique<scaling::PredictiveEngine>(spec.predictive, scenario_.calendar);
  }
  EventFields w;
  w.add("service", spec.service).add("max_events_per_hour", spec.max_events_per_hour);
  w.add("cost_optimization", spec.cost_optimization).add("predictive", spec.predictive.enabled);
  std::string policies;
  for (const ScalingPolicySpec& pol : spec.policies) {
    policies += (policies.empty() ? "" : "; ") + pol.id + ": ";
    if (pol.kind == ScalingPolicySpec::Kind::target_tracking)
      policies += "target " + scaling::format_number(pol.target) + ", tolerance " + scaling::format_number(pol.tolerance);
    else
      policies += "up " + scaling::format_number(pol.threshold_up) + ", down " + scaling::format_number(pol.threshold_down) +
                  ", cooldown " + format_duration(pol.cooldown) + ", periods " + std::to_string(pol.evaluation_periods) +
                  ", increment " + std::to_string(pol.scale_increment);
  }
  w.add("policies", policies);
  log_.log(EventKind::policy_changed, std::move(w));
}

ScalingLoop::ScalerView ScalingLoop::scaler_view(std::size_t i) const {
  const PoolScaler& sc = scalers_[i];
  ScalerView v;
  v.pool = sc.pool;
  v.section = static_cast<std::size_t>(sc.spec - scenario_.scaling.data());
  v.predictive = sc.predictive.get();
  v.last_note = sc.note;
  return v;
}

}  // namespace opsim
