// The browser page's entry point: a GLFW window on the page's canvas (WebGL 2 through
// Emscripten's GLFW), Dear ImGui on top, and the shared opsim::ui::App. The browser calls
// frame() once per animation frame (emscripten_set_main_loop); the page's JavaScript
// (web/shell.html) drives the app through the opsim_* functions exported below.
#include <emscripten.h>
#include <emscripten/html5.h>
#define GLFW_INCLUDE_ES3
#include <GLFW/glfw3.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "app.h"
#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"
#include "json/json.h"
#include "platform_web.h"
#include "style.h"

namespace {

// main() never returns (the browser's event loop takes over), so everything lives here.
GLFWwindow* g_window = nullptr;
opsim::web::WebPlatform* g_platform = nullptr;
opsim::ui::App* g_app = nullptr;
double g_last_frame_s = 0;
double g_fps = 0;  // exponentially smoothed frames per second
double g_frame_cpu_ms = 0;  // smoothed time of update + draw + ImGui::Render (no GPU work)
std::string g_result;  // the last string handed to JavaScript
std::string g_clipboard;  // ImGui's clipboard (Emscripten 3.1.6's GLFW has none)

// The canvas fills the window (CSS, see shell.html); its drawing buffer has one pixel per
// device pixel. Emscripten's GLFW takes the canvas's pixel size as the window size, so
// resizing goes through Module.setCanvasSize, which also tells GLFW (and ImGui) about it.
EM_JS(void, opsim_js_fit_canvas, (), {
  var canvas = Module['canvas'];
  var rect = canvas.getBoundingClientRect();
  var dpr = window.devicePixelRatio || 1;
  var w = Math.max(1, Math.round(rect.width * dpr));
  var h = Math.max(1, Math.round(rect.height * dpr));
  if (canvas.width != w || canvas.height != h) Module['setCanvasSize'](w, h);
});

// Tells the page that the app exists and the opsim_* functions may be called.
EM_JS(void, opsim_js_ready, (), {
  if (typeof Module['onOpsimReady'] === 'function') Module['onOpsimReady']();
});

// Emscripten 3.1.6's glfwSetClipboardString/glfwGetClipboardString do nothing, so ImGui's
// copy and paste (the JSON editor, "Copy share link") go through these: a copy is kept for
// pasting inside the page and written to the system clipboard; the page's "paste" handler
// puts what the user pastes here (opsim_set_clipboard) before ImGui asks for it.
EM_JS(void, opsim_js_copy_text, (const char* text), {
  var s = UTF8ToString(text);
  if (navigator.clipboard && navigator.clipboard.writeText)
    navigator.clipboard.writeText(s).catch(function(e) { console.warn("opsim: clipboard: " + e); });
});
void set_clipboard_text(void*, const char* text) {
  g_clipboard = text ? text : "";
  opsim_js_copy_text(g_clipboard.c_str());
}
const char* get_clipboard_text(void*) { return g_clipboard.c_str(); }

void frame() {
  opsim_js_fit_canvas();
  const double now_s = emscripten_get_now() / 1000.0;
  // A hidden tab gets no frames; do not let a long pause turn into one giant step.
  const double dt = std::clamp(now_s - g_last_frame_s, 0.0, 0.25);
  g_last_frame_s = now_s;
  if (dt > 0) g_fps = g_fps == 0 ? 1.0 / dt : 0.95 * g_fps + 0.05 / dt;

  glfwPollEvents();
  const double cpu_start_ms = emscripten_get_now();
  g_app->update(dt);

  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
  g_app->draw();
  ImGui::Render();
  const double cpu_ms = emscripten_get_now() - cpu_start_ms;
  g_frame_cpu_ms = g_frame_cpu_ms == 0 ? cpu_ms : 0.95 * g_frame_cpu_ms + 0.05 * cpu_ms;

  int fb_w = 0, fb_h = 0;
  glfwGetFramebufferSize(g_window, &fb_w, &fb_h);
  glViewport(0, 0, fb_w, fb_h);
  glClearColor(opsim::ui::kBackground.x, opsim::ui::kBackground.y, opsim::ui::kBackground.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

// {"ok": bool, "error": "..."}, what window.opsim.load and .compare return.
std::string outcome_json(const opsim::ui::LoadOutcome& outcome) {
  return std::string("{\"ok\":") + (outcome.ok ? "true" : "false") + ",\"error\":" + opsim::json::quote(outcome.error) +
         "}";
}

}  // namespace

// The page's JavaScript calls these (web/shell.html builds window.opsim on them). Strings
// come in as UTF-8 the page allocated with malloc; strings going out stay valid until the
// next call.
extern "C" {

EMSCRIPTEN_KEEPALIVE const char* opsim_load(const char* name_or_text) {
  g_result = outcome_json(g_app->load(name_or_text));
  return g_result.c_str();
}

// The side-by-side mode: variant B (a built-in's name or JSON text) beside the loaded
// scenario, in lockstep with its seed; same answer as opsim_load.
EMSCRIPTEN_KEEPALIVE const char* opsim_compare(const char* name_or_text) {
  g_result = outcome_json(g_app->compare_with(name_or_text));
  return g_result.c_str();
}

EMSCRIPTEN_KEEPALIVE void opsim_stop_comparing() { g_app->stop_comparing(); }

EMSCRIPTEN_KEEPALIVE void opsim_advance(double seconds) { g_app->advance(seconds); }

EMSCRIPTEN_KEEPALIVE const char* opsim_state() {
  g_result = g_app->state_json();
  return g_result.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* opsim_scenarios() {
  g_result = g_app->scenarios_json();
  return g_result.c_str();
}

EMSCRIPTEN_KEEPALIVE void opsim_pause() { g_app->pause(); }
EMSCRIPTEN_KEEPALIVE void opsim_play() { g_app->play(); }
// Simulated seconds per wall second; 0 runs as fast as the frame budget allows.
EMSCRIPTEN_KEEPALIVE void opsim_set_speed(double sim_s_per_wall_s) { g_app->set_speed(sim_s_per_wall_s); }

// {"x", "y", "w", "h"} in canvas pixels plus the canvas's pixel size ("cw", "ch"), so that
// the page can convert to CSS pixels; null when the widget was not drawn in the last frame.
EMSCRIPTEN_KEEPALIVE const char* opsim_widget_rect(const char* id) {
  float r[4] = {0, 0, 0, 0};
  if (!g_app->widget_rect(id, r)) {
    g_result = "null";
    return g_result.c_str();
  }
  int w = 0, h = 0;
  glfwGetWindowSize(g_window, &w, &h);
  char buf[256];
  std::snprintf(buf, sizeof buf, "{\"x\":%.3f,\"y\":%.3f,\"w\":%.3f,\"h\":%.3f,\"cw\":%d,\"ch\":%d}",
                r[0], r[1], r[2], r[3], w, h);
  g_result = buf;
  return g_result.c_str();
}

// A file the user picked or dropped, or a scenario from a #scenario= link.
EMSCRIPTEN_KEEPALIVE void opsim_deliver_file(const char* file_name, const char* text) {
  g_app->load_from_user(text, file_name);
}

// Files given at once (a drop or a pick of several), as JSON [{"name": .., "text": ..}]:
// App::load_from_user sorts out which is the scenario. {"ok", "error", "notice"}.
EMSCRIPTEN_KEEPALIVE const char* opsim_deliver_files(const char* files_json) {
  opsim::json::Value list;
  opsim::json::ParseError error;
  std::vector<opsim::NamedFile> files;
  bool readable = opsim::json::parse(files_json, list, error) && list.type == opsim::json::Type::array;
  for (std::size_t i = 0; readable && i < list.items.size(); ++i) {
    const opsim::json::Value* name = list.items[i].find("name");
    const opsim::json::Value* text = list.items[i].find("text");
    readable = name && text && name->type == opsim::json::Type::string && text->type == opsim::json::Type::string;
    if (readable) files.push_back({name->text, text->text});
  }
  opsim::ui::LoadOutcome outcome;
  if (readable) outcome = g_app->load_from_user(files);
  else outcome.error = "opsim_deliver_files: expected a JSON array of {\"name\": TEXT, \"text\": TEXT}";
  g_result = std::string("{\"ok\":") + (outcome.ok ? "true" : "false") + ",\"error\":" + opsim::json::quote(outcome.error) +
             ",\"notice\":" + opsim::json::quote(g_app->files_notice) + "}";
  return g_result.c_str();
}

// A #bundle= link's payload (decoded): a scenario with its files. Same answer as opsim_load.
EMSCRIPTEN_KEEPALIVE const char* opsim_open_bundle(const char* bundle_json) {
  g_result = outcome_json(g_app->open_bundle(bundle_json));
  return g_result.c_str();
}

// {"link": .., "error": ..}: the running scenario's share link, with its files, or why none.
EMSCRIPTEN_KEEPALIVE const char* opsim_share_link() {
  const opsim::ui::ShareOutcome share = g_app->share_link();
  g_result = "{\"link\":" + opsim::json::quote(share.link) + ",\"error\":" + opsim::json::quote(share.error) + "}";
  return g_result.c_str();
}

// The user's files, what the running scenario read and missed, the last notice, the
// bundled examples (App::files_json).
EMSCRIPTEN_KEEPALIVE const char* opsim_files() {
  g_result = g_app->files_json();
  return g_result.c_str();
}

// Measures for the curious and for tests: frames per second, and the milliseconds a frame
// spends in the app and ImGui (simulation slice, widgets, draw lists), without the GPU.
// Text the user pasted into the page (see get_clipboard_text).
EMSCRIPTEN_KEEPALIVE void opsim_set_clipboard(const char* text) { g_clipboard = text; }

EMSCRIPTEN_KEEPALIVE double opsim_fps() { return g_fps; }
EMSCRIPTEN_KEEPALIVE double opsim_frame_cpu_ms() { return g_frame_cpu_ms; }

}  // extern "C"

int main() {
  if (!glfwInit()) {
    std::fprintf(stderr, "opsim: glfwInit failed\n");
    return 1;
  }
  glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  g_window = glfwCreateWindow(1280, 800, "opsim", nullptr, nullptr);
  if (!g_window) {
    std::fprintf(stderr, "opsim: no WebGL 2 context\n");
    return 1;
  }
  glfwMakeContextCurrent(g_window);
  opsim_js_fit_canvas();

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // no imgui.ini in a browser
  // Crisp text on high-density screens: the canvas has device pixels, so the font and the
  // style are scaled by the device pixel ratio (1 on an ordinary screen).
  const float dpr = static_cast<float>(emscripten_get_device_pixel_ratio());
  if (dpr > 1.01f) {
    ImFontConfig font;
    font.SizePixels = std::round(13.0f * dpr);
    io.Fonts->AddFontDefault(&font);
    ImGui::GetStyle().ScaleAllSizes(dpr);
  }
  ImGui_ImplGlfw_InitForOpenGL(g_window, true);
  ImGui_ImplOpenGL3_Init("#version 300 es");
  io.SetClipboardTextFn = set_clipboard_text;
  io.GetClipboardTextFn = get_clipboard_text;
  io.ClipboardUserData = nullptr;

  g_platform = new opsim::web::WebPlatform();
  g_app = new opsim::ui::App(*g_platform);  // opens on the default scenario, running
  g_last_frame_s = emscripten_get_now() / 1000.0;

  opsim_js_ready();
  emscripten_set_main_loop(frame, 0, 1);
  return 0;
}
