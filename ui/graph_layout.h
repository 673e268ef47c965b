// The Graph tab's geometry and judgement, apart from ImGui so that the unit tests can check
// them (tests/unit/graph_layout_test.cpp): where each box, agent and arrow goes, what the
// pointer is over, and how healthy a node or a call looks.
//
// [SECTION] Layout
// Layered left to right by call depth: an agent's column is the longest chain of calls that
// reaches it from an agent nobody calls, so every arrow points right, to a later column.
// In a column, the agents of one service sit together in one box (the service's box; a
// service whose agents lie at several depths has a box in each of those columns), one row
// per agent. Column 0 is in service order, then agent order; a later column orders its
// boxes by where their callers are (the mean height of the callers' rows, the barycentre
// heuristic of Sugiyama et al., 1981, in one left-to-right pass), ties by service and then
// agent order, so the same scenario always gives the same picture. Boxes are stacked with a
// gap, so none overlap. An arrow leaves its caller's row on the box's right edge and enters
// its callee's row on the left edge, a cubic curve sampled into a polyline; its label sits
// above it in the gap right after the caller's column, labels of one gap pushed down until
// none overlap.
//
// [SECTION] Health
// One scale for nodes and calls, the services' status (sre/incidents.h: healthy, degraded,
// partial outage, major outage) with its thresholds, plus idle for no traffic:
//   a circuit breaker open (calls fail at once, never reaching the callee) -> major outage;
//   half-open (only its trial calls go through)                           -> partial outage;
//   no request completed in the interval (breaker closed or none)         -> idle;
//   failed >  100 - unavailable_below_percent (95 %)                        -> major outage;
//   failed >  100 - partial_outage_below_percent (10 %)                     -> partial outage;
//   failed >  degraded_error_rate_percent (1 %)                             -> degraded;
//   a call's p95 at or above kTimeoutWarnShare of its timeout               -> degraded;
//   otherwise healthy. The worst rule that holds wins.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "scenario/scenario.h"
#include "sre/incidents.h"

namespace opsim::ui {

// [SECTION] Layout

struct GraphPoint {
  float x = 0, y = 0;
};

struct GraphRect {
  float x = 0, y = 0, w = 0, h = 0;
  bool contains(float px, float py) const { return px >= x && px < x + w && py >= y && py < y + h; }
  bool overlaps(const GraphRect& o) const { return x < o.x + o.w && o.x < x + w && y < o.y + o.h && o.y < y + h; }
};

// Sizes in pixels (the panel derives them from the font size).
struct GraphSizes {
  float box_width = 200;
  float header_height = 22;  // the service's name
  float row_height = 36;     // one agent: its name and one line of figures
  float column_gap = 180;    // room for the arrows' labels
  float box_gap = 16;
  float margin = 10;
  float label_width = 164;   // an arrow's label; less than column_gap, so it stays in the gap
  float label_line_height = 15;
};

// A service's agents at one depth.
struct GraphBox {
  int service = 0;
  int column = 0;
  int first_row = 0, row_count = 0;  // rows [first_row, first_row + row_count) of GraphLayout::rows
  GraphRect rect;
  GraphRect header;  // the top of rect, where the service's name is
};

// One agent in its box.
struct GraphRow {
  int agent = 0;
  int box = 0;
  GraphRect rect;
};

// A call edge (call_edges(scenario) order: its metrics are call.<caller>.<callee>.*).
struct GraphArrow {
  static constexpr int kPoints = 17;  // the curve as a polyline of 16 segments
  int edge = 0;
  int from_row = 0, to_row = 0;
  GraphPoint points[kPoints];
  int label_lines = 2;  // 3 when the call has a circuit breaker (its state gets a line)
  GraphRect label;
};

struct GraphLayout {
  std::vector<GraphBox> boxes;    // by column, top to bottom
  std::vector<GraphRow> rows;     // in box order
  std::vector<GraphArrow> arrows; // one per call edge
  std::vector<int> depth_of_agent;  // its column
  std::vector<int> row_of_agent;
  int columns = 0;
  float width = 0, height = 0;  // the whole drawing, margins included
};

// Every agent of `s` (agents without calls too: a scenario without calls is one column).
GraphLayout layout_call_graph(const Scenario& s, const GraphSizes& sizes);

// What a point of the drawing is over: a box's header (the service), an agent's row, or an
// arrow (within `arrow_tolerance` pixels of its curve, the nearest one); boxes first.
struct GraphHit {
  enum class Kind { none, service, agent, call } kind = Kind::none;
  int index = -1;  // the service, agent or call edge index
  bool operator==(const GraphHit& o) const { return kind == o.kind && index == o.index; }
};
GraphHit hit_test(const GraphLayout& layout, float x, float y, float arrow_tolerance);

// Distance from a point to a polyline of n points (n >= 1).
float distance_to_polyline(const GraphPoint* points, int n, float x, float y);

// [SECTION] Health

enum class Health { idle, healthy, degraded, partial_outage, major_outage };
const char* health_name(Health h);  // "idle", "healthy", "degraded", "partial outage", "major outage"

enum class BreakerState { none, closed, half_open, open };  // none: the call has no breaker
const char* breaker_state_name(BreakerState b);  // "no breaker", "closed", "half-open", "open"

// A call's p95 this close to its timeout means its slow tail is about to be cut off.
constexpr double kTimeoutWarnShare = 0.8;

// What one scrape interval showed of a node or a call.
struct HealthInputs {
  double completed = 0;       // requests (or attempts) that ended in the interval
  double failed_percent = 0;  // of those
  double latency_p95_ms = 0;  // successful ones; 0: none
  double timeout_ms = -1;     // a call's shortest timeout; -1: none
  BreakerState breaker = BreakerState::none;  // a call's worst breaker now
};
Health classify_health(const HealthInputs& in, const sre::IncidentThresholds& th = {});

// A service's status (its incident signals' verdict) on the same scale, idle without traffic.
Health health_of_status(sre::ServiceStatus s, double completed);

}  // namespace opsim::ui
