#include "user_files.h"

#include <algorithm>
#include <cctype>

#include "json/json.h"
#include "json/yaml.h"

namespace opsim::ui {
namespace {

std::string lower_extension(const std::string& name) {
  const std::string base = base_name(name);
  const std::string::size_type dot = base.rfind('.');
  std::string ext = dot == std::string::npos ? "" : base.substr(dot);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

bool is_kubernetes_object(const json::Value& v) { return v.find("apiVersion") && v.find("kind"); }

// /api/v1/query_range's answer: {"status": "success", "data": {"resultType": "matrix", ...}}.
bool is_query_range(const json::Value& v) {
  const json::Value* data = v.find("data");
  return data && data->type == json::Type::object && data->find("resultType");
}

// The byte offset of a parsed value (its line and column count bytes, from 1).
std::size_t offset_of(const std::string& text, int line, int column) {
  std::size_t pos = 0;
  for (int l = 1; l < line && pos < text.size(); ++l) {
    pos = text.find('\n', pos);
    if (pos == std::string::npos) return text.size();
    ++pos;
  }
  return std::min(text.size(), pos + static_cast<std::size_t>(std::max(0, column - 1)));
}

// One past the end of the object or array that starts at `start`, in text that parsed.
std::size_t container_end(const std::string& text, std::size_t start) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = start; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return std::string::npos;
}

// The header of a CSV's value column as the trace reader picks it by default: the first
// column that is not the timestamp (quotes removed). Empty when there is none.
std::string csv_value_header(const std::string& text) {
  const std::string header = text.substr(0, text.find_first_of("\r\n"));
  std::string field;
  auto value_column = [&]() {
    std::string f = field;
    f.erase(std::remove(f.begin(), f.end(), '"'), f.end());
    while (!f.empty() && (f.back() == ' ' || f.back() == '\t')) f.pop_back();
    while (!f.empty() && (f.front() == ' ' || f.front() == '\t')) f.erase(0, 1);
    return f == "timestamp" ? std::string() : f;
  };
  for (const char c : header) {
    if (c != ',') {
      field += c;
      continue;
    }
    if (std::string f = value_column(); !f.empty()) return f;
    field.clear();
  }
  return value_column();
}

json::Value string_value(const std::string& s) {
  json::Value v;
  v.type = json::Type::string;
  v.text = s;
  return v;
}

}  // namespace

std::string base_name(const std::string& path) {
  const std::string::size_type slash = path.find_last_of("/\\");
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string folder_of(const std::string& path) {
  const std::string::size_type slash = path.find_last_of("/\\");
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

void UserFiles::put(UserFile file) {
  if (UserFile* same = find_exact(file.name)) {
    *same = std::move(file);
    return;
  }
  files_.push_back(std::move(file));
}

bool UserFiles::remove(const std::string& name) {
  const auto it = std::find_if(files_.begin(), files_.end(), [&](const UserFile& f) { return f.name == name; });
  if (it == files_.end()) return false;
  files_.erase(it);
  return true;
}

UserFile* UserFiles::find_exact(const std::string& name) {
  for (UserFile& f : files_)
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<RuleFileText> UserFiles::rule_files() const {
  std::vector<RuleFileText> out;
  for (const UserFile& f : files_)
    if (f.joins_every_run) out.push_back({f.name, f.text});
  return out;
}

const UserFile* UserFiles::resolve(const std::string& path, std::string& why) const {
  for (const UserFile& f : files_)
    if (f.name == path) return &f;
  const std::string wanted = base_name(path);
  std::vector<const UserFile*> same_base;
  for (const UserFile& f : files_)
    if (base_name(f.name) == wanted) same_base.push_back(&f);
  if (same_base.size() == 1) return same_base.front();
  if (same_base.size() > 1) {
    why = "several files given are named " + wanted + " (";
    for (std::size_t i = 0; i < same_base.size(); ++i) why += (i ? ", " : "") + same_base[i]->name;
    why += "): name the one meant by its full path in the scenario";
  }
  return nullptr;
}

FileReader UserFiles::reader(const FolderReader& beside, FileUse& use) const {
  return [this, beside, &use](const std::string& path, NamedFile& out, std::string& why) {
    // A file read twice (two patterns naming one trace) is recorded once.
    auto record = [&](const NamedFile& f) {
      for (const NamedFile& r : use.read)
        if (r.name == path) return;
      use.read.push_back({path, f.text});
    };
    std::string ambiguous;
    if (const UserFile* f = resolve(path, ambiguous)) {
      out = {f->name, f->text};
      record(out);
      if (std::find(use.user_files_used.begin(), use.user_files_used.end(), f->name) == use.user_files_used.end())
        use.user_files_used.push_back(f->name);
      return true;
    }
    if (!ambiguous.empty()) {
      why = ambiguous;
      return false;
    }
    if (beside && beside(path, out)) {
      record(out);
      return true;
    }
    why = beside ? "no file of that name was given, and none is beside the scenario" : "no file of that name was given";
    if (std::find(use.missing.begin(), use.missing.end(), path) == use.missing.end()) use.missing.push_back(path);
    return false;
  };
}

FileRole classify_file(const std::string& name, const std::string& text) {
  const std::string ext = lower_extension(name);
  if (ext == ".csv") return FileRole::trace;
  json::Value v;
  if (ext == ".yml" || ext == ".yaml") {
    std::vector<Diagnostic> errors;
    // One that does not parse goes to the rule-file reader, which places the syntax error.
    if (!yaml::parse_yaml(text, v, errors) || v.type != json::Type::object) return FileRole::rules;
    if (v.find("groups")) return FileRole::rules;
    if (is_kubernetes_object(v)) return FileRole::manifest;
    return FileRole::other;
  }
  json::ParseError error;
  if (!json::parse(text, v, error)) return ext == ".json" ? FileRole::scenario : FileRole::other;
  if (v.type != json::Type::object) return ext == ".json" ? FileRole::scenario : FileRole::other;
  if (v.find("schema")) return FileRole::scenario;
  if (is_query_range(v)) return FileRole::trace;
  if (is_kubernetes_object(v)) return FileRole::manifest;
  // A .json object that is none of these is most likely a scenario missing its "schema":
  // the loader says so at its line.
  return ext == ".json" ? FileRole::scenario : FileRole::other;
}

const char* role_name(FileRole role) {
  switch (role) {
    case FileRole::scenario: return "a scenario";
    case FileRole::trace: return "a traffic trace";
    case FileRole::rules: return "a Prometheus rule file";
    case FileRole::manifest: return "a Kubernetes manifest";
    case FileRole::other: return "a file";
  }
  return "a file";
}

std::string write_bundle(const ShareBundle& bundle) {
  std::string s = "{\"scenario\": " + json::quote(bundle.scenario) + ", \"files\": {";
  for (std::size_t i = 0; i < bundle.files.size(); ++i)
    s += (i ? ", " : "") + json::quote(bundle.files[i].name) + ": " + json::quote(bundle.files[i].text);
  return s + "}}";
}

bool read_bundle(const std::string& text, ShareBundle& out, std::string& why) {
  json::Value root;
  json::ParseError error;
  if (!json::parse(text, root, error)) {
    why = std::to_string(error.line) + ":" + std::to_string(error.column) + ": " + error.message;
    return false;
  }
  if (root.type != json::Type::object) {
    why = "$: expected an object {\"scenario\": TEXT, \"files\": {PATH: TEXT}}, found " + json::describe(root);
    return false;
  }
  out = ShareBundle{};
  bool has_scenario = false;
  for (const auto& [key, value] : root.members) {
    if (key == "scenario") {
      if (value.type != json::Type::string) {
        why = "$.scenario: expected the scenario's text (a string), found " + json::describe(value);
        return false;
      }
      out.scenario = value.text;
      has_scenario = true;
    } else if (key == "files") {
      if (value.type != json::Type::object) {
        why = "$.files: expected an object {PATH: TEXT}, found " + json::describe(value);
        return false;
      }
      for (const auto& [path, file] : value.members) {
        if (file.type != json::Type::string) {
          why = "$.files[" + json::quote(path) + "]: expected the file's text (a string), found " + json::describe(file);
          return false;
        }
        out.files.push_back({path, file.text});
      }
    } else {
      why = "$." + key + ": expected only \"scenario\" and \"files\", found " + json::quote(key);
      return false;
    }
  }
  if (!has_scenario) {
    why = "$.scenario: expected the scenario's text, found nothing";
    return false;
  }
  return true;
}

bool put_trace_in_load(const std::string& scenario_text, std::size_t tenant, const std::string& file_name,
                       const std::string& file_text, std::string& out, std::string& done, std::string& why) {
  json::Value root;
  json::ParseError error;
  if (!json::parse(scenario_text, root, error) || root.type != json::Type::object) {
    why = "the current scenario's text is not a JSON object";
    return false;
  }
  const json::Value* tenants = root.find("tenants");
  if (!tenants || tenants->type != json::Type::array || tenant >= tenants->items.size()) {
    why = "the current scenario has no tenant #" + std::to_string(tenant + 1);
    return false;
  }
  const json::Value& t = tenants->items[tenant];
  const json::Value* id = t.find("id");
  const std::string tenant_id = id && id->type == json::Type::string ? id->text : "#" + std::to_string(tenant + 1);
  const json::Value* loads = t.find("load");
  if (!loads || loads->type != json::Type::array || loads->items.empty() ||
      loads->items.front().type != json::Type::object) {
    why = "tenant " + tenant_id + " has no load to drive with " + file_name;
    return false;
  }
  const json::Value& load = loads->items.front();

  json::Value pattern;
  pattern.type = json::Type::object;
  pattern.members.emplace_back("type", string_value("trace"));
  pattern.members.emplace_back("file", string_value(file_name));
  const std::string column = lower_extension(file_name) == ".csv" ? csv_value_header(file_text) : "";
  const bool per_minute = column.find("per_minute") != std::string::npos;
  if (per_minute) pattern.members.emplace_back("unit", string_value("per_minute"));
  json::Value patterns;
  patterns.type = json::Type::array;
  patterns.items.push_back(pattern);

  json::Value changed;
  changed.type = json::Type::object;
  for (const auto& member : load.members)
    if (member.first != "rate" && member.first != "patterns") changed.members.push_back(member);
  changed.members.emplace_back("patterns", patterns);

  const std::size_t start = offset_of(scenario_text, load.line, load.column);
  const std::size_t end = container_end(scenario_text, start);
  if (start >= scenario_text.size() || scenario_text[start] != '{' || end == std::string::npos) {
    why = "could not find tenant " + tenant_id + "'s first load in the scenario's text";
    return false;
  }
  out = scenario_text.substr(0, start) + json::write(changed) + scenario_text.substr(end);
  const json::Value* agent = load.find("agent");
  done = file_name + " now drives tenant " + tenant_id + "'s load" +
         (agent && agent->type == json::Type::string ? " of agent " + agent->text : "") +
         " (its patterns and rate replaced by the trace" +
         (per_minute ? ", read per minute as the column " + json::quote(column) + " says" : ", read per second") + ")";
  return true;
}

}  // namespace opsim::ui
