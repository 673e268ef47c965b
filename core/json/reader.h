// Reading a parsed JSON document into typed values, reporting what is wrong as diagnostics
// that name the JSON path, what was expected, what was found and the line where it stands.
// The scenario loader and the sweep file reader share it, so that every input file of
// opsim words its errors the same way:
//
//   "$.services[0].queue.capacity: expected an integer from 0 to 1000000, found \"abc\""
//   "$.services[0].cap: unknown field \"cap\" (expected one of: capacity, timeout)"
//   "$.name: expected a string, found nothing (the field is required)"
//
// Every read_* helper reads one member of an object: it returns true and sets `out` when the
// member is there and valid; it returns false when the member is absent (an error only when
// it is required) or invalid (always an error, and `out` keeps its default). Members whose
// key starts with "x-" are extensions: every object may have them, and nothing reads them.
#pragma once
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/sim_time.h"
#include "json/json.h"

namespace opsim {

struct Diagnostic {
  Diagnostic() = default;
  Diagnostic(std::string path_, std::string message_, int line_ = 0, int column_ = 0)
      : path(std::move(path_)), message(std::move(message_)), line(line_), column(column_) {}

  std::string path;  // "$.services[0].queue.capacity"; "$" for the document itself
  std::string message;  // "expected an integer from 1 to 1000000, found \"abc\""
  int line = 0, column = 0;  // 1-based; 0 when unknown
  // The file that line and column are in, when it is not the document being read: a file
  // the scenario names (a manifest, a trace, an SLO spec). Empty: that document.
  std::string file;
};

// "FILE:LINE:COLUMN: error: PATH: MESSAGE" (the form compilers and editors understand); FILE
// is the diagnostic's own file when it has one, else `source`.
std::string format_diagnostic(const Diagnostic& d, std::string_view source, std::string_view severity);

namespace json {

// A key starting with "x-": an extension, which every object may have and nothing reads.
inline bool is_extension_key(std::string_view key) { return key.substr(0, 2) == "x-"; }

// "from 1 to 100", or "of at least 0" when hi is 1e300 or more (no upper bound).
std::string range_text(double lo, double hi);

// The keys an object may have (or the names an enum takes): a braced list, or a vector
// built at run time. A view, like std::string_view: it does not own the keys, so it is for
// parameters (a braced list lives until the end of the call), not for keeping.
class KeyList {
 public:
  KeyList() : KeyList(nullptr, 0) {}
  KeyList(std::initializer_list<std::string_view> keys) : KeyList(keys.begin(), keys.size()) {}
  KeyList(const std::vector<std::string_view>& keys) : KeyList(keys.data(), keys.size()) {}
  const std::string_view* begin() const { return begin_; }
  const std::string_view* end() const { return begin_ + size_; }
  std::size_t size() const { return size_; }
  bool contains(std::string_view key) const;
  std::string joined(std::string_view separator) const;  // "a, b, c"

 private:
  KeyList(const std::string_view* begin, std::size_t size) : begin_(begin), size_(size) {}
  const std::string_view* begin_;
  std::size_t size_;
};

class Reader {
 public:
  // Errors go to `errors`; warnings to `warnings`, or nowhere for a document that has none.
  explicit Reader(std::vector<Diagnostic>& errors, std::vector<Diagnostic>* warnings = nullptr)
      : errors_(errors), warnings_(warnings) {}

  // ---- Diagnostics. `at` gives the line and column (none when null).
  void error(const Value* at, const std::string& path, const std::string& message);
  void warn(const Value* at, const std::string& path, const std::string& message);
  // "expected WHAT, found DESCRIPTION-OF-V". Returns false, for `return expected(...)`.
  bool expected(const Value& v, const std::string& path, const std::string& what);
  std::size_t error_count() const { return errors_.size(); }

