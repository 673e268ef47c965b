#include "graph_layout.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace opsim::ui {

// [SECTION] Layout

namespace {

constexpr float kLabelGap = 2;  // pixels between a label and its arrow, or the label above

// Longest chain of calls from an agent nobody calls (Kahn's order over the call edges). The
// loader refuses cycles; an agent left on one would stay in column 0.
std::vector<int> call_depths(std::size_t agents, const std::vector<CallEdge>& edges) {
  std::vector<int> depth(agents, 0), callers_left(agents, 0);
  for (const CallEdge& e : edges) ++callers_left[static_cast<std::size_t>(e.callee)];
  std::vector<int> ready;
  for (std::size_t a = 0; a < agents; ++a)
    if (callers_left[a] == 0) ready.push_back(static_cast<int>(a));
  for (std::size_t next = 0; next < ready.size(); ++next) {
    const int a = ready[next];
    for (const CallEdge& e : edges) {
      if (e.caller != a) continue;
      const auto callee = static_cast<std::size_t>(e.callee);
      depth[callee] = std::max(depth[callee], depth[static_cast<std::size_t>(a)] + 1);
      if (--callers_left[callee] == 0) ready.push_back(e.callee);
    }
  }
  return depth;
}

GraphPoint cubic(GraphPoint p0, GraphPoint p1, GraphPoint p2, GraphPoint p3, float t) {
  const float u = 1 - t;
  const float a = u * u * u, b = 3 * u * u * t, c = 3 * u * t * t, d = t * t * t;
  return {a * p0.x + b * p1.x + c * p2.x + d * p3.x, a * p0.y + b * p1.y + c * p2.y + d * p3.y};
}

// The curve's height where it crosses x (its x grows along the curve).
float y_at(const GraphArrow& arrow, float x) {
  const GraphPoint* p = arrow.points;
  if (x <= p[0].x) return p[0].y;
  for (int i = 1; i < GraphArrow::kPoints; ++i) {
    if (x > p[i].x) continue;
    const float span = p[i].x - p[i - 1].x;
    const float f = span > 0 ? (x - p[i - 1].x) / span : 0;
    return p[i - 1].y + f * (p[i].y - p[i - 1].y);
  }
  return p[GraphArrow::kPoints - 1].y;
}

bool has_breaker(const Scenario& s, const CallEdge& e) {
  for (const CallStep& step : s.agents[static_cast<std::size_t>(e.caller)].calls)
    for (const CallSpec& c : step.calls)
      if (c.agent_index == e.callee && c.circuit_breaker.enabled) return true;
  return false;
}

}  // namespace

