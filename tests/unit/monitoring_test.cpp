// Alert rules (Prometheus pending -> firing -> resolved) and notification routing
// (Alertmanager grouping, repeats, silences, inhibition), checked against the definitions.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "report/event_json.h"

#include "monitoring/alert_rules.h"
#include "monitoring/notifications.h"

using namespace opsim;

namespace {

constexpr SimDuration kScrape = 15 * kMicrosPerSecond;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

SimTime sec(double s) { return from_seconds(s); }
SimTime minutes(double m) { return from_seconds(m * 60); }

RuleSpec rule(const std::string& id, double threshold, SimDuration for_, int min_samples = 1,
              const std::string& severity = "page", const std::string& tenant = "", const std::string& service = "") {
  RuleSpec r;
  r.id = id;
  r.metric = "error_rate_percent";
  r.op = CompareOp::gt;
  r.value = threshold;
  r.for_ = for_;
  r.min_samples = min_samples;
  r.severity = severity;
  r.tenant = tenant;
  r.service = service;
  return r;
}

// Feeds one rule a series of values, one per scrape from t = 0; returns the transitions.
std::vector<AlertTransition> run_series(AlertEvaluator& ev, const std::vector<double>& values) {
  std::vector<AlertTransition> out;
  for (std::size_t k = 0; k < values.size(); ++k)
    ev.evaluate(static_cast<SimTime>(k) * kScrape, {values[k]}, out);
  return out;
}

AlertTransition transition(int idx, const std::string& id, AlertState s, SimTime t, const std::string& severity = "page",
                           const std::string& tenant = "", const std::string& service = "") {
  AlertTransition tr;
  tr.rule_index = idx;
  tr.rule = id;
  tr.severity = severity;
  tr.metric = "error_rate_percent";
  tr.tenant = tenant;
  tr.service = service;
  tr.state = s;
  tr.value = 10;
  tr.threshold = 5;
  tr.time = t;
  tr.active_since = t;
  return tr;
}

MonitoringSpec routing(std::vector<ChannelSpec> channels) {
  MonitoringSpec m;
  m.channels = std::move(channels);
  m.group_wait = 30 * kMicrosPerSecond;
  m.group_interval = 5 * kMicrosPerMinute;
  m.repeat_interval = 4 * kMicrosPerHour;
  return m;
}

ChannelSpec channel(const std::string& id, std::vector<std::string> severities, SimDuration delay = 0) {
  ChannelSpec c;
  c.id = id;
  c.severities = std::move(severities);
  c.delay = delay;
  return c;
}

std::vector<Notification> advance(Notifier& n, SimTime now) {
  std::vector<Notification> out;
  n.advance(now, out);
  return out;
}

// Advances in scrape steps up to `until`, collecting every notification.
std::vector<Notification> advance_steps(Notifier& n, SimTime from, SimTime until) {
  std::vector<Notification> out;
  for (SimTime t = from; t <= until; t += kScrape) n.advance(t, out);
  return out;
}

std::vector<std::string> rules_of(const Notification& n) {
  std::vector<std::string> r;
  for (const NotifiedAlert& a : n.alerts) r.push_back(a.rule + ":" + alert_state_name(a.state));
  return r;
}

}  // namespace

// ---------------------------------------------------------------- alert rules

TEST_CASE("a breach shorter than `for` goes pending and never fires", "[monitoring]") {
  AlertEvaluator ev({rule("err", 5, 2 * kMicrosPerMinute)});
  // Breaching at 0 .. 105 s (held 105 s < 120 s), then recovered for a while.
  std::vector<double> v(8, 9.0);
  for (int i = 0; i < 20; ++i) v.push_back(1.0);
  const auto out = run_series(ev, v);
  REQUIRE(out.size() == 2);
  CHECK(out[0].state == AlertState::pending);
  CHECK(out[0].time == 0);
  CHECK(out[1].state == AlertState::inactive);  // dropped, never fired, nothing resolved
  CHECK(out[1].time == sec(120));
  CHECK(ev.fired_total() == 0);
  CHECK(ev.firing().empty());
}

