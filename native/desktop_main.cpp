// opsim-desktop: the shared ImGui front end (ui/) in a desktop window (GLFW + OpenGL 3.3 core).
//
//   opsim-desktop [SCENARIO] [--frames N] [--screenshot FILE.ppm] [--tab LABEL] [--rules FILE]...
//
// SCENARIO is a scenario file or the name of a built-in scenario (default: "default").
// --frames N closes the window after N frames; with --screenshot the last frame is written
// as a binary PPM (P6) first. --tab opens on that tab ("Graph"). They exist for tests (a
// virtual X server and a pixel check).
// Exit codes: 0 success, 2 bad arguments or scenario, 3 no window or no OpenGL context.
#include <GLFW/glfw3.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app.h"
#include "builtin.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#include "platform_desktop.h"
#include "style.h"

namespace {

struct Options {
  std::string scenario = "default";
  long frames = -1;  // run until the window closes
  std::string screenshot;
  std::string tab;  // a tab to open on
  std::vector<std::string> rules;  // Prometheus rule files to add (--rules)
};

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: opsim-desktop [SCENARIO] [--frames N] [--screenshot FILE.ppm] [--tab LABEL] [--rules FILE]...\n"
               "  SCENARIO          a scenario file or a built-in scenario name (default: default)\n"
               "  --frames N        close after N frames (N >= 1)\n"
               "  --screenshot F    with --frames: write the last frame to F as a binary PPM\n"
               "  --tab LABEL       open on the tab LABEL (Plots, Graph, ...) instead of the first\n"
               "  --rules FILE      add a Prometheus rule file, as opsim run --rules does\n");
}

bool parse_args(int argc, char** argv, Options& o) {
  bool have_scenario = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      usage(stdout);
      std::exit(0);
    } else if (a == "--version") {
      std::printf("opsim-desktop %s\n", OPSIM_VERSION);
      std::exit(0);
    } else if (a == "--frames" && i + 1 < argc) {
      char* end = nullptr;
      o.frames = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || o.frames < 1 || o.frames > 100000000) {
        std::fprintf(stderr, "opsim-desktop: --frames: expected a whole number >= 1, found \"%s\"\n", argv[i]);
        return false;
      }
    } else if (a == "--screenshot" && i + 1 < argc) {
      o.screenshot = argv[++i];
    } else if (a == "--tab" && i + 1 < argc) {
      o.tab = argv[++i];
    } else if (a == "--rules" && i + 1 < argc) {
      o.rules.push_back(argv[++i]);
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "opsim-desktop: unknown option or missing value: %s\n", a.c_str());
      return false;
    } else if (!have_scenario) {
      o.scenario = a;
      have_scenario = true;
    } else {
      std::fprintf(stderr, "opsim-desktop: more than one scenario given: %s\n", a.c_str());
      return false;
    }
  }
  if (!o.screenshot.empty() && o.frames < 1) {
    std::fprintf(stderr, "opsim-desktop: --screenshot needs --frames N\n");
    return false;
  }
  return true;
}

// The back buffer, bottom row first in OpenGL, written top row first as P6.
bool write_ppm(const std::string& path, int w, int h) {
  std::vector<unsigned char> pixels(static_cast<std::size_t>(w) * h * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  if (glGetError() != GL_NO_ERROR) return false;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  std::fprintf(f, "P6\n%d %d\n255\n", w, h);
  bool ok = true;
  for (int y = h - 1; y >= 0 && ok; --y)
    ok = std::fwrite(pixels.data() + static_cast<std::size_t>(y) * w * 3, 1, static_cast<std::size_t>(w) * 3, f) ==
         static_cast<std::size_t>(w) * 3;
  return std::fclose(f) == 0 && ok;
}

void glfw_error(int code, const char* what) { std::fprintf(stderr, "opsim-desktop: GLFW error %d: %s\n", code, what); }

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!parse_args(argc, argv, opt)) {
    usage(stderr);
    return 2;
  }

  // A scenario that is neither a file nor built in is refused before any window opens.
  opsim::desktop::DesktopPlatform platform;
  std::string file_text;
  const bool is_file = platform.read_path(opt.scenario, file_text);
  if (!is_file && !opsim::find_builtin_scenario(opt.scenario)) {
    std::fprintf(stderr, "opsim-desktop: %s: no such file and no built-in scenario of that name\n",
                 opt.scenario.c_str());
    return 2;
  }

  glfwSetErrorCallback(glfw_error);
  if (!glfwInit()) return 3;
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GL_TRUE);
  GLFWwindow* window = glfwCreateWindow(1280, 800, "opsim", nullptr, nullptr);
  if (!window) {
    glfwTerminate();
    return 3;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // the layout is the app's, not a file's
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330");

  int exit_code = 0;
  {
    opsim::ui::App app(platform);
    if (is_file) {
      // A broken file still opens: the editor shows its errors.
      app.load_from_user(file_text, opt.scenario);
    } else {
      const opsim::ui::LoadOutcome outcome = app.load(opt.scenario);
      if (!outcome.ok) {
        std::fprintf(stderr, "opsim-desktop: %s: %s\n", opt.scenario.c_str(), outcome.error.c_str());
        exit_code = 2;
      }
    }
    for (const std::string& path : opt.rules) {
      std::ifstream in(path, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      if (!in || !app.add_rule_file(text.str(), path)) {
        std::fprintf(stderr, "opsim-desktop: %s: %s\n", path.c_str(),
                     in ? app.rule_file_error.c_str() : "cannot read the rule file");
        exit_code = 2;
      }
    }
    if (!opt.tab.empty()) app.select_tab(opt.tab);

    double last = glfwGetTime();
    for (long frame = 1; exit_code == 0 && !glfwWindowShouldClose(window); ++frame) {
      glfwPollEvents();
      const double now = glfwGetTime();
      app.update(std::clamp(now - last, 0.0, 0.25));
      last = now;

      ImGui_ImplOpenGL3_NewFrame();
      ImGui_ImplGlfw_NewFrame();
      ImGui::NewFrame();
      app.draw();
      ImGui::Render();
      float tab_rect[4];
      if (frame == 1 && !opt.tab.empty() && !app.widget_rect("tab:" + opt.tab, tab_rect)) {
        std::fprintf(stderr, "opsim-desktop: --tab: this scenario has no tab \"%s\"\n", opt.tab.c_str());
        exit_code = 2;
        break;
      }

      int fb_w = 0, fb_h = 0;
      glfwGetFramebufferSize(window, &fb_w, &fb_h);
      glViewport(0, 0, fb_w, fb_h);
      glClearColor(opsim::ui::kBackground.x, opsim::ui::kBackground.y, opsim::ui::kBackground.z, 1.0f);
      glClear(GL_COLOR_BUFFER_BIT);
      ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

      if (opt.frames > 0 && frame >= opt.frames) {
        if (!opt.screenshot.empty()) {
          if (write_ppm(opt.screenshot, fb_w, fb_h)) {
            std::fprintf(stderr, "opsim-desktop: wrote %s (%dx%d)\n", opt.screenshot.c_str(), fb_w, fb_h);
          } else {
            std::fprintf(stderr, "opsim-desktop: could not write %s\n", opt.screenshot.c_str());
            exit_code = 3;
          }
        }
        break;
      }
      glfwSwapBuffers(window);
    }
  }

  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return exit_code;
}
