#!/usr/bin/env bash
# Installs what opsim's build, tests and benchmarks need, and only what is missing.
# Idempotent: a second run installs nothing and says so. Needs root for apt-get.
#   scripts/setup.sh            everything (native, WebAssembly, browser tests, benchmarks)
#   scripts/setup.sh --native   only what the native build and its tests need
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-all}

# clang-14 and its run-time libraries (ASan, UBSan, libFuzzer): the sanitize preset, make fuzz.
# libyaml-cpp-dev: Prometheus rule files. prometheus (with promtool) and python3-yaml: the
# oracle test (tests/prometheus), which checks opsim's PromQL against a real Prometheus.
native_pkgs=(g++ cmake make ninja-build nlohmann-json3-dev catch2 libglfw3-dev xz-utils clang-14 libclang-rt-14-dev
             libyaml-cpp-dev prometheus python3-yaml)
# valgrind: bench/run.sh counts instructions per request with callgrind.
all_pkgs=("${native_pkgs[@]}" emscripten python3-simpy3 valgrind chromium xvfb xauth libgl1-mesa-dri nodejs)
case "$mode" in
  --native) want=("${native_pkgs[@]}") ;;
  all|--all) want=("${all_pkgs[@]}") ;;
  *) echo "usage: scripts/setup.sh [--native|--all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

sudo_=""
[ "$(id -u)" = 0 ] || sudo_="sudo"
apt_updated=0
apt_update() {
  [ "$apt_updated" = 1 ] && return 0
  echo "setup: apt-get update"
  # A third-party source that this network cannot reach must not stop the install.
  $sudo_ apt-get update -qq >/dev/null 2>&1 || true
  apt_updated=1
}

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  apt_update
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: Debian packages present (${#want[@]} checked)"
fi

# Debian source packages for what the WebAssembly build compiles itself: the deb-src line,
# once, then the package's upstream tarball unpacked into .cache/.
deb_src_ready=0
fetch_source() {  # PACKAGE TARBALL_GLOB
  if [ "$deb_src_ready" = 0 ]; then
    src_list=/etc/apt/sources.list.d/opsim-debian-src.sources
    if ! grep -rqs '^Types: deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
      uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
      uri=${uri:-http://deb.debian.org/debian}
      printf 'Types: deb-src\nURIs: %s\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" \
        | $sudo_ tee "$src_list" >/dev/null
      apt_updated=0
    fi
    apt_update
    deb_src_ready=1
  fi
  mkdir -p "$here/.cache/$1-src"
  (cd "$here/.cache/$1-src" && apt-get source --download-only "$1" >/dev/null 2>&1)
  tarball=$(ls "$here"/.cache/"$1"-src/$2 | head -n 1)
  tar xf "$tarball" -C "$here/.cache"
}

# Dear ImGui 1.86 sources (the binary package has no backends).
imgui_dir="$here/.cache/imgui-1.86"
if [ ! -f "$imgui_dir/imgui.cpp" ] || [ ! -f "$imgui_dir/backends/imgui_impl_glfw.cpp" ]; then
  echo "setup: fetching Dear ImGui 1.86 sources (Debian source package) into .cache/"
  fetch_source imgui 'imgui_1.86*.orig.tar.*'
  [ -f "$imgui_dir/imgui.cpp" ] || { echo "setup: ImGui sources not found after unpacking" >&2; exit 1; }
else
  echo "setup: Dear ImGui 1.86 sources present in .cache/"
fi

# yaml-cpp 0.7.0 sources, which the WebAssembly build compiles (rule files in the page).
yaml_dir="$here/.cache/yaml-cpp-yaml-cpp-0.7.0"
if [ "$mode" != "--native" ] && [ ! -f "$yaml_dir/src/parse.cpp" ]; then
  echo "setup: fetching yaml-cpp 0.7.0 sources (Debian source package) into .cache/"
  fetch_source yaml-cpp 'yaml-cpp_0.7.0*.orig.tar.*'
  [ -f "$yaml_dir/src/parse.cpp" ] || { echo "setup: yaml-cpp sources not found after unpacking" >&2; exit 1; }
elif [ "$mode" != "--native" ]; then
  echo "setup: yaml-cpp 0.7.0 sources present in .cache/"
fi

if [ "$mode" != "--native" ]; then
  # The browser test's node modules (playwright-core drives the system's Chromium; it never
  # downloads a browser). Installed again when package.json or the lock file changes.
  browser_dir="$here/tests/browser"
  if [ -f "$browser_dir/package.json" ]; then
    stamp="$browser_dir/node_modules/.package-lock.json"
    if [ ! -d "$browser_dir/node_modules/playwright-core" ] || [ ! -f "$stamp" ] ||
       [ "$browser_dir/package.json" -nt "$stamp" ] ||
       { [ -f "$browser_dir/package-lock.json" ] && [ "$browser_dir/package-lock.json" -nt "$stamp" ]; }; then
      echo "setup: npm install (playwright-core) in tests/browser"
      if [ -f "$browser_dir/package-lock.json" ]; then
        (cd "$browser_dir" && npm ci --no-audit --no-fund --silent)
      else
        (cd "$browser_dir" && npm install --no-audit --no-fund --silent)
      fi
    else
      echo "setup: node modules of tests/browser present"
    fi
  fi
fi
echo "setup: done"
