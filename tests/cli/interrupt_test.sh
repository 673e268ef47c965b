#!/usr/bin/env bash
# Ctrl-C: `opsim run` and `opsim sweep` stop cleanly on SIGINT and SIGTERM. A long run is
# started in the background and signalled; it must exit 130 (143 for SIGTERM) and leave
# complete, valid output files and no temporary ones.
# Usage: interrupt_test.sh OPSIM SOURCE_DIR
set -uo pipefail
opsim=$1
src=$2
source "$(dirname "$0")/check.sh"
# Job control: without it a non-interactive shell starts background jobs with SIGINT
# ignored, and opsim (like other programs) leaves an ignored SIGINT ignored.
set -m

# valid_json FILE [lines]: the file (or each of its lines) parses as JSON. Uses python3 or
# node, whichever is installed; with neither the check is skipped.
valid_json() {
  if command -v python3 >/dev/null; then
    python3 -c 'import json, sys
text = open(sys.argv[1]).read()
docs = text.splitlines() if sys.argv[2:] == ["lines"] else [text]
for d in docs: json.loads(d)' "$@"
  elif command -v node >/dev/null; then
    node -e 'const fs = require("fs"); const t = fs.readFileSync(process.argv[1], "utf8");
      (process.argv[2] === "lines" ? t.split("\n").filter(l => l) : [t]).forEach(d => JSON.parse(d));' "$@"
  else
    echo "  (no python3 or node: JSON validity of $1 not checked)"
  fi
}

# start_then_signal SIGNAL SECONDS CMD...: runs CMD in the background, signals it after
# SECONDS and sets `code` to its exit code.
start_then_signal() {
  local sig=$1 delay=$2
  shift 2
  "$@" >"$work/out" 2>"$work/err" &
  local pid=$!
  sleep "$delay"
  kill "-$sig" "$pid"
  wait "$pid"
  code=$?
}

# run: a 30-day scenario that takes far longer than a second.
start_then_signal INT 1 "$opsim" run large-50-tenants --out "$work/run" --quiet
[ "$code" = 130 ]; check "run stopped by SIGINT exits 130 (got $code)" $?
grep -q "stopped by SIGINT at .* of 30d simulated; the files hold the run so far" "$work/err"; check "run says where it stopped" $?
[ "$(cd "$work/run" && ls -A | sort | tr '\n' ' ')" = "events.jsonl metrics.om summary.json timeseries.csv " ]
check "exactly the four files, no temporary folder" $?
valid_json "$work/run/summary.json"; check "summary.json is valid JSON" $?
grep -q '^  "interrupted": true,$' "$work/run/summary.json"; check "summary.json marks the run interrupted" $?
grep -q '^  "requested_duration_s": 2592000,$' "$work/run/summary.json"; check "summary.json has the requested duration" $?
reached=$(sed -n 's/^  "duration_s": \([0-9.]*\),$/\1/p' "$work/run/summary.json")
[ -n "$reached" ] && awk -v t="$reached" 'BEGIN { exit !(t > 0 && t < 2592000) }'; check "duration_s is the simulated time reached ($reached)" $?
grep -q '^  "metrics": {$' "$work/run/summary.json" && grep -q '^  "objectives": ' "$work/run/summary.json"
check "summary.json keeps its members" $?
valid_json "$work/run/events.jsonl" lines; check "every events.jsonl line is valid JSON" $?
[ "$(tail -c 1 "$work/run/events.jsonl" | od -An -c | tr -d ' ')" = '\n' ]; check "events.jsonl ends with a whole line" $?
columns=$(head -1 "$work/run/timeseries.csv" | awk -F, '{ print NF }')
awk -F, -v n="$columns" 'NF != n { bad = 1 } END { exit bad || NR < 2 }' "$work/run/timeseries.csv"
check "timeseries.csv rows are whole ($columns columns)" $?
last_t=$(tail -1 "$work/run/timeseries.csv" | cut -d, -f1)
awk -v t="$last_t" -v end="$reached" 'BEGIN { exit !(t <= end) }'; check "time series stops at the time reached" $?

start_then_signal TERM 1 "$opsim" run large-50-tenants --out "$work/term" --quiet --format json
[ "$code" = 143 ]; check "run stopped by SIGTERM exits 143 (got $code)" $?
valid_json "$work/out"; check "--format json prints the partial summary" $?
grep -q '"interrupted": true' "$work/term/summary.json"; check "SIGTERM also writes the run so far" $?

start_then_signal INT 1 "$opsim" run large-50-tenants --quiet
[ "$code" = 130 ] && grep -q "^scenario  Large: 50 tenants" "$work/out"; check "run without --out prints the table so far" $?

# sweep: points of a few hundredths of a second each; those finished are kept.
cat >"$work/many.json" <<'JSON'
{"schema": "opsim-sweep/1", "scenario": "flash-crowd-short-cooldown",
 "parameters": [{"path": "scaling.policies[0].cooldown", "values": ["1m", "5m"]}],
 "seeds": 500, "metrics": ["availability_percent", "cost_usd"]}
JSON
start_then_signal INT 2 "$opsim" sweep "$work/many.json" --jobs 2 --out "$work/partial.json"
[ "$code" = 130 ]; check "sweep stopped by SIGINT exits 130 (got $code)" $?
valid_json "$work/partial.json"; check "the partial result is valid JSON" $?
grep -q '^  "partial": true,$' "$work/partial.json"; check "the result is marked partial" $?
rows=$(grep -c '^    {"index": ' "$work/partial.json")
[ "$rows" -ge 1 ] && [ "$rows" -lt 1000 ]; check "it holds the points finished ($rows of 1000)" $?
grep -oE '^    \{"index": [0-9]+' "$work/partial.json" | grep -oE '[0-9]+$' | sort -n -c 2>/dev/null
check "rows are in index order" $?
grep -q "stopped by SIGINT after $rows of 1000 points" "$work/err"; check "sweep says how far it got" $?
[ "$(ls -A "$work" | grep -c 'partial.json')" = 1 ]; check "no temporary file left" $?
"$opsim" merge "$work/partial.json" >/dev/null 2>"$work/err"
[ $? = 2 ] && grep -q "interrupted before finishing: $work/partial.json" "$work/err"; check "merge refuses a partial result" $?

report
