/* dataset.c -- datasets and data reputation (dataset:, datarep: keywords).
 *
 * A dataset is a named set of values (strings, MD5 or SHA-256 digests,
 * addresses) shared by every rule and every worker: `dataset:set,NAME` adds
 * the inspected buffer, `isset` / `isnotset` test it, `unset` removes it;
 * `datarep:NAME, >, 200` compares the reputation number loaded with a value.
 *
 * Storage: open addressing on a 64-bit hash, keys in one growing arena; a
 * read-write lock per set (lookups share it, `set` takes it exclusively: the
 * hot path of isset rules takes no exclusive lock). memcap bounds the arena
 * and table bytes, hashsize the starting table. Files use Suricata's formats:
 * one value per line, strings base64-encoded, digests in hex, optionally
 * followed by ",reputation". `load` reads at start, `save` writes at the end,
 * `state` does both. */
#include "detect/detect_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/base64.h"

#define DS_DEFAULT_MEMCAP (16ull << 20)
#define DS_MAX_KEY 4096u

static uint64_t ds_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, then a final mix */
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h | 1; /* 0 marks an empty slot */
}

int dataset_type_of(const char *t)
{
    if (!t || !strcmp(t, "string")) return DS_STRING;
    if (!strcmp(t, "md5")) return DS_MD5;
    if (!strcmp(t, "sha256")) return DS_SHA256;
    if (!strcmp(t, "ipv4")) return DS_IPV4;
    if (!strcmp(t, "ip") || !strcmp(t, "ipv6")) return DS_IP;
    return -1;
}

static const char *type_name(int t)
{
    static const char *const n[] = { "string", "md5", "sha256", "ipv4", "ip" };
    return t >= 0 && t < 5 ? n[t] : "?";
}

dataset *dataset_new(const char *name, int type, uint64_t memcap, uint64_t hashsize)
{
    dataset *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->name = strdup(name);
    d->type = type;
    d->memcap = memcap ? memcap : DS_DEFAULT_MEMCAP;
    uint64_t sz = 1024;
    while (sz < hashsize && sz < (1u << 24))
        sz <<= 1;
    d->slots = calloc(sz, sizeof *d->slots);
    d->mask = sz - 1;
    if (!d->name || !d->slots) {
        dataset_free(d);
        return NULL;
    }
    pthread_rwlock_init(&d->lock, NULL);
    return d;
}

void dataset_free(dataset *d)
{
    if (!d)
        return;
    if (d->slots)
        pthread_rwlock_destroy(&d->lock);
    free(d->name);
    free(d->slots);
    free(d->arena);
    free(d->save);
    free(d);
}

/* the slot of key (p, n), or of the empty slot where it would go */
static uint64_t find(const dataset *d, uint64_t h, const uint8_t *p, size_t n)
{
    uint64_t i = h & d->mask;
    for (;;) {
        const struct ds_slot *s = &d->slots[i];
        if (!s->hash)
            return i;
        if (s->hash == h && s->len == n && !memcmp(d->arena + s->off, p, n) && !s->removed)
            return i;
        i = (i + 1) & d->mask;
    }
}

static int grow_table(dataset *d)
{
    uint64_t nsz = (d->mask + 1) * 2;
    if (nsz * sizeof *d->slots + d->arena_cap > d->memcap)
        return -1;
    struct ds_slot *ns = calloc(nsz, sizeof *ns), *old = d->slots;
    if (!ns)
        return -1;
    uint64_t omask = d->mask;
    d->slots = ns;
    d->mask = nsz - 1;
    d->used = 0;
    for (uint64_t i = 0; i <= omask; i++) {
        if (!old[i].hash || old[i].removed)
            continue;
        uint64_t j = old[i].hash & d->mask;
        while (ns[j].hash)
            j = (j + 1) & d->mask;
        ns[j] = old[i];
        d->used++;
    }
    free(old);
    return 0;
}

