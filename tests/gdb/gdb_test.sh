#!/bin/bash
# The gdb stub against the real gdb in batch mode (docs/gdb.md): boot the
# systest kernel under `ringside run --gdb 0`, break at kmain, step, read
# registers and memory, and ask the monitor for the system registers.
# Usage: gdb_test.sh RINGSIDE KERNEL_ELF. Exit 77 (skipped) without gdb.
set -u
ringside=$1 kernel=$2
command -v gdb >/dev/null || { echo "gdb not installed: skipped"; exit 77; }
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
"$ringside" run "$kernel" --gdb 0 </dev/null >"$dir/console" 2>"$dir/err" &
pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/err")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "no port announced"; cat "$dir/err"; exit 1; }
kmain=$(nm "$kernel" | awk '$3 == "kmain" { print $1 }' | sed 's/^0*//')
timeout 60 gdb -nx -batch -ex 'set architecture i386:x86-64' -ex "target remote 127.0.0.1:$port" \
    -ex 'break kmain' -ex continue -ex 'info registers rip' -ex stepi -ex 'info registers rip' \
    -ex 'x/4xb kmain' -ex 'p/x $cr0' -ex 'p/x $efer' -ex 'p/x $lstar' -ex 'monitor cr' \
    -ex 'monitor help' -ex 'delete' -ex kill "$kernel" >"$dir/out" 2>&1
cat "$dir/out"
fail=0
want() { grep -Eq "$1" "$dir/out" || { echo "MISSING: $1"; fail=1; }; }
want "Breakpoint 1, kmain \\(\\)"
want "rip +0x$kmain +0x$kmain <kmain>"
want "rip +0x[0-9a-f]+ +0x[0-9a-f]+ <kmain\+[0-9]+>"
want "0x$kmain <kmain>:[[:space:]]+0x[0-9a-f]{2}"
want '\$[0-9]+ = 0x8[0-9a-f]{7}'   # CR0 with PG set in long mode
want '\$2 = 0x[0-9a-f]*[5d]00'  # EFER with LME|LMA
want 'cr3 0x'
want 'regs +general registers'
exit $fail
