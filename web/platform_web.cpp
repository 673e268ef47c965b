#include "platform_web.h"

#include <emscripten.h>

// The JavaScript halves. HEAPU8 is read when the function runs, so memory growth is safe.
EM_JS(void, opsim_js_save_file, (const char* name, const char* data, int length), {
  var bytes = HEAPU8.slice(data, data + length);
  var blob = new Blob([bytes], {type: 'application/json'});
  var url = URL.createObjectURL(blob);
  var a = document.createElement('a');
  a.href = url;
  a.download = UTF8ToString(name);
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(function() { URL.revokeObjectURL(url); }, 10000);
});

EM_JS(void, opsim_js_pick_file, (), {
  var input = document.getElementById('opsim-file-input');
  if (input) {
    input.value = "";  // choosing the same file twice still fires "change"
    input.click();
  }
});

namespace opsim::web {

std::string base64url(const std::string& bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (rest == 2) out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

void WebPlatform::save_file(const std::string& file_name, const std::string& text) {
  opsim_js_save_file(file_name.c_str(), text.data(), static_cast<int>(text.size()));
}

std::string WebPlatform::share_link(const std::string& key, const std::string& payload) {
  // The returned buffer belongs to Emscripten and is reused: copy it at once.
  std::string base = emscripten_run_script_string("location.origin + location.pathname");
  return base + "#" + key + "=" + base64url(payload);
}

void WebPlatform::pick_file() { opsim_js_pick_file(); }

}  // namespace opsim::web
