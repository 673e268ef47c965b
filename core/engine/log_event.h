// The decisions a simulation logs (events.jsonl): a kind from one catalogue and typed
// fields. Components build them with EventFields; observers read them with the typed
// accessors of LogEvent. Only the output writers (report/report.h: event_json) turn an
// event into JSON, and nothing turns that JSON back into an event.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sim_time.h"

namespace opsim {

// Every kind of logged event. The names (event_kind_name) are public: they are the "kind"
// of events.jsonl.
enum class EventKind : std::uint8_t {
  sim_started,
  pool_created,
  fault_started,
  fault_ended,
  queue_full_started,
  queue_full_ended,
  admission_refused_started,
  admission_refused_ended,
  context_denied,
  alert_pending,
  alert_firing,
  alert_resolved,
  notification,
  rule_changed,
  scale_out,
  scale_in,
  scale_up,
  scale_down,
  rolling_restart_started,
  rolling_restart_finished,
  policy_changed,
  incident_opened,
  incident_severity_changed,
  incident_resolved,
  postmortem,
  deployment_started,
  deployment_waiting,
  deployment_step,
  deployment_switched,
  canary_analysis,
  deployment_finished,
  deployment_rolled_back,
  deployment_rollback_finished,
  chaos_started,
  chaos_step,
  chaos_aborted,
  chaos_rollback,
  chaos_finished,
  circuit_opened,
  circuit_half_open,
  circuit_closed,
  retry_budget_exhausted,
  throttling_started,
  throttling_ended,
  shedding_started,
  shedding_ended,
};
constexpr int kEventKindCount = static_cast<int>(EventKind::shedding_ended) + 1;
const char* event_kind_name(EventKind k);

// One field of an event: a key (always a string literal of the code that logs it) and a
// value of one of seven types, kept as logged so that a number written as an integer stays
// one in the output. A list of texts or a nested object is flattened into the fields that
// follow it: `span` of them belong to it (a text field without a key per string; an
// object's members, nested ones with theirs). 56 bytes: the UI keeps thousands of events.
struct EventField {
  enum class Type : std::uint8_t { number, integer, unsigned_integer, boolean, text, texts, object };
  const char* key = "";
  Type type = Type::number;
  std::uint32_t span = 0;
  union {  // the one that `type` names
    double number = 0;
    std::int64_t integer;
    std::uint64_t unsigned_integer;
    bool boolean;
  };
  std::string text;

  // The value as a double whatever its numeric type (NaN for text and objects).
  double as_number() const;
};

// Builds an event's fields in the order they are written.
class EventFields {
 public:
  EventFields& add(const char* key, double v);
  EventFields& add(const char* key, std::int64_t v);
  EventFields& add(const char* key, std::uint64_t v);
  EventFields& add(const char* key, int v) { return add(key, static_cast<std::int64_t>(v)); }
  EventFields& add(const char* key, bool v);
  EventFields& add(const char* key, std::string v);
  EventFields& add(const char* key, const char* v) { return add(key, std::string(v)); }
  EventFields& add(const char* key, std::vector<std::string> v);
  EventFields& add(const char* key, EventFields object);
  // Appends another builder's fields (a shared set of fields, then the kind's own).
  EventFields& append(EventFields more);
  std::vector<EventField> take() { return std::move(fields_); }

 private:
  EventField& push(const char* key, EventField::Type type);
  std::vector<EventField> fields_;
};

struct LogEvent {
  SimTime t = 0;
  EventKind kind = EventKind::sim_started;
  std::vector<EventField> fields;

  const EventField* find(std::string_view key) const;
  // A field's value, or "" / NaN when the event has no such field.
  std::string_view text(std::string_view key) const;
  double number(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
};

}  // namespace opsim
