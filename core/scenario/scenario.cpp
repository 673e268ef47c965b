// Scenario's own functions (scenario.h): look-ups by id and the names of its enums.
#include "scenario/scenario.h"

#include <algorithm>
#include <cmath>

namespace opsim {

int Scenario::service_index(const std::string& id) const {
  for (std::size_t i = 0; i < services.size(); ++i)
    if (services[i].id == id) return static_cast<int>(i);
  return -1;
}
int Scenario::agent_index(const std::string& id) const {
  for (std::size_t i = 0; i < agents.size(); ++i)
    if (agents[i].id == id) return static_cast<int>(i);
  return -1;
}
int Scenario::tenant_index(const std::string& id) const {
  for (std::size_t i = 0; i < tenants.size(); ++i)
    if (tenants[i].id == id) return static_cast<int>(i);
  return -1;
}
bool Scenario::has_calls() const {
  for (const AgentSpec& a : agents)
    if (!a.calls.empty()) return true;
  return false;
}

bool Scenario::has_providers() const {
  for (const ServiceSpec& sv : services)
    if (sv.kind == ServiceSpec::Kind::llm_provider) return true;
  return false;
}
bool Scenario::sheds() const {
  for (const ServiceSpec& sv : services)
    if (sv.sheds()) return true;
  return false;
}

std::vector<CallEdge> call_edges(const Scenario& s) {
  std::vector<CallEdge> edges;
  for (std::size_t a = 0; a < s.agents.size(); ++a)
    for (const CallStep& step : s.agents[a].calls)
      for (const CallSpec& c : step.calls) {
        if (c.agent_index < 0) continue;  // unresolved: the loader has reported it
        const CallEdge e{static_cast<int>(a), c.agent_index};
        bool known = false;
        for (const CallEdge& k : edges) known = known || (k.caller == e.caller && k.callee == e.callee);
        if (!known) edges.push_back(e);
      }
  return edges;
}


double context_tokens_estimate_of_text(std::size_t characters) {
  return std::max(1.0, std::ceil(static_cast<double>(characters) / 4.0));
}
double context_tokens_estimate(const json::Value& v) { return context_tokens_estimate_of_text(json::write(v).size()); }

bool compare(double lhs, CompareOp op, double rhs) {
  switch (op) {
    case CompareOp::lt: return lhs < rhs;
    case CompareOp::le: return lhs <= rhs;
    case CompareOp::gt: return lhs > rhs;
    case CompareOp::ge: return lhs >= rhs;
    case CompareOp::eq: return lhs == rhs;
    case CompareOp::ne: return lhs != rhs;
  }
  return false;
}
const char* isolation_name(Isolation i) {
  static const char* names[] = {"shared", "namespace", "dedicated", "physical"};
  return names[static_cast<int>(i)];
}

const char* op_text(CompareOp op) {
  static const char* texts[] = {"<", "<=", ">", ">=", "==", "!="};
  return texts[static_cast<int>(op)];
}

ScalingPolicySpec::TargetType default_target_type(const std::string& metric) {
  using T = ScalingPolicySpec::TargetType;
  if (metric == "cpu_utilization" || metric == "memory_utilization") return T::utilization;
  if (metric == "request_rate" || metric == "queue_depth") return T::average_value;
  return T::value;
}

const char* target_type_name(ScalingPolicySpec::TargetType t) {
  static const char* names[] = {"utilization", "average_value", "value"};
  return names[static_cast<int>(t)];
}


const char* slo_indicator_name(SloSpec::Indicator i) {
  switch (i) {
    case SloSpec::Indicator::availability: return "availability";
    case SloSpec::Indicator::latency: return "latency";
    case SloSpec::Indicator::query: return "query";
  }
  return "availability";
}

SloQueryTemplate slo_query_window_at(const std::string& query) {
  SloQueryTemplate found;
  for (std::size_t i = query.find("{{"); i != std::string::npos; i = query.find("{{", i + 2)) {
    std::size_t k = i + 2;
    auto spaces = [&] {
      while (k < query.size() && query[k] == ' ') ++k;
    };
    spaces();
    const bool window = query.compare(k, 7, ".window") == 0;
    if (window) k += 7;
    spaces();
    if (window && query.compare(k, 2, "}}") == 0) {
      if (found.at == std::string::npos) {
        found.at = i;
        found.length = k + 2 - i;
      }
    } else {
      found.other = true;
    }
  }
  return found;
}

std::string slo_query_with_window(const std::string& query, SimDuration window) {
  // Milliseconds: a duration PromQL reads whatever the window (Prometheus keeps milliseconds).
  const std::string duration = std::to_string(window / kMicrosPerMilli) + "ms";
  std::string out = query;
  for (SloQueryTemplate t = slo_query_window_at(out); t.at != std::string::npos; t = slo_query_window_at(out))
    out.replace(t.at, t.length, duration);
  return out;
}

}  // namespace opsim