TEST_CASE("a breach held exactly `for` fires at that evaluation", "[monitoring]") {
  AlertEvaluator ev({rule("err", 5, 2 * kMicrosPerMinute)});
  const auto out = run_series(ev, std::vector<double>(10, 9.0));  // 0 .. 135 s
  REQUIRE(out.size() == 2);
  CHECK(out[0].state == AlertState::pending);
  CHECK(out[1].state == AlertState::firing);
  CHECK(out[1].time == sec(120));
  CHECK(out[1].active_since == 0);
  CHECK(out[1].value == 9.0);
  CHECK(out[1].threshold == 5.0);
  CHECK(ev.fired_total() == 1);
}

TEST_CASE("a dip resets `for`", "[monitoring]") {
  AlertEvaluator ev({rule("err", 5, 2 * kMicrosPerMinute)});
  std::vector<double> v(7, 9.0);  // 0 .. 90 s breaching
  v.push_back(4.0);  // 105 s: dip
  for (int i = 0; i < 12; ++i) v.push_back(9.0);  // 120 .. 285 s breaching
  const auto out = run_series(ev, v);
  REQUIRE(out.size() == 4);
  CHECK(out[0].state == AlertState::pending);
  CHECK(out[1].state == AlertState::inactive);
  CHECK(out[1].time == sec(105));
  CHECK(out[2].state == AlertState::pending);
  CHECK(out[2].time == sec(120));
  CHECK(out[3].state == AlertState::firing);
  CHECK(out[3].time == sec(240));  // 120 s after the new start, not after t = 0
  CHECK(out[3].active_since == sec(120));
}

TEST_CASE("no data (NaN) counts as the condition not holding", "[monitoring]") {
  AlertEvaluator ev({rule("err", 5, 30 * kMicrosPerSecond)});
  const auto out = run_series(ev, {9, 9, 9, kNaN, 9});
  REQUIRE(out.size() == 4);
  CHECK(out[1].state == AlertState::firing);  // 30 s
  CHECK(out[2].state == AlertState::resolved);  // 45 s, no data
  CHECK(out[2].time == sec(45));
  CHECK(std::isnan(out[2].value));
  CHECK(fields_json(out[2].fields().take()).find("\"value\":null") != std::string::npos);
  CHECK(out[3].state == AlertState::pending);
}

TEST_CASE("`for` 0 fires on the first breaching sample, without a pending state", "[monitoring]") {
  AlertEvaluator ev({rule("err", 5, 0)});
  const auto out = run_series(ev, {1, 1, 6, 7});
  REQUIRE(out.size() == 1);
  CHECK(out[0].state == AlertState::firing);
  CHECK(out[0].time == sec(30));
  CHECK(out[0].value == 6.0);
}

TEST_CASE("min_samples holds back the first firing until that many samples with data", "[monitoring]") {
  SECTION("breaching from the start, for 0: fires on the 5th sample") {
    AlertEvaluator ev({rule("err", 5, 0, 5)});
    const auto out = run_series(ev, std::vector<double>(8, 50.0));
    REQUIRE(out.size() == 1);
    CHECK(out[0].state == AlertState::firing);
    CHECK(out[0].time == 4 * kScrape);
    CHECK(ev.samples_seen(0) == 8);
  }
  SECTION("no-data samples do not count") {
    AlertEvaluator ev({rule("err", 5, 0, 5)});
    const auto out = run_series(ev, {50, kNaN, 50, kNaN, 50, 50, 50, 50});
    REQUIRE(out.size() == 1);
    CHECK(out[0].time == 6 * kScrape);  // the 5th sample with data
  }
  SECTION("`for` counts from the first sample that may count") {
    AlertEvaluator ev({rule("err", 5, 30 * kMicrosPerSecond, 3)});
    const auto out = run_series(ev, std::vector<double>(8, 50.0));
    REQUIRE(out.size() == 2);
    CHECK(out[0].state == AlertState::pending);
    CHECK(out[0].time == 2 * kScrape);
    CHECK(out[1].state == AlertState::firing);
    CHECK(out[1].time == 4 * kScrape);
  }
}

TEST_CASE("a firing alert resolves on recovery and can fire again", "[monitoring]") {
  AlertEvaluator ev({rule("err", 5, 0)});
  const auto out = run_series(ev, {9, 9, 2, 2, 8});
  REQUIRE(out.size() == 3);
  CHECK(out[0].state == AlertState::firing);
  CHECK(out[1].state == AlertState::resolved);
  CHECK(out[1].time == sec(30));
  CHECK(out[1].value == 2.0);  // the value that resolved it
  CHECK(out[1].active_since == 0);
  CHECK(out[2].state == AlertState::firing);
  CHECK(out[2].time == sec(60));
  CHECK(ev.fired_total() == 2);
  CHECK(ev.fired_count(0) == 2);
  CHECK(ev.state(0) == AlertState::firing);
}

