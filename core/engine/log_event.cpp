#include "engine/log_event.h"

#include <limits>

namespace opsim {

const char* event_kind_name(EventKind k) {
  static const char* const kNames[kEventKindCount] = {
      "sim_started",
      "pool_created",
      "fault_started",
      "fault_ended",
      "queue_full_started",
      "queue_full_ended",
      "admission_refused_started",
      "admission_refused_ended",
      "context_denied",
      "alert_pending",
      "alert_firing",
      "alert_resolved",
      "notification",
      "rule_changed",
      "scale_out",
      "scale_in",
      "scale_up",
      "scale_down",
      "rolling_restart_started",
      "rolling_restart_finished",
      "policy_changed",
      "incident_opened",
      "incident_severity_changed",
      "incident_resolved",
      "postmortem",
      "deployment_started",
      "deployment_waiting",
      "deployment_step",
      "deployment_switched",
      "canary_analysis",
      "deployment_finished",
      "deployment_rolled_back",
      "deployment_rollback_finished",
      "chaos_started",
      "chaos_step",
      "chaos_aborted",
      "chaos_rollback",
      "chaos_finished",
      "circuit_opened",
      "circuit_half_open",
      "circuit_closed",
      "retry_budget_exhausted",
      "throttling_started",
      "throttling_ended",
      "shedding_started",
      "shedding_ended",
  };
  return kNames[static_cast<int>(k)];
}

double EventField::as_number() const {
  switch (type) {
    case Type::number: return number;
    case Type::integer: return static_cast<double>(integer);
    case Type::unsigned_integer: return static_cast<double>(unsigned_integer);
    case Type::boolean: return boolean ? 1.0 : 0.0;
    default: return std::numeric_limits<double>::quiet_NaN();
  }
}

EventField& EventFields::push(const char* key, EventField::Type type) {
  fields_.emplace_back();
  fields_.back().key = key;
  fields_.back().type = type;
  return fields_.back();
}

EventFields& EventFields::add(const char* key, double v) {
  push(key, EventField::Type::number).number = v;
  return *this;
}
EventFields& EventFields::add(const char* key, std::int64_t v) {
  push(key, EventField::Type::integer).integer = v;
  return *this;
}
EventFields& EventFields::add(const char* key, std::uint64_t v) {
  push(key, EventField::Type::unsigned_integer).unsigned_integer = v;
  return *this;
}
EventFields& EventFields::add(const char* key, bool v) {
  push(key, EventField::Type::boolean).boolean = v;
  return *this;
}
EventFields& EventFields::add(const char* key, std::string v) {
  push(key, EventField::Type::text).text = std::move(v);
  return *this;
}
EventFields& EventFields::add(const char* key, std::vector<std::string> v) {
  push(key, EventField::Type::texts).span = static_cast<std::uint32_t>(v.size());
  for (std::string& t : v) push("", EventField::Type::text).text = std::move(t);
  return *this;
}
EventFields& EventFields::add(const char* key, EventFields object) {
  push(key, EventField::Type::object).span = static_cast<std::uint32_t>(object.fields_.size());
  return append(std::move(object));
}
EventFields& EventFields::append(EventFields more) {
  for (EventField& f : more.fields_) fields_.push_back(std::move(f));
  return *this;
}

const EventField* LogEvent::find(std::string_view key) const {
  // The event's own fields, not those flattened into a list or an object.
  for (std::size_t i = 0; i < fields.size(); i += 1 + fields[i].span)
    if (key == fields[i].key) return &fields[i];
  return nullptr;
}

std::string_view LogEvent::text(std::string_view key) const {
  const EventField* f = find(key);
  return f && f->type == EventField::Type::text ? std::string_view(f->text) : std::string_view();
}

double LogEvent::number(std::string_view key) const {
  const EventField* f = find(key);
  return f ? f->as_number() : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace opsim
