// The scenario loader's SRE sections: SLOs, burn-rate alerting, incidents, faults,
// deployments, chaos experiments, objectives and the exercise.
#include <string>
#include <vector>

#include "scenario/loader_internal.h"

namespace opsim::detail {

namespace {

// A solution is named relative to the exercise's folder and must stay below it, so that
// both the runner (a path) and the built-in library (a name) can resolve it: segments of
// letters, digits, '_', '-' and '.', none starting with '.', ending in ".json".
bool is_solution_file_name(const std::string& name) {
  if (name.size() < 6 || name.compare(name.size() - 5, 5, ".json") != 0) return false;
  bool segment_start = true;
  for (char c : name) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (c == '/') {
      if (segment_start) return false;
      segment_start = true;
    } else if (word || (c == '.' && !segment_start)) {
      segment_start = false;
    } else {
      return false;
    }
  }
  return !segment_start;
}

}  // namespace

void Loader::slos(const Value& root) {
  // Where each SLO came from, for the check that ids are unique: its item, and for a spec
  // file's SLOs that file's name.
  struct Origin {
    const Value* at;
    std::string path, file;
  };
  std::vector<Origin> origins;
  read_array(root, "$", "slos", false, 0, 200, "kMaxSlos", [&](const Value& v, const std::string& p) {
    if (v.type == Type::object && v.find("file")) {
      const std::size_t before = s_.slos.size();
      slo_file(v, p);
      for (std::size_t k = before; k < s_.slos.size(); ++k) origins.push_back({v.find("file"), join(p, "file"), s_.slos[k].file});
      return;
    }
    SloSpec s;
    if (!object(v, p, {"id", "service", "indicator", "threshold", "good", "bad", "total", "target_percent", "window",
                       "burn_rate"}))
      return;
    read_id(v, p, "id", s.id);
    if (read_string(v, p, "service", s.service, false))
      s.service_index = resolve(v, p, "service", s.service, service_ids_, "service");
    read_enum(v, p, "indicator", s.indicator, {"availability", "latency", "query"}, true);
    if (s.indicator == SloSpec::Indicator::latency)
      read_duration(v, p, "threshold", s.threshold, kMicrosPerMilli, kMicrosPerHour, true);
    else if (v.find("threshold"))
      error(v.find("threshold"), join(p, "threshold"), "expected no threshold for an availability SLO, found " +
                                                          json::describe(*v.find("threshold")));
    if (s.indicator == SloSpec::Indicator::query) {
      // Good or bad events over total, as OpenSLO's ratioMetric has them.
      const Value* good = v.find("good");
      const Value* bad = v.find("bad");
      if (good && bad) error(bad, join(p, "bad"), "expected good or bad, not both: the other is total less it");
      else if (!good && !bad) error(&v, join(p, "good"), "expected good (or bad): a PromQL expression of the good (bad) events");
      if (good && read_string(v, p, "good", s.good_query, true)) check_slo_query(*this, *good, join(p, "good"));
      if (bad && read_string(v, p, "bad", s.bad_query, true)) check_slo_query(*this, *bad, join(p, "bad"));
      if (read_string(v, p, "total", s.total_query, true)) check_slo_query(*this, *v.find("total"), join(p, "total"));
    } else {
      for (const char* key : {"good", "bad", "total"})
        if (const Value* q = v.find(key))
          error(q, join(p, key), std::string("expected no ") + key +
                                     " here: queries define the events of an SLO whose indicator is \"query\"");
    }
    read_number(v, p, "target_percent", s.target_percent, 50, 99.9999, true);
    read_duration(v, p, "window", s.window, kMicrosPerHour, 90 * kMicrosPerDay);
    if (v.find("burn_rate")) {
      s.own_burn_rate = true;
      burn_rate_rules(v, p, s.burn_rate);
    }
    origins.push_back({v.find("id"), join(p, "id"), ""});
    s_.slos.push_back(s);
  });
  // Ids are unique across the scenario's SLOs and those its spec files bring.
  for (std::size_t k = 0; k < s_.slos.size() && k < origins.size(); ++k)
    for (std::size_t j = 0; j < k && !s_.slos[k].id.empty(); ++j)  // a missing id has its own error
      if (s_.slos[j].id == s_.slos[k].id) {
        const Origin& o = origins[k];
        error(o.at, o.path,
              "duplicate SLO id \"" + s_.slos[k].id + "\"" + (o.file.empty() ? "" : " (an SLO of " + o.file + ")") +
                  (origins[j].file.empty() ? "" : ", also an SLO of " + origins[j].file));
        break;
      }
}

