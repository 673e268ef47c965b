// SRE library (core/sre): error budgets and multi-window, multi-burn-rate alerts, checked
// against the SRE workbook's arithmetic (chapter "Alerting on SLOs").
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "report/event_json.h"

#include "sre/slo.h"

using namespace opsim;
using namespace opsim::sre;

namespace {

constexpr SimDuration S = kMicrosPerSecond;
constexpr SimDuration M = kMicrosPerMinute;
constexpr SimDuration H = kMicrosPerHour;
constexpr SimDuration D = kMicrosPerDay;
constexpr SimDuration kScrape = 15 * S;

SloSpec availability_slo(double target = 99.9, SimDuration window = 30 * D) {
  SloSpec s;
  s.id = "availability";
  s.indicator = SloSpec::Indicator::availability;
  s.target_percent = target;
  s.window = window;
  return s;
}

// The loader's defaults: 14.4x 1h/5m page, 6x 6h/30m page, 1x 3d/6h ticket.
std::vector<BurnRateAlertSpec> workbook_rules() {
  return {{H, 5 * M, 14.4, "page"}, {6 * H, 30 * M, 6, "page"}, {3 * D, 6 * H, 1, "ticket"}};
}

// What the simulation does at each scrape: record the events of the interval just ended,
// move the tracker on and evaluate the alerts.
struct Run {
  SloTracker slo;
  BurnRateAlerts alerts;
  SimDuration step_length;
  SimTime now = 0;
  std::vector<BurnRateTransition> log;

  Run(const SloSpec& spec, std::vector<BurnRateAlertSpec> rules, SimDuration step = kScrape)
      : slo(spec, step, longest_alert_window(rules)), alerts(std::move(rules)), step_length(step) {}

  // One interval with `total` events of which `bad` failed; returns this step's transitions.
  std::vector<BurnRateTransition> step(std::uint64_t total, std::uint64_t bad) {
    now += step_length;
    if (total > 0) slo.record(now, total - bad, total);
    slo.advance(now);
    std::vector<BurnRateTransition> out;
    alerts.evaluate(now, slo, out);
    log.insert(log.end(), out.begin(), out.end());
    return out;
  }
  void steps(std::int64_t n, std::uint64_t total, std::uint64_t bad) {
    for (std::int64_t i = 0; i < n; ++i) step(total, bad);
  }
};

}  // namespace

TEST_CASE("SLO: a total outage fires 14.4x at 60 s, 6x at 135 s, 1x at 270 s", "[slo]") {
  // 99.9 % over 30 d, 10 requests a second, three clean days, then every request fails from
  // a bucket edge on. The 1h/5m rule needs 0.0144 x 3600 s = 51.84 s of failures in the
  // hour; the first 15 s evaluation after that is 60 s in. 6h: 0.006 x 21600 s = 129.6 s
  // -> 135 s; 3d: 0.001 x 259200 s = 259.2 s -> 270 s.
  Run run(availability_slo(), workbook_rules());
  run.steps(3 * D / kScrape, 150, 0);
  REQUIRE(run.log.empty());
  const SimTime outage = run.now;

  std::vector<SimTime> fired_at(3, -1);
  for (int i = 0; i < 30; ++i)
    for (const BurnRateTransition& t : run.step(150, 150)) {
      REQUIRE(t.state == AlertState::firing);
      fired_at[static_cast<std::size_t>(t.rule_index)] = t.time;
    }
  CHECK(fired_at[0] == outage + 60 * S);
  CHECK(fired_at[1] == outage + 135 * S);
  CHECK(fired_at[2] == outage + 270 * S);

  // The numbers on either side of the 14.4x threshold.
  CHECK(run.slo.burn_rate(outage + 45 * S, H) == Approx(450.0 / 36000 / 0.001).epsilon(1e-12));  // 12.5
  CHECK(run.slo.burn_rate(outage + 60 * S, H) == Approx(600.0 / 36000 / 0.001).epsilon(1e-12));  // 16.67
  CHECK(run.slo.burn_rate(outage + 60 * S, 5 * M) == Approx(200).epsilon(1e-12));

  const BurnRateTransition& page = run.log.front();
  CHECK(page.rule == "availability:burn_rate:1h/5m");
  CHECK(page.slo_id == "availability");
  CHECK(page.severity == "page");
  CHECK(page.long_window == H);
  CHECK(page.short_window == 5 * M);
  CHECK(page.factor == 14.4);
  CHECK(page.long_burn_rate == Approx(16.6666667));
  CHECK(page.short_burn_rate == Approx(200));
  CHECK(page.reason ==
        "SLO availability burns its error budget at 16.67x over 1h and 200x over 5m, both above 14.4x, so its 30d "
        "budget would be spent in 43.2 hours at this rate.");
  CHECK(fields_json(page.fields().take()).find("\"metric\":\"slo.availability.burn_rate\"") != std::string::npos);
  CHECK(run.log[2].severity == "ticket");
}

