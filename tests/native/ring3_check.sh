#!/usr/bin/env bash
# Run ring3_native (the ring-3 transtest cases on this machine's CPU) and
# check it twice: its lines against the SDM's (transtest.expected, on the
# fields a process can see; the program does that comparison itself), and
# its whole output against the checked-in silicon console
# (transtest-native.expected). docs/test-kernels.md, "ring3_native".
#
#   ring3_check.sh --native BIN --sdm transtest.expected --expected transtest-native.expected
#
# Exit status: 0 pass, 1 fail, 2 usage, 77 skipped (not an Intel CPU).
set -u

native="" sdm="" expected=""
while [ $# -gt 0 ]; do
    case "$1" in
    --native) native="$2"; shift 2 ;;
    --sdm) sdm="$2"; shift 2 ;;
    --expected) expected="$2"; shift 2 ;;
    *) sed -n '6,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
if [ -z "$native" ] || [ -z "$sdm" ] || [ -z "$expected" ]; then
    sed -n '6,10p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
"$native" --sdm "$sdm" >"$out"
status=$?
if [ "$status" = 77 ]; then
    cat "$out"
    exit 77
fi
failed=0
if [ "$status" != 0 ]; then
    echo "FAIL: ring3_native exited $status (the sdm: lines above name the fields that differ)"
    failed=1
fi
if ! diff -u "$expected" "$out"; then
    echo "FAIL: this CPU's console differs from $expected"
    failed=1
fi
[ "$failed" = 0 ] && echo "PASS: $(grep -c '^case ' "$out") ring-3 cases agree with the SDM and with $expected"
exit "$failed"
