// The Graph tab's geometry and health scale (ui/graph_layout.h): columns by call depth,
// service boxes, no overlaps, a deterministic order, hit testing and the thresholds.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "graph_layout.h"
#include "test_support.h"

using namespace opsim;
using namespace opsim::ui;

namespace {

// A scenario skeleton: services, agents (id, service index) and calls (caller, callee), all
// the layout reads.
Scenario graph(int services, const std::vector<std::pair<std::string, int>>& agents,
               const std::vector<std::pair<std::string, std::string>>& calls) {
  Scenario s;
  for (int i = 0; i < services; ++i) s.services.push_back(ServiceSpec{"svc" + std::to_string(i)});
  for (const auto& [id, service] : agents) {
    AgentSpec a;
    a.id = id;
    a.service_index = service;
    a.service = s.services[static_cast<std::size_t>(service)].id;
    s.agents.push_back(a);
  }
  for (const auto& [caller, callee] : calls) {
    CallSpec c;
    c.agent = callee;
    c.agent_index = s.agent_index(callee);
    CallStep step;
    step.calls.push_back(c);
    s.agents[static_cast<std::size_t>(s.agent_index(caller))].calls.push_back(step);
  }
  return s;
}

int depth(const Scenario& s, const GraphLayout& l, const std::string& agent) {
  return l.depth_of_agent[static_cast<std::size_t>(s.agent_index(agent))];
}

const GraphRect& row_rect(const Scenario& s, const GraphLayout& l, const std::string& agent) {
  return l.rows[static_cast<std::size_t>(l.row_of_agent[static_cast<std::size_t>(s.agent_index(agent))])].rect;
}

// Boxes apart, rows inside their boxes, labels apart and off the boxes, all inside the drawing.
void require_no_overlaps(const GraphLayout& l) {
  for (std::size_t i = 0; i < l.boxes.size(); ++i) {
    const GraphRect& a = l.boxes[i].rect;
    CHECK(a.x >= 0);
    CHECK(a.y >= 0);
    CHECK(a.x + a.w <= l.width);
    CHECK(a.y + a.h <= l.height);
    for (std::size_t j = i + 1; j < l.boxes.size(); ++j) {
      INFO("boxes " << i << " and " << j);
      CHECK_FALSE(a.overlaps(l.boxes[j].rect));
    }
  }
  for (const GraphRow& r : l.rows) {
    const GraphRect& b = l.boxes[static_cast<std::size_t>(r.box)].rect;
    CHECK(r.rect.x >= b.x);
    CHECK(r.rect.y >= b.y);
    CHECK(r.rect.x + r.rect.w <= b.x + b.w);
    CHECK(r.rect.y + r.rect.h <= b.y + b.h);
  }
  for (std::size_t i = 0; i < l.arrows.size(); ++i) {
    const GraphRect& a = l.arrows[i].label;
    CHECK(a.y >= 0);
    CHECK(a.y + a.h <= l.height);
    for (const GraphBox& b : l.boxes) CHECK_FALSE(a.overlaps(b.rect));
    for (std::size_t j = i + 1; j < l.arrows.size(); ++j) {
      INFO("labels of arrows " << i << " and " << j);
      CHECK_FALSE(a.overlaps(l.arrows[j].label));
    }
  }
}

}  // namespace

TEST_CASE("graph layout: three-tier is three columns by call depth, the data service one box", "[graph]") {
  const Scenario s = test::must_load(test::read_text("scenarios/three-tier.json"));
  const GraphLayout l = layout_call_graph(s, GraphSizes{});
  CHECK(l.columns == 3);
  CHECK(depth(s, l, "frontend") == 0);
  CHECK(depth(s, l, "api") == 1);
  for (const char* a : {"database", "cache", "search"}) CHECK(depth(s, l, a) == 2);
  // web, api, data: one box each, data's with its three agents in agent order.
  REQUIRE(l.boxes.size() == 3);
  const GraphBox& data = l.boxes[2];
  CHECK(s.services[static_cast<std::size_t>(data.service)].id == "data");
  REQUIRE(data.row_count == 3);
  CHECK(s.agents[static_cast<std::size_t>(l.rows[static_cast<std::size_t>(data.first_row)].agent)].id == "database");
  // One arrow per call edge, each from its caller's row to its callee's, pointing right.
  const std::vector<CallEdge> edges = call_edges(s);
  REQUIRE(l.arrows.size() == edges.size());
  for (const GraphArrow& a : l.arrows) {
    const CallEdge& e = edges[static_cast<std::size_t>(a.edge)];
    CHECK(l.rows[static_cast<std::size_t>(a.from_row)].agent == e.caller);
    CHECK(l.rows[static_cast<std::size_t>(a.to_row)].agent == e.callee);
    CHECK(a.points[GraphArrow::kPoints - 1].x > a.points[0].x);
  }
  // The api -> database call has a circuit breaker: its label has a line for the state.
  const int api_db = static_cast<int>(std::find_if(edges.begin(), edges.end(), [&](const CallEdge& e) {
                                        return e.caller == s.agent_index("api") && e.callee == s.agent_index("database");
                                      }) - edges.begin());
  CHECK(l.arrows[static_cast<std::size_t>(api_db)].label_lines == 3);
  require_no_overlaps(l);
}

