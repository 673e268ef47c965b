// The scenario library's stories: each built-in scenario below is run with its own seed and
// one other, and what its description promises must hold for both (with margins, since the
// figures quoted in a description are those of its own seed). The large scenario is only
// loaded and run for one simulated day: its full run is the speed showcase, not a test.
// The full-pipeline scenario (the benchmark's) is checked for what each subsystem does.
//
// [SECTION] Helpers
// [SECTION] steady-state, weekly-load
// [SECTION] black-friday, quota-limits
// [SECTION] fleet-crash, latency-injection, outage-postmortem
// [SECTION] cost-vs-latency-lean / -roomy
// [SECTION] memory-pressure-fixed / -vertical
// [SECTION] large-50-tenants
// [SECTION] full-pipeline
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

// [SECTION] Helpers

constexpr SimDuration H = kMicrosPerHour;
constexpr SimDuration M = kMicrosPerMinute;
constexpr SimDuration D = 24 * kMicrosPerHour;

// Keeps the time series rows of a few named columns (counters are cumulative).
class Columns : public SimObserver {
 public:
  Columns(const MetricRegistry& registry, const std::vector<std::string>& names) {
    for (const std::string& n : names) {
      const int c = registry.find(n);
      INFO(n);
      REQUIRE(c >= 0);
      index_.push_back(static_cast<std::size_t>(c));
    }
  }
  void on_sample(SimTime t, const std::vector<double>& row) override {
    times.push_back(t);
    std::vector<double> v;
    for (const std::size_t c : index_) v.push_back(row[c]);
    rows.push_back(std::move(v));
  }
  std::vector<SimTime> times;
  std::vector<std::vector<double>> rows;  // rows[sample][column as named]

 private:
  std::vector<std::size_t> index_;
};

struct Run {
  Scenario scenario;
  std::unique_ptr<Simulation> sim;
  std::uint64_t seed = 0;

  double metric(const std::string& name) const {
    const int c = sim->metrics().find(name);
    INFO(name);
    REQUIRE(c >= 0);
    return sim->summary_values()[static_cast<std::size_t>(c)];
  }
};

// Loads scenarios/FILE and prepares a simulation with the scenario's seed + offset; the
// caller adds observers and runs it.
Run prepare(const std::string& file, std::uint64_t seed_offset) {
  Run r;
  r.scenario = test::must_load(test::read_text("scenarios/" + file));
  r.seed = r.scenario.seed + seed_offset;
  r.sim = std::make_unique<Simulation>(r.scenario, r.seed);
  return r;
}

Run run(const std::string& file, std::uint64_t seed_offset) {
  Run r = prepare(file, seed_offset);
  r.sim->run();
  return r;
}

const std::uint64_t kOffsets[] = {0, 1};

}  // namespace

// [SECTION] steady-state, weekly-load

TEST_CASE("steady-state: a calm day with no alert, no incident and a fleet that follows the load", "[library]") {
  for (const std::uint64_t offset : kOffsets) {
    const Run r = run("steady-state.json", offset);
    INFO("seed " << r.seed);
    CHECK(r.metric("availability_percent") >= 99.9);
    CHECK(r.metric("latency_p95_ms") < 4000);
    CHECK(r.metric("alerts_fired") == 0);
    CHECK(r.metric("incidents_total") == 0);
    CHECK(r.metric("requests_rejected") == 0);
    CHECK(r.metric("requests_failed_timeout") == 0);
    // Three instances at night, five or six at the peak; about $1.90 an hour.
    CHECK(r.metric("instances_max") >= 4);
    CHECK(r.metric("instances_max") <= 8);
    CHECK(r.metric("cost_usd") / 24 == Approx(1.9).margin(0.3));
    CHECK(r.metric("cpu_utilization") == Approx(48).margin(8));
    CHECK(r.metric("slo.availability.compliant") == 1);
    CHECK(r.metric("slo.fast.compliant") == 1);
  }
}

