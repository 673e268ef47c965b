// Scenario's own functions (scenario.h): look-ups by id and the names of its enums.
#include "scenario/scenario.h"

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

}  // namespace opsim