TEST_CASE("SLO: at one-second resolution the 14.4x rule fires at 52 s, the first second past 51.84 s", "[slo]") {
  Run run(availability_slo(99.9, H), {{H, 5 * M, 14.4, "page"}}, S);  // a 1 h SLO keeps the ring small
  run.steps(3600, 10, 0);  // exactly one hour of history
  const SimTime outage = run.now;
  for (int i = 1; i <= 51; ++i) REQUIRE(run.step(10, 10).empty());  // 510 bad of 36000: 14.17x
  CHECK(run.slo.burn_rate(run.now, H) == Approx(510.0 / 36000 / 0.001));
  const std::vector<BurnRateTransition> t = run.step(10, 10);        // 520 bad: 14.44x
  REQUIRE(t.size() == 1);
  CHECK(t[0].time == outage + 52 * S);
  CHECK(t[0].long_burn_rate == Approx(520.0 / 36000 / 0.001));
  CHECK(t[0].long_burn_rate > 14.4);
}

TEST_CASE("SLO: a constant 0.2 % error rate burns at 2 and spends 20 % of a 30 d budget in 3 d", "[slo]") {
  Run run(availability_slo(), workbook_rules());
  // 1000 requests a scrape, 2 of them failing.
  for (std::int64_t i = 0; i < 3 * D / kScrape; ++i) {
    run.step(1000, 2);
    if (i % 97 == 0) {  // a sample of evaluations
      REQUIRE(run.slo.burn_rate(run.now, H) == Approx(2).margin(1e-9));
      REQUIRE(run.slo.burn_rate(run.now, 5 * M) == Approx(2).margin(1e-9));
      REQUIRE(run.slo.burn_rate(run.now, 3 * D) == Approx(2).margin(1e-9));
    }
  }
  CHECK(run.now == 3 * D);
  CHECK(run.slo.error_ratio(run.now, 30 * D) == Approx(0.002).margin(1e-15));
  CHECK(run.slo.budget_consumed(run.now) == Approx(0.2).margin(1e-8));
  CHECK(run.slo.budget_remaining_percent(run.now) == Approx(80).margin(1e-6));
  CHECK(run.slo.budget_remaining_percent(run.now / 2) == Approx(90).margin(1e-6));
  CHECK(run.slo.sli_percent(run.now) == Approx(99.8).margin(1e-9));
  CHECK_FALSE(run.slo.compliant(run.now));

  // 2x is below 14.4x and 6x: neither page ever fires. Both ticket windows burn at 2 from
  // the first scrape on, because a window longer than the run so far holds the time since
  // the start (15 s here), so the 1x 3d/6h ticket fires at the first evaluation, once.
  CHECK(run.alerts.fired_count(0) == 0);
  CHECK(run.alerts.fired_count(1) == 0);
  CHECK(run.alerts.fired_count(2) == 1);
  REQUIRE(run.log.size() == 1);
  CHECK(run.log[0].rule_index == 2);
  CHECK(run.log[0].time == 15 * S);
  CHECK(run.log[0].long_burn_rate == Approx(2).margin(1e-9));
}

