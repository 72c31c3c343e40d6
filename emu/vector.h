/* Single-instruction test vectors (docs/vectors.md): a JSON object with the
 * instruction's bytes, the machine state before it and the state after it
 * (or the exception it raises). The runner executes one on a bare CPU. */
#ifndef RINGSIDE_EMU_VECTOR_H
#define RINGSIDE_EMU_VECTOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cpu/x86.h"

#define VECTOR_RAM_SIZE (16u << 20)  /* the runner's guest RAM */
#define VECTOR_PT_POOL  0xc00000u    /* page tables and remapped pages live above this */

/* Run vector `v` under the vendor profile `vendor` ("intel" or "amd").
 * True if the outcome matches; otherwise msg says which field differs. */
bool vector_run_one(const json_t *v, const char *vendor, char *msg, size_t msglen);

/* Run every vector in `path` (one object, or an array of them) under the
 * vendors each names ("any": both). Failures are printed to `report`. False
 * if the file cannot be read; *pass and *fail are incremented. */
bool vector_run_file(const char *path, FILE *report, unsigned *pass, unsigned *fail);

/* Cut a vector out of a `--trace-events all` trace: the state before the
 * instruction with icount `n` and after it. NULL with err set if the trace
 * has no usable record for it. */
json_t *vector_from_trace(const char *path, u64 n, char *err, size_t errlen);

/* "0x1f" / 31 -> value; false if neither. */
bool vector_u64(const json_t *j, u64 *v);

#endif
