// The time-series plots: request rate per tenant, latency percentiles, error rate,
// instances, queue depth and utilisation. Their time axes are linked.
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
