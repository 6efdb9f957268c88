#!/usr/bin/env bash
# Run every fuzz target of the module (or of the given packages), one after
# the other, each for the same time.
#
#   scripts/fuzz.sh              # every fuzzer, 10 minutes each
#   scripts/fuzz.sh 30s          # a smoke run
#   scripts/fuzz.sh 10m ./lsp/   # only the fuzzers of some packages
#
# FUZZ_PARALLEL sets the workers per fuzzer (default: all cores); FUZZ_MATCH,
# a grep -E pattern, picks fuzzers by name (default: all). Each run's
# output goes to $FUZZ_LOG_DIR (default fuzz-logs/), and the last progress
# line of each fuzzer (elapsed, execs, new interesting) is printed at the end.
# New failing inputs land in the package's testdata/fuzz/<Fuzzer>/: commit
# them with the fix, they then run as regression seeds in every `go test`.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${1:-10m}
shift || true
patterns=("$@")
[ ${#patterns[@]} -eq 0 ] && patterns=(./...)
logdir=${FUZZ_LOG_DIR:-fuzz-logs}
mkdir -p "$logdir"
parallel=()
[ -n "${FUZZ_PARALLEL:-}" ] && parallel=(-parallel "$FUZZ_PARALLEL")

status=0
summary=()
for pkg in $(go list "${patterns[@]}"); do
	# -list compiles the test binary but runs nothing.
	if ! listed=$(go test -list '^Fuzz' "$pkg" 2>&1); then
		echo "$listed" | tail -5
		summary+=("FAIL $pkg: the tests do not build")
		status=1
		continue
	fi
	targets=$(echo "$listed" | grep '^Fuzz' | grep -E "${FUZZ_MATCH:-.}" || true)
	for fz in $targets; do
		log="$logdir/$(basename "$pkg")-$fz.log"
		echo "== $pkg $fz for $fuzztime (log: $log)"
		if go test "$pkg" -run '^$' -fuzz "^$fz\$" -fuzztime "$fuzztime" "${parallel[@]}" >"$log" 2>&1; then
			result=ok
		elif grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input' "$log"; then
			# The toolchain sometimes reports its own -fuzztime deadline
			# as a failure when it lands during minimisation; no input
			# failed.
			result="ok (toolchain deadline report, no failing input)"
		else
			result=FAIL
			status=1
			tail -30 "$log"
		fi
		last=$(grep -E '^fuzz: elapsed' "$log" | tail -1 || true)
		summary+=("$result $pkg $fz: ${last#fuzz: }")
	done
done

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
exit $status
