#!/usr/bin/env bash
# The desktop front end in a virtual X server: opsim-desktop opens its window (GLFW,
# OpenGL 3.3 core on Mesa's software renderer), draws 5 frames of the default scenario and
# writes the last one as a PPM; the image must be 1280x800 and not blank. The same for the
# Graph tab of three-tier (--tab Graph), and a tab the scenario lacks exits 2.
# Usage: xvfb_test.sh OPSIM_DESKTOP SOURCE_DIR
set -uo pipefail
desktop=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }

# -a: a free display number; the screen is as large as the window. timeout bounds the run.
if timeout 120 xvfb-run -a -s "-screen 0 1280x800x24" \
     "$desktop" default --frames 5 --screenshot "$work/shot.ppm" >"$work/out" 2>&1; then
  ok "opsim-desktop runs 5 frames under Xvfb and exits 0"
else
  fail "opsim-desktop under Xvfb (exit $?)"
  cat "$work/out"
fi
if [ -s "$work/shot.ppm" ] && node "$src/tests/browser/image.mjs" "$work/shot.ppm" --width 1280 --height 800; then
  ok "the screenshot is 1280x800 and not blank"
else
  fail "the screenshot is missing, of the wrong size or blank"
fi
# The call graph, drawn by the same ImGui code as in the page.
if timeout 120 xvfb-run -a -s "-screen 0 1280x800x24" \
     "$desktop" three-tier --tab Graph --frames 20 --screenshot "$work/graph.ppm" >"$work/out" 2>&1 &&
   [ -s "$work/graph.ppm" ] && node "$src/tests/browser/image.mjs" "$work/graph.ppm" --width 1280 --height 800; then
  ok "opsim-desktop three-tier --tab Graph draws the call graph, 1280x800 and not blank"
else
  fail "opsim-desktop three-tier --tab Graph"
  cat "$work/out"
fi
timeout 120 xvfb-run -a -s "-screen 0 1280x800x24" "$desktop" default --tab Nowhere --frames 5 >"$work/out" 2>&1
code=$?
if [ "$code" = 2 ]; then ok "a tab the scenario lacks (--tab Nowhere) exits 2"; else fail "--tab Nowhere exits $code, want 2"; fi
# Bad arguments are refused with exit code 2, without opening a window.
"$desktop" --frames zero >/dev/null 2>&1
code=$?
if [ "$code" = 2 ]; then ok "a bad --frames value exits 2"; else fail "a bad --frames value exits $code, want 2"; fi
"$desktop" no-such-scenario --frames 1 >"$work/out" 2>&1
code=$?
if [ "$code" = 2 ]; then
  ok "an unknown scenario is refused with exit 2 before a window opens"
else
  fail "an unknown scenario exits $code, want 2"
  cat "$work/out"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
