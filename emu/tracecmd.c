/* ringside trace: tools over recorded traces (docs/cli/trace.md).
 *   trace diff A B                 the first divergence, exit 1 if any
 *   trace timeline FILE -o OUT     Chrome trace-event JSON of the ring/mode spans
 * Traces are JSON Lines (docs/trace-format.md), read line by line with jansson. */
#define _POSIX_C_SOURCE 200809L /* getline */

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/cli.h"

/* A trace being read: one parsed line at a time. */
struct reader {
    FILE *f;
    const char *path;
    char *line;
    size_t cap;
    unsigned long lineno;
};

static bool reader_open(struct reader *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->f = fopen(path, "r");
    if (!r->f)
        fprintf(stderr, "ringside trace: cannot open '%s'\n", path);
    return r->f != NULL;
}

static void reader_close(struct reader *r)
{
    if (r->f)
        fclose(r->f);
    free(r->line);
}

/* The next record, or NULL at the end; *bad is set on a malformed line. */
static json_t *reader_next(struct reader *r, bool *bad)
{
    *bad = false;
    for (;;) {
        ssize_t n = getline(&r->line, &r->cap, r->f);
        if (n < 0)
            return NULL;
        r->lineno++;
        if (n <= 1 && r->line[0] == '\n')
            continue;
        json_error_t e;
        json_t *j = json_loads(r->line, 0, &e);
        if (!j || !json_is_object(j)) {
            fprintf(stderr, "ringside trace: %s:%lu: not a JSON object (%s)\n", r->path, r->lineno,
                    j ? "wrong type" : e.text);
            json_decref(j);
            *bad = true;
            return NULL;
        }
        return j;
    }
}

/* Check the header line: format "ringside-trace", a version we read. */
static json_t *read_header(struct reader *r)
{
    bool bad;
    json_t *h = reader_next(r, &bad);
    const char *fmt = json_string_value(json_object_get(h, "format"));
    if (!h || !fmt || strcmp(fmt, "ringside-trace") ||
        json_integer_value(json_object_get(h, "version")) != 1) {
        if (!bad)
            fprintf(stderr, "ringside trace: %s: not a ringside trace (version 1) header\n",
                    r->path);
        json_decref(h);
        return NULL;
    }
    return h;
}

/* One short line for a record, for context. */
static void summarize(FILE *o, const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!s)
        return;
    size_t n = strlen(s);
    if (n > 200)
        fprintf(o, "%.200s...\n", s);
    else
        fprintf(o, "%s\n", s);
    free(s);
}

/* Print every path where a and b differ (depth-first, A's key order). */
static void print_differences(const char *path, const json_t *a, const json_t *b, int *budget)
{
    if (*budget <= 0 || json_equal((json_t *)a, (json_t *)b))
        return;
    if (json_is_object(a) && json_is_object(b)) {
        const char *k;
        json_t *v;
        char sub[256];
        json_object_foreach((json_t *)a, k, v) {
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", k);
            json_t *w = json_object_get(b, k);
            if (!w) {
                printf("  %s: only in A\n", sub);
                --*budget;
            } else {
                print_differences(sub, v, w, budget);
            }
        }
        json_object_foreach((json_t *)b, k, v) {
            if (!json_object_get(a, k) && (*budget)-- > 0)
                printf("  %s%s%s: only in B\n", path, *path ? "." : "", k);
        }
        return;
    }
    char *sa = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
    char *sb = json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY);
    printf("  %s: A %.120s, B %.120s\n", path, sa ? sa : "?", sb ? sb : "?");
    free(sa);
    free(sb);
    --*budget;
}

#define DIFF_CONTEXT 3

static int diff_main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: ringside trace diff A B\n");
        return 2;
    }
    struct reader ra, rb;
    if (!reader_open(&ra, argv[1]))
        return 2;
    if (!reader_open(&rb, argv[2])) {
        reader_close(&ra);
        return 2;
    }
    int status = 2;
    json_t *ha = read_header(&ra), *hb = read_header(&rb);
    json_t *ctx[DIFF_CONTEXT] = { 0 };
    unsigned long nctx = 0, rec = 0;
    if (!ha || !hb)
        goto out;
    /* The kernel's path and the ringside version may differ between two
     * runs of one scenario; the build id and vendor say whether it is one. */
    static const char *const keys[] = { "vendor", "build_id", "events" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!json_equal(json_object_get(ha, keys[i]), json_object_get(hb, keys[i])))
            printf("note: headers differ in \"%s\"\n", keys[i]);
    for (;;) {
        bool bad_a, bad_b;
        json_t *a = reader_next(&ra, &bad_a), *b = reader_next(&rb, &bad_b);
        if (bad_a || bad_b) {
            json_decref(a);
            json_decref(b);
            goto out;
        }
        if (!a && !b) {
            printf("traces are equal (%lu records)\n", rec);
            status = 0;
            break;
        }
        if (!a || !b || !json_equal(a, b)) {
            printf("traces differ at record %lu (line %lu of A, line %lu of B)\n", rec + 1,
                   ra.lineno, rb.lineno);
            if (nctx)
                printf("context (equal in both):\n");
            for (unsigned long i = nctx > DIFF_CONTEXT ? nctx - DIFF_CONTEXT : 0; i < nctx; i++) {
                printf("    ");
                summarize(stdout, ctx[i % DIFF_CONTEXT]);
            }
            printf("A: ");
            if (a)
                summarize(stdout, a);
            else
                printf("(end of trace)\n");
            printf("B: ");
            if (b)
                summarize(stdout, b);
            else
                printf("(end of trace)\n");
            if (a && b) {
                int budget = 20;
                print_differences("", a, b, &budget);
            }
            json_decref(a);
            json_decref(b);
            status = 1;
            break;
        }
        json_decref(b);
        json_decref(ctx[nctx % DIFF_CONTEXT]);
        ctx[nctx++ % DIFF_CONTEXT] = a;
        rec++;
    }
