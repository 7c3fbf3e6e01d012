#!/usr/bin/env bash
# Run every test and end with one line "N passed, N failed".
# Usage: run-tests.sh BUILD_DIR [SANITIZER_BUILD_DIR [FUZZ_DIR]]
#   1. the cmocka unit tests of BUILD_DIR
#   2. the same unit tests from SANITIZER_BUILD_DIR (ASan + UBSan)
#   3. tests/integration/test_*.sh against BUILD_DIR/wirespeed; each prints
#      "PASS: name" or "FAIL: name" lines
#   4. each libFuzzer target FUZZ_DIR/fuzz_* for FUZZ_SECONDS (default 20),
#      from a fixed seed; a crash or sanitizer report is one failure
# A test binary that dies without a cmocka summary counts as one failure.
set -uo pipefail
cd "$(dirname "$0")/.."

build=${1:?usage: run-tests.sh BUILD_DIR [SANITIZER_BUILD_DIR [FUZZ_DIR]]}
asan=${2:-}
fuzz=${3:-}
passed=0
failed=0
failures=()
log=$(mktemp -d /tmp/wirespeed-tests.XXXXXX)
trap 'rm -rf "$log"' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export WS_LOG=${WS_LOG:-warn}

run_unit() { # label binary
	local label=$1 bin=$2 out=$log/$(basename "$bin").$RANDOM rc p f
	timeout 600 "$bin" >"$out" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
	p=${p:-0}
	f=${f:-0}
	if ((rc != 0 && f == 0)); then
		f=1 # crashed, timed out or sanitizer abort
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if ((f > 0)); then
		failures+=("$label $(basename "$bin")")
		echo "--- $label $(basename "$bin") (exit $rc):"
		tail -40 "$out"
	fi
	printf '%-8s %-22s %3d passed, %d failed\n' "$label" "$(basename "$bin")" "$p" "$f"
}

for dir in "$build" ${asan:+"$asan"}; do
	label=unit
	[[ $dir == "$asan" ]] && label=asan
	for bin in "$dir"/tests/test_*; do
		[[ -x $bin && -f $bin ]] || continue
		run_unit "$label" "$bin"
	done
done

export WIRESPEED="$PWD/$build/wirespeed"
for script in tests/integration/test_*.sh; do
	[[ -f $script ]] || continue
	out=$log/$(basename "$script").out
	timeout 900 bash "$script" >"$out" 2>&1
	rc=$?
	p=$(grep -c '^PASS: ' "$out")
	f=$(grep -c '^FAIL: ' "$out")
	if ((rc != 0 && f == 0)); then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if ((f > 0)); then
		failures+=("integration $(basename "$script")")
		echo "--- integration $(basename "$script") (exit $rc):"
		grep -v '^PASS: ' "$out" | tail -40
	fi
	printf '%-8s %-22s %3d passed, %d failed\n' integ "$(basename "$script")" "$p" "$f"
done

for bin in ${fuzz:+"$fuzz"/fuzz_*}; do
	[[ -x $bin && -f $bin ]] || continue
	out=$log/$(basename "$bin").out
	corpus=$log/corpus-$(basename "$bin")
	mkdir -p "$corpus"
	timeout 300 "$bin" -seed=1 -max_total_time="${FUZZ_SECONDS:-20}" "$corpus" >"$out" 2>&1
	rc=$?
	if ((rc == 0)); then
		passed=$((passed + 1))
		printf '%-8s %-22s %3d passed, %d failed\n' fuzz "$(basename "$bin")" 1 0
	else
		failed=$((failed + 1))
		failures+=("fuzz $(basename "$bin")")
		echo "--- fuzz $(basename "$bin") (exit $rc):"
		tail -40 "$out"
		printf '%-8s %-22s %3d passed, %d failed\n' fuzz "$(basename "$bin")" 0 1
	fi
done

if ((${#failures[@]})); then
	echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
((failed == 0 && passed > 0))
