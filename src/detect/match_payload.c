/* match_payload.c -- inspection of one buffer: content (offset/depth/distance/within,
 * startswith/endswith, nocase, negation), pcre, byte_test/jump/extract/math,
 * isdataat, bsize/urilen, with Suricata's relative-match backtracking done on an
 * explicit stack (no recursion), bounded by DM_BUDGET element evaluations. Plus the
 * sticky-buffer transforms. */
#include "detect/detect_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/base64.h"
#include "leak/leak.h"

#define DM_BUDGET 3000   /* element evaluations per buffer inspection (Suricata: inspection-recursion-limit) */
#define DM_FRAMES 1024

typedef struct dm_frame {
    uint32_t i, entry_off, next;
} dm_frame;

enum { EV_NOMATCH = 0, EV_MATCH = 1, EV_DISCONT = 2 };

int dm_thread_init(dm_thread *t)
{
    memset(t, 0, sizeof *t);
    t->md = pcre2_match_data_create(16, NULL);
    t->mctx = pcre2_match_context_create(NULL);
    t->jit = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
    t->cap = RULES_MAX_OPTS;
    t->ends = calloc(t->cap, sizeof *t->ends);
    t->frames = calloc(DM_FRAMES, sizeof *t->frames);
    t->b64 = malloc(DM_B64_MAX);
    if (!t->md || !t->mctx || !t->ends || !t->frames || !t->b64)
        return -1;
    if (t->jit)
        pcre2_jit_stack_assign(t->mctx, NULL, t->jit);
    return 0;
}

void dm_thread_destroy(dm_thread *t)
{
    if (t->md)
        pcre2_match_data_free(t->md);
    if (t->mctx)
        pcre2_match_context_free(t->mctx);
    if (t->jit)
        pcre2_jit_stack_free(t->jit);
    free(t->ends);
    free(t->frames);
    free(t->b64);
    free(t->tbuf[0]);
    free(t->tbuf[1]);
    memset(t, 0, sizeof *t);
}

static inline int64_t val_of(const rule_val *v, const uint64_t *vars)
{
    return v->var >= 0 ? (int64_t)vars[v->var] : v->n;
}

static const uint8_t *find_bytes(const uint8_t *h, size_t hl, const uint8_t *n, size_t nl, bool nocase)
{
    if (nl == 0 || hl < nl)
        return NULL;
    if (!nocase)
        return memmem(h, hl, n, nl);
    uint8_t c0 = (uint8_t)tolower(n[0]);
    uint8_t C0 = (uint8_t)toupper(n[0]);
    const uint8_t *end = h + hl - nl;
    for (const uint8_t *p = h; p <= end; p++) {
        if (*p != c0 && *p != C0)
            continue;
        size_t k = 1;
        while (k < nl && tolower(p[k]) == tolower(n[k]))
            k++;
        if (k == nl)
            return p;
    }
    return NULL;
}

static bool content_at(const uint8_t *p, const uint8_t *n, size_t nl, bool nocase)
{
    if (!nocase)
        return memcmp(p, n, nl) == 0;
    for (size_t k = 0; k < nl; k++)
        if (tolower(p[k]) != tolower(n[k]))
            return false;
    return true;
}

/* value of nb bytes at buf[pos]; false when out of bounds / not a number.
 * dce_big: the DCE/RPC PDU's data representation is big-endian (option dce) */