TEST_CASE("weekly-load: weekdays carry three times the weekend's requests and the fleet follows", "[library]") {
  for (const std::uint64_t offset : kOffsets) {
    Run r = prepare("weekly-load.json", offset);
    INFO("seed " << r.seed);
    Columns cols(r.sim->metrics(), {"requests_total", "instances"});
    r.sim->add_observer(&cols);
    r.sim->run();
    double requests[7] = {}, peak_instances[7] = {};
    double previous_total = 0;
    for (std::size_t i = 0; i < cols.times.size(); ++i) {
      const int day = static_cast<int>((cols.times[i] - 1) / D);
      REQUIRE(day < 7);
      requests[day] += cols.rows[i][0] - previous_total;
      previous_total = cols.rows[i][0];
      peak_instances[day] = std::max(peak_instances[day], cols.rows[i][1]);
    }
    for (int weekday = 0; weekday < 5; ++weekday) {
      INFO("day " << weekday);
      CHECK(requests[weekday] > 2.5 * requests[5]);
      CHECK(requests[weekday] > 2.5 * requests[6]);
      CHECK(peak_instances[weekday] >= 7);
    }
    CHECK(peak_instances[5] <= 4);
    CHECK(peak_instances[6] <= 4);
    CHECK(r.metric("requests_failed_timeout") <= 100);
    // Well under the $672 of a fleet of ten for the week.
    CHECK(r.metric("cost_usd") < 350);
    CHECK(r.metric("cost_usd") > 250);
  }
}

// [SECTION] black-friday, quota-limits

TEST_CASE("black-friday: the retail tenant is refused by its rate limit during the spike only", "[library]") {
  for (const std::uint64_t offset : kOffsets) {
    Run r = prepare("black-friday.json", offset);
    INFO("seed " << r.seed);
    Columns cols(r.sim->metrics(), {"tenant.shopco.requests_rejected", "tenant.bankly.requests_rejected", "instances",
                                    "tenant.shopco.requests_total"});
    r.sim->add_observer(&cols);
    r.sim->run();
    const SimTime spike_at = D + 9 * H, spike_end = spike_at + 5 * H;
    double before = 0, during = 0, after = 0, peak_instances_spike = 0, thursday = 0, friday = 0;
    double prev_rejected = 0, prev_total = 0;
    for (std::size_t i = 0; i < cols.times.size(); ++i) {
      const SimTime t = cols.times[i];
      const double rejected = cols.rows[i][0] - prev_rejected;
      const double total = cols.rows[i][3] - prev_total;
      prev_rejected = cols.rows[i][0];
      prev_total = cols.rows[i][3];
      if (t <= spike_at) before += rejected;
      else if (t <= spike_end + M) during += rejected;
      else after += rejected;
      if (t > spike_at && t <= spike_end) peak_instances_spike = std::max(peak_instances_spike, cols.rows[i][2]);
      (t <= D ? thursday : friday) += total;
    }
    CHECK(before == 0);
    CHECK(after == 0);
    CHECK(during > 100000);
    CHECK(r.metric("tenant.shopco.requests_rejected_request_rate") > 100000);
    CHECK(r.metric("tenant.bankly.requests_rejected") == 0);
    CHECK(r.metric("tenant.shopco.rejection_rate_percent") == Approx(10).margin(3));
    // Friday brings over four times Thursday's requests; the fleet grows for the spike.
    CHECK(friday > 4 * thursday);
    CHECK(peak_instances_spike >= 8);
    CHECK(r.metric("availability_percent") >= 99.9);
    CHECK(r.metric("tenant.bankly.latency_p95_ms") < 5000);
  }
}

TEST_CASE("quota-limits: each tenant is refused by its own limit, and the calm one by none", "[library]") {
  for (const std::uint64_t offset : kOffsets) {
    const Run r = run("quota-limits.json", offset);
    INFO("seed " << r.seed);
    const std::vector<std::string> limits = {"request_rate", "concurrent_agents", "memory", "cpu"};
    const std::vector<std::pair<std::string, std::string>> tenant_limit = {
        {"chatty", "request_rate"}, {"deepdive", "concurrent_agents"}, {"pixel", "memory"}, {"crunch", "cpu"}};
    for (const auto& [tenant, limit] : tenant_limit) {
      INFO(tenant);
      for (const std::string& l : limits) {
        const double n = r.metric("tenant." + tenant + ".requests_rejected_" + l);
        INFO(l << ": " << n);
        if (l == limit) CHECK(n > 1000);
        else CHECK(n == 0);
      }
      const double rate = r.metric("tenant." + tenant + ".rejection_rate_percent");
      CHECK(rate > 8);
      CHECK(rate < 30);
    }
    CHECK(r.metric("tenant.calm.requests_rejected") == 0);
    CHECK(r.metric("tenant.deepdive.quota_concurrency_percent") > 50);
    CHECK(r.metric("tenant.pixel.quota_memory_percent") > 50);
    CHECK(r.metric("tenant.crunch.quota_cpu_percent") > 50);
    // Rejections are not failures.
    CHECK(r.metric("availability_percent") >= 99.9);
  }
}

