#!/usr/bin/env bash
# Boot a test kernel under ringside and/or QEMU and check its console
# (docs/test-kernels.md).
#
#   kernel_check.sh --kernel K.elf [--append TEXT] [--ringside BIN] [--qemu]
#                   [--divergences FILE] [--expected FILE] [--timeout SECONDS]
#                   [--vendor intel|amd] [--cpu QEMU_MODEL] [--bochs BOCHS_MODEL]
#
# --vendor picks ringside's profile, --cpu QEMU's model (Skylake-Client).
# --bochs runs Bochs instead of QEMU (tests/ref/bochs_run.sh: a GRUB ISO);
# its console is rewritten with --divergences like QEMU's, and its exit
# status is not checked (Bochs has no exit port).
# Each machine named runs the kernel with COM1 on stdout. Then:
#  - every machine's exit status must be the one its own last console line
#    calls for: "all cases done" -> 1 (the kernel wrote 0 to the exit port),
#    "FAIL: ..." -> 33 (it wrote 0x10), "case triple: ..." -> the machine
#    stopped on the triple fault (QEMU with -no-reboot: 0; ringside: 3);
#  - with --expected, every machine's console must equal FILE; without it,
#    ringside's must equal QEMU's.
# QEMU's console is first rewritten with --divergences: lines where QEMU is
# known to depart from the SDM become what the SDM calls for, each with a
# note saying why (QEMU is a peer, not the truth).
# Exit status: 0 pass, 1 fail, 2 usage, 77 skipped (no qemu-system-x86_64,
# or no bochs/grub-mkrescue).
set -u

kernel="" append="" ringside="" use_qemu=0 divergences="" expected="" limit=120
vendor="" cpu="Skylake-Client" bochs_model=""
qemu="${QEMU:-qemu-system-x86_64}"

usage() {
    sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
    --kernel) kernel="$2"; shift 2 ;;
    --append) append="$2"; shift 2 ;;
    --ringside) ringside="$2"; shift 2 ;;
    --qemu) use_qemu=1; shift ;;
    --divergences) divergences="$2"; shift 2 ;;
    --expected) expected="$2"; shift 2 ;;
    --timeout) limit="$2"; shift 2 ;;
    --vendor) vendor="$2"; shift 2 ;;
    --cpu) cpu="$2"; shift 2 ;;
    --bochs) bochs_model="$2"; use_qemu=1; shift 2 ;;
    *) echo "kernel_check: unknown argument '$1'" >&2; usage ;;
    esac
done
[ -n "$kernel" ] || usage
[ -n "$ringside" ] || [ "$use_qemu" = 1 ] || usage
[ -n "$expected" ] || { [ -n "$ringside" ] && [ "$use_qemu" = 1 ]; } || usage
[ -f "$kernel" ] || { echo "kernel_check: no kernel '$kernel' (is the build done?)" >&2; exit 1; }

if [ -n "$bochs_model" ]; then
    for tool in bochs grub-mkrescue xorriso; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "SKIP: $tool not found (Debian: make deps installs bochs and the GRUB tools)"
            exit 77
        fi
    done
elif [ "$use_qemu" = 1 ] && ! command -v "$qemu" >/dev/null 2>&1; then
    echo "SKIP: $qemu not found (Debian: apt-get install qemu-system-x86, or make deps)"
    exit 77
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0

fail() {
    echo "FAIL: $*"
    failed=1
}

# The status a machine must exit with, given the last line of its console.
status_for() { # machine lastline
    case "$2" in
    "all cases done") echo 1 ;;
    FAIL:*) echo 33 ;;
    "case triple:"*) if [ "$1" = qemu ]; then echo 0; else echo 3; fi ;;
    *) echo "none" ;;
    esac
}

# run NAME COMMAND...: console to $work/NAME.out (CRs dropped), stderr to
# $work/NAME.err, the exit status checked against the console.
run() {
    local name="$1" status last want
    shift
    timeout "$limit" "$@" </dev/null >"$work/$name.raw" 2>"$work/$name.err"
    status=$?
    tr -d '\r' <"$work/$name.raw" >"$work/$name.out"
    last="$(tail -n 1 "$work/$name.out")"
    want="$(status_for "$name" "$last")"
    [ "$name" = qemu ] && [ -n "$bochs_model" ] && [ "$want" != none ] && want="$status"
    if [ "$status" = 124 ]; then
        fail "$name: timed out after ${limit}s"
    elif [ "$want" = none ]; then
        fail "$name: exit status $status after an unexpected last line '$last'"
    elif [ "$status" != "$want" ]; then
        fail "$name: exit status $status, but its last line '$last' calls for $want"
    fi
    if [ -s "$work/$name.err" ] && [ "$name" = ringside ]; then
        sed 's/^/ringside stderr: /' "$work/$name.err"
    fi
}

# QEMU's known departures from the SDM: records of three lines,
# "qemu: LINE", "sdm: LINE", "why: TEXT", separated by blank lines.
rewrite_divergences() { # in out
    if [ -z "$divergences" ]; then
        cp "$1" "$2"
        return
    fi
    awk -v notes="$work/notes" '
        FNR == NR {
            if (sub(/^(qemu|peer): */, "")) q = $0
            else if (sub(/^sdm: */, "")) sdm[q] = $0
            else if (sub(/^why: */, "")) why[q] = $0
            next
        }
        ($0 in sdm) {
            printf "note: QEMU printed \"%s\"; the SDM calls for \"%s\": %s\n", $0, sdm[$0], why[$0] > notes
            print sdm[$0]
            next
        }
        { print }
    ' "$divergences" "$1" >"$2"
    [ -f "$work/notes" ] && cat "$work/notes"
}

args=()
[ -n "$append" ] && args=(--append "$append")

if [ -n "$bochs_model" ]; then
    # The peer's console is handled under the name "qemu" below: one peer per run.
    run qemu bash "$(dirname "$0")/bochs_run.sh" --kernel "$kernel" --model "$bochs_model" \
        --append "$append" --work "$work/bochs"
    rewrite_divergences "$work/qemu.out" "$work/qemu.sdm"
elif [ "$use_qemu" = 1 ]; then
    run qemu "$qemu" -machine pc -m 128 -nodefaults -display none -no-reboot -serial stdio \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$kernel" -append "$append" \
        -accel tcg -cpu "$cpu"
    rewrite_divergences "$work/qemu.out" "$work/qemu.sdm"
fi
if [ -n "$ringside" ]; then
    [ -n "$vendor" ] && args+=(--vendor "$vendor")
    run ringside "$ringside" run "$kernel" "${args[@]}"
fi

compare() { # label-a file-a label-b file-b
    if ! diff -u --label "$1" --label "$3" "$2" "$4"; then
        fail "$3 differs from $1"
    fi
}

if [ -n "$expected" ]; then
    [ "$use_qemu" = 1 ] && compare expected "$expected" qemu "$work/qemu.sdm"
    [ -n "$ringside" ] && compare expected "$expected" ringside "$work/ringside.out"
else
    compare qemu "$work/qemu.sdm" ringside "$work/ringside.out"
fi

if [ "$failed" = 0 ]; then
    echo "kernel_check: $(basename "$kernel")${append:+ ($append)}: consoles match"
fi
exit "$failed"