static bool extract(const rule_byte *b, uint32_t nb, const uint8_t *buf, uint32_t len, int64_t pos, bool dce_big,
                    uint64_t *out, uint32_t *used)
{
    if (pos < 0 || pos > (int64_t)len)
        return false;
    if (b->flags & RULE_BYTE_STRING) {
        if (nb == 0)
            nb = (uint32_t)(len - pos) > 23 ? 23 : (uint32_t)(len - pos);
        if ((int64_t)nb > (int64_t)len - pos || nb == 0)
            return false;
        char tmp[32];
        memcpy(tmp, buf + pos, nb);
        tmp[nb] = 0;
        char *end;
        unsigned long long v = strtoull(tmp, &end, b->base ? b->base : 10);
        if (end == tmp)
            return false;
        *out = v;
        *used = nb;
        return true;
    }
    if ((int64_t)nb > (int64_t)len - pos)
        return false;
    uint64_t v = 0;
    bool little = (b->flags & RULE_BYTE_LITTLE) || ((b->flags & RULE_BYTE_DCE) && !dce_big);
    for (uint32_t i = 0; i < nb; i++) {
        uint8_t c = little ? buf[pos + nb - 1 - i] : buf[pos + i];
        v = (v << 8) | c;
    }
    *out = v;
    *used = nb;
    return true;
}

static uint64_t apply_mask(const rule_byte *b, uint64_t v)
{
    if (!(b->flags & RULE_BYTE_BITMASK))
        return v;
    v &= b->bitmask;
    if (v && b->bitmask)
        v >>= __builtin_ctz(b->bitmask);
    return v;
}

typedef struct ev_out {
    uint32_t off;      /* new buffer offset */
    uint32_t mstart;   /* match start (retry from mstart + 1) */
    uint32_t mend;     /* match end, 0 when the element matched no bytes */
    bool positional;   /* a positive content / pcre match that can be retried */
} ev_out;

static int ev_content(const rule_content *c, const uint8_t *buf, uint32_t len, uint64_t base, uint32_t off,
                      bool retry, uint32_t start_min, const uint64_t *vars, ev_out *o)
{
    bool neg = (c->flags & RULE_CONTENT_NEGATED) != 0;
    bool nocase = (c->flags & RULE_CONTENT_NOCASE) != 0;
    bool rel = (c->flags & (RULE_CONTENT_DISTANCE | RULE_CONTENT_WITHIN)) != 0;
    int64_t lo, hi = len;
    if (rel) {
        int64_t dist = (c->flags & RULE_CONTENT_DISTANCE) ? val_of(&c->distance, vars) : 0;
        lo = (int64_t)off + dist;
        if (c->flags & RULE_CONTENT_WITHIN) {
            int64_t w = (int64_t)off + dist + val_of(&c->within, vars);
            if (w < hi)
                hi = w;
        }
        if (lo < 0)
            lo = 0;
    } else if (c->flags & RULE_CONTENT_STARTSWITH) {
        lo = -(int64_t)base;
        hi = (int64_t)c->len - (int64_t)base;
    } else {
        int64_t of = (c->flags & RULE_CONTENT_OFFSET) ? val_of(&c->offset, vars) : 0;
        lo = of - (int64_t)base;
        if (c->flags & RULE_CONTENT_DEPTH) {
            int64_t d = of + val_of(&c->depth, vars) - (int64_t)base;
            if (d < hi)
                hi = d;
        }
        if (lo < 0)
            lo = 0;
    }
    if (hi > (int64_t)len)
        hi = len;
    if (c->flags & RULE_CONTENT_ENDSWITH) {
        if (hi < (int64_t)len)
            hi = -1; /* cannot end at the buffer end */
        else if ((int64_t)len - (int64_t)c->len > lo)
            lo = (int64_t)len - (int64_t)c->len;
    }
    if (retry && (int64_t)start_min > lo)
        lo = start_min;
    const uint8_t *found = NULL;
    if (lo >= 0 && hi - lo >= (int64_t)c->len) {
        if (c->flags & RULE_CONTENT_ENDSWITH)
            found = content_at(buf + lo, c->pat, c->len, nocase) && lo + c->len == len ? buf + lo : NULL;
        else
            found = find_bytes(buf + lo, (size_t)(hi - lo), c->pat, c->len, nocase);
    }
    o->off = off;
    o->mend = 0;
    o->positional = false;
    if (neg) {
        if (!found)
            return EV_MATCH;
        /* a negated content that matches: stop everything when it does not depend on an
         * earlier match and no later match depends on it (Suricata) */
        if (!rel && !(c->flags & RULE_CONTENT_RELATIVE_NEXT))
            return EV_DISCONT;
        return EV_NOMATCH;
    }
    if (!found)
        return rel || retry ? EV_NOMATCH : EV_DISCONT;
    uint32_t m = (uint32_t)(found - buf);
    o->mstart = m;
    o->mend = m + c->len;
    o->off = m + c->len;
    o->positional = true;
    return EV_MATCH;
}

