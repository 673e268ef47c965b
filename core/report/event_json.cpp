#include "report/event_json.h"

#include "json/json.h"

namespace opsim {
namespace {

void write_fields(json::ObjectWriter& w, const std::vector<EventField>& fields) {
  for (const EventField& f : fields) {
    switch (f.type) {
      case EventField::Type::number: w.field(f.key, f.number); break;
      case EventField::Type::integer: w.field(f.key, f.integer); break;
      case EventField::Type::unsigned_integer: w.field(f.key, f.unsigned_integer); break;
      case EventField::Type::boolean: w.field(f.key, f.boolean); break;
      case EventField::Type::text: w.field(f.key, std::string_view(f.text)); break;
      case EventField::Type::texts: {
        std::string list = "[";
        for (std::size_t i = 0; i < f.items.size(); ++i) list += (i ? "," : "") + json::quote(f.items[i].text);
        w.raw(f.key, list + "]");
        break;
      }
      case EventField::Type::object: w.raw(f.key, fields_json(f.items)); break;
    }
  }
}

}  // namespace

std::string fields_json(const std::vector<EventField>& fields) {
  json::ObjectWriter w;
  write_fields(w, fields);
  return w.str();
}

std::string event_json(const LogEvent& e) {
  json::ObjectWriter w;
  w.field("t_s", to_seconds(e.t)).field("kind", event_kind_name(e.kind));
  write_fields(w, e.fields);
  return w.str();
}

}  // namespace opsim