TEST_CASE("SLO: after three clean days a 0.2 % error rate opens the ticket when the 3 d burn passes 1", "[slo]") {
  // With n failing scrapes in the 3 d window (17,280 scrapes of 1000 requests) the burn is
  // 2n / 17280: above 1 from n = 8641, i.e. 1.5 d + 15 s after the errors began. The 6 h
  // window is above 1 from the first failing scrape.
  Run run(availability_slo(), workbook_rules());
  run.steps(3 * D / kScrape, 1000, 0);
  const SimTime onset = run.now;
  run.steps(8640, 1000, 2);
  CHECK(run.now == onset + 36 * H);
  CHECK(run.slo.burn_rate(run.now, 3 * D) == 1.0);  // exactly: 99.9 % leaves exactly 0.001
  CHECK(run.slo.burn_rate(run.now, 6 * H) == Approx(2).margin(1e-9));
  CHECK(run.log.empty());
  const std::vector<BurnRateTransition> t = run.step(1000, 2);
  REQUIRE(t.size() == 1);
  CHECK(t[0].rule_index == 2);
  CHECK(t[0].severity == "ticket");
  CHECK(t[0].time == onset + 36 * H + 15 * S);
  CHECK(t[0].long_burn_rate > 1.0);
}

TEST_CASE("SLO: a 30 minute total outage spends 1000 x 0.5 h / 720 h of the budget, until it slides out", "[slo]") {
  Run run(availability_slo(), workbook_rules());
  run.steps(2 * D / kScrape, 150, 0);
  const SimTime outage = run.now;
  run.steps(30 * M / kScrape, 150, 150);
  const SimTime outage_end = run.now;
  const double consumed = 1000.0 * 0.5 / 720.0;  // 0.69444...
  CHECK(run.slo.budget_consumed(outage_end) == Approx(consumed).epsilon(1e-12));
  CHECK(run.slo.budget_remaining_percent(outage_end) == Approx(100 * (1 - consumed)).margin(1e-9));  // 30.56
  CHECK(run.slo.budget_remaining_percent(outage_end) == Approx(30.5555556).margin(1e-6));

  // Clean traffic after it: nothing more is spent.
  run.steps(10 * D / kScrape, 150, 0);
  CHECK(run.slo.budget_remaining_percent(run.now) == Approx(100 * (1 - consumed)).margin(1e-9));
  CHECK(run.slo.sli_percent(run.now) == Approx(100.0 * (1 - 18000.0 / (12 * D / S * 10 + 30 * 60 * 10))));

  // The window (now - 30 d, now] still holds the first failing scrape, (outage, outage +
  // 15 s], at outage + 30 d; one scrape later it has left; 30 d after the end, all has.
  while (run.now < outage + 30 * D) run.step(150, 0);
  CHECK(run.slo.budget_consumed(run.now) == Approx(consumed).epsilon(1e-12));
  run.step(150, 0);
  CHECK(run.slo.budget_consumed(run.now) == Approx(1000.0 * 119 / 172800).epsilon(1e-12));
  while (run.now < outage_end + 30 * D) run.step(150, 0);
  CHECK(run.slo.budget_consumed(run.now) == Approx(0).margin(1e-12));
  CHECK(run.slo.budget_remaining_percent(run.now) == Approx(100).margin(1e-9));
  CHECK(run.slo.sli_percent(run.now) == 100.0);
  CHECK(run.slo.compliant(run.now));
}

TEST_CASE("SLO: the budget is the time integral of the burn rate; a bucket without traffic burns 0", "[slo]") {
  SloTracker slo(availability_slo(99.9, 30 * D), kScrape);
  // Scrape 1: 10 requests, all failing (burn 1000). Scrape 2: 1000 requests, none failing.
  // Then a day without any traffic.
  slo.record(15 * S, 0, 10);
  slo.record(30 * S, 1000, 1000);
  slo.advance(30 * S);
  const double one_bucket = 1000.0 * 15 / (30 * 86400.0);
  CHECK(slo.budget_consumed(30 * S) == Approx(one_bucket).epsilon(1e-12));
  // Not bad / allowed bad, which would be 10 / (1010 x 0.001) = 9.9.
  CHECK(slo.budget_consumed(30 * S) < 0.01);
  CHECK(slo.burn_rate(30 * S, H) == Approx(10.0 / 1010 / 0.001).epsilon(1e-12));

  slo.advance(30 * S + D);
  CHECK(slo.budget_consumed(30 * S + D) == Approx(one_bucket).epsilon(1e-12));
  CHECK(slo.error_ratio(30 * S + D, H) == 0.0);  // no events in the last hour
  CHECK(slo.burn_rate(30 * S + D, H) == 0.0);
  CHECK(slo.total_events(30 * S + D, H) == 0);
  CHECK(slo.total_events(30 * S + D, 30 * D) == 1010);
  CHECK(slo.bad_events(30 * S + D, 30 * D) == 10);

  // An SLO that has seen nothing is at 100 %, compliant, with its whole budget.
  SloTracker quiet(availability_slo(), kScrape);
  quiet.advance(5 * D);
  CHECK(quiet.sli_percent(5 * D) == 100.0);
  CHECK(quiet.compliant(5 * D));
  CHECK(quiet.budget_remaining_percent(5 * D) == 100.0);
  CHECK(quiet.error_ratio(5 * D, H) == 0.0);
}