/* Keep group i+1 of the last match of pe as the value of its capture variable i
 * (a later evaluation of the same pcre, when backtracking, replaces it). */
static void record_capture(dm_thread *t, const rule_pcre *pe, uint8_t i, const uint8_t *subj, const PCRE2_SIZE *ov,
                           int rc)
{
    int g = i + 1;
    if (g >= rc || ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] < ov[2 * g])
        return;
    uint32_t k = 0;
    while (k < t->ncaps && !(t->caps[k].pe == pe && t->caps[k].idx == i))
        k++;
    if (k == t->ncaps) {
        if (t->ncaps == DM_MAX_CAPS)
            return;
        t->ncaps++;
    }
    size_t n = ov[2 * g + 1] - ov[2 * g];
    if (n > DM_CAP_LEN)
        n = DM_CAP_LEN;
    t->caps[k].pe = pe;
    t->caps[k].idx = i;
    t->caps[k].len = (uint16_t)n;
    memcpy(t->caps[k].val, subj + ov[2 * g], n);
}

static int ev_pcre(dm_thread *t, const rule_pcre *pe, const uint8_t *buf, uint32_t len, uint32_t off, bool retry,
                   uint32_t start_min, ev_out *o)
{
    bool rel = (pe->flags & RULE_PCRE_RELATIVE) != 0;
    uint32_t soff = rel ? off : 0;
    if (soff > len)
        soff = len;
    uint32_t start = 0;
    if (retry) {
        if (start_min < soff)
            start_min = soff;
        start = start_min - soff;
        if (start > len - soff)
            return EV_NOMATCH;
    }
    if (!(pe->flags & RULE_PCRE_NO_LIMITS)) {
        pcre2_set_match_limit(t->mctx, pe->match_limit ? pe->match_limit : DM_PCRE_MATCH_LIMIT);
        pcre2_set_depth_limit(t->mctx, pe->depth_limit ? pe->depth_limit : DM_PCRE_DEPTH_LIMIT);
    } else {
        pcre2_set_match_limit(t->mctx, 10000000);
        pcre2_set_depth_limit(t->mctx, 10000000);
    }
    int rc = pcre2_match((const pcre2_code *)pe->code, buf + soff, len - soff, start, 0, t->md, t->mctx);
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT)
        t->pcre_limit_hits++;
    o->off = off;
    o->mend = 0;
    o->positional = false;
    if (pe->flags & RULE_PCRE_NEGATED)
        return rc >= 0 ? EV_NOMATCH : EV_MATCH;
    if (rc < 0)
        return EV_NOMATCH;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(t->md);
    for (uint8_t i = 0; i < pe->n_caps; i++)
        record_capture(t, pe, i, buf + soff, ov, rc);
    o->mstart = soff + (uint32_t)ov[0];
    o->mend = soff + (uint32_t)ov[1];
    o->off = o->mend;
    o->positional = true;
    return EV_MATCH;
}