void Loader::burn_rate_rules(const Value& obj, const std::string& path, std::vector<BurnRateAlertSpec>& out) {
  read_array(obj, path, "burn_rate", false, 0, 20, "kMaxBurnRateAlerts", [&](const Value& bv, const std::string& bp) {
    BurnRateAlertSpec b;
    if (!object(bv, bp, {"long", "short", "factor", "severity", "alert"})) return;
    read_duration(bv, bp, "long", b.long_window, kMicrosPerMinute, 90 * kMicrosPerDay, true);
    read_duration(bv, bp, "short", b.short_window, kMicrosPerMinute, 90 * kMicrosPerDay, true);
    read_number(bv, bp, "factor", b.factor, 0.01, 1e6, true);
    read_string(bv, bp, "severity", b.severity, false);
    if (read_string(bv, bp, "alert", b.alert, false) && b.alert.empty())
      expected(*bv.find("alert"), join(bp, "alert"), "an alert's name");
    if (b.short_window >= b.long_window && bv.find("short"))
      expected(*bv.find("short"), join(bp, "short"), "a window shorter than \"long\" (" + format_duration(b.long_window) + ")");
    out.push_back(b);
  });
}

void Loader::alerting(const Value& root) {
  AlertingSpec& a = s_.alerting;
  // The SRE workbook's multi-window, multi-burn-rate defaults.
  a.burn_rate = {{kMicrosPerHour, 5 * kMicrosPerMinute, 14.4, "page"},
                 {6 * kMicrosPerHour, 30 * kMicrosPerMinute, 6, "page"},
                 {3 * kMicrosPerDay, 6 * kMicrosPerHour, 1, "ticket"}};
  const Value* v = root.find("alerting");
  if (!v) return;
  if (!object(*v, "$.alerting", {"burn_rate"})) return;
  a.given = true;
  if (v->find("burn_rate")) a.burn_rate.clear();
  burn_rate_rules(*v, "$.alerting", a.burn_rate);
}

void Loader::incidents(const Value& root) {
  const Value* v = root.find("incidents");
  if (!v) return;
  const std::string p = "$.incidents";
  if (!object(*v, p, {"open_on", "resolve_after", "postmortem_for"})) return;
  IncidentsSpec& in = s_.incidents;
  in.given = true;
  read_string_list(*v, p, "open_on", in.open_on);
  read_duration(*v, p, "resolve_after", in.resolve_after, 0, kMicrosPerDay);
  read_string_list(*v, p, "postmortem_for", in.postmortem_for, {"sev1", "sev2", "sev3", "sev4"});
}