TEST_CASE("SLO: windows are aligned to buckets and hold the time since the start before they fill", "[slo]") {
  SloTracker slo(availability_slo(), kScrape, 3 * D);
  // An event at 15 s belongs to (0, 15 s]; one at 15 s + 1 us to (15 s, 30 s].
  slo.record(15 * S, 0, 1);
  slo.record(15 * S + 1, 1, 1);
  CHECK(slo.total_events(15 * S, 15 * S) == 1);
  CHECK(slo.total_events(30 * S, 15 * S) == 1);
  CHECK(slo.total_events(30 * S, 30 * S) == 2);
  CHECK(slo.error_ratio(30 * S, 3 * D) == 0.5);  // two buckets of history: ratio over both
  // A record in an older bucket still kept lands in its own bucket.
  slo.advance(H);
  slo.record(10 * S, 0, 2);
  CHECK(slo.bad_events(H, H) == 3);
  CHECK(slo.bad_events(15 * S, 15 * S) == 3);
  // A window that is not a whole number of buckets is rounded up to one.
  CHECK(slo.total_events(30 * S, 20 * S) == 4);
  CHECK(slo.total_events(30 * S, 1) == 1);
}

TEST_CASE("SLO: latency objective, same arithmetic, budget below zero", "[slo]") {
  // 99 % of successful requests within 2 s over 7 d: good = within the threshold, total =
  // successful. Six days with 0.5 % slow (burn 0.5), then one day with 5 % slow (burn 5):
  // consumed = (6 d x 0.5 + 1 d x 5) / 7 d = 8 / 7.
  SloSpec spec;
  spec.id = "fast";
  spec.indicator = SloSpec::Indicator::latency;
  spec.threshold = 2 * S;
  spec.target_percent = 99;
  spec.window = 7 * D;
  Run run(spec, workbook_rules());
  CHECK(run.slo.allowed_error_ratio() == 0.01);
  run.steps(6 * D / kScrape, 1000, 5);
  CHECK(run.slo.burn_rate(run.now, H) == Approx(0.5).margin(1e-9));
  CHECK(run.slo.budget_remaining_percent(run.now) == Approx(100 * (1 - 3.0 / 7)).margin(1e-6));
  CHECK(run.slo.compliant(run.now));
  CHECK(run.slo.sli_percent(run.now) == Approx(99.5).margin(1e-9));
  CHECK(run.log.empty());
  run.steps(D / kScrape, 1000, 50);
  CHECK(run.slo.burn_rate(run.now, 6 * H) == Approx(5).margin(1e-9));
  CHECK(run.slo.budget_consumed(run.now) == Approx(8.0 / 7).margin(1e-9));
  CHECK(run.slo.budget_remaining_percent(run.now) == Approx(-100.0 / 7).margin(1e-6));  // -14.29
  CHECK(run.slo.sli_percent(run.now) == Approx(100 * (1 - 0.08 / 7)).margin(1e-9));
  CHECK_FALSE(run.slo.compliant(run.now));
  // 5x: above the 1x ticket, below both pages.
  CHECK(run.alerts.fired_count(0) == 0);
  CHECK(run.alerts.fired_count(1) == 0);
  CHECK(run.alerts.fired_count(2) == 1);
}

TEST_CASE("SLO: compliance at exactly the target", "[slo]") {
  SloTracker slo(availability_slo(99.9), kScrape);
  slo.record(15 * S, 999, 1000);
  CHECK(slo.sli_percent(15 * S) == Approx(99.9));
  CHECK(slo.compliant(15 * S));
  slo.record(15 * S, 0, 1);
  CHECK_FALSE(slo.compliant(15 * S));
}