static int ev_byte(const rule_opt *op, const uint8_t *buf, uint32_t len, uint32_t off, uint64_t *vars, bool dce_big,
                   ev_out *o)
{
    const rule_byte *b = &op->u.byte;
    int64_t pos = ((b->flags & RULE_BYTE_RELATIVE) ? (int64_t)off : 0) + val_of(&b->offset, vars);
    uint64_t v;
    uint32_t used;
    o->off = off;
    o->mend = 0;
    o->positional = false;
    if ((b->flags & RULE_BYTE_RELATIVE) && off >= len && op->type == RO_BYTE_TEST)
        return EV_NOMATCH;
    uint32_t nb = b->nbytes;
    if (b->flags & RULE_BYTE_NBYTES_VAR) {
        /* a byte count from a variable, within what the keyword allows with a
         * number; 0 bytes of binary read the value 0 (Suricata's extraction) */
        uint64_t x = vars[b->nbytes_var];
        bool str = (b->flags & RULE_BYTE_STRING) != 0;
        uint64_t max = str ? 23 : op->type == RO_BYTE_MATH ? 4 : 8;
        if ((str && x < 1) || x > max)
            return EV_NOMATCH;
        nb = (uint32_t)x;
    }
    if (!extract(b, nb, buf, len, pos, dce_big, &v, &used))
        return EV_NOMATCH;
    switch (op->type) {
    case RO_BYTE_TEST: {
        v = apply_mask(b, v);
        uint64_t x = (uint64_t)val_of(&b->value, vars);
        bool m = false;
        switch (b->op) {
        case RULE_BOP_LT: m = v < x; break;
        case RULE_BOP_GT: m = v > x; break;
        case RULE_BOP_EQ: m = v == x; break;
        case RULE_BOP_LE: m = v <= x; break;
        case RULE_BOP_GE: m = v >= x; break;
        case RULE_BOP_AND: m = (v & x) != 0; break;
        case RULE_BOP_XOR: m = (v ^ x) != 0; break;
        default: break;
        }
        if (b->flags & RULE_BYTE_NEGATE)
            m = !m;
        return m ? EV_MATCH : EV_NOMATCH;
    }
    case RO_BYTE_JUMP: {
        v = apply_mask(b, v);
        v *= b->multiplier ? b->multiplier : 1;
        if ((b->flags & RULE_BYTE_ALIGN) && (v % 4))
            v += 4 - v % 4;
        int64_t j;
        if (b->flags & RULE_BYTE_FROM_BEGINNING)
            j = (int64_t)v;
        else if (b->flags & RULE_BYTE_FROM_END)
            j = (int64_t)len + (int64_t)v;
        else
            j = pos + used + (int64_t)v;
        j += b->post_offset;
        if (j < 0)
            j = 0; /* a jump before the buffer lands at its start, as Suricata */
        if (j > (int64_t)len)
            return EV_NOMATCH;
        o->off = (uint32_t)j;
        return EV_MATCH;
    }
    case RO_BYTE_EXTRACT: {
        v = apply_mask(b, v);
        v *= b->multiplier ? b->multiplier : 1;
        if (b->align && (v % b->align))
            v += b->align - v % b->align;
        if (b->result_var >= 0)
            vars[b->result_var] = v;
        o->off = (uint32_t)(pos + used);
        return EV_MATCH;
    }
    case RO_BYTE_MATH: {
        v = apply_mask(b, v);
        uint64_t r = (uint64_t)val_of(&b->value, vars);
        switch (b->op) {
        case RULE_BOP_ADD: v += r; break;
        case RULE_BOP_SUB: v -= r; break;
        case RULE_BOP_MUL: v *= r; break;
        case RULE_BOP_DIV: if (!r) return EV_NOMATCH; v /= r; break;
        case RULE_BOP_SHL: v = r >= 64 ? 0 : v << r; break;
        case RULE_BOP_SHR: v = r >= 64 ? 0 : v >> r; break;
        default: break;
        }
        if (b->result_var >= 0)
            vars[b->result_var] = v;
        return EV_MATCH;
    }
    default:
        return EV_NOMATCH;
    }
}

