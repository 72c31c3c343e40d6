#!/bin/bash
# Boot the bundled guest (`make run`): the kernel, init as module 0, then
# every program of guest/user/ in the order init runs them. init's arguments
# say how each one must end (ok: exit 0; segv, ill, trap, fpe: killed by
# that signal), so that its summary can say whether all passed.
#
#   guest/run-guest.sh BUILD_DIR [RINGSIDE OPTIONS...]
#   guest/run-guest.sh BUILD_DIR --qemu [QEMU OPTIONS...]   (the same boot under QEMU)
#   e.g. guest/run-guest.sh build --append pti=off
#        guest/run-guest.sh build --cpuid-clear syscall --append RINGSIDE_INT80=1
#
# Exit status 0 when init reports that every program passed (the kernel then
# writes 0 to the exit port, which ringside reports as status 1), else
# ringside's status (33: init reported a failure; 35: kernel panic).
set -u
if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [RINGSIDE OPTIONS...]" >&2
    exit 2
fi
build=$1
shift
user=$build/guest/user

# program[ args]:expected end
programs=(
    "hello:ok" "enosys:ok" "auxv:ok" "auxv32:ok" "vdso:ok" "vsyscall:ok" "hello32:ok"
    "faults cli:segv" "faults hlt:segv" "faults rdmsr:segv" "faults wrmsr:segv"
    "faults mov-cr3:segv" "faults out:segv" "faults kernel-read:segv" "faults kernel-write:segv"
    "faults null-write:segv" "faults noncanonical:segv" "faults int-0x81:segv"
    "faults ud2:ill" "faults int3:trap" "faults div0:fpe"
)

modules=()
initrd=
expect=
for entry in "${programs[@]}"; do
    prog=${entry%:*}
    file=$user/${prog%% *}
    args=
    [ "${prog#* }" != "$prog" ] && args=${prog#* }
    modules+=(--module "$file${args:+,$args}")
    initrd+=,$file${args:+ $args}
    expect+=${expect:+ }${entry##*:}
done

if [ "${1:-}" = --qemu ]; then
    shift
    # QEMU's Multiboot loader: modules are -initrd "FILE ARGS,FILE ARGS,...".
    qemu-system-x86_64 -machine pc -m 128 -nodefaults -display none -no-reboot -serial stdio \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -accel tcg -cpu Skylake-Client \
        -kernel "$build/guest/kernel/kernel.elf" -initrd "$user/init $expect$initrd" "$@"
    status=$?
else
    "$build/emu/ringside" run "$build/guest/kernel/kernel.elf" --module "$user/init,$expect" "${modules[@]}" "$@"
    status=$?
fi
[ $status = 1 ] && exit 0
exit $status
