/* detect_int.h -- internals shared by the matcher files (detect_engine.c,
 * match_payload.c, detect_fill.c). Users include detect/detect.h. */
#ifndef RIBAT_DETECT_INT_H
#define RIBAT_DETECT_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>

#include "detect/detect.h"
#include "detect/rules.h"

/* per-thread state of the payload matcher */
#define DM_MAX_CAPS 16   /* capture variables recorded per rule evaluation */
#define DM_CAP_LEN 256   /* bytes kept per captured value */

typedef struct dm_thread {
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit;
    uint32_t *ends;          /* per element end offset (backtracking) */
    struct dm_frame *frames; /* backtracking stack */
    uint32_t cap;            /* elements the arrays hold */
    uint8_t *tbuf[2];        /* transform output buffers */
    uint32_t tcap[2];
    uint64_t pcre_limit_hits;
    /* pcre captures of the rule being evaluated (cleared per rule, stored on match) */
    uint32_t ncaps;
    struct dm_cap {
        const rule_pcre *pe;
        uint8_t idx;         /* variable index in pe->cap_names */
        uint16_t len;
        uint8_t val[DM_CAP_LEN];
    } caps[DM_MAX_CAPS];
} dm_thread;

int dm_thread_init(dm_thread *t);
void dm_thread_destroy(dm_thread *t);

/* Inspect one buffer: the options opts[0..n) of r (indices into r->opts, all on the
 * same buffer, in rule order) against buf[0..len). base is the stream offset of
 * buf[0] for absolute positions (0 for packets and app-layer buffers); need_end,
 * when not 0, requires the match to end at or after buf offset need_end (stream:
 * only matches touching new bytes count). vars holds byte_extract/byte_math values.
 * Returns true on match. */
bool dm_inspect(dm_thread *t, const rule *r, const uint16_t *opts, uint32_t n, const uint8_t *buf, uint32_t len,
                uint64_t base, uint32_t need_end, uint64_t *vars);

/* Apply the transforms opts[0..n) (RO_TRANSFORM) to in; the result is valid until
 * the next call. Returns false for an unsupported transform. */
bool dm_transform(dm_thread *t, const rule *r, const uint16_t *opts, uint32_t n, const uint8_t *in, uint32_t len,
                  const uint8_t **out, uint32_t *olen);
bool dm_transform_supported(const char *name);

/* rule_uint comparison */
static inline bool dm_cmp(const rule_uint *u, uint64_t v)
{
    switch (u->mode) {
    case RULE_CMP_EQ: return v == u->a;
    case RULE_CMP_NE: return v != u->a;
    case RULE_CMP_LT: return v < u->a;
    case RULE_CMP_LE: return v <= u->a;
    case RULE_CMP_GT: return v > u->a;
    case RULE_CMP_GE: return v >= u->a;
    case RULE_CMP_RANGE: return v > u->a && v < u->b;
    case RULE_CMP_NOT_RANGE: return !(v > u->a && v < u->b);
    }
    return false;
}

#endif
