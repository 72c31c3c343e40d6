#!/bin/bash
# Boot the guest kernel with modules and check the console (tests/guest/).
#
#   boot_check.sh --ringside BIN --kernel K [--append ARGS] [--module "FILE[ ARGS]"]...
#                 [--opt RINGSIDE-OPTION]... [--status N] [--expected FILE] [--grep ERE]...
#                 [--before ERE1 ERE2]... [--qemu-compare]
#
# The console (CR removed) must end with exit status N (default 1: the guest
# wrote 0 to the exit port), equal FILE if given, match every ERE, and have
# a line matching ERE1 before one matching ERE2 for each --before. With
# --qemu-compare the same boot runs under qemu-system-x86_64 too (TCG, an
# Intel model) and both consoles, masked (mask.sed; QEMU's own departures
# from the SDM rewritten first, qemu-divergences.sed), must be equal; status
# 77 (skip) when QEMU is missing.
set -u
ringside= kernel= append= status=1 expected= qemu=0
modules=() opts=() greps=() befores=()
while [ $# -gt 0 ]; do
    case $1 in
        --ringside) ringside=$2; shift 2 ;;
        --kernel) kernel=$2; shift 2 ;;
        --append) append=$2; shift 2 ;;
        --module) modules+=("$2"); shift 2 ;;
        --opt) opts+=("$2"); shift 2 ;;
        --status) status=$2; shift 2 ;;
        --expected) expected=$2; shift 2 ;;
        --grep) greps+=("$2"); shift 2 ;;
        --before) befores+=("$2" "$3"); shift 3 ;;
        --qemu-compare) qemu=1; shift ;;
        *) echo "boot_check: unknown argument $1" >&2; exit 2 ;;
    esac
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ringside wants FILE,ARGS; QEMU wants "FILE ARGS" joined by commas.
rs_args=()
qemu_initrd=
for m in "${modules[@]}"; do
    file=${m%% *}
    args=
    [ "$file" != "$m" ] && args=${m#* }
    if [ -n "$args" ]; then rs_args+=(--module "$file,$args"); else rs_args+=(--module "$file"); fi
    qemu_initrd+=${qemu_initrd:+,}$m
done
[ -n "$append" ] && rs_args+=(--append "$append")

timeout 120 "$ringside" run "$kernel" "${rs_args[@]}" "${opts[@]}" </dev/null >"$tmp/out.raw" 2>&1
got=$?
tr -d '\r' <"$tmp/out.raw" >"$tmp/out"
fail=0
if [ "$got" != "$status" ]; then
    echo "boot_check: ringside exit status $got, expected $status"
    fail=1
fi
if [ -n "$expected" ] && ! diff -u "$expected" "$tmp/out"; then
    echo "boot_check: console differs from $expected (diff above: - expected, + ringside)"
    fail=1
fi
for re in "${greps[@]}"; do
    if ! grep -Eq -- "$re" "$tmp/out"; then
        echo "boot_check: no console line matches: $re"
        fail=1
    fi
done
for ((i = 0; i < ${#befores[@]}; i += 2)); do
    a=$(grep -En -- "${befores[i]}" "$tmp/out" | head -1 | cut -d: -f1)
    b=$(grep -En -- "${befores[i+1]}" "$tmp/out" | tail -1 | cut -d: -f1)
    if [ -z "$a" ] || [ -z "$b" ] || [ "$a" -ge "$b" ]; then
        echo "boot_check: no line matching '${befores[i]}' before one matching '${befores[i+1]}'"
        fail=1
    fi
done
if [ $fail = 1 ] || [ $qemu = 0 ]; then
    [ $fail = 1 ] && { echo "---- console ----"; cat "$tmp/out"; }
    exit $fail
fi

if ! command -v qemu-system-x86_64 >/dev/null; then
    echo "boot_check: qemu-system-x86_64 not installed: skipped"
    exit 77
fi
timeout 300 qemu-system-x86_64 -machine pc -m 128 -nodefaults -display none -no-reboot -serial stdio \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -accel tcg -cpu Skylake-Client \
    -kernel "$kernel" -initrd "$qemu_initrd" -append "$append" </dev/null 2>/dev/null |
    tr -d '\r' >"$tmp/qemu"
qstatus=${PIPESTATUS[0]}
here=$(dirname "$0")
sed -E -f "$here/mask.sed" <"$tmp/out" >"$tmp/out.m"
sed -E -f "$here/qemu-divergences.sed" -f "$here/mask.sed" <"$tmp/qemu" >"$tmp/qemu.m"
if [ "$qstatus" != "$status" ]; then
    echo "boot_check: QEMU exit status $qstatus, expected $status"
    fail=1
fi
if ! diff -u "$tmp/qemu.m" "$tmp/out.m"; then
    echo "boot_check: ringside and QEMU consoles differ (masked; - QEMU, + ringside)"
    fail=1
fi
exit $fail