// [SECTION] fleet-crash, latency-injection, outage-postmortem

TEST_CASE("fleet-crash: losing 75 % of the fleet at 14:00 opens one sev1 incident resolved within the hour",
          "[library]") {
  for (const std::uint64_t offset : kOffsets) {
    const Run r = run("fleet-crash.json", offset);
    INFO("seed " << r.seed);
    REQUIRE(r.scenario.faults.size() == 1);
    const FaultSpec& crash = r.scenario.faults[0];
    const sre::IncidentManager* im = r.sim->incidents();
    REQUIRE(im != nullptr);
    REQUIRE(im->incidents().size() == 1);
    const sre::Incident& inc = im->incidents()[0];
    CHECK(inc.severity == sre::Severity::sev1);
    CHECK(inc.opened_at > crash.at);
    CHECK(inc.opened_at < crash.at + 5 * M);
    CHECK(im->root_cause(inc).find("instance_crash") != std::string::npos);
    CHECK_FALSE(inc.open());
    CHECK(inc.capacity_events >= 2);  // the autoscaler replaced the lost capacity
    CHECK(r.metric("mttr_minutes") > 30);
    CHECK(r.metric("mttr_minutes") < 50);
    CHECK(r.metric("mttd_minutes") < 5);
    REQUIRE(im->postmortems().size() == 1);
    CHECK(im->postmortems()[0].primary_cause.find("instance_crash") != std::string::npos);
    CHECK(r.metric("requests_failed_queue_full") > 1000);
    CHECK(r.metric("slo.availability.budget_remaining_percent") > 90);
  }
}

TEST_CASE("latency-injection: 3 s more on the writer agent burns the latency SLO, not availability", "[library]") {
  for (const std::uint64_t offset : kOffsets) {
    Run r = prepare("latency-injection.json", offset);
    INFO("seed " << r.seed);
    REQUIRE(r.scenario.faults.size() == 1);
    const FaultSpec& fault = r.scenario.faults[0];
    REQUIRE(fault.agent == "writer");
    // Twenty minutes in, the service is degraded by its p95 and no incident is open yet.
    r.sim->run_until(fault.at + 20 * M);
    CHECK(r.sim->service_status(0).status == sre::ServiceStatus::degraded);
    CHECK(r.sim->service_status(0).metric == "latency_p95_ms");
    r.sim->run();
    CHECK(r.metric("availability_percent") == 100);
    CHECK(r.metric("slo.availability.budget_remaining_percent") == 100);
    CHECK(r.metric("slo.fast.budget_remaining_percent") < 99);
    CHECK(r.metric("slo.fast.budget_remaining_percent") > 85);
    CHECK(r.metric("agent.writer.latency_p95_ms") > r.metric("agent.search.latency_p95_ms") * 2.5);
    const sre::IncidentManager* im = r.sim->incidents();
    REQUIRE(im != nullptr);
    REQUIRE(im->incidents().size() == 1);
    const sre::Incident& inc = im->incidents()[0];
    CHECK(inc.opened_by == "fast:burn_rate:1h/5m");
    CHECK((inc.severity == sre::Severity::sev2 || inc.severity == sre::Severity::sev3));
    // The 1-hour window needs over 20 minutes of slow answers to average 14.4x.
    CHECK(inc.opened_at > fault.at + 20 * M);
    CHECK(inc.opened_at < fault.at + fault.duration);
    CHECK(im->root_cause(inc).find("latency") != std::string::npos);
  }
}