TEST_CASE("a firing rule stays one alert however long it breaches (de-duplication)", "[monitoring]") {
  AlertEvaluator ev({rule("err", 5, 0), rule("slow", 1000, 60 * kMicrosPerSecond, 1, "ticket")});
  std::vector<AlertTransition> out;
  for (int k = 0; k < 100; ++k) ev.evaluate(k * kScrape, {9.0 + k, kNaN}, out);
  REQUIRE(out.size() == 1);
  CHECK(ev.fired_total() == 1);
  const auto f = ev.firing();
  REQUIRE(f.size() == 1);
  CHECK(f[0].rule_index == 0);
  CHECK(f[0].fired_at == 0);
  CHECK(f[0].value == 108.0);
  CHECK(ev.active().size() == 1);
}

TEST_CASE("transitions name the rule, severity, value, threshold, op and scope", "[monitoring]") {
  RuleSpec r = rule("acme-latency", 1000, 0, 1, "ticket", "acme", "agents-eu");
  r.metric = "latency_avg_ms";
  r.op = CompareOp::ge;
  AlertEvaluator ev({r, rule("global", 5, 0)});
  std::vector<AlertTransition> out;
  ev.evaluate(sec(15), {1250.5, 7}, out);
  REQUIRE(out.size() == 2);
  CHECK(fields_json(out[0].fields().take()) ==
        "{\"rule\":\"acme-latency\",\"state\":\"firing\",\"severity\":\"ticket\",\"metric\":\"latency_avg_ms\","
        "\"value\":1250.5,\"threshold\":1000,\"op\":\">=\",\"tenant\":\"acme\",\"service\":\"agents-eu\","
        "\"reason\":\"latency_avg_ms for tenant acme is 1250.5, >= 1000, and the rule waits for nothing: it fires at "
        "ticket severity\"}");
  CHECK(fields_json(out[1].fields().take()) ==
        "{\"rule\":\"global\",\"state\":\"firing\",\"severity\":\"page\",\"metric\":\"error_rate_percent\","
        "\"value\":7,\"threshold\":5,\"op\":\">\",\"reason\":\"error_rate_percent is 7, > 5, and the rule waits for "
        "nothing: it fires at page severity\"}");
  // A rule with a `for` says how long the condition held.
  RuleSpec slow = rule("slow", 5, 60 * kMicrosPerSecond, 1, "page");
  AlertEvaluator held({slow});
  std::vector<AlertTransition> t;
  held.evaluate(sec(15), {9}, t);
  held.evaluate(sec(75), {8}, t);
  REQUIRE(t.size() == 2);
  CHECK(t[0].reason() == "error_rate_percent is 9, > 5: pending until that holds for the rule's `for`");
  CHECK(t[1].reason() == "error_rate_percent has been > 5 for 1m (now 8): it fires at page severity");
}

TEST_CASE("a rule changed while running applies from the next evaluation", "[monitoring]") {
  AlertEvaluator ev({rule("err", 5, 0)});
  std::vector<AlertTransition> out;
  ev.evaluate(0, {7}, out);
  REQUIRE(out.size() == 1);
  ev.update_rule(0, rule("err", 10, 0));
  ev.evaluate(kScrape, {7}, out);
  REQUIRE(out.size() == 2);
  CHECK(out[1].state == AlertState::resolved);
  CHECK(out[1].threshold == 10.0);
}

// ---------------------------------------------------------------- notifications

