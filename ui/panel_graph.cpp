// The call graph: each service a box holding its agents, each call an arrow from the
// caller's row to the callee's, all coloured by their health over the last scrape interval
// (ui/graph_layout.h's scale: the services' status thresholds, breakers, timeouts). Boxes
// show request rates, errors and p95; arrows' labels show attempts, failures, p95, retries
// and the circuit breaker's state now. Hovering shows the figures in full; clicking a box's
// header, an agent or an arrow opens its plots in the Plots tab (App::plot_focus).
//
// Cost per frame: the layout is computed once per run (App::run_id) and font size; the
// figures once per scrape (History's last two samples); the breakers' states and their last
// logged change once per simulated instant; a frame only formats numbers into stack
// buffers and draws.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "app.h"
#include "graph_layout.h"
#include "scaling/decision.h"
#include "imgui.h"
#include "panels.h"
#include "style.h"

namespace opsim::ui {
namespace {

// [SECTION] Figures

// Columns of the time series (-1: absent) and what the last interval made of them.
struct NodeColumns {
  int rate = -1, succeeded = -1, failed = -1, error = -1, p50 = -1, p95 = -1, p99 = -1, retries = -1, degraded = -1;
  int cpu = -1, slots = -1, queue = -1, instances = -1;  // services only
};
struct NodeFigures {
  double rate_per_s = 0, completed = 0, error_percent = 0, p50_ms = 0, p95_ms = 0, p99_ms = 0;
  double retries_per_s = 0, degraded = 0;
  double cpu_percent = 0, slots_percent = 0, queue_depth = 0, instances = 0;
  Health health = Health::idle;
};

struct CallColumns {
  int attempts = -1, retries = -1, timeouts = -1, failures = -1, open = -1, p95 = -1;
};
struct CallFigures {
  double attempts_per_s = 0, retries_per_s = 0, timeouts_per_s = 0, failed_percent = 0, p95_ms = 0;
  double attempts = 0;       // in the interval
  double open_percent = 0;   // of the interval, its breakers' mean
  double timeout_ms = -1;    // its shortest timeout (-1: none)
  int breakers = 0;          // call entries of this edge with a breaker
  BreakerState breaker = BreakerState::none;  // the worst of them now
  Health health = Health::idle;
  std::string last_change;   // the last circuit_* event of the edge: when, and its reason
};

struct PanelState {
  // Per run and font size.
  std::uint64_t layout_run = ~std::uint64_t{0};
  float layout_font = 0;
  GraphLayout layout;
  std::vector<CallEdge> edges;
  std::vector<NodeColumns> agent_cols, service_cols;
  std::vector<CallColumns> call_cols;
  std::vector<std::string> agent_ids, service_ids;  // widget ids, "graph:agent:ID"
  std::vector<int> first_box_of_service;            // -1: the service has no agent
  // Per scrape.
  SimTime figures_at = -1;
  std::vector<NodeFigures> agents, services;
  std::vector<CallFigures> calls;
  // Per simulated instant.
  DerivedStamp breaker_stamp;
  SimTime events_scanned_to = 0;
  std::vector<char> change_found;  // per edge, in one scan of the events (kept: no allocation per scan)
};

PanelState& state() {
  static PanelState s;  // one App per process; the caches are keyed by run_id, font and time
  return s;
}

int column(const Simulation& sim, const std::string& name) { return sim.metrics().find(name); }

double at(const std::vector<double>& row, int col) { return col >= 0 ? row[static_cast<std::size_t>(col)] : 0.0; }

void relayout(const App& app, PanelState& st, float font) {
  const Simulation& sim = app.sim();
  const Scenario& sc = sim.scenario();
  GraphSizes z;
  const float line = ImGui::GetTextLineHeight();
  // Three columns fit the tab at 1280 pixels wide; deeper graphs scroll.
  z.box_width = font * 12;
  z.header_height = line + 8;
  z.row_height = 2 * line + 10;
  z.label_width = font * 13;
  z.column_gap = z.label_width + font * 1.5f;  // the label, and room for the arrowhead
  z.box_gap = font;
  z.label_line_height = line;
  st.layout = layout_call_graph(sc, z);
  st.edges = call_edges(sc);
  st.layout_run = app.run_id();
  st.layout_font = font;

  // The columns an agent and a service both have; a service's fleet gauges besides.
  auto request_columns = [&](const std::string& p) {
    NodeColumns c;
    c.rate = column(sim, p + "request_rate");
    c.succeeded = column(sim, p + "requests_succeeded");
    c.failed = column(sim, p + "requests_failed");
    c.error = column(sim, p + "error_rate_percent");
    c.p50 = column(sim, p + "latency_p50_ms");
    c.p95 = column(sim, p + "latency_p95_ms");
    c.p99 = column(sim, p + "latency_p99_ms");
    c.retries = column(sim, p + "retries");
    c.degraded = column(sim, p + "requests_degraded");
    return c;
  };
  st.agent_cols.clear();
  st.agent_ids.clear();
  for (const AgentSpec& a : sc.agents) {
    st.agent_cols.push_back(request_columns("agent." + a.id + "."));
    st.agent_ids.push_back("graph:agent:" + a.id);
  }
  st.service_cols.clear();
  st.service_ids.clear();
  for (const ServiceSpec& sv : sc.services) {
    const std::string p = "service." + sv.id + ".";
    NodeColumns c = request_columns(p);
    c.cpu = column(sim, p + "cpu_utilization");
    c.slots = column(sim, p + "slot_utilization");
    c.queue = column(sim, p + "queue_depth");
    c.instances = column(sim, p + "instances");
    st.service_cols.push_back(c);
    st.service_ids.push_back("graph:service:" + sv.id);
  }
  st.first_box_of_service.assign(sc.services.size(), -1);
  for (std::size_t b = st.layout.boxes.size(); b-- > 0;)
    st.first_box_of_service[static_cast<std::size_t>(st.layout.boxes[b].service)] = static_cast<int>(b);

  st.call_cols.assign(st.edges.size(), {});
  st.calls.assign(st.edges.size(), {});
  for (std::size_t e = 0; e < st.edges.size(); ++e) {
    const std::string& caller = sc.agents[static_cast<std::size_t>(st.edges[e].caller)].id;
    const std::string& callee = sc.agents[static_cast<std::size_t>(st.edges[e].callee)].id;
    const std::string p = "call." + caller + "." + callee + ".";
    CallColumns& c = st.call_cols[e];
    c.attempts = column(sim, p + "attempts");
    c.retries = column(sim, p + "retries");
    c.timeouts = column(sim, p + "timeouts");
    c.failures = column(sim, p + "failures");
    c.open = column(sim, p + "circuit_open_percent");
    c.p95 = column(sim, p + "latency_p95_ms");
    // The shortest timeout among the edge's call entries is the first to cut calls off.
    for (const CallStep& step : sc.agents[static_cast<std::size_t>(st.edges[e].caller)].calls)
      for (const CallSpec& spec : step.calls)
        if (spec.agent_index == st.edges[e].callee && spec.timeout >= 0) {
          const double ms = to_seconds(spec.timeout) * 1000;
          double& t = st.calls[e].timeout_ms;
          t = t < 0 ? ms : std::min(t, ms);
        }
  }
  st.agents.assign(sc.agents.size(), {});
  st.services.assign(sc.services.size(), {});
  st.figures_at = -1;
  st.breaker_stamp = DerivedStamp{};
  st.events_scanned_to = 0;
}

// The last scrape interval, from History's last two samples (counters as differences).
void refresh_figures(const App& app, PanelState& st) {
  const History& h = app.history();
  st.figures_at = h.last_sample_time();
  const std::vector<double>& now = h.last_sample();
  const std::vector<double>& before = h.previous_sample();
  const double dt_s = to_seconds(h.last_sample_time() - h.previous_sample_time());
  const bool sampled = h.last_sample_time() > 0 && dt_s > 0;
  auto delta = [&](int col) { return col >= 0 ? now[static_cast<std::size_t>(col)] - before[static_cast<std::size_t>(col)] : 0.0; };
  auto node = [&](const NodeColumns& c, NodeFigures& f) {
    f = NodeFigures{};
    if (!sampled) return;
    f.rate_per_s = at(now, c.rate);
    f.completed = delta(c.succeeded) + delta(c.failed);
    f.error_percent = at(now, c.error);
    f.p50_ms = at(now, c.p50);
    f.p95_ms = at(now, c.p95);
    f.p99_ms = at(now, c.p99);
    f.retries_per_s = delta(c.retries) / dt_s;
    f.degraded = delta(c.degraded);
    f.cpu_percent = at(now, c.cpu);
    f.slots_percent = at(now, c.slots);
    f.queue_depth = at(now, c.queue);
    f.instances = at(now, c.instances);
  };
  const Simulation& sim = app.sim();
  for (std::size_t a = 0; a < st.agents.size(); ++a) {
    node(st.agent_cols[a], st.agents[a]);
    HealthInputs in;
    in.completed = st.agents[a].completed;
    in.failed_percent = st.agents[a].error_percent;
    st.agents[a].health = classify_health(in);
  }
  for (std::size_t v = 0; v < st.services.size(); ++v) {
    node(st.service_cols[v], st.services[v]);
    // The service's own status (its incident signals, users and p95 baseline included).
    st.services[v].health = sampled ? health_of_status(sim.service_status(static_cast<int>(v)).status,
                                                       st.services[v].completed)
                                    : Health::idle;
  }
  for (std::size_t e = 0; e < st.calls.size(); ++e) {
    const CallColumns& c = st.call_cols[e];
    CallFigures& f = st.calls[e];
    f.attempts = f.attempts_per_s = f.retries_per_s = f.timeouts_per_s = f.failed_percent = f.p95_ms = 0;
    f.open_percent = 0;
    if (!sampled) continue;
    f.attempts = delta(c.attempts);
    f.attempts_per_s = f.attempts / dt_s;
    f.retries_per_s = delta(c.retries) / dt_s;
    f.timeouts_per_s = delta(c.timeouts) / dt_s;
    // Attempts count when sent and failures when they end: the share is capped at 100 %.
    f.failed_percent = f.attempts > 0 ? std::min(100.0, 100.0 * delta(c.failures) / f.attempts) : 0.0;
    f.p95_ms = at(now, c.p95);
    f.open_percent = at(now, c.open);
  }
}

BreakerState worse(BreakerState a, BreakerState b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; }

// The breakers' states now (they change between scrapes), the calls' health with them, and
// each edge's last logged breaker change.
void refresh_breakers(const App& app, PanelState& st) {
  const Simulation& sim = app.sim();
  const Scenario& sc = sim.scenario();
  for (CallFigures& f : st.calls) {
    f.breakers = 0;
    f.breaker = BreakerState::none;
  }
  const CallTable& table = sim.request_path().calls();
  for (std::size_t i = 0; i < table.size(); ++i) {
    const CallTable::Entry& entry = table.entry(static_cast<int>(i));
    if (!entry.spec->circuit_breaker.enabled || entry.edge < 0 || static_cast<std::size_t>(entry.edge) >= st.calls.size())
      continue;
    CallFigures& f = st.calls[static_cast<std::size_t>(entry.edge)];
    ++f.breakers;
    BreakerState now = BreakerState::closed;
    if (entry.breaker.state() == CircuitBreaker::State::open) now = BreakerState::open;
    if (entry.breaker.state() == CircuitBreaker::State::half_open) now = BreakerState::half_open;
    f.breaker = worse(f.breaker, now);
  }
  for (CallFigures& f : st.calls) {
    HealthInputs in;
    in.completed = f.attempts;
    in.failed_percent = f.failed_percent;
    in.latency_p95_ms = f.p95_ms;
    in.timeout_ms = f.timeout_ms;
    in.breaker = f.breaker;
    f.health = classify_health(in);
  }
  // Newest first, back to where the last scan stopped; the first change found per edge is its last.
  const std::deque<LogEvent>& events = sim.recent_events();
  std::vector<char>& found = st.change_found;
  found.assign(st.calls.size(), 0);
  for (auto it = events.rbegin(); it != events.rend() && it->t >= st.events_scanned_to; ++it) {
    if (it->kind != EventKind::circuit_opened && it->kind != EventKind::circuit_half_open &&
        it->kind != EventKind::circuit_closed)
      continue;
    const std::string_view caller = it->text("caller"), callee = it->text("callee");
    for (std::size_t e = 0; e < st.edges.size(); ++e) {
      if (found[e] || sc.agents[static_cast<std::size_t>(st.edges[e].caller)].id != caller ||
          sc.agents[static_cast<std::size_t>(st.edges[e].callee)].id != callee)
        continue;
      found[e] = 1;
      st.calls[e].last_change = short_time(sc.calendar, it->t) + ": " + event_kind_name(it->kind) + ", " +
                                std::string(it->text("reason"));
    }
  }
  st.events_scanned_to = sim.now();
}

// [SECTION] Drawing

ImU32 health_u32(Health h, float alpha = 1) {
  ImVec4 c = h == Health::idle ? ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled) : kGreen;
  if (h == Health::degraded) c = kAmber;
  if (h == Health::partial_outage) c = kOrange;
  if (h == Health::major_outage) c = kRed;
  c.w *= alpha;
  return ImGui::ColorConvertFloat4ToU32(c);
}

ImU32 breaker_u32(BreakerState b) {
  if (b == BreakerState::open) return ImGui::ColorConvertFloat4ToU32(kRed);
  if (b == BreakerState::half_open) return ImGui::ColorConvertFloat4ToU32(kAmber);
  return ImGui::GetColorU32(ImGuiCol_TextDisabled);
}

// "0.3", "12", "456": rates, shares and milliseconds at a glance (the tooltips have more).
const char* short_number(char* buf, std::size_t n, double v) {
  std::snprintf(buf, n, v < 10 ? "%.1f" : "%.0f", v);
  return buf;
}

// A latency that fits a box: "38 ms", "5.9 ms", or whole seconds from 10 s ("18 s").
const char* short_ms(char* buf, std::size_t n, double ms) {
  if (ms >= 10000) {
    std::snprintf(buf, n, "%.0f s", ms / 1000);
    return buf;
  }
  char num[32];
  std::snprintf(buf, n, "%s ms", short_number(num, sizeof num, ms));
  return buf;
}

ImVec2 add(ImVec2 o, float x, float y) { return ImVec2(o.x + x, o.y + y); }

void text_in(ImDrawList* dl, ImVec2 pos, ImU32 col, const char* text, const GraphRect& clip, ImVec2 origin) {
  const ImVec4 clip_rect(origin.x + clip.x, origin.y + clip.y, origin.x + clip.x + clip.w, origin.y + clip.y + clip.h);
  dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), pos, col, text, nullptr, 0, &clip_rect);
}

