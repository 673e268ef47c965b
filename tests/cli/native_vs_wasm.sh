#!/usr/bin/env bash
# Native and WebAssembly runners must write byte-identical summary.json, events.jsonl,
# timeseries.csv and metrics.om for every scenario in scenarios/. Usage: native_vs_wasm.sh
# OPSIM OPSIM_JS SOURCE_DIR
# A scenario tagged "large" (the speed showcase: a month of 50 tenants) is compared over its
# first two days; its full run is measured in bench/.
set -uo pipefail
native=$1
wasm_js=$2
src=$3
source "$(dirname "$0")/check.sh"
while IFS= read -r f; do
  name=${f#"$src/scenarios/"}
  name=${name%.json}
  until=()
  if node -e 'process.exit((JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).tags || []).includes("large") ? 0 : 1)' "$f"; then
    until=(--until 2d)
  fi
  "$native" run "$f" "${until[@]}" --out "$work/native/$name" --quiet >/dev/null 2>"$work/err" || { echo "FAIL: native run of $name"; cat "$work/err"; failed=$((failed + 1)); continue; }
  node --no-experimental-fetch "$wasm_js" run "$f" "${until[@]}" --out "$work/wasm/$name" --quiet >/dev/null 2>"$work/err" || { echo "FAIL: wasm run of $name"; cat "$work/err"; failed=$((failed + 1)); continue; }
  for out in summary.json events.jsonl timeseries.csv metrics.om; do
    if cmp "$work/native/$name/$out" "$work/wasm/$name/$out"; then
      passed=$((passed + 1))
    else
      echo "FAIL: $name/$out differs between native and WebAssembly"
      failed=$((failed + 1))
    fi
  done
  rm -rf "$work/native/$name" "$work/wasm/$name"  # metrics.om files are large
done < <(find "$src/scenarios" -name '*.json' ! -name opsim.schema.json | sort)

# Rule files: the YAML reader, the PromQL evaluator and the templates give the same bytes too.
for run in "retry-storm --until 3h --rules $src/tests/prometheus/oracle_rules.yml" \
           "default --until 12h --rules $src/examples/rules/slo-burn-rate.yml" \
           "$src/tests/scenarios/valid/everything.json"; do
  read -r -a args <<<"$run"
  "$native" run "${args[@]}" --out "$work/native/rules" --quiet >/dev/null 2>"$work/err" || { echo "FAIL: native run $run"; cat "$work/err"; failed=$((failed + 1)); continue; }
  node --no-experimental-fetch "$wasm_js" run "${args[@]}" --out "$work/wasm/rules" --quiet >/dev/null 2>"$work/err" || { echo "FAIL: wasm run $run"; cat "$work/err"; failed=$((failed + 1)); continue; }
  for out in summary.json events.jsonl timeseries.csv metrics.om; do
    if cmp "$work/native/rules/$out" "$work/wasm/rules/$out"; then
      passed=$((passed + 1))
    else
      echo "FAIL: $run: $out differs between native and WebAssembly"
      failed=$((failed + 1))
    fi
  done
  rm -rf "$work/native/rules" "$work/wasm/rules"
done
report
