#!/usr/bin/env bash
# Run one bundled user program as an ordinary process on this Linux host and
# compare what it prints (and how it ends) with a checked-in file.
#
#   native_check.sh --program PATH --expected FILE [--env VAR=VALUE]
#                   [--keep REGEX] [--mask-hex] [--needs-vsyscall] [-- ARGS...]
#
# The output gets one last line "exit=N" (N = 128 + signal when killed, as a
# shell reports it). Time, CPU and pid values differ from run to run and are
# masked first: time=<digits> -> time=T, cpu=N node=N -> cpu=C node=D,
# "pid N" -> "pid P". --keep keeps only the lines matching REGEX (for output
# whose other lines depend on the host kernel, e.g. the aux vector);
# --mask-hex also replaces every 0x... number with 0xH.
# NATIVE_CHECK_WRITE=1 in the environment writes the file instead (review the
# diff before keeping it).
# Exit status: 0 same, 1 different, 77 skipped (ctest SKIP_RETURN_CODE).
set -u
program="" expected="" keep="" mask_hex=0 needs_vsyscall=0
envs=()
while [ $# -gt 0 ]; do
    case "$1" in
        --program) program="$2"; shift 2 ;;
        --expected) expected="$2"; shift 2 ;;
        --env) envs+=("$2"); shift 2 ;;
        --keep) keep="$2"; shift 2 ;;
        --mask-hex) mask_hex=1; shift ;;
        --needs-vsyscall) needs_vsyscall=1; shift ;;
        --) shift; break ;;
        *) echo "native_check: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -n "$program" ] && [ -n "$expected" ] || { echo "native_check: --program and --expected" >&2; exit 2; }

if [ "$needs_vsyscall" = 1 ] && ! grep -q '\[vsyscall\]' /proc/self/maps; then
    echo "native_check: SKIP: this host kernel maps no vsyscall page (vsyscall=none)"
    exit 77
fi

out=$(mktemp) || exit 2
trap 'rm -f "$out" "$out.masked"' EXIT
# env -i: the programs' output must not depend on the caller's environment.
env -i "${envs[@]}" "$program" "$@" >"$out" 2>/dev/null
status=$?
if [ "$status" = 126 ] || { [ "$status" = 127 ] && [ ! -s "$out" ]; }; then
    echo "native_check: SKIP: this host cannot execute $program (status $status)"
    exit 77
fi
echo "exit=$status" >>"$out"

sed -E -e 's/time=[0-9.]+/time=T/g' -e 's/cpu=[0-9]+ node=[0-9]+/cpu=C node=D/g' \
       -e 's/pid [0-9]+/pid P/g' "$out" |
    { if [ -n "$keep" ]; then grep -E "$keep|^exit="; else cat; fi; } |
    { if [ "$mask_hex" = 1 ]; then sed -E 's/0x[0-9a-f]+/0xH/g'; else cat; fi; } >"$out.masked"

if [ "${NATIVE_CHECK_WRITE:-0}" = 1 ]; then
    cp "$out.masked" "$expected"
    echo "native_check: wrote $expected"
    exit 0
fi
if diff -u "$expected" "$out.masked"; then
    echo "native_check: $(basename "$program") $*: output as expected"
    exit 0
fi
echo "native_check: $(basename "$program") $*: output differs from $expected (- expected, + got)"
exit 1
