#!/bin/bash
# The gdb stub on the bundled guest (docs/gdb.md "Stepping a SYSCALL"): boot
# the guest kernel with hello as its first program under `ringside run --gdb
# 0`, break at hello's write() wrapper (its symbols added with
# add-symbol-file), stepi to its SYSCALL, and one more stepi must land on the
# kernel's entry_SYSCALL_64 at CS 0x10; read the GS bases and the entry's
# bytes there.
# Usage: gdb_guest_test.sh RINGSIDE KERNEL_ELF KERNEL64_ELF HELLO_ELF. Exit 77 without gdb.
set -u
ringside=$1 kernel=$2 kernel64=$3 hello=$4
command -v gdb >/dev/null || { echo "gdb not installed: skipped"; exit 77; }
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
"$ringside" run "$kernel" --module "$hello" --gdb 0 </dev/null >"$dir/console" 2>"$dir/err" &
pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/err")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "no port announced"; cat "$dir/err"; exit 1; }
entry=$(nm "$kernel64" | awk '$3 == "entry_SYSCALL_64" { print $1 }' | sed 's/^0*//')
sysinsn=$(objdump -d "$hello" | awk '/<write>:/ { f = 1 } f && /\tsyscall/ { sub(":", "", $1); print $1; exit }')
[ -n "$entry" ] && [ -n "$sysinsn" ] || { echo "no entry_SYSCALL_64 or no SYSCALL in write()"; exit 1; }
cat >"$dir/cmds" <<GDB
set architecture i386:x86-64
set confirm off
target remote 127.0.0.1:$port
add-symbol-file $hello
break write
continue
delete
while *(unsigned short *)\$pc != 0x050f
  stepi
end
printf "AT-SYSCALL pc=0x%lx cs=0x%lx\n", \$pc, \$cs
printf "BEFORE gs_base=0x%lx k_gs_base=0x%lx\n", \$gs_base, \$k_gs_base
stepi
printf "AFTER pc=0x%lx cs=0x%lx ss=0x%lx rcx=0x%lx\n", \$pc, \$cs, \$ss, \$rcx
printf "AFTER gs_base=0x%lx k_gs_base=0x%lx lstar=0x%lx\n", \$gs_base, \$k_gs_base, \$lstar
info symbol \$pc
x/3xb \$pc
stepi
printf "SWAPGS gs_base=0x%lx k_gs_base=0x%lx\n", \$gs_base, \$k_gs_base
kill
GDB
timeout 60 gdb -nx -batch -x "$dir/cmds" "$kernel64" >"$dir/out" 2>&1
cat "$dir/out"
fail=0
want() { grep -Eq "$1" "$dir/out" || { echo "MISSING: $1"; fail=1; }; }
want "Breakpoint 1, (0x[0-9a-f]+ in )?write \\("
want "^AT-SYSCALL pc=0x$sysinsn cs=0x33$"
want "^AFTER pc=0x$entry cs=0x10 ss=0x18 rcx=0x$(printf '%x' $((16#$sysinsn + 2)))$"
want "^entry_SYSCALL_64 in section \\.text"
want "^0x$entry <entry_SYSCALL_64>:[[:space:]]+0x0f[[:space:]]+0x01[[:space:]]+0xf8$"  # swapgs
want "lstar=0x$entry$"
# SYSCALL leaves the GS bases alone; the SWAPGS at the entry exchanges them.
b=$(sed -n 's/^BEFORE gs_base=\(0x[0-9a-f]*\) k_gs_base=\(0x[0-9a-f]*\)$/\1 \2/p' "$dir/out")
a=$(sed -n 's/^AFTER gs_base=\(0x[0-9a-f]*\) k_gs_base=\(0x[0-9a-f]*\) .*/\1 \2/p' "$dir/out")
s=$(sed -n 's/^SWAPGS gs_base=\(0x[0-9a-f]*\) k_gs_base=\(0x[0-9a-f]*\)$/\2 \1/p' "$dir/out")
[ -n "$b" ] && [ "$b" = "$a" ] || { echo "GS bases changed by SYSCALL: '$b' -> '$a'"; fail=1; }
[ -n "$s" ] && [ "$s" = "$a" ] || { echo "SWAPGS did not exchange the GS bases: '$a' -> reversed '$s'"; fail=1; }
[[ $a =~ ^0x0\ 0xffff ]] || { echo "want GS.base 0 and a kernel KERNEL_GS_BASE in user mode: $a"; fail=1; }
exit $fail
