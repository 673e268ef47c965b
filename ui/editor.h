// State of the scenario editor panel: the text being edited and the loader's diagnostics
// for it, so that errors can be shown at their lines.
#pragma once
#include <string>
#include <vector>

#include "scenario/loader.h"

namespace opsim::ui {

struct EditorState {
  std::string text;
  std::vector<Diagnostic> errors, warnings;
  bool dirty = false;  // edited since the last load
  bool focus_request = false;  // bring the editor tab to the front
  int jump_to_line = 0;  // move the cursor to this line on the next frame (0: none)

  void set_result(const std::string& scenario_text, const LoadResult& r) {
    text = scenario_text;
    errors = r.errors;
    warnings = r.warnings;
    dirty = false;
  }
};

}  // namespace opsim::ui