static int ev_one(dm_thread *t, const rule_opt *op, const uint8_t *buf, uint32_t len, uint64_t base, uint32_t off,
                  bool retry, uint32_t start_min, uint64_t *vars, ev_out *o)
{
    o->off = off;
    o->mend = 0;
    o->positional = false;
    switch (op->type) {
    case RO_CONTENT:
        return ev_content(&op->u.content, buf, len, base, off, retry, start_min, vars, o);
    case RO_PCRE:
        return ev_pcre(t, &op->u.pcre, buf, len, off, retry, start_min, o);
    case RO_BYTE_TEST: case RO_BYTE_JUMP: case RO_BYTE_EXTRACT: case RO_BYTE_MATH:
        return ev_byte(op, buf, len, off, vars, t->dce_big_endian, o);
    case RO_ISDATAAT: {
        const rule_isdataat *d = &op->u.isdataat;
        int64_t n = val_of(&d->size, vars);
        bool m = d->relative ? (int64_t)off + n <= (int64_t)len : n < (int64_t)len + (int64_t)base;
        if (d->negated)
            m = !m;
        return m ? EV_MATCH : EV_NOMATCH;
    }
    case RO_UINT: /* bsize, urilen */
        return dm_cmp(&op->u.num, len) ? EV_MATCH : EV_DISCONT;
    case RO_DATASET: /* the whole buffer is the value */
        return dataset_eval(&op->u.dataset, buf, len) ? EV_MATCH : EV_DISCONT;
    case RO_PII: { /* the whole buffer, whatever the cursor */
        uint32_t counts[LEAK_N];
        leak_scan_counts(buf, len, counts);
        return dm_cmp(&op->u.pii.cmp, counts[op->u.pii.type]) ? EV_MATCH : EV_DISCONT;
    }
    default:
        return EV_MATCH;
    }
}

/* base64_decode at cursor off: decode into t->b64; *dl = decoded length (0 = nothing) */
static void b64_decode_at(dm_thread *t, const rule_opt *op, const uint8_t *buf, uint32_t len, uint32_t off,
                          const uint64_t *vars, uint32_t *dl)
{
    *dl = 0;
    uint32_t start = op->u.b64.relative ? off : 0;
    int64_t skip = val_of(&op->u.b64.offset, vars);
    int64_t bytes = op->u.b64.bytes.var >= 0 || op->u.b64.bytes.n ? val_of(&op->u.b64.bytes, vars) : DM_B64_MAX;
    if (start > len || skip < 0 || skip >= (int64_t)(len - start) || bytes <= 0)
        return;
    start += (uint32_t)skip;
    uint32_t n = len - start;
    if ((int64_t)n > bytes)
        n = (uint32_t)bytes;
    if (n > DM_B64_MAX)
        n = DM_B64_MAX;
    long r = rb_base64_decode(buf + start, n, t->b64, DM_B64_MAX, false, NULL);
    *dl = r > 0 ? (uint32_t)r : 0;
}

/* All elements matched: with need_end (stream), one match must end at or after it
 * (elements that matched no bytes have end 0; none at all is fine). */
static bool ends_touch(const uint32_t *ends, uint32_t n, uint32_t need_end)
{
    if (!need_end)
        return true;
    uint32_t mx = 0;
    bool any = false;
    for (uint32_t k = 0; k < n; k++) {
        if (ends[k] > mx)
            mx = ends[k];
        if (ends[k])
            any = true;
    }
    return !any || mx >= need_end;
}

/* dm_inspect with the element end offsets in ends[] and the backtracking frames
 * from frames[sp0]: base64_data's options are inspected inside an inspection */