bool Loader::fault_body(const Value& v, const std::string& p, FaultSpec& f, bool needs_time) {
  if (v.type != Type::object) {
    expected(v, p, "an object");
    return false;
  }
  if (!read_enum(v, p, "type", f.type,
                 {"instance_crash", "latency", "errors", "provider_outage", "traffic_spike", "capacity_loss", "data_loss",
                  "security"},
                 true))
    return false;
  std::vector<std::string_view> allowed = {"type"};
  if (needs_time) allowed.insert(allowed.end(), {"at", "duration"});
  switch (f.type) {
    case FaultType::instance_crash: allowed.insert(allowed.end(), {"service", "count", "fraction"}); break;
    case FaultType::latency: allowed.insert(allowed.end(), {"service", "agent", "add"}); break;
    case FaultType::errors: allowed.insert(allowed.end(), {"service", "agent", "error_percent"}); break;
    case FaultType::provider_outage: allowed.insert(allowed.end(), {"provider"}); break;
    case FaultType::traffic_spike: allowed.insert(allowed.end(), {"tenant", "multiplier"}); break;
    case FaultType::capacity_loss: allowed.insert(allowed.end(), {"service", "concurrency_percent"}); break;
    case FaultType::data_loss:
    case FaultType::security: allowed.insert(allowed.end(), {"service", "tenant"}); break;
  }
  // Unknown-field check with the type-specific list.
  unknown_fields(v, p, allowed, " for a fault of type \"" + v.find("type")->text + "\"");
  if (needs_time) {
    read_time(v, p, "at", f.at, true);
    read_duration(v, p, "duration", f.duration, kMicrosPerSecond, ScenarioLimits::kMaxDuration);
  }
  const bool needs_service = f.type == FaultType::instance_crash || f.type == FaultType::capacity_loss;
  if (read_string(v, p, "service", f.service, needs_service))
    f.service_index = resolve(v, p, "service", f.service, service_ids_, "service");
  if (read_string(v, p, "agent", f.agent, false)) f.agent_index = resolve(v, p, "agent", f.agent, agent_ids_, "agent");
  if (read_string(v, p, "tenant", f.tenant, f.type == FaultType::traffic_spike))
    f.tenant_index = resolve(v, p, "tenant", f.tenant, tenant_ids_, "tenant");
  if (read_string(v, p, "provider", f.provider, f.type == FaultType::provider_outage))
    f.provider_index = resolve(v, p, "provider", f.provider, provider_ids_, "context provider");
  switch (f.type) {
    case FaultType::instance_crash: {
      const bool has_count = read_int(v, p, "count", f.count, 1, ScenarioLimits::kMaxInstancesPerService);
      const bool has_fraction = read_number(v, p, "fraction", f.fraction, 0.0001, 1);
      if (has_count == has_fraction && !v.find("count") == !v.find("fraction"))
        error(&v, p, v.find("count") ? "expected either \"count\" or \"fraction\", found both"
                                     : "expected \"count\" or \"fraction\", found neither");
      break;
    }
    case FaultType::latency:
      read_duration(v, p, "add", f.add, kMicrosPerMilli, kMicrosPerHour, true);
      break;
    case FaultType::errors: read_percent(v, p, "error_percent", f.error_percent, true); break;
    case FaultType::traffic_spike: read_number(v, p, "multiplier", f.multiplier, 0, 1e4, true); break;
    case FaultType::capacity_loss: read_percent(v, p, "concurrency_percent", f.concurrency_percent, true); break;
    default: break;
  }
  if ((f.type == FaultType::latency || f.type == FaultType::errors) && f.service.empty() && f.agent.empty() &&
      !v.find("service") && !v.find("agent"))
    error(&v, p, "expected \"service\" or \"agent\" to say where the fault acts, found neither");
  // An agent's fault acts on that agent's requests alone (sim/faults.cpp), so a service
  // beside it would be read and then ignored.
  if ((f.type == FaultType::latency || f.type == FaultType::errors) && v.find("service") && v.find("agent"))
    error(v.find("service"), join(p, "service"),
          "expected \"service\" or \"agent\", found both: a fault on an agent acts on that agent's requests wherever "
          "it runs, so the service would change nothing (remove one of the two)");
  return true;
}

void Loader::faults(const Value& root) {
  read_array(root, "$", "faults", false, 0, 10000, "kMaxFaults", [&](const Value& v, const std::string& p) {
    FaultSpec f;
    if (!fault_body(v, p, f, true)) return;
    // data_loss and security only feed incident classification: without an incidents
    // section nothing would read them.
    if ((f.type == FaultType::data_loss || f.type == FaultType::security) && !s_.incidents.given)
      error(&v, p, "a fault of type \"" + v.find("type")->text +
                       "\" only opens and flags incidents: add an incidents section, or remove the fault");
    s_.faults.push_back(f);
  });
}

