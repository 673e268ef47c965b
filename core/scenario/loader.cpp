// The scenario loader: the one place that turns a scenario's JSON into typed objects.
// This file holds the entry point (load_scenario), the order in which the sections are
// read, the top-level fields, the checks that span sections and the limits, and the
// memory estimate. The sections themselves are read in loader_fleet.cpp, loader_calls.cpp,
// loader_operations.cpp and loader_sre.cpp; the Loader class is declared in
// loader_internal.h, and its typed reading helpers are json::Reader's (json/reader.h).
//
// [SECTION] The document and its top-level fields
// [SECTION] Helpers that need the scenario read so far
// [SECTION] cross-section checks and limits
// [SECTION] Entry point
#include "scenario/loader.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

#include "metrics/metric_catalog.h"
#include "metrics/registry.h"
#include "scenario/loader_internal.h"
#include "sre/canary.h"

namespace opsim {

namespace detail {

// [SECTION] The document and its top-level fields

void Loader::run(const Value& root) {
  if (!object(root, "$", {"schema", "name", "description", "tags", "seed", "start", "duration", "services", "agents",
                          "tenants", "context", "monitoring", "scaling", "slos", "alerting", "incidents", "faults",
                          "deployments", "chaos", "objectives", "exercise"}))
    return;
  top(root);
  services(root);
  agents(root);
  tenants(root);
  context(root);
  monitoring(root);
  scaling(root);
  slos(root);
  alerting(root);
  incidents(root);
  faults(root);
  deployments(root);
  chaos(root);
  objectives(root);
  exercise(root);
  if (error_count() == 0) limits(root);
}

void Loader::top(const Value& root) {
  const std::string p = "$";
  if (const Value* v = member(root, p, "schema", true, "\"opsim/1\"")) {
    if (v->type != Type::string || v->text != "opsim/1") expected(*v, "$.schema", "\"opsim/1\"");
  }
  if (read_string(root, p, "name", s_.name, true) && s_.name.empty()) expected(*root.find("name"), "$.name", "a non-empty string");
  read_string(root, p, "description", s_.description, false);
  read_string_list(root, p, "tags", s_.tags);
  if (const Value* v = root.find("seed")) {
    // Seeds are full 64-bit unsigned integers: read from the literal, not the double.
    char* end = nullptr;
    const unsigned long long seed = v->type == Type::number && v->is_integer && v->text[0] != '-'
                                        ? std::strtoull(v->text.c_str(), &end, 10)
                                        : 0;
    if (v->type != Type::number || !v->is_integer || v->text[0] == '-' || !end || *end != 0 ||
        v->text.size() > 20 || (v->text.size() == 20 && v->text > "18446744073709551615"))
      expected(*v, "$.seed", "an integer from 0 to 18446744073709551615");
    else
      s_.seed = seed;
  }
  if (const Value* v = root.find("start")) {
    std::int64_t unix_s = 0;
    if (v->type != Type::string || !parse_iso8601_utc(v->text, unix_s))
      expected(*v, "$.start", "an ISO 8601 UTC timestamp such as \"2026-01-05T00:00:00Z\"");
    else
      s_.calendar = Calendar(unix_s);
  }
  read_duration(root, p, "duration", s_.duration, kMicrosPerSecond, ScenarioLimits::kMaxDuration, true);
}

// [SECTION] Helpers that need the scenario read so far

bool Loader::read_time(const Value& obj, const std::string& path, std::string_view key, SimTime& out,
                       bool required) {
  const std::string what = "a time: an offset from start such as \"2d3h\", or an ISO 8601 UTC time";
  const Value* v = member(obj, path, key, required, what);
  if (!v) return false;
  SimDuration d = 0;
  std::int64_t unix_s = 0;
  if (v->type == Type::string && parse_duration(v->text, d)) {
    out = d;
  } else if (v->type == Type::string && parse_iso8601_utc(v->text, unix_s)) {
    if (unix_s < s_.calendar.start_unix_s()) {
      expected(*v, join(path, key), "a time not before the scenario's start (" + s_.calendar.iso8601(0) + ")");
      return false;
    }
    out = (unix_s - s_.calendar.start_unix_s()) * kMicrosPerSecond;
  } else {
    expected(*v, join(path, key), what);
    return false;
  }
  if (out > ScenarioLimits::kMaxDuration) {
    expected(*v, join(path, key), "a time within " + format_duration(ScenarioLimits::kMaxDuration) + " of start");
    return false;
  }
  return true;
}

void Loader::check_metric(const Value& obj, const std::string& path, std::string_view key, const std::string& name,
                          json::Reader* into) {
  json::Reader& out = into ? *into : *this;
  MetricRef ref;
  std::string why;
  const Value* v = obj.find(key);
  if (!parse_metric_name(name, ref, why)) {
    out.error(v, join(path, key), "expected a metric name of SCENARIO_FORMAT.md (such as \"latency_p95_ms\" or "
                              "\"tenant.<id>.error_rate_percent\"), found " + json::quote(name) + ": " + why);
    return;
  }
  const std::vector<std::string>* ids = nullptr;
  const char* what = "";
  std::vector<std::string> tmp;
  switch (ref.scope) {
    case kGlobal: break;
    case kTenant: ids = &tenant_ids_; what = "tenant"; break;
    case kService: ids = &service_ids_; what = "service"; break;
    case kAgent: ids = &agent_ids_; what = "agent"; break;
    case kSlo:
      for (const auto& slo : s_.slos) tmp.push_back(slo.id);
      ids = &tmp;
      what = "SLO";
      break;
    case kChaos:
      for (const auto& c : s_.chaos) tmp.push_back(c.id);
      ids = &tmp;
      what = "chaos experiment";
      break;
    case kCall:
      for (const opsim::CallEdge& e : opsim::call_edges(s_))
        tmp.push_back(s_.agents[static_cast<std::size_t>(e.caller)].id + "." + s_.agents[static_cast<std::size_t>(e.callee)].id);
      ids = &tmp;
      what = "call edge (caller.callee)";
      break;
  }
  if (ids && std::find(ids->begin(), ids->end(), ref.scope_id) == ids->end()) {
    out.error(v, join(path, key), std::string("metric ") + json::quote(name) + " names " + what + " \"" + ref.scope_id +
                                  "\", which the scenario does not define");
    return;
  }
  if (!ref.info->present_in(s_)) {
    out.error(v, join(path, key), std::string("metric ") + json::quote(name) + " " + ref.info->needs_text());
    return;
  }
  if (!ref.info->simulated)
    out.warn(v, join(path, key), std::string("metric \"") + ref.info->name +
                                 "\" belongs to a subsystem this version does not simulate yet; it is not measured");
}

bool Loader::read_named_file(const Value& obj, const std::string& path, std::string_view key, NamedFile& out) {
  const Value* v = obj.find(key);
  if (!v) return false;
  const std::string p = join(path, key);
  if (v->type != Type::string || v->text.empty()) return expected(*v, p, "a file's path, relative to the scenario's file");
  std::string why;
  if (!files_) {
    error(v, p, "cannot read " + json::quote(v->text) + ": files a scenario names are read when it is opened from a "
                "file (opsim run, validate, grade or sweep PATH); here it was given as text");
    return false;
  }
  if (!files_(v->text, out, why)) {
    error(v, p, "cannot read " + json::quote(v->text) + (why.empty() ? "" : ": " + why));
    return false;
  }
  if (out.text.size() > ScenarioLimits::kMaxFileBytes) {
    error(v, p, "the file " + out.name + " is " + std::to_string(out.text.size()) +
                    " bytes, over the limit kMaxFileBytes = " + std::to_string(ScenarioLimits::kMaxFileBytes));
    return false;
  }
  return true;
}

void Loader::file_diagnostics(const NamedFile& file, const std::string& named_at, std::vector<Diagnostic>& found,
                              bool warnings) {
  for (Diagnostic& d : found) {
    d.file = file.name;
    if (d.path.rfind("$.", 0) == 0) d.path.erase(0, 2);  // a path inside the file, as kubectl words it
    d.message += " (in the file that " + named_at + " names)";
    (warnings ? r_.warnings : r_.errors).push_back(std::move(d));
  }
}

// [SECTION] cross-section checks and limits

namespace {

double peak_factor(const PatternSpec& p) {
  switch (p.type) {
    case PatternSpec::Type::constant: return p.factor;
    case PatternSpec::Type::diurnal: return 1.0;
    case PatternSpec::Type::weekly: return *std::max_element(p.weekly_factors.begin(), p.weekly_factors.end());
    case PatternSpec::Type::ramp: return std::max({1.0, p.from, p.to});
    case PatternSpec::Type::spike: return std::max(1.0, p.multiplier);
    case PatternSpec::Type::trace: return 1.0;  // the trace's own peak is the rate, below
  }
  return 1.0;
}

// Requests that one arrival of each agent makes at most: itself, and for each of its calls
// count x max_attempts requests of the called agent, each with its own calls. The calls form
// no cycle here (limits() runs only on a scenario without errors). Post-order over the
// graph with an explicit stack; capped, so that a deep graph of large counts stays finite.
std::vector<double> requests_per_arrival(const Scenario& s) {
  const std::size_t n = s.agents.size();
  std::vector<double> requests(n, -1);
  std::vector<std::pair<std::size_t, bool>> stack;  // (agent, its callees pushed)
  for (std::size_t root = 0; root < n; ++root) {
    stack.push_back({root, false});
    while (!stack.empty()) {
      const std::size_t a = stack.back().first;
      if (requests[a] >= 0) {
        stack.pop_back();
        continue;
      }
      if (!stack.back().second) {
        stack.back().second = true;
        for (const CallStep& step : s.agents[a].calls)
          for (const CallSpec& c : step.calls)
            if (requests[static_cast<std::size_t>(c.agent_index)] < 0)
              stack.push_back({static_cast<std::size_t>(c.agent_index), false});
        continue;
      }
      stack.pop_back();
      double total = 1;
      for (const CallStep& step : s.agents[a].calls)
        for (const CallSpec& c : step.calls) {
          const double callee = requests[static_cast<std::size_t>(c.agent_index)];
          total += static_cast<double>(c.count) * c.retry.max_attempts * callee;
        }
      requests[a] = std::min(total, 1e30);
    }
  }
  return requests;
}

}  // namespace

void Loader::limits(const Value& root) {
  double slots = 0;
  for (const ServiceSpec& sv : s_.services) slots += static_cast<double>(sv.instances_max) * sv.concurrency;
  if (slots > ScenarioLimits::kMaxTotalSlots)
    error(root.find("services"), "$.services",
          "instances.max x concurrency summed over services is " + json::number(slots) +
              ", over the limit kMaxTotalSlots = " + json::number(ScenarioLimits::kMaxTotalSlots));
  // traffic_spike faults (the scenario's and the chaos experiments') multiply their
  // tenant's loads while they last, so they count at their peak like a spike pattern: all
  // of them, since they may overlap, but only the largest of one experiment, whose steps
  // run one after another. Without them a few overlapping spikes passed this limit and the
  // run then took hours (found by fuzz_simulation).
  std::vector<double> spike_factor(s_.tenants.size(), 1.0);
  auto spike = [](const FaultSpec& f) {
    return f.type == FaultType::traffic_spike && f.tenant_index >= 0 ? std::max(1.0, f.multiplier) : 1.0;
  };
  for (const FaultSpec& f : s_.faults)
    if (f.tenant_index >= 0) spike_factor[static_cast<std::size_t>(f.tenant_index)] *= spike(f);
  for (const ChaosSpec& c : s_.chaos) {
    std::vector<double> largest(s_.tenants.size(), 1.0);
    for (const auto& step : c.method)
      if (step.first.tenant_index >= 0) {
        double& l = largest[static_cast<std::size_t>(step.first.tenant_index)];
        l = std::max(l, spike(step.first));
      }
    for (std::size_t t = 0; t < largest.size(); ++t) spike_factor[t] *= largest[t];
  }
  const std::vector<double> per_arrival = requests_per_arrival(s_);
  const bool with_calls =
      std::any_of(s_.agents.begin(), s_.agents.end(), [](const AgentSpec& a) { return !a.calls.empty(); });
  double expected_requests = 0;
  for (std::size_t ti = 0; ti < s_.tenants.size(); ++ti)
    for (const LoadSpec& l : s_.tenants[ti].load) {
      double peak = l.rate;
      for (const PatternSpec& p : l.patterns) {
        if (p.type == PatternSpec::Type::trace) {
          double m = 0;
          for (const auto& pt : p.points) m = std::max(m, pt.second);
          peak = m;
        }
      }
      for (const PatternSpec& p : l.patterns) peak *= peak_factor(p);
      expected_requests +=
          peak * spike_factor[ti] * to_seconds(s_.duration) * per_arrival[static_cast<std::size_t>(l.agent_index)];
    }
  if (expected_requests > ScenarioLimits::kMaxExpectedRequests)
    error(root.find("tenants"), "$.tenants",
          "the loads' peak rates over the duration come to " + json::number(expected_requests) + " requests" +
              (with_calls ? " (each arrival with the calls it makes, every attempt counted)" : "") +
              ", over the limit kMaxExpectedRequests = " + json::number(ScenarioLimits::kMaxExpectedRequests));
  // Each SLO keeps one bucket per scrape interval over its window (or the longest
  // burn-rate window, if longer).
  SimDuration longest_alert = 0;
  for (const BurnRateAlertSpec& b : s_.alerting.burn_rate) longest_alert = std::max(longest_alert, b.long_window);
  double slo_buckets = 0;
  for (const SloSpec& slo : s_.slos)
    slo_buckets += std::ceil(static_cast<double>(std::max(slo.window, longest_alert)) /
                             static_cast<double>(s_.monitoring.scrape_interval)) + 1;
  if (slo_buckets > ScenarioLimits::kMaxSloBuckets)
    error(root.find("slos"), "$.slos",
          "the SLOs' windows / scrape_interval come to " + json::number(slo_buckets) +
              " buckets, over the limit kMaxSloBuckets = " + json::number(ScenarioLimits::kMaxSloBuckets));
  const double rows = static_cast<double>(s_.monitoring.retention) / static_cast<double>(s_.monitoring.scrape_interval);
  const std::size_t columns = MetricRegistry::column_count(s_);
  const double values = rows * static_cast<double>(columns);
  if (values > ScenarioLimits::kMaxRetainedValues)
    error(root.find("monitoring"), "$.monitoring.retention",
          "retention / scrape_interval x " + std::to_string(columns) + " time-series columns is " +
              json::number(values) + " values, over the limit kMaxRetainedValues = " +
              json::number(ScenarioLimits::kMaxRetainedValues));
  // Checked last and only when every part is within its own limit: it names the whole.
  if (error_count() != 0) return;
  const double mb = estimated_memory_bytes(s_) / (1024.0 * 1024.0);
  if (mb > ScenarioLimits::kMaxEstimatedMemoryMb)
    error(&root, "$",
          "the simulation would need about " + json::number(std::ceil(mb)) +
              " MB (scopes, samples, SLO buckets, users x services, requests in flight), over the limit "
              "kMaxEstimatedMemoryMb = " + json::number(ScenarioLimits::kMaxEstimatedMemoryMb));
}

}  // namespace detail

// [SECTION] Entry point

LoadResult load_scenario(std::string_view text, const FileReader& files) {
  LoadResult r;
  if (text.size() > ScenarioLimits::kMaxFileBytes) {
    r.errors.push_back({"$", "the file is " + std::to_string(text.size()) + " bytes, over the limit kMaxFileBytes = " +
                                 std::to_string(ScenarioLimits::kMaxFileBytes), 0, 0});
    return r;
  }
  json::Value root;
  json::ParseError pe;
  if (!json::parse(text, root, pe)) {
    r.errors.push_back({"$", "JSON syntax error: " + pe.message, pe.line, pe.column});
    return r;
  }
  detail::Loader loader(r, files);
  loader.run(root);
  // The scenario's own errors first, then each named file's, each in the order of its lines.
  std::stable_sort(r.errors.begin(), r.errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.file != b.file) return a.file < b.file;
    return a.line < b.line || (a.line == b.line && a.column < b.column);
  });
  r.ok = r.errors.empty();
  if (!r.ok) r.scenario = Scenario{};
  return r;
}

}  // namespace opsim
