#include "platform_desktop.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace opsim::desktop {

namespace {

// "a/b/c.json" -> "c.json"; a name that is empty or a dot-name becomes "scenario.json".
std::string plain_file_name(const std::string& name) {
  std::string base = name.substr(name.find_last_of("/\\") == std::string::npos ? 0 : name.find_last_of("/\\") + 1);
  if (base.empty() || base == "." || base == "..") base = "scenario.json";
  return base;
}

}  // namespace

void DesktopPlatform::save_file(const std::string& file_name, const std::string& text) {
  const std::string path = plain_file_name(file_name);
  // Written beside, then renamed: a failed write never leaves half a file under the name.
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out.good()) {
      std::fprintf(stderr, "opsim-desktop: could not write %s\n", partial.c_str());
      std::remove(partial.c_str());
      return;
    }
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    std::fprintf(stderr, "opsim-desktop: could not write %s\n", path.c_str());
    std::remove(partial.c_str());
    return;
  }
  std::fprintf(stderr, "opsim-desktop: saved %s\n", path.c_str());
}

bool DesktopPlatform::read_path(const std::string& path, std::string& text) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return false;
  text = buf.str();
  return true;
}

}  // namespace opsim::desktop
