#!/usr/bin/env bash
# `opsim sweep` and `opsim merge` (docs/sweep.md): a sweep run whole, with --jobs 1 and 2,
# and as 2 and 3 shards merged must give the same bytes; merge refuses missing, duplicate
# and foreign shards; a bad sweep file or a bad point exits 2 and writes nothing.
# Usage: sweep_test.sh OPSIM SOURCE_DIR
set -uo pipefail
opsim=$1
src=$2
source "$(dirname "$0")/check.sh"

"$opsim" --help >"$work/help"
grep -q "opsim sweep SWEEP_FILE" "$work/help"; check "--help shows sweep usage" $?
grep -q "opsim merge SHARD_FILE" "$work/help"; check "--help shows merge usage" $?

# The base scenario is a file beside the sweep file's folder: "../base.json" is resolved
# against the sweep file, not the working directory.
mkdir -p "$work/sweeps"
cp "$src/scenarios/flash-crowd-short-cooldown.json" "$work/base.json"
cat >"$work/sweeps/small.json" <<'JSON'
{"schema": "opsim-sweep/1", "name": "small",
 "scenario": "../base.json",
 "parameters": [{"path": "scaling.policies[0].cooldown", "values": ["1m", "10m"]},
                {"path": "services[0].instances.max", "values": [8, 40]}],
 "seeds": 3, "until": "2h30m",
 "metrics": ["availability_percent", "latency_p95_ms", "cost_usd", "instances_max"]}
JSON
sweep="$work/sweeps/small.json"

expect_exit "sweep --jobs 1 exits 0" 0 "$opsim" sweep "$sweep" --jobs 1 --out "$work/whole-j1.json" --quiet
expect_exit "sweep --jobs 2 exits 0" 0 "$opsim" sweep "$sweep" --jobs 2 --out "$work/whole.json"
cmp -s "$work/whole-j1.json" "$work/whole.json"; check "--jobs 1 and --jobs 2 give the same bytes" $?
grep -q "^12/12 points (100%)" "$work/err"; check "progress counts the points" $?
grep -q "wrote 12 of 12 rows to $work/whole.json" "$work/err"; check "says what it wrote" $?
[ "$(grep -c '^    {"index": ' "$work/whole.json")" = 12 ]; check "one row per point" $?
grep -q '"points_total": 12,' "$work/whole.json"; check "points_total" $?
grep -q '"shard": {"index": 0, "count": 1},' "$work/whole.json"; check "a whole run is shard 0/1" $?
grep -q '"partial": false,' "$work/whole.json"; check "a finished run is not partial" $?
grep -qE '^    \{"index": 0, "seed": 3, "parameters": \{"scaling.policies\[0\].cooldown": "1m", "services\[0\].instances.max": 8\}, "metrics": \{"availability_percent": [0-9.]+, "latency_p95_ms": [0-9.]+, "cost_usd": [0-9.]+, "instances_max": 8\}, "objectives_passed": (true|false)\},$' "$work/whole.json"
check "row 0: first values, first seed, metrics, objectives" $?
grep -qE '^    \{"index": 5, "seed": 5, "parameters": \{"scaling.policies\[0\].cooldown": "1m", "services\[0\].instances.max": 40\}' "$work/whole.json"
check "row 5: second ceiling, third seed (seed fastest)" $?
grep -qE '^    \{"index": 11, "seed": 5, "parameters": \{"scaling.policies\[0\].cooldown": "10m", "services\[0\].instances.max": 40\}.*\}$' "$work/whole.json"
check "row 11: last values, last seed" $?
! ls "$work" | grep -q '\.tmp-'; check "no temporary file left" $?
expect_exit "sweep to stdout exits 0" 0 "$opsim" sweep "$sweep" --quiet
cmp -s "$work/out" "$work/whole.json"; check "stdout holds the same bytes as --out" $?
[ ! -s "$work/err" ]; check "--quiet prints nothing on stderr" $?

