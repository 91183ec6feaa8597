/* detect_int.h -- internals shared by the matcher files (detect_engine.c,
 * match_payload.c, detect_fill.c). Users include detect/detect.h. */
#ifndef RIBAT_DETECT_INT_H
#define RIBAT_DETECT_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

#include "detect/detect.h"
#include "detect/rules.h"

/* per-thread state of the payload matcher */
#define DM_MAX_CAPS 16   /* capture variables recorded per rule evaluation */
#define DM_CAP_LEN 256   /* bytes kept per captured value */
#define DM_B64_MAX 65535 /* base64_decode: input bytes decoded at most (bytes default, as Suricata) */
#define DM_PCRE_MATCH_LIMIT 3500 /* PCRE2 limits when the rule/config gives none (Suricata's defaults) */
#define DM_PCRE_DEPTH_LIMIT 1500

typedef struct dm_thread {
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit;
    uint32_t *ends;          /* per element end offset (backtracking) */
    struct dm_frame *frames; /* backtracking stack */
    uint32_t cap;            /* elements the arrays hold */
    uint8_t *tbuf[2];        /* transform output buffers */
    uint8_t *b64;            /* base64_decode output (DM_B64_MAX bytes) */
    uint32_t tcap[2];
    uint64_t pcre_limit_hits;
    bool dce_big_endian;     /* byte_* dce: the inspected DCE/RPC transaction is big-endian */
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
 * b64[0..n_b64) are the rule's base64_data options: a base64_decode among opts
 * decodes (into the thread's b64 buffer) and matches when they all match the
 * decoded data; it ends the inspection of buf (the options after it are not
 * looked at, as Suricata: base64_data is terminal). Returns true on match. */
bool dm_inspect(dm_thread *t, const rule *r, const uint16_t *opts, uint32_t n, const uint8_t *buf, uint32_t len,
                uint64_t base, uint32_t need_end, uint64_t *vars, const uint16_t *b64, uint32_t n_b64);

/* Apply the transforms opts[0..n) (RO_TRANSFORM) to in; the result is valid until
 * the next call. Returns false for an unsupported transform. */
bool dm_transform(dm_thread *t, const rule *r, const uint16_t *opts, uint32_t n, const uint8_t *in, uint32_t len,
                  const uint8_t **out, uint32_t *olen);
bool dm_transform_supported(const char *name);

/* A hexadecimal digit's value, -1 for another byte. */
static inline int dm_hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The first 2n characters of s as n bytes of hexadecimal (hash lists,
 * datasets); false when one is not a hex digit. */
static inline bool dm_parse_hex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int a = dm_hexval((unsigned char)s[2 * i]), b = a < 0 ? -1 : dm_hexval((unsigned char)s[2 * i + 1]);
        if (a < 0 || b < 0)
            return false;
        out[i] = (uint8_t)(a << 4 | b);
    }
    return true;
}

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

/* ---- file keywords (match_file.c) ---- */
enum { FK_NAME = 0, FK_EXT, FK_SIZE, FK_MD5, FK_SHA1, FK_SHA256, FK_STORE, FK_MAGIC, FK_N };
#define HASHLIST_MAX 10000000u /* hashes in one list */

typedef struct hashlist {
    char *path;       /* as resolved (lists are shared by path) */
    int hlen;         /* 16, 20 or 32 bytes */
    uint8_t *h;       /* n sorted hashes */
    uint32_t n;
} hashlist;

struct http_file;
/* A list file (hash lists, datasets): a regular file opened for reading, or
 * NULL with a message in err (devices and FIFOs are refused: they never end). */
FILE *detect_open_list(const char *path, char *err, size_t errlen);
int file_kw_kind(const char *kw);                 /* FK_*, or -1 */
int file_hash_len(int kind);                      /* 16 / 20 / 32 for the hash kinds, else 0 */
char *file_kw_value(char *arg, bool *negated);    /* strips !, quotes and blanks (in place) */
int hashlist_load(hashlist *hl, const char *path, int hlen, char *err, size_t errlen);
void hashlist_free(hashlist *hl);
bool hashlist_has(const hashlist *hl, const uint8_t *h);
bool file_opt_match(const rule_opt *o, int kind, const char *value, bool negated, const hashlist *hl,
                    const struct http_file *f);

/* ---- datasets (dataset.c) ---- */
enum { DS_STRING = 0, DS_MD5, DS_SHA256, DS_IPV4, DS_IP };

typedef struct dataset {
    char *name;
    int type;                 /* DS_* */
    uint64_t memcap;
    pthread_rwlock_t lock;
    struct ds_slot { uint64_t hash, off; uint32_t len; int32_t rep; bool removed; } *slots;
    uint64_t mask, used, count;
    uint8_t *arena;
    uint64_t arena_len, arena_cap;
    uint64_t memcap_hits;
    char *save;               /* written at the end (save / state), or NULL */
    bool dirty;
} dataset;

int dataset_type_of(const char *t);           /* DS_*, or -1 */
dataset *dataset_new(const char *name, int type, uint64_t memcap, uint64_t hashsize);
void dataset_free(dataset *d);
int dataset_load(dataset *d, const char *path, bool with_rep, char *err, size_t errlen);
int dataset_save(dataset *d, char *err, size_t errlen);
int dataset_add(dataset *d, const uint8_t *p, size_t n); /* 1 added, 0 present, -1 full */
bool dataset_remove(dataset *d, const uint8_t *p, size_t n);
bool dataset_lookup(dataset *d, const uint8_t *p, size_t n, int32_t *rep);
bool dataset_eval(const rule_dataset *rd, const uint8_t *buf, uint32_t len);

#endif