/* add (caller holds the write lock): 1 added, 0 present, -1 memcap */
static int add_locked(dataset *d, const uint8_t *p, size_t n, int32_t rep)
{
    if (n > DS_MAX_KEY)
        return -1;
    uint64_t h = ds_hash(p, n);
    uint64_t i = find(d, h, p, n);
    if (d->slots[i].hash) {
        if (rep >= 0)
            d->slots[i].rep = rep;
        return 0;
    }
    if ((d->used + 1) * 4 > (d->mask + 1) * 3) {
        if (grow_table(d) < 0) {
            d->memcap_hits++;
            return -1;
        }
        i = find(d, h, p, n);
    }
    if (d->arena_len + n > d->arena_cap) {
        uint64_t nc = d->arena_cap ? d->arena_cap * 2 : 4096;
        while (nc < d->arena_len + n)
            nc *= 2;
        if ((d->mask + 1) * sizeof *d->slots + nc > d->memcap) {
            d->memcap_hits++;
            return -1;
        }
        uint8_t *na = realloc(d->arena, nc);
        if (!na)
            return -1;
        d->arena = na;
        d->arena_cap = nc;
    }
    memcpy(d->arena + d->arena_len, p, n);
    d->slots[i] = (struct ds_slot){ .hash = h, .off = d->arena_len, .len = (uint32_t)n, .rep = rep };
    d->arena_len += n;
    d->used++;
    d->count++;
    d->dirty = true;
    return 1;
}

int dataset_add(dataset *d, const uint8_t *p, size_t n)
{
    pthread_rwlock_wrlock(&d->lock);
    int r = add_locked(d, p, n, -1);
    pthread_rwlock_unlock(&d->lock);
    return r;
}

bool dataset_remove(dataset *d, const uint8_t *p, size_t n)
{
    pthread_rwlock_wrlock(&d->lock);
    uint64_t i = find(d, ds_hash(p, n), p, n);
    bool had = d->slots[i].hash != 0;
    if (had) {
        d->slots[i].removed = true; /* a tombstone keeps probe chains intact */
        d->count--;
        d->dirty = true;
    }
    pthread_rwlock_unlock(&d->lock);
    return had;
}

bool dataset_lookup(dataset *d, const uint8_t *p, size_t n, int32_t *rep)
{
    pthread_rwlock_rdlock(&d->lock);
    uint64_t i = find(d, ds_hash(p, n), p, n);
    bool has = d->slots[i].hash != 0;
    if (has && rep)
        *rep = d->slots[i].rep;
    pthread_rwlock_unlock(&d->lock);
    return has;
}

/* ---------------------------------------------------------------- files */

/* one value as the text form of its type -> bytes; length or -1 */
static long parse_value(int type, const char *s, size_t n, uint8_t *out, size_t cap)
{
    switch (type) {
    case DS_STRING:
        return rb_base64_decode_all(s, n, out, cap, false);
    case DS_MD5: case DS_SHA256: {
        size_t hl = type == DS_MD5 ? 16 : 32;
        if (n != 2 * hl || cap < hl || !dm_parse_hex(s, out, hl))
            return -1;
        return (long)hl;
    }
    case DS_IPV4: case DS_IP: {
        char tmp[64];
        if (n >= sizeof tmp || cap < 16)
            return -1;
        memcpy(tmp, s, n);
        tmp[n] = 0;
        uint8_t a6[16];
        if (inet_pton(AF_INET, tmp, out) == 1) {
            if (type == DS_IPV4)
                return 4;
            /* ip: IPv4 as ::ffff:a.b.c.d, as Suricata stores it */
            memset(a6, 0, 10);
            a6[10] = a6[11] = 0xff;
            memcpy(a6 + 12, out, 4);
            memcpy(out, a6, 16);
            return 16;
        }
        if (type == DS_IP && inet_pton(AF_INET6, tmp, out) == 1)
            return 16;
        return -1;
    }
    default:
        return -1;
    }
}

