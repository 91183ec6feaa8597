/* filestore.c -- see filestore.h */
#include "output/filestore.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct filestore {
    filestore_config cfg;
    char root[2048];            /* the store's folder, resolved */
    uint64_t next_id;           /* temporary file numbers (atomic) */
    uint64_t open_now, max_hit, errors, stored; /* counters (atomic) */
};

struct fs_file {
    uint64_t id;
    int fd;                     /* -1: not held (max_open_files reached, or closed) */
    bool failed;                /* an error happened: the file is not stored */
    bool created;               /* the temporary file exists */
};

#define ADD(x, v) __atomic_add_fetch(&(x), (v), __ATOMIC_RELAXED)
#define SUB(x, v) __atomic_sub_fetch(&(x), (v), __ATOMIC_RELAXED)
#define GET(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

void filestore_config_default(filestore_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->dir, sizeof c->dir, "filestore");
}

static int mkdir_ok(const filestore_config *c, const char *p)
{
    if (mkdir(p, 0750) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (c->set_owner && chown(p, (uid_t)c->owner_uid, (gid_t)c->owner_gid) != 0)
                return -1;
            return 0;
        }
        errno = ENOTDIR;
    }
    return -1;
}

filestore *filestore_new(const filestore_config *cfg, const char *log_dir, char *err, size_t errlen)
{
    filestore *fs = calloc(1, sizeof *fs);
    if (!fs) {
        snprintf(err, errlen, "file-store: out of memory");
        return NULL;
    }
    fs->cfg = *cfg;
    const char *d = cfg->dir[0] ? cfg->dir : "filestore";
    int n = d[0] == '/' || !log_dir ? snprintf(fs->root, sizeof fs->root, "%s", d)
                                    : snprintf(fs->root, sizeof fs->root, "%s/%s", log_dir, d);
    if (n < 0 || (size_t)n >= sizeof fs->root - 80) {
        snprintf(err, errlen, "file-store: folder name too long");
        free(fs);
        return NULL;
    }
    char p[2200];
    if (mkdir_ok(cfg, fs->root) != 0) {
        snprintf(err, errlen, "file-store: cannot create %s: %s", fs->root, strerror(errno));
        free(fs);
        return NULL;
    }
    snprintf(p, sizeof p, "%s/tmp", fs->root);
    int bad = mkdir_ok(cfg, p);
    for (int i = 0; i < 256 && bad == 0; i++) {
        snprintf(p, sizeof p, "%s/%02x", fs->root, i);
        bad = mkdir_ok(cfg, p);
    }
    if (bad != 0) {
        snprintf(err, errlen, "file-store: cannot create %s: %s", p, strerror(errno));
        free(fs);
        return NULL;
    }
    return fs;
}

void filestore_free(filestore *fs)
{
    free(fs);
}

const filestore_config *filestore_get_config(const filestore *fs)
{
    return &fs->cfg;
}

static void tmp_path(const filestore *fs, const fs_file *f, char *out, size_t n)
{
    snprintf(out, n, "%s/tmp/file.%llu", fs->root, (unsigned long long)f->id);
}

static void give_up(filestore *fs, fs_file *f)
{
    if (!f->failed)
        ADD(fs->errors, 1);
    f->failed = true;
    if (f->fd >= 0) {
        close(f->fd);
        f->fd = -1;
        SUB(fs->open_now, 1);
    }
}

/* Get a descriptor for f: create the temporary file the first time, reopen
 * it for appending after it was let go at the open-files cap. */
static bool hold(filestore *fs, fs_file *f)
{
    if (f->fd >= 0)
        return true;
    char p[2300];
    tmp_path(fs, f, p, sizeof p);
    int flags = f->created ? O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW
                           : O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW;
    int fd = open(p, flags, 0640);
    if (fd < 0) {
        give_up(fs, f);
        return false;
    }
    f->created = true;
    f->fd = fd;
    ADD(fs->open_now, 1);
    return true;
}