void text_right(ImDrawList* dl, float right_x, float y, ImU32 col, const char* text) {
  dl->AddText(ImVec2(right_x - ImGui::CalcTextSize(text).x, y), col, text);
}

void draw_arrow(ImDrawList* dl, ImVec2 o, const GraphArrow& a, const CallFigures& f, bool hovered) {
  ImVec2 pts[GraphArrow::kPoints];
  for (int i = 0; i < GraphArrow::kPoints; ++i) pts[i] = add(o, a.points[i].x, a.points[i].y);
  const ImU32 col = health_u32(f.health);
  const float head = ImGui::GetFontSize() * 0.6f;
  ImVec2 end = pts[GraphArrow::kPoints - 1];
  pts[GraphArrow::kPoints - 1].x -= head * 0.8f;  // the line stops inside the head
  dl->AddPolyline(pts, GraphArrow::kPoints, col, 0, hovered ? 3.5f : 2.0f);
  dl->AddTriangleFilled(end, ImVec2(end.x - head, end.y - head * 0.55f), ImVec2(end.x - head, end.y + head * 0.55f), col);
}

void draw_label(ImDrawList* dl, ImVec2 o, const GraphArrow& a, const CallFigures& f) {
  const GraphRect& r = a.label;
  const ImVec2 a0 = add(o, r.x, r.y), a1 = add(o, r.x + r.w, r.y + r.h);
  dl->AddRectFilled(a0, a1, ImGui::ColorConvertFloat4ToU32(ImVec4(kBackground.x, kBackground.y, kBackground.z, 0.85f)), 3);
  char n1[32], n2[32], line[96];
  const float lh = r.h / static_cast<float>(a.label_lines);
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text), dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  std::snprintf(line, sizeof line, "%s/s, %s %% failed", short_number(n1, sizeof n1, f.attempts_per_s),
                short_number(n2, sizeof n2, f.failed_percent));
  text_in(dl, add(a0, 4, 0), f.health == Health::idle ? dim : text, line, r, o);
  if (f.p95_ms > 0)
    std::snprintf(line, sizeof line, "p95 %s, retry %s/s", short_ms(n1, sizeof n1, f.p95_ms),
                  short_number(n2, sizeof n2, f.retries_per_s));
  else
    std::snprintf(line, sizeof line, "p95 -, retry %s/s", short_number(n2, sizeof n2, f.retries_per_s));
  text_in(dl, add(a0, 4, lh), dim, line, r, o);
  if (a.label_lines > 2) {
    std::snprintf(line, sizeof line, "breaker %s", breaker_state_name(f.breaker));
    text_in(dl, add(a0, 4, 2 * lh), breaker_u32(f.breaker), line, r, o);
  }
}