TEST_CASE("group_wait delays the first notification and batches the group's alerts", "[monitoring]") {
  Notifier n(routing({channel("pager", {"page"})}));
  n.on_transition(transition(0, "err", AlertState::firing, 0, "page", "acme", "api"));
  CHECK(n.next_due() == sec(30));
  CHECK(advance(n, sec(15)).empty());
  n.on_transition(transition(1, "slow", AlertState::firing, sec(20), "page", "acme", "api"));
  CHECK(advance(n, sec(29)).empty());
  const auto out = advance(n, sec(30));
  REQUIRE(out.size() == 1);
  CHECK(out[0].channel == "pager");
  CHECK(out[0].time == sec(30));
  CHECK(out[0].reason == Notification::Reason::first);
  CHECK(out[0].firing);
  CHECK(out[0].group_key == "{service=\"api\",tenant=\"acme\"}");
  CHECK(rules_of(out[0]) == std::vector<std::string>{"err:firing", "slow:firing"});
  CHECK(fields_json(out[0].fields().take()) ==
        "{\"channel\":\"pager\",\"group\":\"{service=\\\"api\\\",tenant=\\\"acme\\\"}\",\"status\":\"firing\","
        "\"reason\":\"first\",\"flushed_s\":30,\"firing\":2,\"resolved\":0,\"alerts\":[\"err\",\"slow\"]}");
  // Nothing more while nothing changes (until the repeat interval).
  CHECK(advance_steps(n, sec(45), kMicrosPerHour).empty());
  CHECK(n.notifications_total() == 1);
}

TEST_CASE("alerts of other scopes, or grouped by rule, form separate groups", "[monitoring]") {
  SECTION("different services") {
    Notifier n(routing({channel("pager", {"page"})}));
    n.on_transition(transition(0, "err", AlertState::firing, 0, "page", "", "api"));
    n.on_transition(transition(1, "slow", AlertState::firing, sec(10), "page", "", "db"));
    const auto out = advance_steps(n, 0, minutes(1));
    REQUIRE(out.size() == 2);
    CHECK(out[0].time == sec(30));
    CHECK(out[1].time == sec(40));  // its own group_wait
  }
  SECTION("group_by rule") {
    Notifier n(routing({channel("pager", {"page"})}), {"rule", "tenant", "service"});
    n.on_transition(transition(0, "err", AlertState::firing, 0, "page", "acme", "api"));
    n.on_transition(transition(1, "slow", AlertState::firing, 0, "page", "acme", "api"));
    const auto out = advance(n, sec(30));
    REQUIRE(out.size() == 2);
    CHECK(out[0].group_key == "{rule=\"err\",service=\"api\",tenant=\"acme\"}");
    CHECK(out[1].group_key == "{rule=\"slow\",service=\"api\",tenant=\"acme\"}");
  }
}

TEST_CASE("repeat_interval re-sends an unchanged firing group", "[monitoring]") {
  Notifier n(routing({channel("pager", {"page"})}));
  n.on_transition(transition(0, "err", AlertState::firing, 0));
  const auto out = advance_steps(n, 0, 9 * kMicrosPerHour);
  REQUIRE(out.size() == 3);
  CHECK(out[0].time == sec(30));
  CHECK(out[0].reason == Notification::Reason::first);
  CHECK(out[1].time == sec(30) + 4 * kMicrosPerHour);  // a flush tick falls exactly there
  CHECK(out[1].reason == Notification::Reason::repeat);
  CHECK(out[2].time == sec(30) + 8 * kMicrosPerHour);
  CHECK(fields_json(out[2].fields().take()).find("\"reason\":\"repeat\"") != std::string::npos);
}

TEST_CASE("a repeat waits for the next group_interval tick after repeat_interval", "[monitoring]") {
  MonitoringSpec m = routing({channel("pager", {"page"})});
  m.repeat_interval = 4 * kMicrosPerHour + minutes(2);
  Notifier n(m);
  n.on_transition(transition(0, "err", AlertState::firing, 0));
  const auto out = advance_steps(n, 0, 5 * kMicrosPerHour);
  REQUIRE(out.size() == 2);
  CHECK(out[1].time == sec(30) + 4 * kMicrosPerHour + minutes(5));
}