TEST_CASE("graph layout: a diamond with a shortcut puts the join at the longest depth", "[graph]") {
  // top -> left, top -> right, left -> bottom, right -> bottom, and top -> bottom directly.
  const Scenario s = graph(3, {{"top", 0}, {"left", 1}, {"right", 1}, {"bottom", 2}},
                           {{"top", "left"}, {"top", "right"}, {"left", "bottom"}, {"right", "bottom"}, {"top", "bottom"}});
  const GraphLayout l = layout_call_graph(s, GraphSizes{});
  CHECK(l.columns == 3);
  CHECK(depth(s, l, "top") == 0);
  CHECK(depth(s, l, "left") == 1);
  CHECK(depth(s, l, "right") == 1);
  CHECK(depth(s, l, "bottom") == 2);  // not 1, though top calls it directly
  // left and right share service 1: one box, two rows.
  CHECK(l.rows[static_cast<std::size_t>(l.row_of_agent[1])].box == l.rows[static_cast<std::size_t>(l.row_of_agent[2])].box);
  CHECK(l.boxes.size() == 3);
  for (const GraphArrow& a : l.arrows) CHECK(a.points[GraphArrow::kPoints - 1].x > a.points[0].x);
  require_no_overlaps(l);
}

TEST_CASE("graph layout: a column follows its callers' order, and the same scenario gives the same picture", "[graph]") {
  // Two roots (services 0 and 1, top to bottom); a is called by the lower root, z by the
  // upper one. Service order alone would put a (service 2) above z (service 3).
  const Scenario s = graph(4, {{"upper", 0}, {"lower", 1}, {"a", 2}, {"z", 3}}, {{"upper", "z"}, {"lower", "a"}});
  const GraphLayout l = layout_call_graph(s, GraphSizes{});
  CHECK(row_rect(s, l, "upper").y < row_rect(s, l, "lower").y);
  CHECK(row_rect(s, l, "z").y < row_rect(s, l, "a").y);
  const GraphLayout again = layout_call_graph(s, GraphSizes{});
  REQUIRE(again.rows.size() == l.rows.size());
  for (std::size_t i = 0; i < l.rows.size(); ++i) {
    CHECK(again.rows[i].agent == l.rows[i].agent);
    CHECK(again.rows[i].rect.y == l.rows[i].rect.y);
  }
}

TEST_CASE("graph layout: no overlaps in a wide graph with fan-out, fan-in and long calls", "[graph]") {
  // 14 agents on 5 services; agent i calls i+1, i+3 and i+5 where they exist.
  std::vector<std::pair<std::string, int>> agents;
  std::vector<std::pair<std::string, std::string>> calls;
  for (int i = 0; i < 14; ++i) agents.push_back({"a" + std::to_string(i), i % 5});
  for (int i = 0; i < 14; ++i)
    for (const int step : {1, 3, 5})
      if (i + step < 14) calls.push_back({"a" + std::to_string(i), "a" + std::to_string(i + step)});
  const Scenario s = graph(5, agents, calls);
  const GraphLayout l = layout_call_graph(s, GraphSizes{});
  CHECK(l.columns == 14);  // a chain of single steps: one agent per column
  CHECK(l.arrows.size() == calls.size());
  require_no_overlaps(l);
  // Fan-in from one root into many callees in one column: their labels share one gap.
  std::vector<std::pair<std::string, int>> fan_agents = {{"root", 0}};
  std::vector<std::pair<std::string, std::string>> fan_calls;
  for (int i = 0; i < 8; ++i) {
    fan_agents.push_back({"leaf" + std::to_string(i), 1 + i % 3});
    fan_calls.push_back({"root", "leaf" + std::to_string(i)});
  }
  const Scenario fan = graph(4, fan_agents, fan_calls);
  const GraphLayout fl = layout_call_graph(fan, GraphSizes{});
  CHECK(fl.columns == 2);
  CHECK(fl.boxes.size() == 4);  // root's, and one per leaf service
  require_no_overlaps(fl);
}