TEST_CASE("SLO: burn-rate alerts de-duplicate, resolve when the condition stops, fire again", "[slo]") {
  Run run(availability_slo(), {{H, 5 * M, 14.4, "page"}});
  run.steps(2 * H / kScrape, 150, 0);
  const SimTime outage = run.now;
  run.steps(10 * M / kScrape, 150, 150);  // 40 failing scrapes
  const SimTime outage_end = run.now;
  REQUIRE(run.log.size() == 1);  // fired once, at 60 s, however long it held
  CHECK(run.log[0].time == outage + 60 * S);
  CHECK(run.alerts.firing(0));
  CHECK(run.alerts.fired_at(0) == outage + 60 * S);

  // The 1 h window stays far above 14.4x (10 min of 100 % errors: 166.7x); the 5 m window
  // holds failures until the last failing scrape leaves it, 5 min after the outage ended.
  run.steps(5 * M / kScrape - 1, 150, 0);
  CHECK(run.log.size() == 1);
  CHECK(run.slo.burn_rate(run.now, 5 * M) == Approx(1000.0 * 150 / 3000));  // one failing scrape: 50x
  const std::vector<BurnRateTransition> r = run.step(150, 0);
  REQUIRE(r.size() == 1);
  CHECK(r[0].state == AlertState::resolved);
  CHECK(r[0].time == outage_end + 5 * M);
  CHECK(r[0].active_since == outage + 60 * S);
  CHECK(r[0].short_burn_rate == 0.0);
  CHECK(r[0].long_burn_rate == Approx(1000.0 * 6000 / 36000));
  CHECK(r[0].reason ==
        "SLO availability burns its error budget at 166.67x over 1h and 0x over 5m, no longer both above 14.4x.");
  CHECK(fields_json(r[0].fields().take()).find("\"state\":\"resolved\"") != std::string::npos);
  CHECK_FALSE(run.alerts.firing(0));
  CHECK(run.alerts.fired_at(0) == -1);

  // A second outage while the 1 h window is still hot: the 5 m window decides,
  // 0.0144 x 300 s = 4.32 s of failures, so the first failing scrape fires it again.
  run.steps(5 * M / kScrape, 150, 0);
  CHECK(run.log.size() == 2);
  const std::vector<BurnRateTransition> again = run.step(150, 150);
  REQUIRE(again.size() == 1);
  CHECK(again[0].state == AlertState::firing);
  CHECK(run.alerts.fired_count(0) == 2);
  CHECK(run.alerts.fired_total() == 2);
}

TEST_CASE("SLO: memory is a fixed ring over a 400-day run, and long runs stay exact", "[slo]") {
  Run run(availability_slo(), workbook_rules());
  // max(30 d, 3 d) of 15 s buckets, plus one.
  CHECK(run.slo.ring_size() == 172801);
  // 0.1 % errors for 400 days: burn exactly 1, the whole budget spent, never more.
  for (std::int64_t i = 0; i < 400 * D / kScrape; ++i) {
    run.now += kScrape;
    run.slo.record(run.now, 999, 1000);
    run.slo.advance(run.now);
  }
  CHECK(run.slo.ring_size() == 172801);
  CHECK(run.slo.burn_rate(run.now, H) == 1.0);
  CHECK(run.slo.budget_consumed(run.now) == Approx(1).margin(1e-9));
  CHECK(run.slo.budget_remaining_percent(run.now) == Approx(0).margin(1e-6));
  CHECK(run.slo.total_events(run.now, 30 * D) == 172800u * 1000u);
  CHECK(run.slo.total_events(run.now, 400 * D) == 172800u * 1000u);  // cut to what is kept

  // A gap longer than the ring empties it without walking every bucket.
  run.slo.advance(run.now + 100 * D);
  CHECK(run.slo.budget_consumed(run.now + 100 * D) == 0.0);
  CHECK(run.slo.sli_percent(run.now + 100 * D) == 100.0);

  // A longer alert window than the SLO window sets the ring; buckets under 1 s become 1 s.
  SloTracker wide(availability_slo(99.9, 7 * D), kScrape, 14 * D);
  CHECK(wide.ring_size() == static_cast<std::size_t>(14 * D / kScrape + 1));
  SloTracker fine(availability_slo(99.9, 2 * H), 1000);
  CHECK(fine.bucket_length() == S);
  CHECK(fine.ring_size() == 7201);
}
