#!/usr/bin/env bash
# The runner's command-line contract (SPEC.md section 5): exit codes, error format, atomic
# output files, --until, --format json, grade. Usage: runner_test.sh OPSIM SOURCE_DIR
set -uo pipefail
opsim=$1
src=$2
source "$(dirname "$0")/check.sh"

expect_exit "--help exits 0" 0 "$opsim" --help
grep -q "opsim run SCENARIO" "$work/out"; check "--help shows run usage" $?
expect_exit "--version exits 0" 0 "$opsim" --version
grep -qE '^opsim [0-9]+\.[0-9]+\.[0-9]+$' "$work/out"; check "--version prints a version" $?
expect_exit "no arguments exits 2" 2 "$opsim"
expect_exit "unknown command exits 2" 2 "$opsim" frobnicate
grep -q 'unknown command "frobnicate"' "$work/err"; check "unknown command is named" $?
expect_exit "unknown option exits 2" 2 "$opsim" run default --fast
expect_exit "missing scenario exits 2" 2 "$opsim" run does-not-exist.json
grep -q 'no scenario file or built-in scenario named "does-not-exist.json"' "$work/err"; check "missing scenario is named" $?
expect_exit "bad --seed exits 2" 2 "$opsim" run default --seed -4
expect_exit "bad --until exits 2" 2 "$opsim" run default --until 90

