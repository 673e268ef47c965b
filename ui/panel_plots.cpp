// The time-series plots: request rate per tenant, latency percentiles, error rate,
// instances, queue depth and utilisation. Their time axes are linked. Above them, when the
// Graph tab has focused a node (App::plot_focus), that service's, agent's or call's own.
#include <string>
#include <vector>

#include "app.h"
#include "imgui.h"
#include "panels.h"

namespace opsim::ui {
namespace {

PlotSeries series_of(const Simulation& sim, const std::string& metric, const std::string& label, std::size_t index) {
  return {label, static_cast<std::size_t>(sim.metrics().find(metric)), series_color(index)};
}

// The focused node's plots, two to a row, then a separator; nothing when there is no focus
// (or it no longer names a node of this scenario).
template <typename Plot>
void draw_focus(App& app, const Plot& plot) {
  const Simulation& sim = app.sim();
  const Scenario& sc = sim.scenario();
  const PlotFocus f = app.plot_focus;
  const std::vector<CallEdge> edges = f.kind == PlotFocus::Kind::none ? std::vector<CallEdge>{} : call_edges(sc);
  const auto in_range = [&f](std::size_t n) { return f.index >= 0 && static_cast<std::size_t>(f.index) < n; };
  std::string what, p;
  switch (f.kind) {
    case PlotFocus::Kind::none: return;
    case PlotFocus::Kind::service:
      if (!in_range(sc.services.size())) return;
      what = "service " + sc.services[static_cast<std::size_t>(f.index)].id;
      p = "service." + sc.services[static_cast<std::size_t>(f.index)].id + ".";
      break;
    case PlotFocus::Kind::agent:
      if (!in_range(sc.agents.size())) return;
      what = "agent " + sc.agents[static_cast<std::size_t>(f.index)].id;
      p = "agent." + sc.agents[static_cast<std::size_t>(f.index)].id + ".";
      break;
    case PlotFocus::Kind::call: {
      if (!in_range(edges.size())) return;
      const CallEdge& e = edges[static_cast<std::size_t>(f.index)];
      const std::string& caller = sc.agents[static_cast<std::size_t>(e.caller)].id;
      const std::string& callee = sc.agents[static_cast<std::size_t>(e.callee)].id;
      what = "calls from " + caller + " to " + callee;
      p = "call." + caller + "." + callee + ".";
      break;
    }
  }
  ImGui::Text("Plots of %s", what.c_str());
  app.remember_widget("plots-focus");
  ImGui::SameLine();
  if (ImGui::SmallButton("Show all plots")) app.plot_focus = PlotFocus{};
  app.remember_widget("plots-focus-close");
  ImGui::SameLine();
  ImGui::TextDisabled("(chosen in the Graph tab)");
  ImGui::PushID("focus");  // the overview below has plots of the same titles

  if (f.kind == PlotFocus::Kind::call) {
    plot("Attempts, retries, failures, timeouts", "calls",
         {series_of(sim, p + "attempts", "attempts", 0), series_of(sim, p + "retries", "retries", 1),
          series_of(sim, p + "failures", "failures", 5), series_of(sim, p + "timeouts", "timeouts", 3)},
         false,
         "Counts since the start (cumulative). Attempts are every call sent, retries included, not those an open "
         "circuit breaker refused; failures are attempts that failed as the caller saw them, timeouts included. "
         "Retries that climb with failures are the retry storm's signature.");
    plot("Call latency p95", "ms", {series_of(sim, p + "latency_p95_ms", "p95", 1)}, true,
         "95th percentile time from sending an attempt to its answer, of the successful calls in each interval. "
         "A p95 near the call's timeout means timeouts are about to start.");
    const CallEdge& e = edges[static_cast<std::size_t>(f.index)];
    const std::string callee = "agent." + sc.agents[static_cast<std::size_t>(e.callee)].id + ".";
    plot("Circuit breaker open", "%", {series_of(sim, p + "circuit_open_percent", "open", 5)}, false,
         "Share of each interval the call's circuit breakers were open (their mean with several): while open, calls "
         "fail at once and never reach the callee. 0 without a breaker.");
    plot("Callee's error rate", "%", {series_of(sim, callee + "error_rate_percent", "callee", 5)}, true,
         "Failed / completed requests of the called agent in each interval, every caller's attempts included.");
  } else {
    plot("Request rate", "req/s", {series_of(sim, p + "request_rate", "arrivals", 0)}, false,
         "Requests that arrived per second in each interval: first requests and call attempts alike (retries "
         "included), since a service or an agent counts every attempt it serves.");
    plot("Latency", "ms",
         {series_of(sim, p + "latency_p50_ms", "p50", 2), series_of(sim, p + "latency_p95_ms", "p95", 1),
          series_of(sim, p + "latency_p99_ms", "p99", 5)},
         true,
         "Time from arrival to completion of the requests it served that succeeded in each interval, its queue and "
         "its own calls included.");
    plot("Error rate", "%", {series_of(sim, p + "error_rate_percent", "errors", 5)}, false,
         "Failed / completed requests in each interval, whatever failed them: its queue, its own errors, or a call "
         "it could not do without (reason dependency or circuit_open).");
    if (f.kind == PlotFocus::Kind::service) {
      plot("Utilisation", "%",
           {series_of(sim, p + "cpu_utilization", "cpu", 0), series_of(sim, p + "slot_utilization", "slots held", 3)},
           true,
           "cpu: slots working / slots of ready instances; slots held also counts callers waiting for their calls. "
           "Held far above cpu means its requests mostly wait on dependencies.");
      plot("Queue depth", "requests",
           {series_of(sim, p + "queue_depth", "avg", 0), series_of(sim, p + "queue_depth_max", "max", 4)}, false,
           "Requests waiting for a free slot: the interval's time average and its peak.");
      plot("Instances", "", {series_of(sim, p + "instances", "instances", 2)}, true,
           "Instances at the end of each interval, starting, ready or draining.");
    } else {
      const int agent = f.index;
      std::vector<PlotSeries> call_p95, open;
      for (std::size_t k = 0; k < edges.size(); ++k) {
        if (edges[k].caller != agent) continue;
        const std::string& callee = sc.agents[static_cast<std::size_t>(edges[k].callee)].id;
        const std::string q = "call." + sc.agents[static_cast<std::size_t>(agent)].id + "." + callee + ".";
        call_p95.push_back(series_of(sim, q + "latency_p95_ms", callee, call_p95.size()));
        open.push_back(series_of(sim, q + "circuit_open_percent", callee, open.size()));
      }
      plot("Retries served", "attempts", {series_of(sim, p + "retries", "retries", 1)}, true,
           "Attempts it served that were retries, since the start (cumulative): what its callers' retry policies "
           "add to its load.");
      if (!call_p95.empty()) {
        plot("Its calls: latency p95", "ms", call_p95, false,
             "95th percentile latency of each call it makes, from sending an attempt to its answer (successful calls).");
        plot("Its calls: circuit breaker open", "%", open, true,
             "Share of each interval each call's circuit breakers were open.");
      }
    }
  }
  ImGui::PopID();
  ImGui::Separator();
}

}  // namespace

void draw_plots(App& app) {
  const Simulation& sim = app.sim();
  const Scenario& sc = sim.scenario();
  const double now_s = to_seconds(sim.now());
  ImGui::TextDisabled("wheel: zoom, drag: pan, double-click: follow the run; one point = %zu scrape(s) of %s",
                      app.history().samples_per_point(), format_duration(sc.monitoring.scrape_interval).c_str());
  ImGui::BeginChild("plots");
  const float width = ImGui::GetContentRegionAvail().x;
  const float half = (width - ImGui::GetStyle().ItemSpacing.x) / 2;
  const ImVec2 size(half, 190);
  // Each plot carries its "explain this plot" note (hover it).
  auto plot = [&](const char* title, const char* unit, const std::vector<PlotSeries>& series, bool same_line,
                  const char* explain) {
    if (same_line) ImGui::SameLine();
    time_plot(title, unit, app.history(), sc.calendar, series, app.plot_view, now_s, size, 0, {}, false, explain);
  };
  draw_focus(app, plot);

  std::vector<PlotSeries> rate;
  for (std::size_t i = 0; i < sc.tenants.size(); ++i)
    rate.push_back(series_of(sim, "tenant." + sc.tenants[i].id + ".request_rate", sc.tenants[i].id, i));
  plot("Request rate per tenant", "req/s", rate, false,
       "Requests each tenant sent per second in each scrape interval, counted at arrival: the load offered, "
       "whether it was then refused, failed or served. Patterns, spikes and bursts show here first.");
  plot("Latency", "ms",
       {series_of(sim, "latency_p50_ms", "p50", 2), series_of(sim, "latency_p95_ms", "p95", 1),
        series_of(sim, "latency_p99_ms", "p99", 5)},
       true,
       "Time from arrival to completion (context, queue and work) of the requests that succeeded in each "
       "interval: p50 is the typical request, p95 and p99 the slow tail. Queueing lifts p95 and p99 first; failed "
       "and refused requests are not in it, so an outage can look fast here.");

  std::vector<PlotSeries> errors = {series_of(sim, "error_rate_percent", "all", 5)};
  for (std::size_t i = 0; i < sc.tenants.size() && sc.tenants.size() > 1; ++i)
    errors.push_back(series_of(sim, "tenant." + sc.tenants[i].id + ".error_rate_percent", sc.tenants[i].id, i));
  plot("Error rate", "%", errors, false,
       "Failed / completed requests in each interval: a full queue, a queue timeout, an agent error, the execution "
       "limit, no context, or a crashed instance. Refusals by a tenant's own quota are not failures (see Rejected "
       "at admission).");
  std::vector<PlotSeries> instances;
  for (std::size_t i = 0; i < sc.services.size(); ++i)
    instances.push_back(series_of(sim, "service." + sc.services[i].id + ".instances", sc.services[i].id, i));
  plot("Instances", "", instances, true,
       "Instances of each service at the end of each interval, starting, ready or draining: what autoscaling, "
       "deployments and faults did to the fleet. New instances serve only after their start-up.");

  std::vector<PlotSeries> queue, util;
  for (std::size_t i = 0; i < sc.services.size(); ++i) {
    const std::string p = "service." + sc.services[i].id + ".";
    queue.push_back(series_of(sim, p + "queue_depth", sc.services[i].id + " avg", i));
    queue.push_back(series_of(sim, p + "queue_depth_max", sc.services[i].id + " max", i + 4));
    util.push_back(series_of(sim, p + "cpu_utilization", sc.services[i].id + " cpu", i));
    util.push_back(series_of(sim, p + "memory_utilization", sc.services[i].id + " memory", i + 2));
  }
  plot("Queue depth", "requests", queue, false,
       "Requests waiting for a free slot: the interval's time average (avg) and its peak (max). A queue that "
       "grows means arrivals outpace the ready slots; requests that wait past the timeout fail.");
  plot("Utilisation", "%", util, true,
       "cpu: busy slots / slots of ready instances, averaged over the interval (what autoscaling policies read); "
       "memory: memory of running executions / memory of ready instances. Near 100 % cpu, requests queue.");

  std::vector<PlotSeries> rejected;
  for (std::size_t i = 0; i < sc.tenants.size(); ++i)
    rejected.push_back(series_of(sim, "tenant." + sc.tenants[i].id + ".rejection_rate_percent", sc.tenants[i].id, i));
  plot("Rejected at admission", "%", rejected, false,
       "Share of each tenant's arrivals refused by its own quota or rate limit before reaching the service. "
       "The event log says which limit refused (admission_refused_started).");
  std::vector<PlotSeries> quota;
  for (std::size_t i = 0; i < sc.tenants.size(); ++i)
    quota.push_back(series_of(sim, "tenant." + sc.tenants[i].id + ".quota_utilization_percent", sc.tenants[i].id, i));
  plot("Quota use (highest resource)", "%", quota, true,
       "Each tenant's use of its quota, the highest of concurrent agents, memory and CPU, as a percent of its "
       "limit, averaged over the interval. At 100 % new requests are refused.");
  if (sim.context().enabled())
    plot("Context cache hits", "%", {series_of(sim, "context_cache_hit_percent", "all tenants", 2)}, false,
         "Share of context look-ups answered from a provider's cache in the interval. Misses cost the provider's "
         "latency; during a provider outage only cached answers succeed.");
  ImGui::EndChild();
}

}  // namespace opsim::ui