TEST_CASE("a changed group is re-notified at the next group_interval tick", "[monitoring]") {
  Notifier n(routing({channel("chat", {"page"})}));
  n.on_transition(transition(0, "err", AlertState::firing, 0));
  std::vector<Notification> out;
  n.advance(sec(30), out);
  REQUIRE(out.size() == 1);
  n.on_transition(transition(1, "slow", AlertState::firing, minutes(1)));
  n.advance(minutes(5), out);
  CHECK(out.size() == 1);  // not before group_interval after the last flush
  n.advance(minutes(5) + sec(30), out);
  REQUIRE(out.size() == 2);
  CHECK(out[1].reason == Notification::Reason::update);
  CHECK(rules_of(out[1]) == std::vector<std::string>{"err:firing", "slow:firing"});
  // A resolution is a change too, and resolved notifications are sent.
  n.on_transition(transition(0, "err", AlertState::resolved, minutes(6)));
  for (SimTime t = minutes(6); t <= minutes(11); t += kScrape) n.advance(t, out);
  REQUIRE(out.size() == 3);
  CHECK(out[2].time == minutes(10) + sec(30));
  CHECK(out[2].firing);
  CHECK(rules_of(out[2]) == std::vector<std::string>{"slow:firing", "err:resolved"});
  CHECK(out[2].alerts[1].ends_at == minutes(6));
  n.on_transition(transition(1, "slow", AlertState::resolved, minutes(12)));
  for (SimTime t = minutes(11); t <= minutes(30); t += kScrape) n.advance(t, out);
  REQUIRE(out.size() == 4);
  CHECK(out[3].time == minutes(15) + sec(30));
  CHECK_FALSE(out[3].firing);
  CHECK(fields_json(out[3].fields().take()).find("\"status\":\"resolved\"") != std::string::npos);
  CHECK(n.group_count() == 0);  // the empty group is gone
}

TEST_CASE("an alert that fires and resolves within group_wait is never sent", "[monitoring]") {
  Notifier n(routing({channel("pager", {"page"})}));
  n.on_transition(transition(0, "err", AlertState::firing, 0));
  n.on_transition(transition(0, "err", AlertState::resolved, sec(15)));
  CHECK(advance_steps(n, 0, kMicrosPerHour).empty());
  CHECK(n.group_count() == 0);
}

TEST_CASE("a silence suppresses matching alerts within its window only", "[monitoring]") {
  MonitoringSpec m = routing({channel("pager", {"page"})});
  SilenceSpec s;
  s.match.rule = "err";
  s.starts = 0;
  s.ends = minutes(10);
  m.silences.push_back(s);
  Notifier n(m, {"rule"});
  n.on_transition(transition(0, "err", AlertState::firing, 0));
  n.on_transition(transition(1, "slow", AlertState::firing, 0));
  std::vector<Notification> out;
  for (SimTime t = 0; t < minutes(10); t += kScrape) n.advance(t, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].alerts[0].rule == "slow");  // not silenced
  CHECK(n.silenced_total() == 1);  // counted once for the episode, not per flush
  for (SimTime t = minutes(10); t <= minutes(20); t += kScrape) n.advance(t, out);
  REQUIRE(out.size() == 2);
  CHECK(out[1].alerts[0].rule == "err");
  CHECK(out[1].time == minutes(10) + sec(30));  // first flush tick after the silence ended
  CHECK(out[1].reason == Notification::Reason::first);
  CHECK(n.silenced(out[1].alerts[0], minutes(9)));
  CHECK_FALSE(n.silenced(out[1].alerts[0], minutes(10)));  // ends is exclusive
}

TEST_CASE("a silence that starts later mutes from then on", "[monitoring]") {
  MonitoringSpec m = routing({channel("pager", {"page"})});
  SilenceSpec s;
  s.match.severity = "page";
  s.starts = kMicrosPerHour;
  s.ends = 6 * kMicrosPerHour;
  m.silences.push_back(s);
  Notifier n(m);
  n.on_transition(transition(0, "err", AlertState::firing, 0));
  const auto out = advance_steps(n, 0, 10 * kMicrosPerHour);
  // First at 30 s; the 4 h repeat falls inside the silence; re-sent at the first tick after
  // 6 h (6h00m30s), then 4 h later.
  REQUIRE(out.size() == 2);
  CHECK(out[0].time == sec(30));
  CHECK(out[1].time == 6 * kMicrosPerHour + sec(30));
  CHECK(out[1].reason == Notification::Reason::repeat);
  CHECK(n.silenced_total() == 1);
}