static bool inspect_run(dm_thread *t, const rule *r, const uint16_t *opts, uint32_t n, const uint8_t *buf,
                        uint32_t len, uint64_t base, uint32_t need_end, uint64_t *vars, const uint16_t *b64,
                        uint32_t n_b64, uint32_t *ends, uint32_t sp0)
{
    uint32_t i = 0, off = 0, sp = sp0, start_min = 0;
    bool retry = false;
    int budget = DM_BUDGET;
    for (;;) {
        if (i == n) {
            if (ends_touch(ends, n, need_end))
                return true;
            goto backtrack;
        }
        if (--budget <= 0)
            return false;
        {
            const rule_opt *op = &r->opts[opts[i]];
            if (op->type == RO_BASE64_DECODE) {
                /* terminal: the decoded data must match base64_data's options */
                uint32_t dl;
                if (!n_b64)
                    goto backtrack; /* nothing to match: never a match (Suricata) */
                b64_decode_at(t, op, buf, len, off, vars, &dl);
                if (dl && inspect_run(t, r, b64, n_b64, t->b64, dl, 0, 0, vars, NULL, 0, ends + n, sp)) {
                    for (uint32_t k = i; k < n; k++)
                        ends[k] = 0;
                    if (ends_touch(ends, n, need_end))
                        return true;
                }
                goto backtrack;
            }
            ev_out o;
            int rc = ev_one(t, op, buf, len, base, off, retry, start_min, vars, &o);
            retry = false;
            if (rc == EV_MATCH) {
                ends[i] = o.mend;
                bool can_retry = o.positional &&
                                 (need_end || (op->type == RO_CONTENT && (op->u.content.flags & RULE_CONTENT_RELATIVE_NEXT)) ||
                                  (op->type == RO_PCRE && (op->u.pcre.flags & RULE_PCRE_RELATIVE_NEXT)));
                if (can_retry && sp < DM_FRAMES)
                    t->frames[sp++] = (dm_frame){ i, off, o.mstart + 1 };
                off = o.off;
                i++;
                continue;
            }
            if (rc == EV_DISCONT)
                return false;
        }
    backtrack:
        if (sp == sp0)
            return false;
        sp--;
        i = t->frames[sp].i;
        off = t->frames[sp].entry_off;
        start_min = t->frames[sp].next;
        retry = true;
    }
}

bool dm_inspect(dm_thread *t, const rule *r, const uint16_t *opts, uint32_t n, const uint8_t *buf, uint32_t len,
                uint64_t base, uint32_t need_end, uint64_t *vars, const uint16_t *b64, uint32_t n_b64)
{
    if (!buf || n + n_b64 > t->cap)
        return false;
    return inspect_run(t, r, opts, n, buf, len, base, need_end, vars, b64, n_b64, t->ends, 0);
}

/* ---------------------------------------------------------------- transforms */

bool dm_transform_supported(const char *name)
{
    static const char *const ok[] = { "dotprefix", "to_lowercase", "to_uppercase", "strip_whitespace",
                                      "compress_whitespace", "url_decode", "to_md5", "to_sha1", "to_sha256",
                                      "xor", "header_lowercase", "strip_pseudo_headers", "pcrexform", NULL };
    for (int i = 0; ok[i]; i++)
        if (strcmp(name, ok[i]) == 0)
            return true;
    return false;
}

static uint8_t *tb(dm_thread *t, int k, uint32_t need)
{
    if (t->tcap[k] < need) {
        uint32_t c = need < 4096 ? 4096 : need;
        uint8_t *nb = realloc(t->tbuf[k], c);
        if (!nb)
            return NULL;
        t->tbuf[k] = nb;
        t->tcap[k] = c;
    }
    return t->tbuf[k];
}

