#include "report/event_json.h"

#include "json/json.h"

namespace opsim {
namespace {

// The fields in [begin, end), each with those flattened into it (EventField::span).
void write_fields(json::ObjectWriter& w, const EventField* begin, const EventField* end) {
  for (const EventField* p = begin; p < end; p += 1 + p->span) {
    const EventField& f = *p;
    switch (f.type) {
      case EventField::Type::number: w.field(f.key, f.number); break;
      case EventField::Type::integer: w.field(f.key, f.integer); break;
      case EventField::Type::unsigned_integer: w.field(f.key, f.unsigned_integer); break;
      case EventField::Type::boolean: w.field(f.key, f.boolean); break;
      case EventField::Type::text: w.field(f.key, std::string_view(f.text)); break;
      case EventField::Type::texts: {
        std::string list = "[";
        for (std::uint32_t i = 1; i <= f.span; ++i) list += (i > 1 ? "," : "") + json::quote(p[i].text);
        w.raw(f.key, list + "]");
        break;
      }
      case EventField::Type::object: {
        json::ObjectWriter members;
        write_fields(members, p + 1, p + 1 + f.span);
        w.raw(f.key, members.str());
        break;
      }
    }
  }
}

}  // namespace

std::string fields_json(const std::vector<EventField>& fields) {
  json::ObjectWriter w;
  write_fields(w, fields.data(), fields.data() + fields.size());
  return w.str();
}

std::string event_json(const LogEvent& e) {
  json::ObjectWriter w;
  w.field("t_s", to_seconds(e.t)).field("kind", event_kind_name(e.kind));
  write_fields(w, e.fields.data(), e.fields.data() + e.fields.size());
  return w.str();
}

}  // namespace opsim