TEST_CASE("graph layout: a scenario without calls is one column of service boxes", "[graph]") {
  const Scenario s = graph(2, {{"x", 1}, {"y", 0}, {"w", 1}}, {});
  const GraphLayout l = layout_call_graph(s, GraphSizes{});
  CHECK(l.columns == 1);
  CHECK(l.arrows.empty());
  REQUIRE(l.boxes.size() == 2);
  CHECK(l.boxes[0].service == 0);  // service order, then agent order
  CHECK(l.boxes[1].row_count == 2);
  require_no_overlaps(l);
}

TEST_CASE("graph hit test: headers are services, rows agents, curves and labels calls", "[graph]") {
  const Scenario s = graph(2, {{"caller", 0}, {"callee", 1}}, {{"caller", "callee"}});
  const GraphLayout l = layout_call_graph(s, GraphSizes{});
  const GraphBox& box = l.boxes[0];
  CHECK(hit_test(l, box.header.x + 5, box.header.y + 5, 6) == GraphHit{GraphHit::Kind::service, 0});
  const GraphRect& callee = row_rect(s, l, "callee");
  CHECK(hit_test(l, callee.x + 5, callee.y + callee.h / 2, 6) == GraphHit{GraphHit::Kind::agent, 1});
  const GraphArrow& a = l.arrows[0];
  const GraphPoint mid = a.points[GraphArrow::kPoints / 2];
  CHECK(hit_test(l, mid.x, mid.y + 4, 6) == GraphHit{GraphHit::Kind::call, 0});
  CHECK(hit_test(l, mid.x, mid.y + 40, 6).kind == GraphHit::Kind::none);
  CHECK(hit_test(l, a.label.x + 1, a.label.y + a.label.h - 1, 6) == GraphHit{GraphHit::Kind::call, 0});
  CHECK(hit_test(l, l.width + 50, 5, 6).kind == GraphHit::Kind::none);
  const GraphPoint square[] = {{0, 0}, {10, 0}, {10, 10}};
  CHECK(distance_to_polyline(square, 3, 5, 3) == Approx(3));
  CHECK(distance_to_polyline(square, 3, 13, 5) == Approx(3));
  CHECK(distance_to_polyline(square, 3, -3, -4) == Approx(5));
}

TEST_CASE("graph health: the services' status thresholds, breakers and the timeout warning", "[graph]") {
  auto h = [](double completed, double failed, double p95 = 0, double timeout = -1, BreakerState b = BreakerState::none) {
    HealthInputs in;
    in.completed = completed;
    in.failed_percent = failed;
    in.latency_p95_ms = p95;
    in.timeout_ms = timeout;
    in.breaker = b;
    return classify_health(in);
  };
  CHECK(h(0, 0) == Health::idle);
  CHECK(h(100, 0) == Health::healthy);
  CHECK(h(100, 1) == Health::healthy);  // degraded is above 1 %
  CHECK(h(100, 1.01) == Health::degraded);
  CHECK(h(100, 10) == Health::degraded);  // partial outage is availability below 90 %
  CHECK(h(100, 10.5) == Health::partial_outage);
  CHECK(h(100, 95) == Health::partial_outage);  // major outage is availability below 5 %
  CHECK(h(100, 95.5) == Health::major_outage);
  // A call whose p95 nears its timeout.
  CHECK(h(100, 0, 790, 1000) == Health::healthy);
  CHECK(h(100, 0, 800, 1000) == Health::degraded);
  CHECK(h(100, 0, 5000) == Health::healthy);  // no timeout: no such warning
  // Breakers: open is a major outage even when nothing got through to fail.
  CHECK(h(0, 0, 0, -1, BreakerState::open) == Health::major_outage);
  CHECK(h(100, 0, 0, -1, BreakerState::half_open) == Health::partial_outage);
  CHECK(h(100, 100, 0, -1, BreakerState::half_open) == Health::major_outage);
  CHECK(h(100, 0, 0, -1, BreakerState::closed) == Health::healthy);
  // Other thresholds move the boundaries.
  sre::IncidentThresholds strict;
  strict.degraded_error_rate_percent = 0.1;
  HealthInputs in;
  in.completed = 10;
  in.failed_percent = 0.5;
  CHECK(classify_health(in, strict) == Health::degraded);
  // A service's status, idle when it served nothing.
  CHECK(health_of_status(sre::ServiceStatus::healthy, 0) == Health::idle);
  CHECK(health_of_status(sre::ServiceStatus::healthy, 3) == Health::healthy);
  CHECK(health_of_status(sre::ServiceStatus::partial_outage, 0) == Health::partial_outage);
}