# Shards: 2 and 3 of them, merged in any order, give the whole sweep's bytes.
for i in 0 1; do "$opsim" sweep "$sweep" --shard "$i/2" --out "$work/s2-$i.json" --quiet; done
for i in 0 1 2; do "$opsim" sweep "$sweep" --shard "$i/3" --out "$work/s3-$i.json" --quiet --jobs 2; done
grep -q '"shard": {"index": 1, "count": 3},' "$work/s3-1.json"; check "a shard records its index and count" $?
grep -q '"points_total": 12,' "$work/s3-1.json"; check "a shard records the total point count" $?
[ "$(grep -c '^    {"index": ' "$work/s3-1.json")" = 4 ]; check "shard 1/3 has 4 rows" $?
grep -oE '^    \{"index": [0-9]+' "$work/s3-1.json" | grep -oE '[0-9]+$' | tr '\n' ' ' | grep -qx '1 4 7 10 '
check "shard 1/3 holds the indexes = 1 mod 3" $?
[ "$(grep -o '"sweep_id": "[0-9a-f]*"' "$work/s3-1.json")" = "$(grep -o '"sweep_id": "[0-9a-f]*"' "$work/whole.json")" ]
check "shards carry the sweep's identity" $?
expect_exit "merge of 2 shards exits 0" 0 "$opsim" merge "$work/s2-1.json" "$work/s2-0.json" --out "$work/m2.json"
cmp -s "$work/m2.json" "$work/whole.json"; check "2 shards merged = the whole sweep, byte for byte" $?
expect_exit "merge of 3 shards exits 0" 0 "$opsim" merge "$work/s3-2.json" "$work/s3-0.json" "$work/s3-1.json" --out "$work/m3.json"
cmp -s "$work/m3.json" "$work/whole.json"; check "3 shards merged = the whole sweep, byte for byte" $?
expect_exit "merge to stdout exits 0" 0 "$opsim" merge "$work/s3-0.json" "$work/s3-1.json" "$work/s3-2.json"
cmp -s "$work/out" "$work/whole.json"; check "merge to stdout gives the same bytes" $?

# Merge refuses what does not add up, and writes nothing.
expect_exit "merge with a shard missing exits 2" 2 "$opsim" merge "$work/s3-0.json" "$work/s3-2.json" --out "$work/bad-merge.json"
grep -qF "points missing: 1, 4, 7, 10 (4 of 12); no file holds shard(s) 1 of 3" "$work/err"; check "missing points are named" $?
[ ! -e "$work/bad-merge.json" ]; check "a refused merge writes nothing" $?
expect_exit "merge with a duplicate exits 2" 2 "$opsim" merge "$work/s3-0.json" "$work/s3-1.json" "$work/s3-2.json" "$work/s2-0.json"
grep -qF "points given more than once: 0, 2, 4, 6, 8, 10 (point 0 is in $work/s3-0.json and $work/s2-0.json)" "$work/err"
check "duplicate points are named with their files" $?
sed 's/"seeds": 3/"seeds": 2/' "$sweep" >"$work/sweeps/other.json"
"$opsim" sweep "$work/sweeps/other.json" --shard 1/3 --out "$work/other-1.json" --quiet
expect_exit "merge of different sweeps exits 2" 2 "$opsim" merge "$work/s3-0.json" "$work/other-1.json" "$work/s3-2.json"
grep -qF "$work/other-1.json is from sweep" "$work/err" && grep -qF "a different sweep file or base scenario" "$work/err"
check "a shard of another sweep is named" $?
sed 's/"rate": 3/"rate": 4/' "$work/base.json" >"$work/base2.json" && sed 's/base.json/base2.json/' "$sweep" >"$work/sweeps/base2.json"
"$opsim" sweep "$work/sweeps/base2.json" --shard 1/3 --out "$work/base2-1.json" --quiet
expect_exit "merge across base scenarios exits 2" 2 "$opsim" merge "$work/s3-0.json" "$work/base2-1.json" "$work/s3-2.json"
# A shard run with a rule file is another sweep than one run without (its points differ).
"$opsim" sweep "$sweep" --shard 1/3 --rules "$src/examples/rules/slo-burn-rate.yml" --out "$work/rules-1.json" --quiet
[ "$(grep -o '"sweep_id": "[0-9a-f]*"' "$work/rules-1.json")" != "$(grep -o '"sweep_id": "[0-9a-f]*"' "$work/whole.json")" ]
check "--rules is part of the sweep's identity" $?
expect_exit "merge across rule files exits 2" 2 "$opsim" merge "$work/s3-0.json" "$work/rules-1.json" "$work/s3-2.json"
expect_exit "merge of a non-result exits 2" 2 "$opsim" merge "$src/scenarios/default.json"
grep -q "not a result of opsim sweep" "$work/err"; check "a non-result is named" $?
expect_exit "merge of nothing exits 2" 2 "$opsim" merge