GraphLayout layout_call_graph(const Scenario& s, const GraphSizes& z) {
  GraphLayout out;
  const std::size_t n = s.agents.size();
  const std::vector<CallEdge> edges = call_edges(s);
  out.depth_of_agent = call_depths(n, edges);
  out.row_of_agent.assign(n, -1);
  for (const int d : out.depth_of_agent) out.columns = std::max(out.columns, d + 1);

  std::vector<std::vector<int>> column_agents(static_cast<std::size_t>(out.columns));
  for (std::size_t a = 0; a < n; ++a)
    column_agents[static_cast<std::size_t>(out.depth_of_agent[a])].push_back(static_cast<int>(a));
  std::vector<float> centre_y(n, 0);
  float bottom = 0;

  for (int c = 0; c < out.columns; ++c) {
    std::vector<int>& agents = column_agents[static_cast<std::size_t>(c)];
    // Barycentre of each agent's callers (all in earlier columns, so already placed).
    std::vector<float> key(n, 0);
    for (const int a : agents) {
      float sum = 0;
      int callers = 0;
      for (const CallEdge& e : edges)
        if (e.callee == a) {
          sum += centre_y[static_cast<std::size_t>(e.caller)];
          ++callers;
        }
      key[static_cast<std::size_t>(a)] = callers > 0 ? sum / static_cast<float>(callers) : 0;
    }
    // A service's key in this column: the mean of its agents'.
    std::vector<float> service_sum(s.services.size(), 0);
    std::vector<int> service_count(s.services.size(), 0);
    for (const int a : agents) {
      const auto sv = static_cast<std::size_t>(s.agents[static_cast<std::size_t>(a)].service_index);
      service_sum[sv] += key[static_cast<std::size_t>(a)];
      ++service_count[sv];
    }
    auto service_key = [&](int a) {
      const auto sv = static_cast<std::size_t>(s.agents[static_cast<std::size_t>(a)].service_index);
      return service_sum[sv] / static_cast<float>(service_count[sv]);
    };
    std::sort(agents.begin(), agents.end(), [&](int a, int b) {
      const int sa = s.agents[static_cast<std::size_t>(a)].service_index;
      const int sb = s.agents[static_cast<std::size_t>(b)].service_index;
      if (sa != sb) {
        const float ka = service_key(a), kb = service_key(b);
        return ka != kb ? ka < kb : sa < sb;
      }
      const float ka = key[static_cast<std::size_t>(a)], kb = key[static_cast<std::size_t>(b)];
      return ka != kb ? ka < kb : a < b;
    });

    // Stack the boxes: consecutive agents of one service share one.
    const float x = z.margin + static_cast<float>(c) * (z.box_width + z.column_gap);
    float y = z.margin;
    for (std::size_t i = 0; i < agents.size();) {
      GraphBox box;
      box.service = s.agents[static_cast<std::size_t>(agents[i])].service_index;
      box.column = c;
      box.first_row = static_cast<int>(out.rows.size());
      const int box_index = static_cast<int>(out.boxes.size());
      float row_y = y + z.header_height;
      for (; i < agents.size() && s.agents[static_cast<std::size_t>(agents[i])].service_index == box.service; ++i) {
        GraphRow row;
        row.agent = agents[i];
        row.box = box_index;
        row.rect = {x, row_y, z.box_width, z.row_height};
        centre_y[static_cast<std::size_t>(row.agent)] = row_y + z.row_height / 2;
        out.row_of_agent[static_cast<std::size_t>(row.agent)] = static_cast<int>(out.rows.size());
        out.rows.push_back(row);
        row_y += z.row_height;
        ++box.row_count;
      }
      box.rect = {x, y, z.box_width, row_y - y};
      box.header = {x, y, z.box_width, z.header_height};
      out.boxes.push_back(box);
      y = row_y + z.box_gap;
      bottom = std::max(bottom, row_y);
    }
  }

  // Arrows, and their labels in the gap after the caller's column.
  for (std::size_t e = 0; e < edges.size(); ++e) {
    GraphArrow arrow;
    arrow.edge = static_cast<int>(e);
    arrow.from_row = out.row_of_agent[static_cast<std::size_t>(edges[e].caller)];
    arrow.to_row = out.row_of_agent[static_cast<std::size_t>(edges[e].callee)];
    const GraphRect& from = out.rows[static_cast<std::size_t>(arrow.from_row)].rect;
    const GraphRect& to = out.rows[static_cast<std::size_t>(arrow.to_row)].rect;
    const GraphPoint p0{from.x + from.w, from.y + from.h / 2}, p3{to.x, to.y + to.h / 2};
    const float bend = (p3.x - p0.x) / 2;
    const GraphPoint p1{p0.x + bend, p0.y}, p2{p3.x - bend, p3.y};
    for (int i = 0; i < GraphArrow::kPoints; ++i)
      arrow.points[i] = cubic(p0, p1, p2, p3, static_cast<float>(i) / (GraphArrow::kPoints - 1));
    arrow.label_lines = has_breaker(s, edges[e]) ? 3 : 2;
    const float gap_x = p0.x + (z.column_gap - z.label_width) / 2;
    const float h = static_cast<float>(arrow.label_lines) * z.label_line_height;
    // Above its arrow, so that the arrow stays whole under it.
    arrow.label = {gap_x, y_at(arrow, p0.x + z.column_gap / 2) - h - kLabelGap, z.label_width, h};
    out.arrows.push_back(arrow);
  }
  std::vector<std::size_t> order(out.arrows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const GraphRect &la = out.arrows[a].label, &lb = out.arrows[b].label;
    if (la.x != lb.x) return la.x < lb.x;
    return la.y != lb.y ? la.y < lb.y : a < b;
  });
  for (std::size_t k = 0; k < order.size(); ++k) {
    GraphRect& l = out.arrows[order[k]].label;
    l.y = std::max(l.y, 0.0f);
    if (k > 0) {
      const GraphRect& above = out.arrows[order[k - 1]].label;
      if (above.x == l.x) l.y = std::max(l.y, above.y + above.h + kLabelGap);
    }
    bottom = std::max(bottom, l.y + l.h);
  }

  out.width = 2 * z.margin + static_cast<float>(out.columns) * z.box_width +
              static_cast<float>(std::max(0, out.columns - 1)) * z.column_gap;
  out.height = bottom + z.margin;
  return out;
}

