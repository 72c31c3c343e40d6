#!/bin/sh
# Host instructions per guest instruction, counted by callgrind: unlike the
# wall clock, the count repeats exactly from run to run on a busy machine.
#
# usage: bench/callgrind.sh [BENCH] [ITERS]
#   BENCH  the ringside-bench binary (default build-perf/bench/ringside-bench;
#          build it RelWithDebInfo or Release)
#   ITERS  integer-loop iterations of the long run (default 1000000)
#
# Only the host instructions executed inside cpu_run() are collected, so
# machine setup and the C reference computation are left out. Two runs:
# a short one (one integer-loop iteration, one memory-loop pass) and a long
# one (ITERS iterations, the same single pass). The difference is the integer
# loop alone; the short run is, to within a few instructions, the memory loop
# (including its 4 MiB REP MOVSB, which retires as 64 steps). Prints Ir per
# guest instruction for each, and leaves the long run's profile in
# callgrind.out.bench beside BENCH, for callgrind_annotate --auto=yes.
set -eu
bench=${1:-build-perf/bench/ringside-bench}
iters=${2:-1000000}
out=${TMPDIR:-/tmp}/ringside-callgrind.$$
trap 'rm -f "$out".*' EXIT

# Ir collected and the "integer loop" / "memory loop" retired counts of one run.
run() {
    valgrind --tool=callgrind --toggle-collect=cpu_run --callgrind-out-file="$out.$1" \
        "$bench" --insns "$2" >"$out.$1.txt" 2>"$out.$1.err"
    ir=$(sed -n 's/^summary: //p' "$out.$1")
    int=$(awk '/^integer loop/ { print $3 }' "$out.$1.txt")
    mem=$(awk '/^memory loop/ { print $3 }' "$out.$1.txt")
    echo "$ir $int $mem"
}

set -- $(run short 4) $(run long $((iters * 4)))
ir1=$1 int1=$2 mem1=$3 ir2=$4 int2=$5
cp "$out.long" "$(dirname "$bench")/callgrind.out.bench"
awk -v ir1="$ir1" -v int1="$int1" -v mem1="$mem1" -v ir2="$ir2" -v int2="$int2" 'BEGIN {
    printf "integer loop: %.1f host instructions per guest instruction (%d guest instructions)\n",
        (ir2 - ir1) / (int2 - int1), int2 - int1
    printf "memory loop:  %.1f host instructions per guest instruction (%d guest instructions)\n",
        ir1 / (mem1 + int1), mem1 + int1
}'
