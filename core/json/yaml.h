// YAML input: the pieces every YAML reader of opsim shares (Prometheus rule files, Kubernetes
// manifests, SLO specs), over yaml-cpp.
//
// parse_yaml reads a document into the same json::Value the scenario's JSON gives, with the
// line and column of every value, so that one json::Reader reads a manifest written in YAML
// or in JSON (kubectl prints either) and words its errors alike. Scalars take YAML 1.2's core
// schema, as Kubernetes' YAML-to-JSON conversion gives them: a plain `3` is a number, `true`
// a boolean, `null`, `~` or nothing is null, anything quoted is a string. Merge keys (<<)
// expand; a key given twice, a second document and an alias that expands past
// kMaxYamlValues are refused.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"
#include "json/reader.h"  // Diagnostic

namespace YAML {
class Node;
}

namespace opsim::yaml {

// Values one document may expand to: aliases share nodes, and a few lines of anchors can
// stand for billions of values ("billion laughs").
constexpr std::size_t kMaxYamlValues = 1000000;

// Line and column (1-based, bytes) of a byte offset in a file.
class LineTable {
 public:
  explicit LineTable(std::string_view text);
  void position(std::size_t offset, int& line, int& column) const;

 private:
  std::vector<std::size_t> starts_;
};

inline bool is_blank(char c) { return c == ' ' || c == '\t'; }
inline bool is_break(char c) { return c == '\n' || c == '\r'; }

// Skips a node's properties (&anchor, !tag) to where its content starts: yaml-cpp's mark is
// at the first property.
std::size_t content_start(std::string_view src, std::size_t pos);

// A mapping's entries with YAML merge keys (<<) expanded as yaml.v3 expands them: the
// mapping's own keys first, then merged ones it does not have (merges of merges to a bounded
// depth). `entry` is called for each key kept; `problem` for a key that is not a scalar, a key
// the mapping gives twice ("duplicate field ..."; a merged key it has is simply overridden) and
// a merge of something that is not a mapping. `describe` words a node in those messages and
// `line_of` gives a key's line.
struct MappingCallbacks {
  std::function<void(const YAML::Node& key, const YAML::Node& value)> entry;
  std::function<void(const YAML::Node& at, const std::string& message)> problem;
  std::function<std::string(const YAML::Node&)> describe;
  std::function<int(const YAML::Node&)> line_of;
};
void mapping_entries(const YAML::Node& map, const MappingCallbacks& callbacks);

// The first document of `text`, or a syntax error at its line:column in `errors` (path "$").
bool load_document(std::string_view text, YAML::Node& out, std::vector<Diagnostic>& errors);
// Refuses a second document with content: `what_then` says what a tool that reads the file
// would do with it ("Prometheus would read only the first ..."). False when there is one.
bool refuse_more_documents(std::string_view text, std::string_view what_then, std::vector<Diagnostic>& errors);

// The document as JSON (see above). False, with errors at their line:column, when the text
// is not one YAML document that JSON can hold.
bool parse_yaml(std::string_view text, json::Value& out, std::vector<Diagnostic>& errors);

// A document written in JSON (its first character, after blanks, is '{' or '[') read as JSON,
// which keeps numbers' literals; any other as YAML.
bool parse_json_or_yaml(std::string_view text, json::Value& out, std::vector<Diagnostic>& errors);

}  // namespace opsim::yaml
