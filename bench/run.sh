#!/usr/bin/env bash
# Measures simulated requests per second of wall time for the M/M/c scenario natively, in
# WebAssembly (node) and in SimPy, side by side in one run, and the default scenario
# natively and in WebAssembly; writes the figures to bench/RESULTS.md.
# Usage: bench/run.sh NATIVE_BUILD_DIR WASM_BUILD_DIR   (make bench builds both first)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
native_dir=$1
wasm_dir=$2
repeats=${REPEATS:-5}
native_bench="$native_dir/bench/opsim_bench"
wasm_bench="$wasm_dir/bench/opsim_bench.js"

median_rate() {  # reads "run N: ... R requests/s" lines, prints the median R
  grep -oE '[0-9]+ requests/s' | awk '{print $1}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

echo "bench: M/M/c natively ($repeats runs)"
mmc_native=$("$native_bench" mmc "$repeats" | tee /dev/stderr | median_rate)
echo "bench: M/M/c in WebAssembly under node ($repeats runs)"
mmc_wasm=$(node --no-experimental-fetch "$wasm_bench" mmc "$repeats" | tee /dev/stderr | median_rate)
echo "bench: M/M/c in SimPy (one simulated day, /usr/bin/python3)"
simpy_line=$(/usr/bin/python3 "$here/mmc_simpy.py" 86400 | tee /dev/stderr)
mmc_simpy=$(echo "$simpy_line" | grep -oE '[0-9]+ requests/s' | awk '{print $1}')
echo "bench: default scenario natively and in WebAssembly ($repeats runs each)"
default_native=$("$native_bench" default "$repeats" | tee /dev/stderr | median_rate)
default_wasm=$(node --no-experimental-fetch "$wasm_bench" default "$repeats" | tee /dev/stderr | median_rate)

echo "bench: the web page in headless Chromium (default scenario at maximum speed)"
page=$(node "$here/page_bench.mjs" "$wasm_dir/web" | tee /dev/stderr)
page_field() { echo "$page" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s)['$1']))"; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
millions() { awk -v a="$1" 'BEGIN {printf "%.2f M", a / 1e6}'; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')

cat >"$here/RESULTS.md" <<MD
# Benchmark results

Measured by \`make bench\` (\`bench/run.sh\`) on $(date -u +%Y-%m-%d): $(nproc) cores, ${cpu:-unknown CPU},
$(free -g | awk '/Mem:/ {print $2}') GiB, $(g++ --version | head -1), Emscripten $(emcc --version 2>/dev/null | head -1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1), node $(node --version).
Figures are simulated requests per second of wall time, the median of $repeats runs
(SimPy: one run of one simulated day). All rows come from this one run of the script.

| model | opsim native | opsim WebAssembly (node) | SimPy 3 | wasm / native | native / SimPy |
|---|---|---|---|---|---|
| M/M/c (\`scenarios/mmc.json\`: lambda 8.5/s, mu 1/s, c 10) | $(millions "$mmc_native") | $(millions "$mmc_wasm") | $(millions "$mmc_simpy") | $(ratio "$mmc_wasm" "$mmc_native") | $(ratio "$mmc_native" "$mmc_simpy")x |
| default (\`scenarios/default.json\`: 3 tenants, 2 agents, diurnal, HPA scaling) | $(millions "$default_native") | $(millions "$default_wasm") | - | $(ratio "$default_wasm" "$default_native") | - |

The web page (\`bench/page_bench.mjs\`), headless Chromium $(chromium --version 2>/dev/null | grep -oE '[0-9]+\.[0-9.]+' | head -1) at 1280x800 with
software WebGL (SwiftShader, no GPU on this machine), the default scenario at maximum speed:

| frames per second (median / lowest of 10 readings) | simulated seconds per wall second | page size | gzipped |
|---|---|---|---|
| $(page_field fps_median | awk '{printf "%.0f", $1}') / $(page_field fps_min | awk '{printf "%.0f", $1}') | $(page_field simulated_s_per_wall_s | awk '{printf "%.0f", $1}') | $(page_field page_bytes | awk '{printf "%.0f KB", $1 / 1024}') | $(page_field page_gzipped_bytes | awk '{printf "%.0f KB", $1 / 1024}') |

The simulation takes at most 10 ms of each frame (\`ui/app.cpp\`, kSimBudgetS); the frame
rate here is bounded by SwiftShader drawing 1280x800 in software on 2 cores.

Targets: issue 2 asked for at least 5 M simulated requests per second natively for M/M/c
and WebAssembly at 0.8 of native, for the foundation's request path (measured then: 5.5 M
native, 0.78 to 0.80 for WebAssembly, at commit 7dd040e). The figures above run every stage
added since on each request (admission with its reservation and sliding rate window, the
context stage, pools, alert evaluation at each scrape, scaling hooks); issue 8 sets the
target for that full pipeline at 3 M natively.

WebAssembly engines start code in a baseline compiler and switch a function to optimised
code when it is entered again; the simulation loop therefore runs in batches of 1,024
events (\`Simulation::run_until\`), which took the WebAssembly figure from 0.56 to about
0.8 of native in this machine's measurements.

The SimPy model is \`bench/mmc_simpy.py\`: the same queue (one Resource of 10 slots, Poisson
arrivals, exponential work) with no metrics, so the comparison favours SimPy; opsim's figure
includes its whole metrics pipeline (counters, latency histograms, 1-minute time series).
SimPy's own check: $simpy_line.
MD
echo "bench: wrote $here/RESULTS.md"
cat "$here/RESULTS.md"