void draw_box(ImDrawList* dl, ImVec2 o, const GraphLayout& l, const GraphBox& b, const Scenario& sc,
              const PanelState& st, const GraphHit& hover) {
  const NodeFigures& sf = st.services[static_cast<std::size_t>(b.service)];
  const bool box_hovered = hover.kind == GraphHit::Kind::service && hover.index == b.service;
  const ImVec2 a0 = add(o, b.rect.x, b.rect.y), a1 = add(o, b.rect.x + b.rect.w, b.rect.y + b.rect.h);
  const float rounding = 4, pad = 6, line = ImGui::GetTextLineHeight();
  // A model provider is outside the platform: drawn on a violet ground.
  const ServiceSpec& spec = sc.services[static_cast<std::size_t>(b.service)];
  const bool model = spec.kind == ServiceSpec::Kind::llm_provider;
  dl->AddRectFilled(a0, a1, model ? IM_COL32(44, 34, 60, 255) : IM_COL32(32, 36, 44, 255), rounding);
  // The header, tinted with the service's health.
  const ImVec2 h1 = add(o, b.header.x + b.header.w, b.header.y + b.header.h);
  dl->AddRectFilled(a0, h1, health_u32(sf.health, box_hovered ? 0.45f : 0.25f), rounding, ImDrawFlags_RoundCornersTop);
  char n1[32], text[96];
  const ImU32 fg = ImGui::GetColorU32(ImGuiCol_Text), dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const float text_y = a0.y + (b.header.h - line) / 2;
  // A provider's cpu is its own business: its header says what it is instead.
  if (model) std::snprintf(text, sizeof text, "model");
  else std::snprintf(text, sizeof text, "cpu %s %%", short_number(n1, sizeof n1, sf.cpu_percent));
  const float figures_w = ImGui::CalcTextSize(text).x;
  text_right(dl, h1.x - pad, text_y, dim, text);
  GraphRect name_clip = b.header;
  name_clip.w -= figures_w + 2 * pad;
  text_in(dl, ImVec2(a0.x + pad, text_y), fg, spec.id.c_str(), name_clip, o);
  // One row per agent: a dot of its health, its name and rate, then errors and p95.
  for (int r = b.first_row; r < b.first_row + b.row_count; ++r) {
    const GraphRow& row = l.rows[static_cast<std::size_t>(r)];
    const NodeFigures& f = st.agents[static_cast<std::size_t>(row.agent)];
    const ImVec2 r0 = add(o, row.rect.x, row.rect.y), r1 = add(o, row.rect.x + row.rect.w, row.rect.y + row.rect.h);
    if (hover.kind == GraphHit::Kind::agent && hover.index == row.agent)
      dl->AddRectFilled(r0, r1, ImGui::GetColorU32(ImGuiCol_HeaderHovered));
    if (r > b.first_row) dl->AddLine(ImVec2(r0.x + pad, r0.y), ImVec2(r1.x - pad, r0.y), IM_COL32(60, 66, 78, 255));
    const float y1 = r0.y + 4, y2 = y1 + line + 2;
    dl->AddCircleFilled(ImVec2(r0.x + pad + line * 0.3f, y1 + line / 2), line * 0.3f, health_u32(f.health));
    std::snprintf(text, sizeof text, "%s/s", short_number(n1, sizeof n1, f.rate_per_s));
    const float rate_w = ImGui::CalcTextSize(text).x;
    text_right(dl, r1.x - pad, y1, fg, text);
    GraphRect clip = row.rect;
    clip.w -= rate_w + 2 * pad;
    const float name_x = r0.x + pad + line * 0.8f;
    text_in(dl, ImVec2(name_x, y1), fg, sc.agents[static_cast<std::size_t>(row.agent)].id.c_str(), clip, o);
    char n2[32];
    if (f.p95_ms > 0)
      std::snprintf(text, sizeof text, "err %s %%, p95 %s", short_number(n1, sizeof n1, f.error_percent),
                    short_ms(n2, sizeof n2, f.p95_ms));
    else
      std::snprintf(text, sizeof text, "err %s %%, p95 -", short_number(n1, sizeof n1, f.error_percent));
    text_in(dl, ImVec2(r0.x + pad, y2), dim, text, row.rect, o);
  }
  dl->AddRect(a0, a1, health_u32(sf.health), rounding, 0, box_hovered ? 3.0f : 1.5f);
}