float distance_to_polyline(const GraphPoint* p, int n, float x, float y) {
  float best = std::hypot(x - p[0].x, y - p[0].y);
  for (int i = 1; i < n; ++i) {
    const float dx = p[i].x - p[i - 1].x, dy = p[i].y - p[i - 1].y;
    const float len2 = dx * dx + dy * dy;
    float t = len2 > 0 ? ((x - p[i - 1].x) * dx + (y - p[i - 1].y) * dy) / len2 : 0;
    t = std::clamp(t, 0.0f, 1.0f);
    best = std::min(best, std::hypot(x - (p[i - 1].x + t * dx), y - (p[i - 1].y + t * dy)));
  }
  return best;
}

GraphHit hit_test(const GraphLayout& l, float x, float y, float arrow_tolerance) {
  for (const GraphBox& b : l.boxes)
    if (b.header.contains(x, y)) return {GraphHit::Kind::service, b.service};
  for (const GraphRow& r : l.rows)
    if (r.rect.contains(x, y)) return {GraphHit::Kind::agent, r.agent};
  GraphHit hit;
  float best = arrow_tolerance;
  for (const GraphArrow& a : l.arrows) {
    // A label belongs to its arrow: pointing at the figures is pointing at the call.
    const float d = a.label.contains(x, y) ? 0 : distance_to_polyline(a.points, GraphArrow::kPoints, x, y);
    if (d <= best) {
      best = d;
      hit = {GraphHit::Kind::call, a.edge};
    }
  }
  return hit;
}

// [SECTION] Health

const char* health_name(Health h) {
  switch (h) {
    case Health::idle: return "idle";
    case Health::healthy: return "healthy";
    case Health::degraded: return "degraded";
    case Health::partial_outage: return "partial outage";
    case Health::major_outage: return "major outage";
  }
  return "idle";
}

const char* breaker_state_name(BreakerState b) {
  switch (b) {
    case BreakerState::none: return "no breaker";
    case BreakerState::closed: return "closed";
    case BreakerState::half_open: return "half-open";
    case BreakerState::open: return "open";
  }
  return "no breaker";
}

Health classify_health(const HealthInputs& in, const sre::IncidentThresholds& th) {
  Health h = Health::idle;
  auto at_least = [&h](Health w) { h = std::max(h, w); };
  if (in.breaker == BreakerState::open) at_least(Health::major_outage);
  if (in.breaker == BreakerState::half_open) at_least(Health::partial_outage);
  if (in.completed <= 0) return h;
  at_least(Health::healthy);
  if (in.failed_percent > 100 - th.unavailable_below_percent) at_least(Health::major_outage);
  if (in.failed_percent > 100 - th.partial_outage_below_percent) at_least(Health::partial_outage);
  if (in.failed_percent > th.degraded_error_rate_percent) at_least(Health::degraded);
  if (in.timeout_ms > 0 && in.latency_p95_ms >= kTimeoutWarnShare * in.timeout_ms) at_least(Health::degraded);
  return h;
}

Health health_of_status(sre::ServiceStatus s, double completed) {
  switch (s) {
    case sre::ServiceStatus::healthy: return completed > 0 ? Health::healthy : Health::idle;
    case sre::ServiceStatus::degraded: return Health::degraded;
    case sre::ServiceStatus::partial_outage: return Health::partial_outage;
    case sre::ServiceStatus::major_outage: return Health::major_outage;
  }
  return Health::idle;
}

}  // namespace opsim::ui