out:
    for (int i = 0; i < DIFF_CONTEXT; i++)
        json_decref(ctx[i]);
    json_decref(ha);
    json_decref(hb);
    reader_close(&ra);
    reader_close(&rb);
    return status;
}

/* ---- timeline ---- */

/* Where the machine is: the span it is in. */
struct place {
    int cpl;
    char mode[16];
};

static bool place_of(const json_t *x, struct place *p)
{
    const char *mode = json_string_value(json_object_get(x, "mode"));
    json_t *cpl = json_object_get(x, "cpl");
    if (!mode || !json_is_integer(cpl))
        return false;
    p->cpl = (int)json_integer_value(cpl);
    snprintf(p->mode, sizeof p->mode, "%s", mode);
    return true;
}

static json_t *span(const char *ph, const struct place *p, json_int_t ts)
{
    char name[48];
    snprintf(name, sizeof name, "CPL%d %s", p->cpl, p->mode);
    return json_pack("{s:s, s:s, s:s, s:I, s:i, s:i}", "name", name, "cat", "ring", "ph", ph, "ts",
                     ts, "pid", 1, "tid", 1);
}

static int timeline_main(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out = argv[++i];
        else if (argv[i][0] != '-' && !in)
            in = argv[i];
        else
            in = NULL, i = argc;
    }
    if (!in || !out) {
        fprintf(stderr, "usage: ringside trace timeline FILE -o OUT.json\n");
        return 2;
    }
    struct reader r;
    if (!reader_open(&r, in))
        return 2;
    json_t *h = read_header(&r);
    if (!h) {
        reader_close(&r);
        return 2;
    }
    json_t *evs = json_array();
    json_array_append_new(evs, json_pack("{s:s, s:s, s:i, s:i, s:{s:s}}", "name", "thread_name",
                                         "ph", "M", "pid", 1, "tid", 1, "args", "name", "CPU 0"));
    struct place cur = { -1, "" };
    json_int_t ts = 0, transitions = 0;
    bool bad = false;
    json_t *j;
    while ((j = reader_next(&r, &bad)) != NULL) {
        const char *kind = json_string_value(json_object_get(j, "kind"));
        ts = json_integer_value(json_object_get(j, "icount"));
        struct place before, after;
        bool is_event = place_of(json_object_get(j, "before"), &before) &&
                        place_of(json_object_get(j, "after"), &after);
        if (!is_event && kind && !strcmp(kind, "state") && place_of(j, &after))
            before = after; /* a full-state record: where the machine is */
        else if (!is_event) {
            json_decref(j);
            continue;
        }
        if (cur.cpl < 0) {
            cur = before;
            json_array_append_new(evs, span("B", &cur, 0));
        }
        if (is_event) {
            json_t *args = json_pack("{s:O, s:O}", "rip_before",
                                     json_object_get(json_object_get(j, "before"), "rip"),
                                     "rip_after", json_object_get(json_object_get(j, "after"), "rip"));
            const char *keys[] = { "vector", "error", "reason", "stack", "index", "old", "new" };
            for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
                json_t *v = json_object_get(j, keys[i]);
                if (v && !json_is_null(v))
                    json_object_set(args, keys[i], v);
            }
            char name[64];
            json_t *vec = json_object_get(j, "vector");
            if (vec)
                snprintf(name, sizeof name, "%s %lld", kind, (long long)json_integer_value(vec));
            else
                snprintf(name, sizeof name, "%s", kind ? kind : "?");
            json_array_append_new(evs, json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:i, s:o}", "name",
                                                 name, "cat", "transition", "ph", "i", "s", "t",
                                                 "ts", ts, "pid", 1, "tid", 1, "args", args));
            transitions++;
        }
        if (after.cpl != cur.cpl || strcmp(after.mode, cur.mode)) {
            json_array_append_new(evs, span("E", &cur, ts));
            cur = after;
            json_array_append_new(evs, span("B", &cur, ts));
        }
        json_decref(j);
    }
    if (cur.cpl >= 0)
        json_array_append_new(evs, span("E", &cur, ts));
    int status = bad ? 2 : 0;
    if (!bad) {
        /* One instruction is shown as one microsecond: the trace has no
         * wall-clock time, only the retired-instruction count. */
        json_t *doc = json_pack("{s:o, s:s, s:{s:O, s:O, s:s}}", "traceEvents", evs,
                                "displayTimeUnit", "ns", "otherData", "kernel",
                                json_object_get(h, "kernel"), "vendor", json_object_get(h, "vendor"),
                                "time_unit", "1 us = 1 retired instruction");
        evs = NULL;
        if (json_dump_file(doc, out, JSON_INDENT(1)) != 0) {
            fprintf(stderr, "ringside trace: cannot write '%s'\n", out);
            status = 1;
        } else {
            printf("%lld transitions written to %s\n", (long long)transitions, out);
        }
        json_decref(doc);
    }
    json_decref(evs);
    json_decref(h);
    reader_close(&r);
    return status;
}

int trace_main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "diff"))
        return diff_main(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "timeline"))
        return timeline_main(argc - 1, argv + 1);
    FILE *o = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? stdout : stderr;
    fprintf(o, "usage: ringside trace diff A B\n"
               "       ringside trace timeline FILE -o OUT.json\n"
               "\n"
               "diff: the first record where two traces differ, with context; exit 0 if\n"
               "equal, 1 if they differ, 2 on an error. timeline: the ring/mode spans and\n"
               "transitions as Chrome trace-event JSON (Perfetto, chrome://tracing).\n");
    return o == stdout ? 0 : 2;
}
