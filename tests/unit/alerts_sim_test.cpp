// Alert rules evaluated on the simulation's scrapes, and their notifications, end to end.
#include <string>

#include <catch2/catch.hpp>

#include "sim/simulation.h"
#include "test_support.h"

using namespace opsim;

namespace {

struct Log : SimObserver {
  std::vector<LogEvent> events;
  void on_log(const LogEvent& e) override { events.push_back(e); }
  std::vector<const LogEvent*> of(EventKind kind) const {
    std::vector<const LogEvent*> out;
    for (const LogEvent& e : events)
      if (e.kind == kind) out.push_back(&e);
    return out;
  }
};

}  // namespace

TEST_CASE("a rule fires after its `for`, resolves after the breach, and pages through its channel", "[alerts]") {
  // 5 requests/s, a 20-minute spike x4 at 1 h and a 1-minute spike x4 at 3 h; the rule
  // watches the request rate with `for` 2 minutes on 15 s scrapes.
  const Scenario sc = test::must_load(R"({"schema": "opsim/1", "name": "alerts", "duration": "4h", "seed": 6,
    "services": [{"id": "s", "instance": {"concurrency": 100}, "instances": {"initial": 2}}],
    "agents": [{"id": "a", "service": "s", "work": {"dist": "constant", "value": "100ms"}}],
    "tenants": [{"id": "t", "quota": {"max_concurrent_agents": 1000, "max_memory_mb": 1000000, "max_cpu_cores": 1000,
                 "max_requests_per_minute": 100000},
                 "load": [{"agent": "a", "rate": 5, "patterns": [
                   {"type": "spike", "at": "1h", "duration": "20m", "multiplier": 4},
                   {"type": "spike", "at": "3h", "duration": "1m", "multiplier": 4}]}]}],
    "monitoring": {"scrape_interval": "15s",
      "rules": [{"id": "busy", "metric": "request_rate", "op": ">", "value": 12, "for": "2m", "severity": "page"}],
      "channels": [{"id": "pager", "severities": ["page"], "delay": "30s"}],
      "routing": {"group_wait": "30s", "repeat_interval": "4h"}}})");
  Simulation sim(sc, sc.seed);
  Log log;
  sim.add_observer(&log);
  sim.run();
  const auto pending = log.of(EventKind::alert_pending), firing = log.of(EventKind::alert_firing), resolved = log.of(EventKind::alert_resolved);
  REQUIRE(firing.size() == 1);  // the 1-minute spike is shorter than `for`: it never fires
  REQUIRE(resolved.size() == 1);
  CHECK(pending.size() == 2);
  // Pending at the first scrape of the spike (1h00m15s), firing 2 minutes later.
  CHECK(pending[0]->t == kMicrosPerHour + 15 * kMicrosPerSecond);
  CHECK(firing[0]->t == pending[0]->t + 2 * kMicrosPerMinute);
  CHECK(resolved[0]->t == kMicrosPerHour + 20 * kMicrosPerMinute + 15 * kMicrosPerSecond);
  CHECK(firing[0]->text("rule") == "busy");
  // The page goes out after group_wait (30 s) plus the channel's delay (30 s).
  const auto sent = log.of(EventKind::notification);
  REQUIRE(sent.size() >= 2);  // firing, then resolved
  CHECK(sent[0]->t == firing[0]->t + 60 * kMicrosPerSecond);
  CHECK(sent[0]->text("channel") == "pager");
  const auto v = sim.summary_values();
  CHECK(v[static_cast<std::size_t>(sim.metrics().find("alerts_fired"))] == 1);
}
