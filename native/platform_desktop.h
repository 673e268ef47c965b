// The desktop's side of opsim::ui::Platform: files are plain paths.
#pragma once
#include <string>

#include "app.h"

namespace opsim::desktop {

class DesktopPlatform final : public ui::Platform {
 public:
  const char* name() const override { return "desktop"; }
  // Writes the file into the current directory (only the file name's last component is
  // used) and prints where it went.
  void save_file(const std::string& file_name, const std::string& text) override;
  // No links on the desktop.
  std::string share_link(const std::string&, const std::string&) override { return ""; }
  // No file dialog: files are opened from the command line or read by path.
  void pick_file() override {}
  bool can_pick_file() const override { return false; }
  bool can_share_link() const override { return false; }
  bool read_path(const std::string& path, std::string& text) override;
  // The files a scenario names are read beside it, as the runner reads them.
  bool can_read_path() const override { return true; }
};

}  // namespace opsim::desktop