TEST_CASE("outage-postmortem: a 25-minute outage gives a sev1 incident and a postmortem naming the fault",
          "[library]") {
  for (const std::uint64_t offset : kOffsets) {
    const Run r = run("outage-postmortem.json", offset);
    INFO("seed " << r.seed);
    REQUIRE(r.scenario.faults.size() == 1);
    const FaultSpec& outage = r.scenario.faults[0];
    const sre::IncidentManager* im = r.sim->incidents();
    REQUIRE(im != nullptr);
    REQUIRE(im->incidents().size() == 1);
    const sre::Incident& inc = im->incidents()[0];
    CHECK(inc.severity == sre::Severity::sev1);
    CHECK(inc.opened_at <= outage.at + 2 * M);
    CHECK_FALSE(inc.open());
    REQUIRE(im->postmortems().size() == 1);
    const sre::Postmortem& pm = im->postmortems()[0];
    CHECK(pm.incident_id == inc.id);
    CHECK(pm.primary_cause.find("errors on chat") != std::string::npos);
    CHECK(pm.failed_requests > 10000);
    CHECK(pm.peak_users_affected_percent == 100);
    CHECK_FALSE(pm.action_items.empty());
    bool fault_on_timeline = false;
    for (const sre::TimelineEntry& e : pm.timeline) fault_on_timeline = fault_on_timeline || e.kind == "fault_started";
    CHECK(fault_on_timeline);
    // 25 minutes of outage, held open by the 6x 6h/30m page's 30-minute window, then 10
    // minutes of healthy signal.
    CHECK(r.metric("mttr_minutes") == Approx(64).margin(4));
    CHECK(r.metric("mttd_minutes") <= 2);
    // 25 of the 43.2 minutes that 99.9 % allows in 30 days.
    CHECK(r.metric("slo.availability.budget_remaining_percent") == Approx(100 - 100 * 25 / 43.2).margin(3));
  }
}

// [SECTION] cost-vs-latency-lean / -roomy

TEST_CASE("cost-vs-latency: the roomy fleet costs 40 % more and cuts p95 by over a third", "[library]") {
  for (const std::uint64_t offset : kOffsets) {
    const Run lean = run("cost-vs-latency-lean.json", offset);
    const Run roomy = run("cost-vs-latency-roomy.json", offset);
    INFO("seed " << lean.seed);
    REQUIRE(lean.scenario.objectives.size() == roomy.scenario.objectives.size());
    const double lean_cost = lean.metric("cost_usd"), roomy_cost = roomy.metric("cost_usd");
    const double lean_p95 = lean.metric("latency_p95_ms"), roomy_p95 = roomy.metric("latency_p95_ms");
    CHECK(roomy_cost == Approx(lean_cost * 7 / 5).epsilon(0.01));
    CHECK(roomy_p95 < 0.66 * lean_p95);
    CHECK(lean.metric("cpu_utilization") > 85);
    CHECK(roomy.metric("cpu_utilization") < 70);
    // The shared objectives: lean fails the p95 bound, roomy passes both.
    for (const ObjectiveSpec& o : roomy.scenario.objectives) {
      INFO(o.id);
      const double v = roomy.metric(o.metric);
      CHECK(v <= o.value);
      if (o.metric == "latency_p95_ms") CHECK(lean.metric(o.metric) > o.value);
      if (o.metric == "cost_usd") CHECK(lean.metric(o.metric) <= o.value);
    }
  }
}

// [SECTION] memory-pressure-fixed / -vertical

