# Sourced by the command-line tests: a scratch directory ($work, removed on exit), pass and
# fail counts, and the checks. Each test ends with `report`.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

check() {  # check NAME CONDITION-EXIT-CODE
  if [ "$2" = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi
}

expect_exit() {  # expect_exit NAME CODE CMD...: stdout to $work/out, stderr to $work/err
  local name=$1 want=$2
  shift 2
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" = "$want" ]
  local ok=$?
  [ $ok = 0 ] || { echo "  $name: exit $got, wanted $want"; sed 's/^/  stderr: /' "$work/err" | head -5; }
  check "$name" $ok
}

report() {  # the counts; the test's exit status: 0 when nothing failed and something passed
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ] && [ "$passed" -gt 0 ]
}
