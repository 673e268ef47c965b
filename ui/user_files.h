// The files a user gives the front end besides a scenario (issue 17, "files in the browser"):
// the HPA manifests, SLO specs, traces and rule files a scenario names, dropped on the page
// or picked with it, and the rule files that join every run (the Alerts tab's box, a lone
// rule file dropped, the desktop's --rules). The page has no folder beside the scenario, so
// these are where a scenario's files come from there; the desktop falls back on its disk.
//
// No ImGui here: the unit tests compile this file (tests/CMakeLists.txt) and check how a
// path is resolved, what a dropped file is taken for, the share-link bundle and the trace
// put into a tenant's load.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "monitoring/prom_rules.h"  // RuleFileText
#include "scenario/loader.h"  // NamedFile, FileReader

namespace opsim::ui {

struct UserFile {
  std::string name;  // as given: a dropped file's name, a path typed on the desktop
  std::string text;
  // A Prometheus rule file whose groups join every run, as `opsim run --rules` adds them;
  // false for a file a scenario names. A scenario that names such a file claims it (the
  // App clears the flag), so that its groups are not added twice.
  bool joins_every_run = false;
};

// What the last load read and could not read, for the share link (the files travel with
// the scenario), the Files section and the hint under a missing file's error.
struct FileUse {
  std::vector<NamedFile> read;  // name: the path as the scenario writes it; text: as read
  std::vector<std::string> missing;  // paths as the scenario writes them
  std::vector<std::string> user_files_used;  // UserFile names that served a path
};

// Reads `path` (as the scenario writes it) from the scenario's own folder: the desktop's
// disk, or the bundled examples' folder. False when there is no such file.
using FolderReader = std::function<bool(const std::string& path, NamedFile& out)>;

class UserFiles {
 public:
  // Adds the file, replacing one of the same name (a file dropped again is its new version).
  void put(UserFile file);
  bool remove(const std::string& name);
  void clear() { files_.clear(); }
  const std::vector<UserFile>& all() const { return files_; }
  bool empty() const { return files_.empty(); }
  UserFile* find_exact(const std::string& name);
  // The rule files that join every run, in the order given.
  std::vector<RuleFileText> rule_files() const;

  // The file a scenario names by `path`: the one given under that very name, else the one
  // whose base name is the path's ("examples/traces/requests.csv" dropped as
  // "requests.csv"). Null when there is none, or when several share the base name (`why`
  // then names them, since taking either would be a guess).
  const UserFile* resolve(const std::string& path, std::string& why) const;

  // The loader's FileReader: the user's files first, then `beside` (may be empty). Records
  // in `use` what it read and what it missed. Holds references to this set and to `use`:
  // use it while both live (one load).
  FileReader reader(const FolderReader& beside, FileUse& use) const;

 private:
  std::vector<UserFile> files_;
};

// "a/b/c.csv" -> "c.csv"; "a/b/" -> "a/b/" for folder_of.
std::string base_name(const std::string& path);
std::string folder_of(const std::string& path);  // "a/b/c.json" -> "a/b/"; "c.json" -> ""

// What a file given to the page is, from its name and contents.
enum class FileRole {
  scenario,  // a JSON object with "schema", or a .json file that does not parse (its errors show)
  trace,  // a CSV (by its extension), or a Prometheus query_range response (JSON)
  rules,  // YAML with "groups", or a .yml/.yaml file that does not parse (the rule-file reader says why)
  manifest,  // a Kubernetes object (YAML or JSON with "apiVersion" and "kind")
  other,  // anything else: kept, for a scenario that names it
};
FileRole classify_file(const std::string& name, const std::string& text);
const char* role_name(FileRole role);  // "a scenario", "a traffic trace", ...

// The share link's payload when a scenario names files (the page's #bundle= key):
//   {"scenario": TEXT, "files": {PATH: TEXT, ...}}
// PATH as the scenario writes it, so that the page that opens the link finds each file by
// that name. Written with the one JSON writer's quoting; read strictly (any other member,
// or a value of another type, is refused with what was expected and found).
struct ShareBundle {
  std::string scenario;
  std::vector<NamedFile> files;
};
std::string write_bundle(const ShareBundle& bundle);
bool read_bundle(const std::string& text, ShareBundle& out, std::string& why);

// A trace file dropped alone becomes a tenant's load: the scenario text with the first load
// of tenant `tenant` (its index) driven by {"type": "trace", "file": FILE_NAME}. The load's
// patterns are replaced and its rate removed (a trace replaces the rate, docs/files.md);
// when a CSV's value column is headed "..per_minute.." the pattern says "unit":
// "per_minute". Only that load's text changes (written on one line); the rest keeps its
// bytes. `done` says what changed, in a sentence for the UI; false, with `why`, when the text
// has no such tenant or load.
bool put_trace_in_load(const std::string& scenario_text, std::size_t tenant, const std::string& file_name,
                       const std::string& file_text, std::string& out, std::string& done, std::string& why);

}  // namespace opsim::ui