int dataset_load(dataset *d, const char *path, bool with_rep, char *err, size_t errlen)
{
    FILE *fp = detect_open_list(path, err, errlen);
    if (!fp)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    uint32_t lineno = 0;
    uint8_t val[DS_MAX_KEY];
    int rc = 0;
    pthread_rwlock_wrlock(&d->lock);
    while ((got = getline(&line, &cap, fp)) > 0) {
        lineno++;
        size_t n = (size_t)got;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = 0;
        if (!n || line[0] == '#')
            continue;
        char *comma = strchr(line, ',');
        int32_t rep = -1;
        size_t vn = comma ? (size_t)(comma - line) : n;
        if (comma) {
            char *e;
            long r = strtol(comma + 1, &e, 10);
            if (e == comma + 1 || r < 0 || r > 65535) {
                snprintf(err, errlen, "%s:%u: bad reputation", path, lineno);
                rc = -1;
                break;
            }
            rep = (int32_t)r;
        } else if (with_rep) {
            snprintf(err, errlen, "%s:%u: expected value,reputation", path, lineno);
            rc = -1;
            break;
        }
        long vl = parse_value(d->type, line, vn, val, sizeof val);
        if (vl < 0) {
            snprintf(err, errlen, "%s:%u: not a %s value", path, lineno, type_name(d->type));
            rc = -1;
            break;
        }
        if (add_locked(d, val, (size_t)vl, rep) < 0) {
            snprintf(err, errlen, "%s:%u: dataset %s is over its memcap (%llu bytes)", path, lineno, d->name,
                     (unsigned long long)d->memcap);
            rc = -1;
            break;
        }
    }
    d->dirty = false;
    pthread_rwlock_unlock(&d->lock);
    free(line);
    fclose(fp);
    return rc;
}

int dataset_save(dataset *d, char *err, size_t errlen)
{
    if (!d->save)
        return 0;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", d->save);
    FILE *fp = fopen(tmp, "w");
    if (!fp) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    pthread_rwlock_rdlock(&d->lock);
    char *txt = malloc(4 * (DS_MAX_KEY + 2) / 3 + 8);
    for (uint64_t i = 0; txt && i <= d->mask; i++) {
        const struct ds_slot *s = &d->slots[i];
        if (!s->hash || s->removed)
            continue;
        const uint8_t *v = d->arena + s->off;
        char ip[64];
        switch (d->type) {
        case DS_STRING:
            rb_base64_encode(v, s->len, txt);
            fputs(txt, fp);
            break;
        case DS_MD5: case DS_SHA256:
            for (uint32_t k = 0; k < s->len; k++)
                fprintf(fp, "%02x", v[k]);
            break;
        default:
            inet_ntop(s->len == 4 ? AF_INET : AF_INET6, v, ip, sizeof ip);
            fputs(ip, fp);
            break;
        }
        if (s->rep >= 0)
            fprintf(fp, ",%d", s->rep);
        fputc('\n', fp);
    }
    pthread_rwlock_unlock(&d->lock);
    free(txt);
    if (fclose(fp) != 0 || rename(tmp, d->save) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", d->save, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- matching */

bool dataset_eval(const rule_dataset *rd, const uint8_t *buf, uint32_t len)
{
    dataset *d = rd->ds;
    if (!d)
        return false;
    uint8_t mapped[16];
    if (d->type == DS_IPV4 && len != 4)
        return false; /* an IPv6 address (ip.src / ip.dst) is not in an ipv4 set */
    if (d->type == DS_IP && len == 4) {
        /* an IPv4 address (ip.src / ip.dst) as the ip set keeps it: ::ffff:a.b.c.d */
        memset(mapped, 0, 10);
        mapped[10] = mapped[11] = 0xff;
        memcpy(mapped + 12, buf, 4);
        buf = mapped;
        len = 16;
    }
    int32_t rep;
    switch (rd->cmd) {
    case RULE_DS_SET:
        return dataset_add(d, buf, len) == 1; /* matches when it was new */
    case RULE_DS_UNSET:
        return dataset_remove(d, buf, len);
    case RULE_DS_ISSET:
        return dataset_lookup(d, buf, len, NULL);
    case RULE_DS_ISNOTSET:
        return !dataset_lookup(d, buf, len, NULL);
    case RULE_DS_REP:
        if (!dataset_lookup(d, buf, len, &rep) || rep < 0)
            return false;
        switch (rd->rep_op) {
        case '<': return rep < rd->rep_value;
        case '>': return rep > rd->rep_value;
        case 'l': return rep <= rd->rep_value;
        case 'g': return rep >= rd->rep_value;
        default: return rep == rd->rep_value;
        }
    default:
        return false;
    }
}
