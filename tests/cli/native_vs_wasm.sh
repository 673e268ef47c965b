#!/usr/bin/env bash
# Native and WebAssembly runners must write byte-identical summary.json, events.jsonl,
# timeseries.csv and metrics.om for every scenario in scenarios/, for runs with rule files,
# and for the examples that name files. Usage: native_vs_wasm.sh OPSIM OPSIM_JS SOURCE_DIR
# A scenario tagged "large" (the speed showcase: a month of 50 tenants) is compared over its
# first two days; its full run is measured in bench/.
set -uo pipefail
native=$1
wasm_js=$2
src=$3
source "$(dirname "$0")/check.sh"

# compare LABEL ARGS...: `opsim run ARGS` with both runners, then their four files.
compare() {
  local label=$1
  shift
  "$native" run "$@" --out "$work/native/run" --quiet >/dev/null 2>"$work/err" || { echo "FAIL: native run of $label"; cat "$work/err"; failed=$((failed + 1)); return; }
  node --no-experimental-fetch "$wasm_js" run "$@" --out "$work/wasm/run" --quiet >/dev/null 2>"$work/err" || { echo "FAIL: wasm run of $label"; cat "$work/err"; failed=$((failed + 1)); return; }
  for out in summary.json events.jsonl timeseries.csv metrics.om; do
    if cmp "$work/native/run/$out" "$work/wasm/run/$out"; then
      passed=$((passed + 1))
    else
      echo "FAIL: $label: $out differs between native and WebAssembly"
      failed=$((failed + 1))
    fi
  done
  rm -rf "$work/native/run" "$work/wasm/run"  # metrics.om files are large
}

while IFS= read -r f; do
  name=${f#"$src/scenarios/"}
  name=${name%.json}
  until=()
  if node -e 'process.exit((JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).tags || []).includes("large") ? 0 : 1)' "$f"; then
    until=(--until 2d)
  fi
  compare "$name" "$f" "${until[@]}"
done < <(find "$src/scenarios" -name '*.json' ! -name opsim.schema.json | sort)

# Rule files: the YAML reader, the PromQL evaluator and the templates give the same bytes too.
compare "retry-storm with the oracle's rules" retry-storm --until 3h --rules "$src/tests/prometheus/oracle_rules.yml"
compare "default with the burn-rate rules" default --until 12h --rules "$src/examples/rules/slo-burn-rate.yml"
compare "everything.json and its files" "$src/tests/scenarios/valid/everything.json"
# The examples' files: manifests, SLO specs (Sloth's rate queries, OpenSLO's counters) and traces.
for f in "$src"/examples/*/scenario*.json; do
  compare "${f#"$src/"}" "$f"
done
report
