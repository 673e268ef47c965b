// The browser's side of opsim::ui::Platform: downloads, share links and the file picker go
// through small JavaScript functions (EM_JS) and the page's shell (web/shell.html).
#pragma once
#include <string>

#include "app.h"

namespace opsim::web {

class WebPlatform final : public ui::Platform {
 public:
  const char* name() const override { return "web"; }
  // A download of a Blob named file_name.
  void save_file(const std::string& file_name, const std::string& text) override;
  // location.origin + location.pathname + "#KEY=" + base64url(UTF-8 payload); shell.html
  // reads #scenario= (a scenario's text) and #bundle= (a scenario with its files).
  std::string share_link(const std::string& key, const std::string& payload) override;
  // Clicks the page's hidden <input type=file>; the page delivers the chosen file's text
  // through opsim_deliver_file, which calls App::load_from_user.
  void pick_file() override;
  bool can_pick_file() const override { return true; }
  bool can_share_link() const override { return true; }
  bool read_path(const std::string&, std::string&) override { return false; }
  // A page has no folder: the files a scenario names are the ones given to it.
  bool can_read_path() const override { return false; }
};

// RFC 4648 section 5 (URL- and file-name-safe alphabet), without padding.
std::string base64url(const std::string& bytes);

}  // namespace opsim::web