void Loader::deployments(const Value& root) {
  read_array(root, "$", "deployments", false, 0, 1000, "kMaxDeployments", [&](const Value& v, const std::string& p) {
    DeploymentSpec d;
    if (!object(v, p, {"id", "service", "at", "strategy", "version", "canary", "rolling", "auto_rollback"})) return;
    read_id(v, p, "id", d.id);
    if (read_string(v, p, "service", d.service, true))
      d.service_index = resolve(v, p, "service", d.service, service_ids_, "service");
    read_time(v, p, "at", d.at, true);
    const bool strategy_ok = read_enum(v, p, "strategy", d.strategy, {"rolling", "canary", "blue_green"}, true);
    if (const Value* ver = member(v, p, "version", false, "an object")) {
      const std::string vp = join(p, "version");
      if (object(*ver, vp, {"error_percent", "latency_factor"})) {
        read_percent(*ver, vp, "error_percent", d.version_error_percent);
        read_number(*ver, vp, "latency_factor", d.version_latency_factor, 0.01, 100);
      }
    }
    if (const Value* c = member(v, p, "canary", false, "an object")) {
      const std::string cp = join(p, "canary");
      if (object(*c, cp, {"steps", "step_duration", "max_error_rate_percent", "max_latency_p95_ms"})) {
        if (const Value* st = c->find("steps")) {
          d.canary_steps.clear();
          bool ok = st->type == Type::array && !st->items.empty();
          double prev = 0;
          for (std::size_t i = 0; ok && i < st->items.size(); ++i) {
            const Value& x = st->items[i];
            ok = x.type == Type::number && x.number > prev && x.number <= 100;
            if (ok) d.canary_steps.push_back(prev = x.number);
          }
          if (!ok || d.canary_steps.back() != 100)
            expected(*st, join(cp, "steps"), "an increasing array of traffic percentages ending at 100");
        }
        read_duration(*c, cp, "step_duration", d.canary_step_duration, kMicrosPerSecond, kMicrosPerDay);
        read_percent(*c, cp, "max_error_rate_percent", d.canary_max_error_rate_percent);
        read_number(*c, cp, "max_latency_p95_ms", d.canary_max_latency_p95_ms, 0, 1e9);
      }
    }
    if (const Value* rl = member(v, p, "rolling", false, "an object")) {
      const std::string rp = join(p, "rolling");
      if (object(*rl, rp, {"max_surge", "max_unavailable"})) {
        read_int(*rl, rp, "max_surge", d.rolling_max_surge, 0, ScenarioLimits::kMaxInstancesPerService);
        read_int(*rl, rp, "max_unavailable", d.rolling_max_unavailable, 0, ScenarioLimits::kMaxInstancesPerService);
        if (d.rolling_max_surge == 0 && d.rolling_max_unavailable == 0)
          error(rl, rp, "expected max_surge or max_unavailable above 0 (otherwise the rollout cannot progress)");
      }
    }
    read_bool(v, p, "auto_rollback", d.auto_rollback);
    // A rolling update is judged by nothing on the way (sre/rollouts.h), so the canary
    // settings and auto_rollback would be read and ignored; a blue-green deployment is
    // judged once, after its switch, by the canary gates over one step_duration, without
    // steps. (An incident's response rolls back any strategy, auto_rollback or not.)
    if (strategy_ok && d.strategy == DeploymentSpec::Strategy::rolling) {
      for (const char* key : {"canary", "auto_rollback"})
        if (const Value* x = v.find(key))
          error(x, join(p, key),
                std::string("expected no \"") + key + "\" for a rolling deployment: nothing judges a rolling update on "
                "the way (no analysis; SLOs and incidents catch a bad release), so it would change nothing");
    } else if (strategy_ok && d.strategy == DeploymentSpec::Strategy::blue_green) {
      if (const Value* c = v.find("canary"))
        if (const Value* st = c->type == Type::object ? c->find("steps") : nullptr)
          error(st, join(join(p, "canary"), "steps"),
                "expected no \"steps\" for a blue_green deployment: traffic switches at once, and the new fleet is "
                "judged once, over one step_duration, so the steps would change nothing");
    }
    s_.deployments.push_back(d);
  });
  check_unique(root.find("deployments"), "$.deployments", "deployment");
}

