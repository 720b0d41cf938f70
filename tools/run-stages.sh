#!/usr/bin/env bash
# Run test stages (make targets) one after another, keep going after a failure,
# then print one summary table and a closing "stages: N passed, N failed" line.
# Usage: tools/run-stages.sh STAGE...
set -uo pipefail

make=${MAKE:-make}
declare -a rows
passed=0
failed=0
for stage in "$@"; do
    echo
    echo "=== make $stage ==="
    start=$(date +%s)
    if "$make" --no-print-directory "$stage"; then
        result=PASS; passed=$((passed + 1))
    else
        result=FAIL; failed=$((failed + 1))
    fi
    rows+=("$(printf '%-18s %-5s %5ss' "$stage" "$result" "$(( $(date +%s) - start ))")")
done

echo
echo "=== make test summary ==="
printf '%s\n' "${rows[@]}"
for f in .build/summary/*.txt; do
    [ -f "$f" ] && cat "$f"
done
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