expect_exit "list exits 0" 0 "$opsim" list
for f in "$src"/scenarios/*.json; do
  name=$(basename "$f" .json)
  [ "$name" = opsim.schema ] && continue
  grep -q "^$name " "$work/out"; check "list shows $name" $?
done

# A broken scenario: errors name file, line, column and JSON path; exit 2; nothing written.
cat >"$work/bad.json" <<'JSON'
{"schema": "opsim/1", "name": "bad", "duration": "1h",
 "services": [{"id": "s", "queue": {"capacity": "lots"}}],
 "agents": [{"id": "a", "service": "nope", "work": {"dist": "constant", "value": "1s"}}],
 "tenants": [{"id": "t", "load": [{"agent": "a", "rate": 1}]}]}
JSON
expect_exit "invalid scenario exits 2" 2 "$opsim" run "$work/bad.json" --out "$work/bad-out"
grep -qF "$work/bad.json:2:49: error: \$.services[0].queue.capacity: expected an integer from 0 to 1000000, found \"lots\"" "$work/err"
check "error names line, column, path, expected and found" $?
grep -qF "$work/bad.json:3:36: error: \$.agents[0].service: expected the id of a service (\"s\"), found \"nope\"" "$work/err"
check "cross-reference error" $?
[ ! -e "$work/bad-out" ] || [ -z "$(ls -A "$work/bad-out")" ]; check "invalid scenario writes nothing" $?
expect_exit "validate invalid exits 2" 2 "$opsim" validate "$work/bad.json"
printf '{"schema": "opsim/1", "name": "x",\n "duration": "1h",,}' >"$work/syntax.json"
expect_exit "syntax error exits 2" 2 "$opsim" validate "$work/syntax.json"
grep -qF "$work/syntax.json:2:19: error: \$: JSON syntax error: expected a member name in double quotes, found ','" "$work/err"
check "syntax error names line and column" $?
expect_exit "validate all built-ins exits 0" 0 "$opsim" validate "$src"/scenarios/default.json "$src"/scenarios/mmc.json

# A run with --out writes the four files, complete, and nothing else.
expect_exit "run --out exits 0" 0 "$opsim" run default --until 2h --out "$work/run" --quiet
[ "$(cd "$work/run" && ls -A | sort | tr '\n' ' ')" = "events.jsonl metrics.om summary.json timeseries.csv " ]
check "exactly four output files" $?
tail -1 "$work/run/metrics.om" | grep -qx '# EOF'; check "metrics.om ends with # EOF" $?
grep -q '^opsim_requests_total{agent="analyst",outcome="succeeded",service="agents-eu",tenant="acme"} [0-9]* 1767578400.000$' \
  "$work/run/metrics.om"
check "metrics.om has the requests counter at the last scrape, on the calendar" $?

grep -q '"duration_s": 7200' "$work/run/summary.json"; check "--until limits the run" $?
[ "$(wc -l <"$work/run/timeseries.csv")" = 481 ]; check "one row per 15 s scrape plus a header" $?
head -1 "$work/run/timeseries.csv" | grep -q '^t_s,requests_total,'; check "time series header" $?
head -1 "$work/run/events.jsonl" | grep -q '^{"t_s":0,"kind":"sim_started"'; check "events.jsonl starts with sim_started" $?
grep -q "scenario  A day on the shared fleet" "$work/out"; check "table summary on stdout" $?

# Rule files: --rules adds one; a broken one is refused with its line and column, exit 2.
expect_exit "run --rules exits 0" 0 "$opsim" run default --until 1h --rules "$src/examples/rules/slo-burn-rate.yml" --quiet
printf 'groups:\n  - name: g\n    rules:\n      - record: r\n        expr: rate(x[5m]) +\n' >"$work/bad-rules.yml"
expect_exit "a broken rule file exits 2" 2 "$opsim" run default --rules "$work/bad-rules.yml" --out "$work/bad-rules-out"
grep -q "^$work/bad-rules.yml:5:" "$work/err"; check "the rule file's error names its file and line" $?
[ ! -e "$work/bad-rules-out" ]; check "nothing written for a broken rule file" $?
expect_exit "a missing rule file exits 2" 2 "$opsim" run default --rules "$work/no-such.yml"
# Files a scenario names (docs/files.md): read beside it; a broken one is refused at its own
# line and column, with where the scenario names it; exit 2, nothing written.
expect_exit "a manifest and a trace beside their scenarios run" 0 "$opsim" validate \
  "$src/examples/kubernetes/scenario.json" "$src/examples/traces/scenario-csv.json" "$src/examples/traces/scenario-prometheus.json"
mkdir -p "$work/files"
cp "$src/examples/kubernetes/scenario.json" "$work/files/"
sed 's/averageUtilization: 65/averageUtilization: high/' "$src/examples/kubernetes/hpa.yaml" >"$work/files/hpa.yaml"
expect_exit "a broken manifest exits 2" 2 "$opsim" run "$work/files/scenario.json" --out "$work/files/out"
grep -qF "$work/files/hpa.yaml:23:31: error: spec.metrics[0].resource.target.averageUtilization: expected an integer from 1 to 2147483647, found \"high\" (in the file that \$.scaling.policies[0].manifest names)" "$work/err"
check "a manifest's error names its file, line, column and path" $?
[ ! -e "$work/files/out" ]; check "nothing written for a broken manifest" $?
rm "$work/files/hpa.yaml"
expect_exit "a missing manifest exits 2" 2 "$opsim" validate "$work/files/scenario.json"
grep -qF "\$.scaling.policies[0].manifest: cannot read \"hpa.yaml\": no such file: $work/files/hpa.yaml" "$work/err"
check "a missing manifest is named with where it was looked for" $?
# run --manifest: the pool's recommendation as a manifest, which the scenario reads back.
expect_exit "run --manifest prints the recommended HPA" 0 "$opsim" run "$src/examples/kubernetes/scenario.json" --until 6h --manifest api --quiet
grep -q '^kind: HorizontalPodAutoscaler$' "$work/out" && grep -q '^  minReplicas: [0-9]' "$work/out"; check "the recommendation is a manifest" $?
cp "$work/out" "$work/files/hpa.yaml"
expect_exit "the recommended manifest loads back as the pool's policy" 0 "$opsim" validate "$work/files/scenario.json"
expect_exit "run --manifest of an unknown service exits 2" 2 "$opsim" run "$src/examples/kubernetes/scenario.json" --manifest nope
grep -qF -- '--manifest expects a service of the scenario (api), found "nope"' "$work/err"; check "an unknown --manifest service is named" $?
expect_exit "--format json exits 0" 0 "$opsim" run default --until 1h --format json --quiet
grep -q '"metrics": {' "$work/out" && grep -q '"tenant.acme.latency_p95_ms":' "$work/out"; check "json summary has scoped metrics" $?

# Same seed, same bytes; --seed changes them.
"$opsim" run default --until 3h --out "$work/a" --quiet >/dev/null 2>&1
"$opsim" run default --until 3h --out "$work/b" --quiet >/dev/null 2>&1
"$opsim" run default --until 3h --out "$work/c" --seed 43 --quiet >/dev/null 2>&1
cmp -s "$work/a/summary.json" "$work/b/summary.json" && cmp -s "$work/a/timeseries.csv" "$work/b/timeseries.csv"
check "two runs give the same bytes" $?
! cmp -s "$work/a/summary.json" "$work/c/summary.json"; check "--seed changes the result" $?

# grade: exit 0 when every objective passes, 1 when one fails.
sed 's/"monitoring": {/"objectives": [{"id": "lat", "metric": "latency_p95_ms", "op": "<", "value": 60000},\n  {"id": "avail", "metric": "tenant.acme.availability_percent", "op": ">=", "value": 90}],\n  "monitoring": {/' \
  "$src/scenarios/default.json" >"$work/pass.json"
sed 's/"value": 60000/"value": 10/' "$work/pass.json" >"$work/fail.json"
expect_exit "grade passing exits 0" 0 "$opsim" grade "$work/pass.json" --until 2h
grep -q "all objectives pass" "$work/out"; check "grade says all pass" $?
expect_exit "grade failing exits 1" 1 "$opsim" grade "$work/fail.json" --until 2h
grep -qE '^lat .* FAIL' "$work/out"; check "grade marks the failing objective" $?
expect_exit "grade without objectives exits 2" 2 "$opsim" grade default

# grade --seeds N: seeds s .. s+N-1 (s = --seed or the scenario's); an objective passes only
# if it passes on every seed; the worst value and "k/N" per objective; one progress line per
# seed on stderr unless --quiet or --format json.
# Capture first: with pipefail, `opsim --help | grep -q` fails at random when grep exits
# on its match before opsim has finished writing (SIGPIPE).
help_text=$("$opsim" --help)
grep -q -- "--seeds N runs it N times" <<<"$help_text"; check "--help documents --seeds" $?
expect_exit "grade --seeds passing exits 0" 0 "$opsim" grade "$work/pass.json" --until 1h --seeds 3 --seed 7
grep -qE '^lat .* 3/3 +PASS' "$work/out"; check "grade --seeds counts k/N" $?
grep -q "graded over 3 seeds (7 to 9)" "$work/out"; check "grade --seeds starts at --seed" $?
[ "$(grep -c '^seed ' "$work/err")" = 3 ]; check "one progress line per seed" $?
grep -q '^seed 8 (2/3): 2 of 2 objectives pass$' "$work/err"; check "progress line names the seed" $?
expect_exit "grade --seeds failing exits 1" 1 "$opsim" grade "$work/fail.json" --until 1h --seeds 2
grep -qE '^lat .* 0/2 +FAIL' "$work/out"; check "grade --seeds marks the failing objective" $?
expect_exit "grade --seeds --quiet exits 0" 0 "$opsim" grade "$work/pass.json" --until 1h --seeds 2 --quiet
! grep -q '^seed ' "$work/err"; check "--quiet prints no progress" $?
expect_exit "grade --format json exits 1 when failing" 1 "$opsim" grade "$work/fail.json" --until 1h --seeds 2 --seed 5 --format json
grep -q '"seeds": \[5, 6\]' "$work/out" && grep -q '"passed": false' "$work/out" && grep -q '"passes":0,"runs":2,"passed":false' "$work/out"
check "grade json has seeds, passes and the verdict" $?
grep -qE '"id":"lat",.*"worst":[0-9.]+,"worst_seed":[56],' "$work/out"; check "grade json has the worst value and its seed" $?
[ ! -s "$work/err" ]; check "grade json prints no progress" $?
expect_exit "grade --seeds 0 exits 2" 2 "$opsim" grade "$work/pass.json" --seeds 0
grep -q -- "--seeds expects an integer from 1 to 1000, found \"0\"" "$work/err"; check "bad --seeds is named" $?
expect_exit "grade --seeds x exits 2" 2 "$opsim" grade "$work/pass.json" --seeds x
expect_exit "run --seeds exits 2" 2 "$opsim" run default --seeds 2

# Exercises: the unchanged exercise fails, its reference solution passes over 3 seeds.
expect_exit "an unchanged exercise fails" 1 "$opsim" grade exercises/cooldown --quiet
expect_exit "its solution passes over 3 seeds" 0 "$opsim" grade exercises/solutions/cooldown --seeds 3 --quiet
expect_exit "a solution file passes over 3 seeds" 0 "$opsim" grade "$src/scenarios/exercises/solutions/queue.json" --seeds 3 --quiet

report
