# Shared by the integration scripts (sourced, not run): the PASS:/FAIL: line
# protocol that scripts/run-tests.sh counts.

ws=${WIRESPEED:?set WIRESPEED to the wirespeed binary}

check() { # name, then a command that must succeed
	local name=$1
	shift
	if "$@"; then echo "PASS: $name"; else echo "FAIL: $name"; fi
}

exit_code() { "$@" >/dev/null 2>&1; echo $?; }
