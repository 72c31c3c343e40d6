#!/bin/bash
# The whole bundled guest (guest/run-guest.sh: init and every program) under
# ringside and under QEMU: both must pass, and their consoles, masked as in
# boot_check.sh, must be equal. Status 77 (skip) when QEMU is missing.
#   init_compare.sh SOURCE_DIR BUILD_DIR [KERNEL COMMAND LINE]
set -u
src=$1 build=$2 append=${3:-}
here=$src/tests/guest
if ! command -v qemu-system-x86_64 >/dev/null; then
    echo "init_compare: qemu-system-x86_64 not installed: skipped"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
timeout 120 "$src/guest/run-guest.sh" "$build" --append "$append" </dev/null 2>&1 | tr -d '\r' >"$tmp/rs"
rs=${PIPESTATUS[0]}
timeout 300 "$src/guest/run-guest.sh" "$build" --qemu -append "$append" </dev/null 2>/dev/null | tr -d '\r' >"$tmp/qemu"
qs=${PIPESTATUS[0]}
fail=0
[ "$rs" = 0 ] || { echo "init_compare: ringside run failed (status $rs)"; fail=1; }
[ "$qs" = 0 ] || { echo "init_compare: QEMU run failed (status $qs)"; fail=1; }
sed -E -f "$here/mask.sed" <"$tmp/rs" >"$tmp/rs.m"
sed -E -f "$here/qemu-divergences.sed" -f "$here/mask.sed" <"$tmp/qemu" >"$tmp/qemu.m"
if ! diff -u "$tmp/qemu.m" "$tmp/rs.m"; then
    echo "init_compare: consoles differ (masked; - QEMU, + ringside)"
    fail=1
fi
exit $fail