// [SECTION] Hover read-outs

// A read-out's health, in its colour, after its title on the same line.
void health_after(Health h) {
  ImGui::SameLine();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(health_u32(h)), "%s", health_name(h));
}

// The figures a service's and an agent's read-outs share.
void latency_and_retries(const NodeFigures& f) {
  ImGui::Text("latency p50 %.0f ms, p95 %.0f ms, p99 %.0f ms", f.p50_ms, f.p95_ms, f.p99_ms);
  ImGui::Text("retries served %.2f/s", f.retries_per_s);
}

void service_tooltip(const Simulation& sim, const PanelState& st, int v) {
  const NodeFigures& f = st.services[static_cast<std::size_t>(v)];
  const sre::StatusAssessment& status = sim.service_status(v);
  ImGui::BeginTooltip();
  ImGui::Text("service %s", sim.scenario().services[static_cast<std::size_t>(v)].id.c_str());
  health_after(f.health);
  if (status.status != sre::ServiceStatus::healthy) ImGui::TextDisabled("because: %s", status.reason.c_str());
  ImGui::Text("%.2f requests/s arrived, %.0f completed, %.2f %% failed", f.rate_per_s, f.completed, f.error_percent);
  latency_and_retries(f);
  ImGui::Text("%.0f instances, cpu %.1f %%, slots held %.1f %%, queue %.1f", f.instances, f.cpu_percent,
              f.slots_percent, f.queue_depth);
  const ServiceSpec& spec = sim.scenario().services[static_cast<std::size_t>(v)];
  if (spec.kind == ServiceSpec::Kind::llm_provider) {
    const ModelProviderSpec& m = spec.model;
    ImGui::Text("model provider: %s requests and %s tokens a minute; over them a call fails at once (429)",
                m.rate_limit_rpm > 0 ? scaling::format_number(m.rate_limit_rpm).c_str() : "unlimited",
                m.rate_limit_tpm > 0 ? scaling::format_number(m.rate_limit_tpm).c_str() : "unlimited");
  }
  ImGui::TextDisabled("click: its plots");
  ImGui::EndTooltip();
}

