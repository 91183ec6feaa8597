/* match_file.c -- the file keywords: filename, fileext, filesize, filemd5,
 * filesha1, filesha256 and filestore, checked against the files of a
 * transaction (HTTP uploads and downloads).
 *
 * A rule with file keywords matches a transaction when one of its files in the
 * inspected direction satisfies all of them (detect_engine.c: files_match).
 * Hash lists (filemd5:LIST) are read once when the engine is built: one
 * hexadecimal hash per line, '#' comments and blank lines ignored; they are
 * kept sorted and searched with bsearch. */
#include "detect/detect_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "applayer/http.h"

int file_kw_kind(const char *kw)
{
    static const char *const names[FK_N] = {
        [FK_NAME] = "filename", [FK_EXT] = "fileext", [FK_SIZE] = "filesize", [FK_MD5] = "filemd5",
        [FK_SHA1] = "filesha1", [FK_SHA256] = "filesha256", [FK_STORE] = "filestore", [FK_MAGIC] = "filemagic",
    };
    for (int k = 0; k < FK_N; k++)
        if (names[k] && !strcmp(kw, names[k]))
            return k;
    return -1;
}

int file_hash_len(int kind)
{
    return kind == FK_MD5 ? 16 : kind == FK_SHA1 ? 20 : kind == FK_SHA256 ? 32 : 0;
}

/* "!"? then a quoted or bare value; returns the value (in place) */
char *file_kw_value(char *arg, bool *negated)
{
    *negated = false;
    while (*arg == ' ')
        arg++;
    if (*arg == '!') {
        *negated = true;
        arg++;
    }
    while (*arg == ' ')
        arg++;
    size_t n = strlen(arg);
    while (n && arg[n - 1] == ' ')
        arg[--n] = 0;
    if (n >= 2 && arg[0] == '"' && arg[n - 1] == '"') {
        arg[n - 1] = 0;
        arg++;
    }
    return arg;
}

static int cmp_hash16(const void *a, const void *b) { return memcmp(a, b, 16); }
static int cmp_hash20(const void *a, const void *b) { return memcmp(a, b, 20); }
static int cmp_hash32(const void *a, const void *b) { return memcmp(a, b, 32); }

static int (*cmp_of(int hlen))(const void *, const void *)
{
    return hlen == 16 ? cmp_hash16 : hlen == 20 ? cmp_hash20 : cmp_hash32;
}

FILE *detect_open_list(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", path);
        return NULL;
    }
    FILE *fp = fopen(path, "r");
    if (!fp)
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return fp;
}

int hashlist_load(hashlist *hl, const char *path, int hlen, char *err, size_t errlen)
{
    memset(hl, 0, sizeof *hl);
    hl->hlen = hlen;
    FILE *fp = detect_open_list(path, err, errlen);
    if (!fp)
        return -1;
    char line[512];
    uint32_t lineno = 0, cap = 0;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        if (!*s || *s == '#')
            continue;
        if (hl->n == HASHLIST_MAX) {
            snprintf(err, errlen, "%s: more than %u hashes", path, HASHLIST_MAX);
            goto fail;
        }
        if (hl->n == cap) {
            uint32_t nc = cap ? cap * 2 : 64;
            uint8_t *nh = realloc(hl->h, (size_t)nc * (size_t)hlen);
            if (!nh) {
                snprintf(err, errlen, "%s: out of memory", path);
                goto fail;
            }
            hl->h = nh;
            cap = nc;
        }
        uint8_t *dst = hl->h + (size_t)hl->n * (size_t)hlen;
        if (!dm_parse_hex(s, dst, (size_t)hlen)) {
            snprintf(err, errlen, "%s:%u: not a %d-character hexadecimal hash", path, lineno, 2 * hlen);
            goto fail;
        }
        char end = s[2 * hlen];
        if (end && !isspace((unsigned char)end) && end != ',' && end != '#') {
            snprintf(err, errlen, "%s:%u: not a %d-character hexadecimal hash", path, lineno, 2 * hlen);
            goto fail;
        }
        hl->n++;
    }
    fclose(fp);
    if (hl->n)
        qsort(hl->h, hl->n, (size_t)hlen, cmp_of(hlen));
    return 0;
fail:
    fclose(fp);
    free(hl->h);
    hl->h = NULL;
    hl->n = 0;
    return -1;
}

void hashlist_free(hashlist *hl)
{
    free(hl->h);
    memset(hl, 0, sizeof *hl);
}

bool hashlist_has(const hashlist *hl, const uint8_t *h)
{
    return hl->n && bsearch(h, hl->h, hl->n, (size_t)hl->hlen, cmp_of(hl->hlen)) != NULL;
}

/* case-insensitive substring */
static bool contains_nocase(const uint8_t *h, size_t hn, const char *n)
{
    size_t nn = strlen(n);
    if (nn == 0)
        return true;
    for (size_t i = 0; i + nn <= hn; i++)
        if (strncasecmp((const char *)h + i, n, nn) == 0)
            return true;
    return false;
}

bool file_opt_match(const rule_opt *o, int kind, const char *value, bool negated, const hashlist *hl,
                    const http_file *f)
{
    bool m;
    switch (kind) {
    case FK_NAME:
        m = f->filename.ptr && contains_nocase(f->filename.ptr, f->filename.len, value);
        break;
    case FK_EXT: {
        size_t vn = strlen(value), fn = f->filename.len;
        m = f->filename.ptr && fn > vn && f->filename.ptr[fn - vn - 1] == '.' &&
            strncasecmp((const char *)f->filename.ptr + fn - vn, value, vn) == 0;
        break;
    }
    case FK_SIZE:
        /* the size is final once the file is closed */
        return f->state != HTTP_FILE_OPEN && dm_cmp(&o->u.num, f->size);
    case FK_MD5: case FK_SHA1: case FK_SHA256: {
        const uint8_t *h = kind == FK_MD5 ? (f->has_md5 ? f->md5 : NULL)
                         : kind == FK_SHA1 ? (f->has_sha1 ? f->sha1 : NULL) : (f->has_sha256 ? f->sha256 : NULL);
        if (!h || !hl)
            return false; /* no hash yet (the file is not closed): nothing to judge */
        m = hashlist_has(hl, h);
        break;
    }
    case FK_STORE:
        return true; /* ribat does not store files; the rule still matches */
    case FK_MAGIC:
        /* the type libmagic gives the file's first bytes (applayer/filemagic.h);
         * not known yet (or no database): nothing to judge */
        if (!f->magic)
            return false;
        m = contains_nocase((const uint8_t *)f->magic, strlen(f->magic), value);
        break;
    default:
        return false;
    }
    return negated ? !m : m;
}