TEST_CASE("inhibition mutes the target while the source fires, and not after", "[monitoring]") {
  MonitoringSpec m = routing({channel("all", {})});
  InhibitSpec in;
  in.source.severity = "page";
  in.target.severity = "ticket";
  in.equal = {"service"};
  m.inhibit.push_back(in);
  Notifier n(m);
  n.on_transition(transition(0, "down", AlertState::firing, 0, "page", "", "api"));
  n.on_transition(transition(1, "slow", AlertState::firing, 0, "ticket", "", "api"));
  n.on_transition(transition(2, "slow-db", AlertState::firing, 0, "ticket", "", "db"));  // other service
  std::vector<Notification> out;
  for (SimTime t = 0; t < minutes(20); t += kScrape) n.advance(t, out);
  REQUIRE(out.size() == 2);
  CHECK(rules_of(out[0]) == std::vector<std::string>{"down:firing"});  // slow is inhibited
  CHECK(rules_of(out[1]) == std::vector<std::string>{"slow-db:firing"});  // equal service differs
  CHECK(n.inhibited_total() == 1);
  n.on_transition(transition(0, "down", AlertState::resolved, minutes(20)));
  for (SimTime t = minutes(20); t <= minutes(40); t += kScrape) n.advance(t, out);
  REQUIRE(out.size() == 3);
  CHECK(out[2].time == minutes(20) + sec(30));
  CHECK(rules_of(out[2]) == std::vector<std::string>{"slow:firing", "down:resolved"});
  CHECK(n.inhibited_total() == 1);
}

TEST_CASE("a channel's delay adds to the notification time", "[monitoring]") {
  Notifier n(routing({channel("email", {"page"}, 90 * kMicrosPerSecond), channel("pager", {"page"})}));
  n.on_transition(transition(0, "err", AlertState::firing, 0));
  auto out = advance(n, sec(30));
  REQUIRE(out.size() == 1);
  CHECK(out[0].channel == "pager");
  CHECK(n.next_due() == sec(120));
  CHECK(advance(n, sec(119)).empty());
  out = advance(n, sec(150));  // delivered late is still stamped with its due time
  REQUIRE(out.size() == 1);
  CHECK(out[0].channel == "email");
  CHECK(out[0].flushed_at == sec(30));
  CHECK(out[0].time == sec(120));
  CHECK(n.notifications_for(0) == 1);
  CHECK(n.notifications_for(1) == 1);
}

TEST_CASE("channels receive the severities they list", "[monitoring]") {
  Notifier n(routing({channel("pager", {"page"}), channel("chat", {"page", "ticket"}), channel("email", {"ticket"})}));
  n.on_transition(transition(0, "down", AlertState::firing, 0, "page", "", "api"));
  n.on_transition(transition(1, "slow", AlertState::firing, 0, "ticket", "", "db"));
  n.on_transition(transition(2, "info", AlertState::firing, 0, "info", "", "web"));  // nobody lists info
  const auto out = advance(n, sec(30));
  REQUIRE(out.size() == 4);
  std::vector<std::string> got;
  for (const auto& x : out) got.push_back(x.channel + "/" + x.alerts[0].rule);
  CHECK(got == std::vector<std::string>{"pager/down", "chat/down", "chat/slow", "email/slow"});
}

TEST_CASE("rule evaluation feeds routing end to end, deterministically", "[monitoring]") {
  auto run = [] {
    MonitoringSpec m = routing({channel("pager", {"page"}, sec(30)), channel("email", {"ticket"}, minutes(5))});
    m.rules = {rule("err", 5, 2 * kMicrosPerMinute, 5, "page"), rule("slow", 1000, 0, 1, "ticket")};
    AlertEvaluator ev(m.rules);
    Notifier n(m);
    std::string log;
    std::vector<AlertTransition> tr;
    std::vector<Notification> no;
    for (SimTime t = 0; t <= 2 * kMicrosPerHour; t += kScrape) {
      const double minute = static_cast<double>(t) / kMicrosPerMinute;
      const double err = minute >= 10 && minute < 40 ? 12.0 : 1.0;
      const double lat = minute >= 20 && minute < 25 ? 1500.0 : 300.0;
      tr.clear();
      no.clear();
      ev.evaluate(t, {err, lat}, tr);
      for (const auto& x : tr) {
        n.on_transition(x);
        log += fields_json(x.fields().take()) + "\n";
      }
      n.advance(t, no);
      for (const auto& x : no) log += std::to_string(x.time) + " " + fields_json(x.fields().take()) + "\n";
    }
    CHECK(ev.fired_total() == 2);
    CHECK(n.notifications_total() == 4);  // each channel: firing, then resolved
    return log;
  };
  const std::string a = run();
  CHECK(a == run());
  // err fires at 12 min (10 min + for 2 min), the pager hears at 12m30s + 30 s delay.
  CHECK(a.find(std::to_string(minutes(13)) + " {\"channel\":\"pager\"") != std::string::npos);
}