void agent_tooltip(const Simulation& sim, const PanelState& st, int a) {
  const Scenario& sc = sim.scenario();
  const AgentSpec& spec = sc.agents[static_cast<std::size_t>(a)];
  const NodeFigures& f = st.agents[static_cast<std::size_t>(a)];
  ImGui::BeginTooltip();
  ImGui::Text("agent %s on service %s", spec.id.c_str(), spec.service.c_str());
  health_after(f.health);
  ImGui::Text("%.2f requests/s arrived (first requests and call attempts), %.0f completed", f.rate_per_s, f.completed);
  ImGui::Text("%.2f %% failed, %.0f degraded (a call it can do without failed)", f.error_percent, f.degraded);
  latency_and_retries(f);
  const int depth = st.layout.depth_of_agent[static_cast<std::size_t>(a)];
  ImGui::TextDisabled("call depth %d; %zu call step(s)", depth, spec.calls.size());
  ImGui::TextDisabled("click: its plots");
  ImGui::EndTooltip();
}

void call_tooltip(const Simulation& sim, const PanelState& st, int e) {
  const Scenario& sc = sim.scenario();
  const CallEdge& edge = st.edges[static_cast<std::size_t>(e)];
  const CallFigures& f = st.calls[static_cast<std::size_t>(e)];
  ImGui::BeginTooltip();
  ImGui::Text("calls from %s to %s", sc.agents[static_cast<std::size_t>(edge.caller)].id.c_str(),
              sc.agents[static_cast<std::size_t>(edge.callee)].id.c_str());
  health_after(f.health);
  ImGui::Text("%.2f attempts/s (%.0f in the interval), %.2f retries/s", f.attempts_per_s, f.attempts, f.retries_per_s);
  ImGui::Text("%.2f %% failed, %.2f timeouts/s", f.failed_percent, f.timeouts_per_s);
  if (f.timeout_ms >= 0) ImGui::Text("latency p95 %.0f ms (timeout %.0f ms)", f.p95_ms, f.timeout_ms);
  else ImGui::Text("latency p95 %.0f ms (no timeout)", f.p95_ms);
  if (f.breakers > 0) {
    ImGui::Text("circuit breaker");
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(breaker_u32(f.breaker)), "%s now",
                       breaker_state_name(f.breaker));
    ImGui::SameLine();
    ImGui::Text("(open %.1f %% of the interval)", f.open_percent);
    if (!f.last_change.empty()) {
      ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36);
      ImGui::TextDisabled("last change %s", f.last_change.c_str());
      ImGui::PopTextWrapPos();
    }
  } else {
    ImGui::TextDisabled("no circuit breaker");
  }
  ImGui::TextDisabled("click: its plots");
  ImGui::EndTooltip();
}

