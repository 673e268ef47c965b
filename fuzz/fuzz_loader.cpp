// libFuzzer target: arbitrary bytes as scenario text, through the loader's public entry.
// After a NUL byte, the rest of the input is the text of every file the scenario names (an
// HPA manifest in YAML or JSON, a CSV or Prometheus trace), so that those readers are fuzzed
// with the scenario that names them (run_fuzz.sh seeds such pairs from examples/).
//
// The loader must never crash, hang or trip a sanitizer, whatever it is given, and its
// answer must keep the contract of loader.h: either a scenario and no error, or no
// scenario and at least one error, each with a message, a JSON path that starts at "$" (a
// path inside a named file, for a diagnostic placed in it) and a line that exists in the
// text it names (0 when unknown). A broken contract aborts, which libFuzzer records as a crash.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "metrics/registry.h"
#include "scenario/loader.h"

namespace {

[[noreturn]] void contract_broken(const char* what, const opsim::Diagnostic* d) {
  std::fprintf(stderr, "fuzz_loader: %s\n", what);
  if (d)
    std::fprintf(stderr, "  path %s, line %d, column %d: %s\n", d->path.c_str(), d->line, d->column,
                 d->message.c_str());
  std::abort();
}

void check_diagnostic(const opsim::Diagnostic& d, std::string_view text, std::string_view file_text) {
  if (!d.file.empty()) text = file_text;
  if (d.path.empty() || (d.file.empty() && d.path[0] != '$'))
    contract_broken("a diagnostic's path does not start at \"$\"", &d);
  if (d.message.empty()) contract_broken("a diagnostic has no message", &d);
  if (d.line < 0 || d.column < 0) contract_broken("a diagnostic has a negative line or column", &d);
  const long lines = 1 + std::count(text.begin(), text.end(), '\n');
  if (d.line > lines) contract_broken("a diagnostic names a line past the end of the text", &d);
  const std::string shown = opsim::format_diagnostic(d, "fuzz-input.json", "error");
  if (shown.find(d.path) == std::string::npos) contract_broken("format_diagnostic lost the path", &d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view text = input.substr(0, nul);
  const std::string_view file_text = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  const opsim::FileReader files = [&](const std::string& path, opsim::NamedFile& out, std::string& why) {
    if (nul == std::string_view::npos) {
      why = "no such file";
      return false;
    }
    out = {path, std::string(file_text)};
    return true;
  };
  const opsim::LoadResult r = opsim::load_scenario(text, files);
  if (r.ok != r.errors.empty()) contract_broken(r.ok ? "ok with errors" : "refused without an error", nullptr);
  for (const opsim::Diagnostic& d : r.errors) check_diagnostic(d, text, file_text);
  for (const opsim::Diagnostic& d : r.warnings) check_diagnostic(d, text, file_text);
  // The memory limit's own arithmetic runs on every scenario that loads.
  if (r.ok && opsim::MetricRegistry::column_count(r.scenario) == 0)
    contract_broken("a scenario with no time-series column", nullptr);
  return 0;
}