# Bad sweep files: exit 2, the JSON path, expected and found; nothing run, nothing written.
cat >"$work/bad.json" <<'JSON'
{"schema": "opsim-sweep/1", "scenario": "flash-crowd-short-cooldown",
 "parameters": [{"path": "scaling.policies[0].cooldown", "values": "1m"}],
 "seeds": -1, "metrics": ["latency_p95_ms"]}
JSON
expect_exit "bad sweep file exits 2" 2 "$opsim" sweep "$work/bad.json" --out "$work/bad-out.json"
grep -qF "$work/bad.json:2:68: error: \$.parameters[0].values: expected a non-empty array of values, found \"1m\"" "$work/err"
check "error names line, path, expected and found" $?
grep -qF "$work/bad.json:3:11: error: \$.seeds: expected a count from 1 to 100000 or a list of seeds, found -1" "$work/err"
check "every error is reported" $?
grep -qF "$work/bad.json: 2 error(s); nothing run, nothing written" "$work/err"; check "says nothing ran" $?
[ ! -e "$work/bad-out.json" ]; check "bad sweep file writes nothing" $?
cat >"$work/badpoint.json" <<'JSON'
{"schema": "opsim-sweep/1", "scenario": "flash-crowd-short-cooldown",
 "parameters": [{"path": "scaling.policies[0].cooldown", "values": ["1m", "soon"]},
                {"path": "scaling.policies[2].cooldown", "values": ["1m"]}],
 "metrics": ["latency_p95_ms", "tenant.nobody.latency_p95_ms"]}
JSON
expect_exit "a point that does not validate exits 2" 2 "$opsim" sweep "$work/badpoint.json" --out "$work/bad-out.json"
grep -qF "$work/badpoint.json:3:26: error: \$.parameters[1].path: cannot set \"scaling.policies[2].cooldown\": \$.scaling.policies has 1 element(s), so no [2]" "$work/err"
check "a path the scenario does not have is named" $?
[ ! -e "$work/bad-out.json" ]; check "an invalid point writes nothing" $?
sed -i 's/policies\[2\]/policies[0]/; s/"path": "scaling.policies\[0\].cooldown", "values": \["1m"\]/"path": "services[0].queue.capacity", "values": [100]/' "$work/badpoint.json"
expect_exit "a bad value exits 2" 2 "$opsim" sweep "$work/badpoint.json" --out "$work/bad-out.json"
grep -qF "$work/badpoint.json:2:75: error: \$.parameters[0].values[1]: with scaling.policies[0].cooldown = \"soon\" the scenario is invalid: \$.scaling.policies[0].cooldown: expected a duration" "$work/err"
check "a bad value is named at its place in the sweep file" $?
grep -qF "$work/badpoint.json:4:32: error: \$.metrics[1]: metric \"tenant.nobody.latency_p95_ms\" is not measured: the scenario has no tenant \"nobody\"" "$work/err"
check "a metric the scenario lacks is named" $?
[ ! -e "$work/bad-out.json" ]; check "a bad value writes nothing" $?
echo '{"schema": "opsim-sweep/1", "scenario": "no-such-scenario", "metrics": ["cost_usd"]}' >"$work/noscen.json"
expect_exit "unknown base scenario exits 2" 2 "$opsim" sweep "$work/noscen.json"
grep -qF 'error: $.scenario: expected a scenario file' "$work/err"; check "unknown base scenario is named" $?
expect_exit "missing sweep file exits 2" 2 "$opsim" sweep "$work/nope.json"
expect_exit "bad --shard exits 2" 2 "$opsim" sweep "$sweep" --shard 3/3
grep -q "numbered from 0" "$work/err"; check "--shard says shards are 0-based" $?
expect_exit "bad --jobs exits 2" 2 "$opsim" sweep "$sweep" --jobs 0
expect_exit "unwritable --out exits 2" 2 "$opsim" sweep "$sweep" --out "$work/no/such/dir/r.json" --quiet

# The example of docs/sweep.md is valid.
expect_exit "the example sweep validates and runs one shard" 0 "$opsim" sweep "$src/examples/sweeps/flash-crowd-cooldown.json" \
  --shard 23/24 --quiet --out "$work/example.json"

report