void legend() {
  bool first = true;
  for (const Health h : {Health::healthy, Health::degraded, Health::partial_outage, Health::major_outage, Health::idle}) {
    if (!first) ImGui::SameLine();
    first = false;
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(health_u32(h)), "%s", health_name(h));
  }
}

}  // namespace

void draw_graph(App& app) {
  const Simulation& sim = app.sim();
  const Scenario& sc = sim.scenario();
  PanelState& st = state();
  const float font = ImGui::GetFontSize();
  if (st.layout_run != app.run_id() || st.layout_font != font) relayout(app, st, font);
  if (st.figures_at != app.history().last_sample_time()) refresh_figures(app, st);
  if (st.breaker_stamp.stale(app)) refresh_breakers(app, st);

  legend();
  app.remember_widget("panel:graph");
  ImGui::SameLine();
  if (app.history().last_sample_time() > 0)
    ImGui::TextDisabled("| interval to %s; hover: figures, click: plots",
                        short_time(sc.calendar, app.history().last_sample_time()).c_str());
  else
    ImGui::TextDisabled("| no scrape yet");
  if (!sc.has_calls())
    ImGui::TextDisabled("No agent of this scenario calls another: each box is a service with its agents.");

  ImGui::BeginChild("graph", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
  const GraphLayout& l = st.layout;
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const bool clicked = ImGui::InvisibleButton("canvas", ImVec2(std::max(l.width, avail.x), std::max(l.height, avail.y)));
  GraphHit hover;
  if (ImGui::IsItemHovered()) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    hover = hit_test(l, m.x - origin.x, m.y - origin.y, font * 0.5f);
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (const GraphArrow& a : l.arrows)
    draw_arrow(dl, origin, a, st.calls[static_cast<std::size_t>(a.edge)],
               hover.kind == GraphHit::Kind::call && hover.index == a.edge);
  for (const GraphBox& b : l.boxes) draw_box(dl, origin, l, b, sc, st, hover);
  for (const GraphArrow& a : l.arrows) draw_label(dl, origin, a, st.calls[static_cast<std::size_t>(a.edge)]);

  // Rectangles for scripted clicks: each agent's row and each service's first box header.
  for (const GraphRow& r : l.rows)
    app.remember_rect(st.agent_ids[static_cast<std::size_t>(r.agent)], add(origin, r.rect.x, r.rect.y),
                      add(origin, r.rect.x + r.rect.w, r.rect.y + r.rect.h));
  for (std::size_t v = 0; v < st.first_box_of_service.size(); ++v) {
    if (st.first_box_of_service[v] < 0) continue;
    const GraphRect& h = l.boxes[static_cast<std::size_t>(st.first_box_of_service[v])].header;
    app.remember_rect(st.service_ids[v], add(origin, h.x, h.y), add(origin, h.x + h.w, h.y + h.h));
  }

  switch (hover.kind) {
    case GraphHit::Kind::service: service_tooltip(sim, st, hover.index); break;
    case GraphHit::Kind::agent: agent_tooltip(sim, st, hover.index); break;
    case GraphHit::Kind::call: call_tooltip(sim, st, hover.index); break;
    case GraphHit::Kind::none: break;
  }
  if (clicked && hover.kind != GraphHit::Kind::none) {
    PlotFocus f;
    f.kind = hover.kind == GraphHit::Kind::service ? PlotFocus::Kind::service
             : hover.kind == GraphHit::Kind::agent ? PlotFocus::Kind::agent
                                                   : PlotFocus::Kind::call;
    f.index = hover.index;
    app.plot_focus = f;
    app.select_tab("Plots");
  }
  ImGui::EndChild();
}

}  // namespace opsim::ui
