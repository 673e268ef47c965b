// The scenario loader's fleet sections: services, agents, tenants (quotas, users,
// billing) and their loads with their load patterns.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "scenario/loader_internal.h"
#include "scenario/trace_file.h"

namespace opsim::detail {

void Loader::services(const Value& root) {
  read_array(root, "$", "services", true, 1, ScenarioLimits::kMaxServices, "kMaxServices",
             [&](const Value& v, const std::string& p) {
               ServiceSpec sv;
               if (!object(v, p, {"id", "kind", "instance", "instances", "queue", "rate_limit_rpm", "rate_limit_tpm",
                                  "retry_after", "time_to_first_token", "output_tokens_per_second",
                                  "input_tokens_per_second", "cost_per_1k_input_tokens", "cost_per_1k_output_tokens"}))
                 return;
               read_id(v, p, "id", sv.id);
               read_enum(v, p, "kind", sv.kind, {"service", "llm_provider"});
               model_provider(v, p, sv);
               bool cores_given = false, memory_given = false;
               if (const Value* inst = member(v, p, "instance", false, "an object")) {
                 const std::string ip = join(p, "instance");
                 if (object(*inst, ip, {"concurrency", "cpu_cores", "memory_mb", "startup", "cost_per_hour"})) {
                   read_int(*inst, ip, "concurrency", sv.concurrency, 1, ScenarioLimits::kMaxConcurrency);
                   cores_given = read_number(*inst, ip, "cpu_cores", sv.cpu_cores, 0.001, 1024);
                   memory_given = read_number(*inst, ip, "memory_mb", sv.memory_mb, 1, 16777216);
                   read_duration(*inst, ip, "startup", sv.startup, 0, kMicrosPerDay);
                   read_number(*inst, ip, "cost_per_hour", sv.cost_per_hour, 0, 1e6);
                 }
               }
               sized_.push_back({cores_given, memory_given});
               if (const Value* n = member(v, p, "instances", false, "an object")) {
                 const std::string np = join(p, "instances");
                 if (object(*n, np, {"initial", "min", "max"})) {
                   const int lim = ScenarioLimits::kMaxInstancesPerService;
                   int initial = -1, min = -1, max = -1;
                   read_int(*n, np, "initial", initial, 0, lim);
                   read_int(*n, np, "min", min, 0, lim);
                   read_int(*n, np, "max", max, 1, lim);
                   // Unstated bounds follow the stated ones: {"initial": 3} is a fixed fleet of 3.
                   sv.instances_initial = initial >= 0 ? initial : std::max(min, 1);
                   // An unstated min never exceeds a stated max, so that {"initial": 5, "max": 3}
                   // is reported as an initial out of bounds, not as a min the file never wrote.
                   sv.instances_min =
                       min >= 0 ? min : std::min(sv.instances_initial, max >= 0 ? max : sv.instances_initial);
                   sv.instances_max = max >= 0 ? max : std::max(sv.instances_initial, sv.instances_min);
                   if (sv.instances_min > sv.instances_max)
                     error(n, np, "expected min <= max, found min " + std::to_string(sv.instances_min) + " and max " +
                                      std::to_string(sv.instances_max));
                   else if (sv.instances_initial < sv.instances_min || sv.instances_initial > sv.instances_max)
                     error(n, join(np, "initial"), "expected initial between min (" + std::to_string(sv.instances_min) +
                                                       ") and max (" + std::to_string(sv.instances_max) + "), found " +
                                                       std::to_string(sv.instances_initial));
                 }
               }
               if (const Value* q = member(v, p, "queue", false, "an object")) {
                 const std::string qp = join(p, "queue");
                 if (object(*q, qp, {"capacity", "timeout", "discipline", "lifo_threshold", "shed_at"})) {
                   read_int(*q, qp, "capacity", sv.queue_capacity, 0, ScenarioLimits::kMaxQueueCapacity);
                   read_duration(*q, qp, "timeout", sv.queue_timeout, kMicrosPerMilli, kMicrosPerDay);
                   queue_protection(*q, qp, sv);
                 }
               }
               s_.services.push_back(sv);
               service_ids_.push_back(sv.id);
             });
  check_unique(root.find("services"), "$.services", "service");
}

void Loader::model_provider(const Value& v, const std::string& p, ServiceSpec& sv) {
  static const char* const kFields[] = {"rate_limit_rpm", "rate_limit_tpm", "retry_after", "time_to_first_token",
                                        "output_tokens_per_second", "input_tokens_per_second",
                                        "cost_per_1k_input_tokens", "cost_per_1k_output_tokens"};
  if (sv.kind != ServiceSpec::Kind::llm_provider) {
    for (const char* f : kFields)
      if (const Value* x = v.find(f))
        error(x, join(p, f), std::string(f) + " belongs to a model provider: add \"kind\": \"llm_provider\" to the "
                                              "service, or remove the field");
    return;
  }
  ModelProviderSpec& m = sv.model;
  read_number(v, p, "rate_limit_rpm", m.rate_limit_rpm, 1, 1e9);
  read_number(v, p, "rate_limit_tpm", m.rate_limit_tpm, 1, 1e12);
  read_duration(v, p, "retry_after", m.retry_after, kMicrosPerMilli, kMicrosPerHour);
  if (const Value* ra = v.find("retry_after"); ra && m.rate_limit_rpm == 0 && m.rate_limit_tpm == 0)
    error(ra, join(p, "retry_after"), "retry_after is sent with a 429, and without rate_limit_rpm or rate_limit_tpm "
                                      "this provider never answers one: give a limit, or remove the field");
  read_distribution(v, p, "time_to_first_token", m.time_to_first_token, Quantity::duration, true);
  read_number(v, p, "output_tokens_per_second", m.output_tokens_per_second, 0.01, 1e7, true);
  read_number(v, p, "input_tokens_per_second", m.input_tokens_per_second, 0.01, 1e9);
  read_number(v, p, "cost_per_1k_input_tokens", m.cost_per_1k_input_tokens, 0, 1e4);
  read_number(v, p, "cost_per_1k_output_tokens", m.cost_per_1k_output_tokens, 0, 1e4);
}

void Loader::queue_protection(const Value& q, const std::string& qp, ServiceSpec& sv) {
  read_enum(q, qp, "discipline", sv.discipline, {"fifo", "lifo", "adaptive_lifo"});
  const Value* threshold = q.find("lifo_threshold");
  if (sv.discipline == QueueDiscipline::adaptive_lifo)
    read_int(q, qp, "lifo_threshold", sv.lifo_threshold, 0, ScenarioLimits::kMaxQueueCapacity, true);
  else if (threshold)
    error(threshold, join(qp, "lifo_threshold"), "lifo_threshold is read only with \"discipline\": \"adaptive_lifo\"");
  const Value* shed = member(q, qp, "shed_at", false, "an object such as {\"sheddable\": 50, \"default\": 80}");
  if (!shed) return;
  const std::string sp = join(qp, "shed_at");
  if (shed->type != Type::object) {
    expected(*shed, sp, "an object such as {\"sheddable\": 50, \"default\": 80}");
    return;
  }
  if (!object(*shed, sp, {"sheddable", "default"})) return;
  const int top = ScenarioLimits::kMaxQueueCapacity - 1;
  read_int(*shed, sp, "sheddable", sv.shed_sheddable_at, 0, top);
  read_int(*shed, sp, "default", sv.shed_default_at, 0, top);
  if (!shed->find("sheddable") && !shed->find("default")) {
    error(shed, sp, "expected \"sheddable\" or \"default\" (a queue length), found neither");
    return;
  }
  // A threshold at or past the capacity would never shed: the queue is full first.
  for (const char* key : {"sheddable", "default"}) {
    int& at = std::string_view(key) == "sheddable" ? sv.shed_sheddable_at : sv.shed_default_at;
    if (at >= sv.queue_capacity) {
      error(shed->find(key), join(sp, key),
            "expected a queue length below the queue's capacity (" + std::to_string(sv.queue_capacity) + "), found " +
                std::to_string(at) + ": the queue would be full before it shed");
      at = -1;
    }
  }
  if (sv.shed_sheddable_at >= 0 && sv.shed_default_at >= 0 && sv.shed_default_at < sv.shed_sheddable_at)
    error(shed->find("default"), join(sp, "default"),
          "expected default's threshold at or above sheddable's (" + std::to_string(sv.shed_sheddable_at) +
              "): sheddable requests are shed first, found " + std::to_string(sv.shed_default_at));
}

void Loader::agents(const Value& root) {
  read_array(root, "$", "agents", true, 1, ScenarioLimits::kMaxAgents, "kMaxAgents", [&](const Value& v, const std::string& p) {
    AgentSpec a;
    if (!object(v, p, {"id", "service", "work", "tokens", "complexity", "model_size", "error_percent", "calls"})) return;
    read_id(v, p, "id", a.id);
    if (read_string(v, p, "service", a.service, true))
      a.service_index = resolve(v, p, "service", a.service, service_ids_, "service");
    const bool on_provider = a.service_index >= 0 &&
                             s_.services[static_cast<std::size_t>(a.service_index)].kind == ServiceSpec::Kind::llm_provider;
    if (on_provider) {
      // A model call's time comes from its tokens and the provider's speed.
      if (const Value* w = v.find("work"))
        error(w, join(p, "work"), "an agent on a service of kind llm_provider takes its work time from its tokens "
                                  "and the provider's speed: remove \"work\"");
      if (const Value* t = member(v, p, "tokens", true, "an object {\"input\": DIST, \"output\": DIST}")) {
        const std::string tp = join(p, "tokens");
        if (t->type != Type::object)
          expected(*t, tp, "an object {\"input\": DIST, \"output\": DIST}");
        else if (object(*t, tp, {"input", "output"})) {
          a.has_tokens = read_distribution(*t, tp, "input", a.input_tokens, Quantity::tokens, true) &&
                         read_distribution(*t, tp, "output", a.output_tokens, Quantity::tokens, true);
        }
      }
    } else {
      read_distribution(v, p, "work", a.work, Quantity::duration, true);
      if (const Value* t = v.find("tokens"))
        error(t, join(p, "tokens"), "tokens are those of a model call: only an agent on a service of kind "
                                    "llm_provider has them (this one runs on \"" + a.service + "\")");
    }
    read_enum(v, p, "complexity", a.complexity, {"low", "medium", "high"});
    read_enum(v, p, "model_size", a.model_size, {"standard", "large"});
    read_percent(v, p, "error_percent", a.error_percent);
    // The seeds' estimate: 256 MiB and 0.5 cores, x2 memory and x1.5 cores for high
    // complexity, x1.5 memory and x1.2 cores for a large model.
    a.memory_estimate_mb = 256 * (a.complexity == Complexity::high ? 2.0 : 1.0) * (a.model_size == ModelSize::large ? 1.5 : 1.0);
    a.cpu_estimate_cores = 0.5 * (a.complexity == Complexity::high ? 1.5 : 1.0) * (a.model_size == ModelSize::large ? 1.2 : 1.0);
    s_.agents.push_back(a);
    agent_ids_.push_back(a.id);
    agent_items_.push_back(&v);
    agent_paths_.push_back(p);
  });
  check_unique(root.find("agents"), "$.agents", "agent");
  // Calls name agents anywhere in the list, so they are read once every id is known.
  call_edges_.assign(s_.agents.size(), {});
  for (std::size_t i = 0; i < s_.agents.size(); ++i)
    calls(*agent_items_[i], agent_paths_[i], static_cast<int>(i), s_.agents[i]);
  call_cycles();
  size_instances(root);
}

bool Loader::read_distribution(const Value& obj, const std::string& path, std::string_view key, Distribution& out,
                               Quantity quantity, bool required) {
  const bool tokens = quantity == Quantity::tokens;
  const std::string example = tokens ? "an object such as {\"dist\": \"lognormal\", \"median\": 800, \"p99\": 4000}"
                                     : "an object such as {\"dist\": \"exponential\", \"mean\": \"1s\"}";
  const Value* w = member(obj, path, key, required, example);
  if (!w) return false;
  const std::string wp = join(path, key);
  if (w->type != Type::object) {
    expected(*w, wp, example);
    return false;
  }
  enum class D { constant, exponential, lognormal, gamma } dist = D::constant;
  if (!read_enum(*w, wp, "dist", dist, {"constant", "exponential", "lognormal", "gamma"}, true)) return false;
  // One value of the distribution: a duration in seconds, or a count of tokens.
  auto value = [&](std::string_view k, double& x) {
    if (!tokens) {
      SimDuration d = 0;
      if (!read_duration(*w, wp, k, d, 1, kMicrosPerDay, true)) return false;
      x = to_seconds(d);
      return true;
    }
    return read_number(*w, wp, k, x, 1, ScenarioLimits::kMaxTokensPerCall, true);
  };
  double x = 0, y = 0, cv = 0;
  switch (dist) {
    case D::constant:
      if (!object(*w, wp, {"dist", "value"}) || !value("value", x)) return false;
      out = Distribution::constant(x);
      return true;
    case D::exponential:
      if (!object(*w, wp, {"dist", "mean"}) || !value("mean", x)) return false;
      out = Distribution::exponential(x);
      return true;
    case D::lognormal:
      if (!object(*w, wp, {"dist", "median", "p99"}) || !value("median", x) || !value("p99", y)) return false;
      if (y <= x) {
        error(w->find("p99"), join(wp, "p99"),
              "expected a p99 above the median (" + (tokens ? json::number(x) : format_duration(from_seconds(x))) +
                  "), found " + (tokens ? json::number(y) : json::quote(w->find("p99")->text)));
        return false;
      }
      out = Distribution::lognormal_median_p99(x, y);
      return true;
    case D::gamma:
      if (!object(*w, wp, {"dist", "mean", "cv"}) || !value("mean", x) || !read_number(*w, wp, "cv", cv, 0.01, 10, true))
        return false;
      out = Distribution::gamma_mean_cv(x, cv);
      return true;
  }
  return false;
}

void Loader::size_instances(const Value& root) {
  // An instance whose cores or memory the scenario leaves out is sized for `concurrency`
  // executions of the service's largest agent (as a pod without requests is not held back
  // by them): slots are then its only limit.
  for (std::size_t v = 0; v < s_.services.size() && v < sized_.size(); ++v) {
    ServiceSpec& sv = s_.services[v];
    double cores = 0, memory = 0;
    for (const AgentSpec& a : s_.agents)
      if (a.service_index == static_cast<int>(v)) {
        cores = std::max(cores, a.cpu_estimate_cores);
        memory = std::max(memory, a.memory_estimate_mb);
      }
    if (cores == 0) continue;  // no agent runs there
    if (!sized_[v].cores_given) sv.cpu_cores = sv.concurrency * cores;
    if (!sized_[v].memory_given) sv.memory_mb = sv.concurrency * memory;
  }
  if (error_count() > 0) return;  // the agents' list and their specs line up only without errors
  const Value* list = root.find("agents");
  for (std::size_t i = 0; list && list->type == Type::array && i < s_.agents.size() && i < list->items.size(); ++i)
    if (s_.agents[i].service_index >= 0) resources_note(list->items[i], index("$.agents", i), s_.agents[i]);
}

void Loader::resources_note(const Value& v, const std::string& p, const AgentSpec& a) {
  // Each execution holds its estimate on its instance: where `concurrency` of them do not
  // fit in the instance's cores or memory, fewer run at once than there are slots. Not an
  // error (memory pressure is a lesson), but said, since cpu_utilization counts slots.
  const ServiceSpec& sv = s_.services[static_cast<std::size_t>(a.service_index)];
  const double by_cores = std::floor(sv.cpu_cores / a.cpu_estimate_cores + 1e-9);
  const double by_memory = std::floor(sv.memory_mb / a.memory_estimate_mb + 1e-9);
  const int fit = static_cast<int>(std::min(by_cores, by_memory));
  if (fit >= sv.concurrency) return;
  const bool cores = by_cores <= by_memory;
  warn(&v, p,
       "at most " + std::to_string(fit) + " of its executions fit on an instance of service \"" + sv.id + "\" at once (" +
           (cores ? "each holds " + json::number(a.cpu_estimate_cores) + " cores of its " + json::number(sv.cpu_cores)
                  : "each holds " + json::number(a.memory_estimate_mb) + " MB of its " + json::number(sv.memory_mb)) +
           "), fewer than its concurrency of " + std::to_string(sv.concurrency) +
           ": its other slots stay idle while requests wait, and cpu_utilization, which counts slots, stays below 100 %");
}

void Loader::pattern(const Value& v, const std::string& p, PatternSpec& pat) {
  if (v.type != Type::object) {
    expected(v, p, "an object such as {\"type\": \"diurnal\", \"peak_hour\": 14}");
    return;
  }
  using T = PatternSpec::Type;
  if (!read_enum(v, p, "type", pat.type, {"constant", "diurnal", "weekly", "ramp", "spike", "trace"}, true)) return;
  switch (pat.type) {
    case T::constant:
      if (object(v, p, {"type", "factor"})) read_number(v, p, "factor", pat.factor, 0, 1e6);
      break;
    case T::diurnal:
      if (object(v, p, {"type", "peak_hour", "trough_factor"})) {
        read_number(v, p, "peak_hour", pat.peak_hour, 0, 24);
        read_number(v, p, "trough_factor", pat.trough_factor, 0, 1);
      }
      break;
    case T::weekly:
      if (object(v, p, {"type", "factors"})) {
        const Value* f = member(v, p, "factors", true, "an array of 7 factors, Monday first");
        if (!f) break;
        if (f->type != Type::array || f->items.size() != 7) {
          expected(*f, join(p, "factors"), "an array of 7 factors, Monday first");
          break;
        }
        for (std::size_t i = 0; i < 7; ++i) {
          const Value& x = f->items[i];
          if (x.type != Type::number || x.number < 0 || x.number > 1e6)
            expected(x, index(join(p, "factors"), i), "a number " + json::range_text(0, 1e6));
          else
            pat.weekly_factors[i] = x.number;
        }
      }
      break;
    case T::ramp:
      if (object(v, p, {"type", "at", "duration", "from", "to"})) {
        read_time(v, p, "at", pat.at, true);
        read_duration(v, p, "duration", pat.duration, 1, ScenarioLimits::kMaxDuration, true);
        read_number(v, p, "from", pat.from, 0, 1e6, true);
        read_number(v, p, "to", pat.to, 0, 1e6, true);
      }
      break;
    case T::spike:
      if (object(v, p, {"type", "at", "duration", "multiplier"})) {
        read_time(v, p, "at", pat.at, true);
        read_duration(v, p, "duration", pat.duration, 1, ScenarioLimits::kMaxDuration, true);
        read_number(v, p, "multiplier", pat.multiplier, 0, 1e6, true);
      }
      break;
    case T::trace: trace(v, p, pat); break;
  }
}

void Loader::trace(const Value& v, const std::string& p, PatternSpec& pat) {
  if (!object(v, p, {"type", "points", "file", "column", "unit", "scale", "shift", "repeat"})) return;
  const Value* pts = v.find("points");
  const Value* file = v.find("file");
  if (!pts && !file) {
    error(&v, join(p, "points"), "expected \"points\" (an array of [at, rate] pairs) or \"file\" (a CSV or a Prometheus "
                                 "query_range export), found neither");
    return;
  }
  if (pts && file) {
    expected(*file, join(p, "file"), "no \"file\" beside \"points\" (a trace is one or the other)");
    return;
  }
  if (const Value* c = v.find("column"); c && !file)
    expected(*c, join(p, "column"), "no \"column\" without \"file\" (it names a CSV file's value column)");
  // Rates: per second unless the unit says per minute, times the scale.
  int per_minute = 0;
  read_enum(v, p, "unit", per_minute, {"per_second", "per_minute"});
  double scale = 1;
  read_number(v, p, "scale", scale, 0, 1e6);
  const double factor = per_minute ? scale / 60.0 : scale;
  if (const Value* sv = v.find("shift")) {
    // A delay ("30m"), or with a '-' a start part-way into the trace ("-2d").
    const bool back = sv->type == Type::string && !sv->text.empty() && sv->text[0] == '-';
    SimDuration d = 0;
    if (sv->type != Type::string || !parse_duration(std::string_view(sv->text).substr(back ? 1 : 0), d) ||
        d > ScenarioLimits::kMaxDuration)
      expected(*sv, join(p, "shift"), "a duration such as \"30m\", or \"-2d\" to start 2 days into the trace");
    else
      pat.shift = back ? -d : d;
  }
  read_duration(v, p, "repeat", pat.repeat, kMicrosPerSecond, ScenarioLimits::kMaxDuration);

  if (file) {
    NamedFile f;
    if (!read_named_file(v, p, "file", f)) return;
    std::string column;
    read_string(v, p, "column", column, false);
    std::vector<TracePoint> rows;
    std::vector<Diagnostic> found;
    if (read_trace_file(f.text, column, static_cast<std::size_t>(ScenarioLimits::kMaxTracePoints), "kMaxTracePoints", rows, found)) {
      // Times from the first row, which is the scenario's start (plus any shift).
      for (const TracePoint& r : rows) {
        const double from_first_us = std::round((r.unix_s - rows.front().unix_s) * static_cast<double>(kMicrosPerSecond));
        if (from_first_us > static_cast<double>(ScenarioLimits::kMaxDuration)) {
          expected(*file, join(p, "file"), "a trace of at most " + format_duration(ScenarioLimits::kMaxDuration) +
                                               ", found one of " + json::number(from_first_us / kMicrosPerDay) + " days");
          return;
        }
        const SimTime at = static_cast<SimTime>(from_first_us);
        if (!pat.points.empty() && at <= pat.points.back().first) {
          expected(*file, join(p, "file"), "rows at least a microsecond apart");
          return;
        }
        pat.points.emplace_back(at, r.value * factor);
      }
    }
    file_diagnostics(f, join(p, "file"), found);
  } else {
    const std::string pp = join(p, "points");
    if (pts->type != Type::array || pts->items.empty()) {
      expected(*pts, pp, "a non-empty array of [at, rate] pairs");
      return;
    }
    if (pts->items.size() > static_cast<std::size_t>(ScenarioLimits::kMaxTracePoints)) {
      error(pts, pp, "too many points: " + std::to_string(pts->items.size()) + " exceeds the limit kMaxTracePoints = " +
                         std::to_string(ScenarioLimits::kMaxTracePoints));
      return;
    }
    SimTime previous = -1;
    for (std::size_t i = 0; i < pts->items.size(); ++i) {
      const Value& pt = pts->items[i];
      const std::string ptp = index(pp, i);
      SimDuration at = 0;
      std::int64_t unix_s = 0;
      bool ok = pt.type == Type::array && pt.items.size() == 2 && pt.items[0].type == Type::string &&
                pt.items[1].type == Type::number && pt.items[1].number >= 0 && pt.items[1].number <= 1e7;
      if (ok) {
        if (parse_duration(pt.items[0].text, at)) {
        } else if (parse_iso8601_utc(pt.items[0].text, unix_s) && unix_s >= s_.calendar.start_unix_s()) {
          at = (unix_s - s_.calendar.start_unix_s()) * kMicrosPerSecond;
        } else {
          ok = false;
        }
      }
      if (!ok) {
        expected(pt, ptp, "a pair [at, rate] such as [\"1h\", 12.5] (rate from 0 to 10000000)");
        continue;
      }
      if (at <= previous) {
        expected(pt.items[0], index(ptp, 0), "a time after the previous point's");
        continue;
      }
      previous = at;
      pat.points.emplace_back(at, pt.items[1].number * factor);
    }
  }
  for (auto& point : pat.points)
    if (point.second > 1e7) {
      expected(file ? *file : *pts, join(p, file ? "file" : "points"),
               "rates of at most 10000000 per second (after unit and scale), found " + json::number(point.second));
      pat.points.clear();
      return;
    }
  if (pat.repeat > 0 && !pat.points.empty() && pat.points.back().first > pat.repeat)
    expected(*v.find("repeat"), join(p, "repeat"),
             "a period at least as long as the trace (" + format_duration(pat.points.back().first) +
                 ": its last point would never play)");
}

void Loader::tenants(const Value& root) {
  read_array(root, "$", "tenants", true, 1, ScenarioLimits::kMaxTenants, "kMaxTenants", [&](const Value& v, const std::string& p) {
    TenantSpec t;
    if (!object(v, p, {"id", "name", "isolation", "priority", "quota", "users", "compliance", "security_policies",
                       "billing", "load"}))
      return;
    read_id(v, p, "id", t.id);
    t.name = t.id;
    read_string(v, p, "name", t.name, false);
    read_enum(v, p, "isolation", t.isolation, {"shared", "namespace", "dedicated", "physical"});
    read_enum(v, p, "priority", t.priority, {"critical", "default", "sheddable"});
    if (const Value* q = member(v, p, "quota", false, "an object")) {
      const std::string qp = join(p, "quota");
      if (object(*q, qp, {"max_concurrent_agents", "max_memory_mb", "max_cpu_cores", "max_storage_gb",
                          "max_requests_per_minute", "max_execution_time", "max_tokens_per_minute"})) {
        QuotaSpec& qs = t.quota;
        qs.given = true;
        read_int(*q, qp, "max_concurrent_agents", qs.max_concurrent_agents, 1, 1e6);
        read_number(*q, qp, "max_memory_mb", qs.max_memory_mb, 1, 1e9);
        read_number(*q, qp, "max_cpu_cores", qs.max_cpu_cores, 0.001, 1e6);
        read_number(*q, qp, "max_requests_per_minute", qs.max_requests_per_minute, 1, 1e9);
        read_duration(*q, qp, "max_execution_time", qs.max_execution_time, kMicrosPerMilli, kMicrosPerDay);
        if (read_number(*q, qp, "max_tokens_per_minute", qs.max_tokens_per_minute, 1, 1e12) && !s_.has_providers())
          error(q->find("max_tokens_per_minute"), join(qp, "max_tokens_per_minute"),
                "max_tokens_per_minute limits the tokens of model calls, and no service of this scenario is of kind "
                "llm_provider: add one, or remove the field");
        // Named apart from an unknown field: the seed's quota has it, but nothing an agent
        // does in opsim stores data, so a storage quota could never refuse a request.
        if (const Value* storage = q->find("max_storage_gb"))
          error(storage, join(qp, "max_storage_gb"),
                "max_storage_gb is not simulated (agents have no storage footprint in opsim, so a storage quota "
                "could never refuse a request): remove the field");
      }
    }
    read_array(v, p, "users", false, 0, ScenarioLimits::kMaxUsersPerTenant, "kMaxUsersPerTenant",
               [&](const Value& u, const std::string& up) {
                 UserSpec us;
                 if (!object(u, up, {"id", "roles", "weight"})) return;
                 read_id(u, up, "id", us.id);
                 read_string_list(u, up, "roles", us.roles);
                 read_number(u, up, "weight", us.weight, 0, 1e6);
                 t.users.push_back(us);
               });
    check_unique(v.find("users"), join(p, "users"), "user");
    read_string_list(v, p, "compliance", t.compliance);
    if (const Value* sp = member(v, p, "security_policies", false, "an object")) {
      if (sp->type != Type::object) expected(*sp, join(p, "security_policies"), "an object");
      else t.security_policies = *sp;
    }
    if (const Value* b = member(v, p, "billing", false, "an object")) {
      const std::string bp = join(p, "billing");
      if (object(*b, bp, {"plan", "price_per_request_usd", "price_per_cpu_hour_usd"})) {
        read_string(*b, bp, "plan", t.billing.plan, false);
        read_number(*b, bp, "price_per_request_usd", t.billing.price_per_request_usd, 0, 1e6);
        read_number(*b, bp, "price_per_cpu_hour_usd", t.billing.price_per_cpu_hour_usd, 0, 1e6);
      }
    }
    read_array(v, p, "load", false, 0, ScenarioLimits::kMaxLoadsPerTenant, "kMaxLoadsPerTenant",
               [&](const Value& l, const std::string& lp) {
                 LoadSpec ld;
                 if (!object(l, lp, {"agent", "rate", "patterns"})) return;
                 if (read_string(l, lp, "agent", ld.agent, true))
                   ld.agent_index = resolve(l, lp, "agent", ld.agent, agent_ids_, "agent");
                 read_number(l, lp, "rate", ld.rate, 0, 1e7);
                 read_array(l, lp, "patterns", false, 0, ScenarioLimits::kMaxPatternsPerLoad, "kMaxPatternsPerLoad",
                            [&](const Value& pv, const std::string& pp) {
                              PatternSpec pat;
                              pattern(pv, pp, pat);
                              ld.patterns.push_back(pat);
                            });
                 const bool has_trace = std::any_of(ld.patterns.begin(), ld.patterns.end(),
                                                    [](const PatternSpec& x) { return x.type == PatternSpec::Type::trace; });
                 if (!l.find("rate") && !has_trace)
                   error(&l, join(lp, "rate"), "expected a number of at least 0 (requests per second), found nothing "
                                               "(the field is required unless a \"trace\" pattern gives the rate)");
                 t.load.push_back(ld);
               });
    s_.tenants.push_back(t);
    tenant_ids_.push_back(t.id);
  });
  check_unique(root.find("tenants"), "$.tenants", "tenant");
}

}  // namespace opsim::detail