bool dm_transform(dm_thread *t, const rule *r, const uint16_t *opts, uint32_t n, const uint8_t *in, uint32_t len,
                  const uint8_t **out, uint32_t *olen)
{
    const uint8_t *cur = in;
    uint32_t cl = len;
    int k = 0;
    for (uint32_t i = 0; i < n; i++) {
        const rule_opt *op = &r->opts[opts[i]];
        const char *name = rule_keyword_name(op->kw);
        uint8_t *d = tb(t, k, cl + 65);
        if (!d)
            return false;
        uint32_t dl = 0;
        if (strcmp(name, "dotprefix") == 0) {
            d[0] = '.';
            memcpy(d + 1, cur, cl);
            dl = cl + 1;
        } else if (strcmp(name, "to_lowercase") == 0 || strcmp(name, "header_lowercase") == 0) {
            for (uint32_t j = 0; j < cl; j++)
                d[j] = (uint8_t)tolower(cur[j]);
            dl = cl;
        } else if (strcmp(name, "to_uppercase") == 0) {
            for (uint32_t j = 0; j < cl; j++)
                d[j] = (uint8_t)toupper(cur[j]);
            dl = cl;
        } else if (strcmp(name, "strip_whitespace") == 0) {
            for (uint32_t j = 0; j < cl; j++)
                if (!isspace(cur[j]))
                    d[dl++] = cur[j];
        } else if (strcmp(name, "strip_pseudo_headers") == 0) {
            /* HTTP/2: drop the lines (pieces ending in LF) that start with ':' */
            uint32_t j = 0;
            while (j < cl) {
                const uint8_t *lf = memchr(cur + j, '\n', cl - j);
                uint32_t e = lf ? (uint32_t)(lf - cur) + 1 : cl;
                if (cur[j] != ':') {
                    memcpy(d + dl, cur + j, e - j);
                    dl += e - j;
                }
                j = e;
            }
        } else if (strcmp(name, "compress_whitespace") == 0) {
            for (uint32_t j = 0; j < cl; j++) {
                if (isspace(cur[j])) {
                    if (dl && d[dl - 1] == ' ' && j && isspace(cur[j - 1]))
                        continue;
                    d[dl++] = ' ';
                } else
                    d[dl++] = cur[j];
            }
        } else if (strcmp(name, "url_decode") == 0) {
            for (uint32_t j = 0; j < cl; j++) {
                if (cur[j] == '%' && j + 2 < cl + 0 && dm_hexval(cur[j + 1]) >= 0 && dm_hexval(cur[j + 2]) >= 0) {
                    d[dl++] = (uint8_t)(dm_hexval(cur[j + 1]) << 4 | dm_hexval(cur[j + 2]));
                    j += 2;
                } else if (cur[j] == '+')
                    d[dl++] = ' ';
                else
                    d[dl++] = cur[j];
            }
        } else if (strcmp(name, "to_md5") == 0) {
            rb_md5_of(cur, cl, d);
            dl = 16;
        } else if (strcmp(name, "to_sha1") == 0) {
            rb_sha1_of(cur, cl, d);
            dl = 20;
        } else if (strcmp(name, "to_sha256") == 0) {
            rb_sha256_of(cur, cl, d);
            dl = 32;
        } else if (strcmp(name, "xor") == 0) {
            const char *a = op->u.xf.arg ? op->u.xf.arg : "";
            uint8_t key[256];
            size_t kl = 0;
            if (*a == '"')
                a++;
            while (a[0] && a[1] && dm_hexval(a[0]) >= 0 && dm_hexval(a[1]) >= 0 && kl < sizeof key) {
                key[kl++] = (uint8_t)(dm_hexval(a[0]) << 4 | dm_hexval(a[1]));
                a += 2;
            }
            if (!kl)
                return false;
            for (uint32_t j = 0; j < cl; j++)
                d[j] = cur[j] ^ key[j % kl];
            dl = cl;
        } else if (strcmp(name, "pcrexform") == 0) {
            /* what the one capture group of the first match holds; without a
             * match the buffer stays as it is (Suricata 7) */
            pcre2_set_match_limit(t->mctx, DM_PCRE_MATCH_LIMIT);
            pcre2_set_depth_limit(t->mctx, DM_PCRE_DEPTH_LIMIT);
            int rc = pcre2_match((const pcre2_code *)op->u.xf.re, cur, cl, 0, 0, t->md, t->mctx);
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(t->md);
            if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT)
                t->pcre_limit_hits++;
            if (rc < 2 || ov[2] == PCRE2_UNSET || ov[3] < ov[2] || ov[3] > cl)
                continue;
            dl = (uint32_t)(ov[3] - ov[2]);
            memcpy(d, cur + ov[2], dl);
        } else {
            return false;
        }
        cur = d;
        cl = dl;
        k ^= 1;
    }
    *out = cur;
    *olen = cl;
    return true;
}
