// The simulation (simulation.h): the components built and connected, the scrape, and the
// views the UI and the reports read.
#include "sim/simulation.h"

#include <algorithm>

#include "sim/invariants.h"

namespace opsim {

Simulation::Simulation(const Scenario& scenario, std::uint64_t seed)
    : scenario_(with_traffic_spikes(scenario)),
      seed_(seed),
      engine_(scenario_.duration),
      id_(engine_.add(this)),
      registry_(scenario_),
      series_(registry_.columns().size(),
              static_cast<std::size_t>(scenario_.monitoring.retention / scenario_.monitoring.scrape_interval)),
      prom_storage_(scenario_.monitoring.retention / kMicrosPerMilli),
      prom_series_(scenario_),
      row_columns_(&series_, scenario_.calendar.start_unix_s() * 1000),
      log_(engine_),
      context_(scenario_, seed),
      fleet_(engine_, scenario_, registry_, log_),
      incidents_(engine_, scenario_, fleet_, registry_, log_),
      rollouts_(engine_, scenario_, seed, fleet_, incidents_, log_),
      requests_(engine_, scenario_, seed, fleet_, context_, operational_, rollouts_, registry_, log_),
      faults_(engine_, scenario_, fleet_, requests_, context_, incidents_, log_),
      alerting_(engine_, scenario_, registry_, prom_storage_, log_, incidents_),
      slos_(engine_, scenario_, registry_, log_, alerting_, incidents_),
      scaling_(engine_, scenario_, fleet_, requests_, rollouts_, incidents_, registry_, log_, row_, prom_storage_,
               unix_ms(0)),
      chaos_(engine_, scenario_, faults_, fleet_, scaling_, slos_, incidents_, registry_, series_, log_),
      request_metrics_(registry_) {
  set_invariant_checks(true);
  prom_storage_.set_column_source(&row_columns_);
  fleet_.add_listener(&requests_);
  fleet_.add_listener(&rollouts_);
  incidents_.add_listener(&rollouts_);
  // Those with nothing to count are left out: an outcome costs a call per observer.
  requests_.add_outcome_observer(&request_metrics_);
  requests_.add_outcome_observer(&incidents_);
  requests_.add_outcome_observer(&prom_series_);
  rollouts_.listen_to(&requests_);
  if (slos_.counts_outcomes()) requests_.add_outcome_observer(&slos_);
  // Events scheduled in this order: ties at the same time run in it.
  requests_.start();
  faults_.start();
  scaling_.start();
  rollouts_.start();
  chaos_.start();
  engine_.schedule(scenario_.monitoring.scrape_interval, id_, kScrape, 0);
  log_.log(EventKind::sim_started, EventFields()
                                       .add("scenario", scenario_.name)
                                       .add("seed", seed_)
                                       .add("start", scenario_.calendar.iso8601(0))
                                       .add("duration_s", to_seconds(scenario_.duration)));
}

Simulation::~Simulation() = default;

void Simulation::keep_all_series() {
  prom_storage_.set_retention(0);
  const SimDuration scrape = scenario_.monitoring.scrape_interval;
  archive_ = std::make_unique<SeriesStore>(registry_.columns().size(),
                                           static_cast<std::size_t>(scenario_.duration / scrape) + 1);
  row_columns_.rows_ = archive_.get();
}

void Simulation::set_invariant_checks(bool on) {
  if (!on) invariants_.reset();
  else if (!invariants_) invariants_ = std::make_unique<InvariantChecker>();
}

std::uint64_t Simulation::invariant_checks() const { return invariants_ ? invariants_->checks() : 0; }

void Simulation::on_event(std::uint16_t kind, std::uint32_t /*target*/) {
  if (kind == kScrape) on_scrape();
}

void Simulation::on_scrape() {
  const SimTime now = engine_.now();
  fleet_.integrate_all();
  requests_.integrate_all();
  requests_.log_refusals();
  requests_.log_episode_ends();
  incidents_.on_scrape(scaling_.cooldown_blocked());
  // The scrape's counters and histograms first: an SLO's PromQL counts its events from them.
  // The catalogue's gauges join the store with the row, below.
  prom_series_.scrape(unix_ms(now), registry_, fleet_, prom_storage_);
  slos_.on_scrape(prom_storage_, unix_ms(now));
  chaos_.check_abort();
  registry_.sample_and_close(now - last_scrape_, row_);
  last_scrape_ = now;
  fleet_.reseed_window_maxima();
  requests_.reseed_window_maxima();
  series_.push(now, row_);
  if (archive_) archive_->push(now, row_);
  if (invariants_) invariants_->check(*this);
  log_.sample(now, row_);
  alerting_.evaluate(row_);
  // What the operational context provider reports until the next scrape.
  auto global = [&](const char* name) { return row_[static_cast<std::size_t>(registry_.find(name))]; };
  operational_.cpu_utilization = global("cpu_utilization");
  operational_.memory_utilization = global("memory_utilization");
  operational_.latency_p95_ms = global("latency_p95_ms");
  operational_.error_rate_percent = global("error_rate_percent");
  operational_.request_rate = global("request_rate");
  operational_.instances = global("instances");
  operational_.cost_usd = global("cost_usd");
  const SimTime next = now + scenario_.monitoring.scrape_interval;
  if (next <= end_time()) engine_.schedule(next, id_, kScrape, 0);
}

std::vector<double> Simulation::summary_values() const {
  // Gauge integrals run up to each pool's, queue's and tenant's last change; what has
  // accrued since is added on the side so that reading a summary changes no state.
  std::vector<WindowCounters> pending(scenario_.services.size()), pending_tenants(scenario_.tenants.size());
  fleet_.accrue_pending(pending);
  requests_.accrue_pending(pending, pending_tenants);
  std::vector<double> values;
  registry_.summary(now(), pending, pending_tenants, values);
  return values;
}

Simulation::PoolView Simulation::pool_view(int pool) const {
  PoolView v;
  static_cast<Fleet::PoolView&>(v) = fleet_.pool_view(pool);
  v.queue_length = requests_.queue_length(pool);
  return v;
}

}  // namespace opsim