  // ---- Paths: "$.services" + "queue" -> "$.services.queue"; "$.services", 2 -> "$.services[2]".
  static std::string join(const std::string& path, std::string_view key) { return path + "." + std::string(key); }
  static std::string index(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

  // ---- Objects
  // Checks that v is an object whose keys are all in `allowed` (or start with "x-").
  bool object(const Value& v, const std::string& path, KeyList allowed);
  // Reports each key of the object v that is neither in `allowed` nor an "x-" key:
  // "unknown field \"K\"" + qualifier + " (expected one of: " + allowed + tail + ")".
  void unknown_fields(const Value& v, const std::string& path, KeyList allowed, std::string_view qualifier = {},
                      std::string_view tail = {});
  // Returns the member or null; reports a missing required one as "expected WHAT, found
  // nothing (the field is required)".
  const Value* member(const Value& obj, const std::string& path, std::string_view key, bool required,
                      const std::string& what);

  // ---- Typed members
  bool read_string(const Value& obj, const std::string& path, std::string_view key, std::string& out, bool required);
  // An id: 1 to 64 letters, digits, '_' or '-'. Always required. Ids appear inside scoped
  // metric names (tenant.<id>.latency_p95_ms), so no dots.
  bool read_id(const Value& obj, const std::string& path, std::string_view key, std::string& out);
  bool read_number(const Value& obj, const std::string& path, std::string_view key, double& out, double lo, double hi,
                   bool required = false);
  bool read_percent(const Value& obj, const std::string& path, std::string_view key, double& out,
                    bool required = false) {
    return read_number(obj, path, key, out, 0, 100, required);
  }
  // An integer literal (no fraction or exponent) from lo to hi.
  template <typename Int>
  bool read_int(const Value& obj, const std::string& path, std::string_view key, Int& out, double lo, double hi,
                bool required = false) {
    double d = 0;
    if (!read_integer(obj, path, key, d, lo, hi, required)) return false;
    out = static_cast<Int>(d);
    return true;
  }
  bool read_bool(const Value& obj, const std::string& path, std::string_view key, bool& out);
  // A duration string ("250ms", "30s", "1h30m"; engine/sim_time.h) from lo to hi.
  bool read_duration(const Value& obj, const std::string& path, std::string_view key, SimDuration& out,
                     SimDuration lo, SimDuration hi, bool required = false);
  // One of `names`; out becomes the Enum whose value is the name's position in the list.
  template <typename Enum>
  bool read_enum(const Value& obj, const std::string& path, std::string_view key, Enum& out, KeyList names,
                 bool required = false) {
    int position = 0;
    if (!read_choice(obj, path, key, position, names, required)) return false;
    out = static_cast<Enum>(position);
    return true;
  }
  // An array of strings, each one of `allowed` when that is not empty. Invalid items are
  // reported and left out; returns true when the member is an array.
  bool read_string_list(const Value& obj, const std::string& path, std::string_view key, std::vector<std::string>& out,
                        KeyList allowed = {});
  // An array of min_items to max_items entries (more is an error naming `limit_name`);
  // calls fn(item, item's path) for each. Returns true when the member is such an array.
  bool read_array(const Value& obj, const std::string& path, std::string_view key, bool required, std::size_t min_items,
                  std::size_t max_items, const char* limit_name,
                  const std::function<void(const Value&, const std::string&)>& fn);

  // ---- Ids across an array
  // Reports ids written twice in the array `arr` ("duplicate WHAT id \"x\""). Reads the JSON
  // items themselves, so that the index in the path is the item's own even when an earlier
  // item was skipped as invalid, and items without a (string) id are not duplicates of each other.
  void check_unique(const Value* arr, const std::string& path, const char* what);
  // The position of `id` in `ids`, or -1 after reporting "expected the id of a WHAT (the
  // known ids), found ..." at obj's member `key`.
  int resolve(const Value& obj, const std::string& path, std::string_view key, const std::string& id,
              const std::vector<std::string>& ids, const char* what);

 private:
  bool read_integer(const Value& obj, const std::string& path, std::string_view key, double& out, double lo, double hi,
                    bool required);
  bool read_choice(const Value& obj, const std::string& path, std::string_view key, int& position, KeyList names,
                   bool required);

  std::vector<Diagnostic>& errors_;
  std::vector<Diagnostic>* warnings_;
};

}  // namespace json
}  // namespace opsim