TEST_CASE("memory-pressure: memory fills before slots; the vertical policy's larger instances cure it", "[library]") {
  for (const std::uint64_t offset : kOffsets) {
    Run fixed = prepare("memory-pressure-fixed.json", offset);
    Columns cols(fixed.sim->metrics(), {"memory_utilization", "cpu_utilization", "queue_depth"});
    fixed.sim->add_observer(&cols);
    fixed.sim->run();
    const Run vertical = run("memory-pressure-vertical.json", offset);
    INFO("seed " << fixed.seed);
    // Fixed: from 10:00 to 19:00 memory is full and half the slots idle, with a queue.
    int full = 0, samples = 0;
    for (std::size_t k = 0; k < cols.times.size(); ++k) {
      if (cols.times[k] < 10 * H || cols.times[k] >= 19 * H) continue;
      ++samples;
      full += cols.rows[k][0] > 99.9 && cols.rows[k][1] <= 50.0 + 1e-9 && cols.rows[k][2] > 10;
    }
    CHECK(full > 0.9 * samples);
    CHECK(fixed.metric("requests_failed_timeout") > 10000);
    // Vertical: resized by the memory policy before 09:00, then no timeout.
    bool up_early = false;
    for (const LogEvent& e : vertical.sim->recent_events())
      up_early = up_early || (e.kind == EventKind::scale_up && e.text("policy") == "memory-size" && e.t < 9 * H);
    CHECK(up_early);
    CHECK(vertical.metric("requests_failed_timeout") == 0);
    // The shared objectives: the vertical variant passes them, the fixed one fails both.
    for (const ObjectiveSpec& o : vertical.scenario.objectives) {
      INFO(o.id);
      CHECK(compare(vertical.metric(o.metric), o.op, o.value));
      CHECK_FALSE(compare(fixed.metric(o.metric), o.op, o.value));
    }
    CHECK(vertical.metric("cost_usd") > fixed.metric("cost_usd"));
  }
}

// [SECTION] large-50-tenants

TEST_CASE("large-50-tenants: one simulated day gives requests for all 50 tenants", "[library]") {
  Run r = prepare("large-50-tenants.json", 0);
  REQUIRE(r.scenario.tenants.size() == 50);
  REQUIRE(r.scenario.services.size() >= 3);
  REQUIRE(r.scenario.duration == 30 * D);
  r.sim->run_until(D);
  for (const TenantSpec& t : r.scenario.tenants) {
    INFO(t.id);
    CHECK(r.metric("tenant." + t.id + ".requests_total") > 0);
  }
  CHECK(r.metric("requests_total") > 500000);
}

// [SECTION] full-pipeline

TEST_CASE("full-pipeline: every subsystem acts in one day, each the way the description says", "[library]") {
  for (const std::uint64_t offset : kOffsets) {
    const Run r = run("full-pipeline.json", offset);
    INFO("seed " << r.seed);
    const Simulation& sim = *r.sim;
    CHECK(r.scenario.tenants.size() == 6);
    // Admission: Globex's peaks and Initech's burst meet their rate limits.
    CHECK(r.metric("tenant.globex.requests_rejected_request_rate") > 50000);
    CHECK(r.metric("tenant.initech.requests_rejected_request_rate") > 10000);
    CHECK(r.metric("tenant.acme.requests_rejected") == 0);
    // Context: mostly cached, denials of the admin-only entry, failures in the outage.
    CHECK(r.metric("context_cache_hit_percent") > 95);
    CHECK(r.metric("context_denials") > 0);
    CHECK(r.metric("context_failures") > 0);
    // Scaling: both policies act; the code pools' forecasts are made and scored (whether
    // one is confident enough to scale out depends on the seed: 3 times with seed 88).
    CHECK(r.metric("scaling_events") >= 15);
    int forecasting = 0;
    for (std::size_t i = 0; i < sim.scaler_count(); ++i)
      if (const scaling::PredictiveEngine* e = sim.scaler_view(i).predictive)
        forecasting += e->evaluated_forecasts() >= scaling::PredictiveEngine::kMinEvaluated ? 1 : 0;
    CHECK(forecasting == 3);
    // Deployments: the bad canary is rolled back, the good rolling release completes.
    REQUIRE(sim.deployment_count() == 2);
    CHECK(sim.deployment_view(0).phase == "rolled_back");
    CHECK(sim.deployment_view(1).phase == "completed");
    // The provider outage burns the latency SLO and opens an incident that resolves.
    CHECK(r.metric("alerts_fired") >= 3);
    CHECK(r.metric("incidents_total") >= 1);
    CHECK(r.metric("incidents_total") <= 3);
    CHECK(r.metric("mttr_minutes") > 0);
    CHECK(r.metric("slo.chat-fast.budget_remaining_percent") < 95);
    // The chaos experiment passes; the service stays well within its availability target.
    CHECK(r.metric("chaos.lose-quarter-code.passed") == 1);
    CHECK(r.metric("availability_percent") > 99.8);
    CHECK(r.metric("requests_total") > 4000000);
  }
}