void Loader::chaos(const Value& root) {
  read_array(root, "$", "chaos", false, 0, 1000, "kMaxChaosExperiments", [&](const Value& v, const std::string& p) {
    ChaosSpec c;
    if (!object(v, p, {"id", "title", "at", "hypothesis", "method", "rollbacks", "safety"})) return;
    read_id(v, p, "id", c.id);
    read_string(v, p, "title", c.title, false);
    read_time(v, p, "at", c.at, true);
    if (const Value* h = member(v, p, "hypothesis", true, "an object with \"probes\"")) {
      const std::string hp = join(p, "hypothesis");
      if (object(*h, hp, {"title", "probes"})) {
        read_string(*h, hp, "title", c.hypothesis_title, false);
        read_array(*h, hp, "probes", true, 1, 50, "kMaxProbes", [&](const Value& pv, const std::string& pp) {
          ProbeSpec pr;
          if (!object(pv, pp, {"metric", "window", "tolerance"})) return;
          if (read_string(pv, pp, "metric", pr.metric, true)) check_metric(pv, pp, "metric", pr.metric);
          read_duration(pv, pp, "window", pr.window, kMicrosPerSecond, kMicrosPerDay);
          if (const Value* t = member(pv, pp, "tolerance", true, "[low, high]")) {
            if (t->type != Type::array || t->items.size() != 2 || t->items[0].type != Type::number ||
                t->items[1].type != Type::number || t->items[0].number > t->items[1].number)
              expected(*t, join(pp, "tolerance"), "[low, high] with low <= high");
            else {
              pr.low = t->items[0].number;
              pr.high = t->items[1].number;
            }
          }
          c.probes.push_back(pr);
        });
      }
    }
    read_array(v, p, "method", true, 1, 50, "kMaxMethodSteps", [&](const Value& mv, const std::string& mp) {
      if (!object(mv, mp, {"fault", "duration"})) return;
      FaultSpec f;
      SimDuration d = 0;
      const Value* fv = member(mv, mp, "fault", true, "a fault object");
      read_duration(mv, mp, "duration", d, kMicrosPerSecond, kMicrosPerDay, true);
      if (fv && fault_body(*fv, join(mp, "fault"), f, false)) c.method.emplace_back(f, d);
    });
    read_array(v, p, "rollbacks", false, 0, 20, "kMaxRollbacks", [&](const Value& rv, const std::string& rp) {
      enum class R { instances, faults } r = R::instances;
      if (object(rv, rp, {"restore"}) && read_enum(rv, rp, "restore", r, {"instances", "faults"}, true))
        c.rollbacks.push_back(rv.find("restore")->text);
    });
    if (const Value* sf = member(v, p, "safety", false, "an object")) {
      const std::string sp = join(p, "safety");
      if (object(*sf, sp, {"min_error_budget_remaining_percent", "abort_on", "max_blast_radius_percent"})) {
        read_number(*sf, sp, "min_error_budget_remaining_percent", c.min_error_budget_remaining_percent, -1e6, 100);
        read_string_list(*sf, sp, "abort_on", c.abort_on, {"sev1", "sev2", "sev3", "sev4"});
        read_percent(*sf, sp, "max_blast_radius_percent", c.max_blast_radius_percent);
      }
    }
    s_.chaos.push_back(c);
  });
  check_unique(root.find("chaos"), "$.chaos", "chaos experiment");
}

void Loader::objectives(const Value& root) {
  read_array(root, "$", "objectives", false, 0, 200, "kMaxObjectives", [&](const Value& v, const std::string& p) {
    ObjectiveSpec o;
    if (!object(v, p, {"id", "description", "metric", "op", "value"})) return;
    read_id(v, p, "id", o.id);
    read_string(v, p, "description", o.description, false);
    if (read_string(v, p, "metric", o.metric, true)) check_metric(v, p, "metric", o.metric);
    read_enum(v, p, "op", o.op, {"<", "<=", ">", ">=", "==", "!="}, true);
    read_number(v, p, "value", o.value, -1e300, 1e300, true);
    s_.objectives.push_back(o);
  });
  check_unique(root.find("objectives"), "$.objectives", "objective");
}

void Loader::exercise(const Value& root) {
  const Value* v = member(root, "$", "exercise", false, "an object");
  const std::string p = "$.exercise";
  if (!v || !object(*v, p, {"statement", "hints", "solution"})) return;
  ExerciseSpec& e = s_.exercise;
  e.present = true;
  if (read_string(*v, p, "statement", e.statement, true) && e.statement.empty())
    expected(*v->find("statement"), join(p, "statement"), "a non-empty string");
  read_array(*v, p, "hints", false, 0, 20, "kMaxHints", [&](const Value& h, const std::string& hp) {
    if (h.type != Type::string || h.text.empty()) expected(h, hp, "a non-empty string");
    else e.hints.push_back(h.text);
  });
  if (read_string(*v, p, "solution", e.solution, false) && !is_solution_file_name(e.solution)) {
    expected(*v->find("solution"), join(p, "solution"),
             "a relative file name ending in \".json\" (such as \"solutions/cooldown.json\"; segments of letters, "
             "digits, '_', '-' and '.', none starting with '.')");
    e.solution.clear();
  }
}

}  // namespace opsim::detail
