// The files of examples/ (scenarios that name files, their manifests and traces, rule files,
// sweep files), compiled into the front end as scenarios/ is, so that the page's library can
// open an example with its files (cmake/embed_files.cmake writes the table).
#pragma once
#include <vector>

#include "scenario/loader.h"  // NamedFile

namespace opsim::ui {

// Each file named by its path in the source tree ("examples/traces/requests.csv"), sorted.
const std::vector<NamedFile>& bundled_examples();

}  // namespace opsim::ui