/* Over the cap, a file does not keep its descriptor between chunks; with
 * max-open-files 0 (Suricata's default) no file keeps one. */
static void maybe_release(filestore *fs, fs_file *f)
{
    uint32_t cap = fs->cfg.max_open_files;
    if (f->fd >= 0 && (cap == 0 || GET(fs->open_now) > cap)) {
        if (cap)
            ADD(fs->max_hit, 1);
        close(f->fd);
        f->fd = -1;
        SUB(fs->open_now, 1);
    }
}

fs_file *filestore_open(filestore *fs)
{
    fs_file *f = calloc(1, sizeof *f);
    if (!f) {
        ADD(fs->errors, 1);
        return NULL;
    }
    f->fd = -1;
    f->id = ADD(fs->next_id, 1);
    if (!hold(fs, f)) {
        free(f);
        return NULL;
    }
    maybe_release(fs, f);
    return f;
}

void filestore_write(filestore *fs, fs_file *f, const uint8_t *p, size_t n)
{
    if (!f || f->failed || !n)
        return;
    if (!hold(fs, f))
        return;
    while (n) {
        ssize_t w = write(f->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            give_up(fs, f); /* disk full, quota, I/O error */
            return;
        }
        p += w;
        n -= (size_t)w;
    }
    maybe_release(fs, f);
}

void filestore_close_fd(filestore *fs, fs_file *f)
{
    if (f && f->fd >= 0) {
        if (close(f->fd) != 0)
            give_up(fs, f);
        f->fd = -1;
        SUB(fs->open_now, 1);
    }
}

bool filestore_failed(const fs_file *f)
{
    return !f || f->failed;
}

static void hex256(const uint8_t sha256[32], char hex[65])
{
    static const char d[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = d[sha256[i] >> 4];
        hex[2 * i + 1] = d[sha256[i] & 15];
    }
    hex[64] = 0;
}

bool filestore_finish(filestore *fs, fs_file *f, bool keep, const uint8_t sha256[32], uint64_t *id)
{
    if (!f)
        return false;
    filestore_close_fd(fs, f);
    char tmp[2300], fin[2400], hex[65];
    tmp_path(fs, f, tmp, sizeof tmp);
    if (id)
        *id = f->id;
    bool stored = false;
    if (keep && !f->failed && sha256) {
        hex256(sha256, hex);
        snprintf(fin, sizeof fin, "%s/%c%c/%s", fs->root, hex[0], hex[1], hex);
        struct stat st;
        if (stat(fin, &st) == 0) {
            /* the same content is stored already: keep the first copy */
            if (unlink(tmp) != 0)
                ADD(fs->errors, 1);
            stored = true;
        } else if (rename(tmp, fin) == 0) {
            stored = true;
        } else {
            ADD(fs->errors, 1);
            if (unlink(tmp) != 0)
                ADD(fs->errors, 1);
        }
        if (stored)
            ADD(fs->stored, 1);
    } else if (f->created && unlink(tmp) != 0) {
        ADD(fs->errors, 1);
    }
    free(f);
    return stored;
}

void filestore_write_fileinfo(filestore *fs, const uint8_t sha256[32], uint64_t id, uint64_t ts_sec,
                              const char *json, size_t len)
{
    if (!fs->cfg.write_fileinfo || !json)
        return;
    char hex[65], jp[2600];
    hex256(sha256, hex);
    snprintf(jp, sizeof jp, "%s/%c%c/%s.%llu.%llu.json", fs->root, hex[0], hex[1], hex,
             (unsigned long long)ts_sec, (unsigned long long)id);
    int fd = open(jp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    bool ok = fd >= 0 && write(fd, json, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    if (!ok)
        ADD(fs->errors, 1);
}

void filestore_get_stats(const filestore *fs, filestore_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!fs)
        return;
    filestore *m = (filestore *)fs;
    out->open_files = GET(m->open_now);
    out->open_files_max_hit = GET(m->max_hit);
    out->fs_errors = GET(m->errors);
    out->stored = GET(m->stored);
}
