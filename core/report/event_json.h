// events.jsonl's lines: a logged event as one JSON object, {"t_s", "kind", then its
// fields in the order they were logged}. The one place an event becomes JSON.
#pragma once
#include <string>
#include <vector>

#include "engine/log_event.h"

namespace opsim {

// {"key": value, ...}: integers exactly, other numbers as json::number writes them (NaN
// as null), a list of texts as an array of strings, a nested object as an object.
std::string fields_json(const std::vector<EventField>& fields);
std::string event_json(const LogEvent& e);

}  // namespace opsim
