#!/usr/bin/env bash
# Runs one libFuzzer target of fuzz/ for a fixed time. Used by the fuzz.* ctest entries of
# the sanitize build (short, --fresh) and by `make fuzz` (long, corpus kept).
#   fuzz/run_fuzz.sh [--fresh] [--seed N] FUZZER SECONDS WORK_DIR SOURCE_DIR
# WORK_DIR/corpus    inputs the fuzzer found interesting; kept between runs (grows the
#                    coverage of the next run) unless --fresh empties it first
# WORK_DIR/seeds     fuzz_loader's seed inputs, copied afresh on every run from every .json
#                    under SOURCE_DIR/scenarios and SOURCE_DIR/tests/scenarios, and the
#                    examples' scenarios each with the file it names (never committed)
# WORK_DIR/crashes   libFuzzer's artifacts: crash-*, leak-*, timeout-*, oom-* inputs
# --seed N fixes libFuzzer's random seed (default 1) so that a short run repeats its choices;
# --seed 0 lets libFuzzer pick one.
# Exits 0 when the time ran out with nothing found, non-zero with the artifact's name
# otherwise.
set -euo pipefail
fresh=0
seed=1
while [ $# -gt 0 ]; do
  case "$1" in
    --fresh) fresh=1; shift ;;
    --seed) seed=$2; shift 2 ;;
    *) break ;;
  esac
done
if [ $# -ne 4 ]; then
  echo "usage: fuzz/run_fuzz.sh [--fresh] [--seed N] FUZZER SECONDS WORK_DIR SOURCE_DIR" >&2
  exit 2
fi
fuzzer=$1
seconds=$2
work=$3
src=$4
name=$(basename "$fuzzer")

[ "$fresh" = 1 ] && rm -rf "$work/corpus" "$work/crashes"
mkdir -p "$work/corpus" "$work/seeds" "$work/crashes"

args=(-seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$work/crashes/")
case "$name" in
  fuzz_loader)
    # Seeds: the scenario files, valid and invalid, so that mutations start from real
    # documents; the dictionary gives the format's field names and values. 32 KiB holds
    # every seed but the 67 KB 50-tenant showcase, which is read truncated.
    rm -rf "$work/seeds"
    mkdir -p "$work/seeds"
    find "$src/scenarios" "$src/tests/scenarios" -name '*.json' ! -name 'opsim.schema.json' -print0 |
      while IFS= read -r -d '' f; do
        rel=${f#"$src"/}
        cp "$f" "$work/seeds/${rel//\//_}"
      done
    # A scenario and the one file it names, after a NUL byte (fuzz_loader.cpp): the manifest,
    # CSV, Prometheus and SLO spec readers start from real files too (examples/slo names two
    # files, which both get the one text).
    for pair in kubernetes/scenario.json:kubernetes/hpa.yaml traces/scenario-csv.json:traces/requests.csv \
                traces/scenario-prometheus.json:traces/prometheus-query-range.json \
                slo/scenario.json:slo/sloth.yaml slo/scenario.json:slo/openslo.yaml; do
      scenario=$src/examples/${pair%%:*}
      file=$src/examples/${pair#*:}
      { cat "$scenario"; printf '\0'; head -c 16384 "$file"; } > "$work/seeds/pair_$(basename "$file")"
    done
    args+=(-dict="$src/fuzz/scenario.dict" -max_len=32768)
    ;;
  fuzz_simulation)
    # The input is a list of choices (fuzz/scenario_generator.h); the empty input is already
    # a scenario, so no seeds are needed. A few hundred bytes decide every choice, so inputs
    # may have their full length from the start (libFuzzer otherwise grows it slowly from 4).
    args+=(-max_len=2048 -len_control=0)
    ;;
esac

echo "run_fuzz: $name for ${seconds}s, seed $seed, corpus $work/corpus ($(ls "$work/corpus" | wc -l) inputs)"
status=0
"$fuzzer" "${args[@]}" "$work/corpus" "$work/seeds" || status=$?
if [ "$status" != 0 ]; then
  echo "run_fuzz: $name FAILED (exit $status). Inputs that failed:" >&2
  ls -1 "$work/crashes" >&2 || true
  echo "run_fuzz: reproduce with: $fuzzer $work/crashes/FILE" >&2
  [ "$name" = fuzz_simulation ] &&
    echo "run_fuzz: OPSIM_FUZZ_PRINT=1 prints the scenario the input generates" >&2
  exit "$status"
fi
echo "run_fuzz: $name ran ${seconds}s with nothing found; corpus now $(ls "$work/corpus" | wc -l) inputs"
