/* pcapfile.c -- capture files through libpcap; see capture.h */
#include "capture/capture.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Classic pcap files are read by a small reader of our own over mmap: no
 * copy of the records (measured in bench/README.md: the libpcap path copies
 * every record into its buffer), and several workers can scan the same file
 * at once. pcapng and anything unusual go through libpcap. */
/* Pages are given back (madvise) in steps of at least this many bytes: one
 * call for many pages. */
#define RELEASE_STEP ((size_t)16 << 20)

typedef struct mm_file {
    const uint8_t *base;
    size_t size, off;
    size_t released;    /* bytes from the start already given back (madvise) */
    bool swapped, nsec;
    int linktype;
    uint32_t snaplen;
} mm_file;

struct rb_capture {
    char **files;
    size_t nfiles, next_file;
    bool use_mmap;      /* allowed to use the mmap reader */
    bool quiet;         /* do not report damaged files (another reader does) */
    bool hold;          /* records stay valid until capture_close() (CAPTURE_HOLD) */
    bool keep;          /* files stay mapped until capture_close() (CAPTURE_KEEP or HOLD) */
    uint64_t pos_base;  /* input position (rb_record.pos) of the current mapped file's byte 0 */
    mm_file *old;       /* kept mappings of finished files (CAPTURE_KEEP, CAPTURE_HOLD) */
    size_t nold;
    size_t hold_off;    /* CAPTURE_HOLD: pages of the current file from here on are kept (capture_hold_from) */
    mm_file mm;
    bool mm_open;
    pcap_t *dead;       /* for BPF compilation in mmap mode */
    pcap_t *pc;
    char *bpf;
    struct bpf_program prog;
    bool have_prog;
    const char *cur_name;
    int linktype;
    bool errors;
    rb_capture_stats st;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_folder(rb_capture *c, const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot open folder %s: %s", dir, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        size_t n = strlen(dir) + strlen(de->d_name) + 2;
        char *path = malloc(n);
        if (!path)
            break;
        snprintf(path, n, "%s/%s", dir, de->d_name);
        struct stat sb;
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            free(path);
            continue;
        }
        if (c->nfiles == cap) {
            cap = cap ? cap * 2 : 16;
            char **nf = realloc(c->files, cap * sizeof *nf);
            if (!nf) {
                free(path);
                break;
            }
            c->files = nf;
        }
        c->files[c->nfiles++] = path;
    }
    closedir(d);
    qsort(c->files, c->nfiles, sizeof *c->files, cmp_str);
    if (c->nfiles == 0) {
        snprintf(err, errlen, "folder %s holds no capture files", dir);
        return -1;
    }
    return 0;
}

static uint32_t rd32le(const uint8_t *b) { return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24); }
static uint32_t bswap32(uint32_t v) { return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24); }

/* The magic number of a classic pcap file: 0 = not one */
static int classic_magic(const uint8_t *b, size_t n, bool *swapped, bool *nsec)
{
    if (n < 24)
        return 0;
    uint32_t m = rd32le(b);
    switch (m) {
    case 0xa1b2c3d4: *swapped = false; *nsec = false; return 1;
    case 0xa1b23c4d: *swapped = false; *nsec = true; return 1;
    case 0xd4c3b2a1: *swapped = true; *nsec = false; return 1;
    case 0x4d3cb2a1: *swapped = true; *nsec = true; return 1;
    default: return 0;
    }
}

static int mm_open(mm_file *m, const char *name)
{
    /* only regular files are mapped: opening a FIFO here would consume its
     * writer's data and leave libpcap's own open waiting for ever */
    struct stat st0;
    if (stat(name, &st0) != 0 || !S_ISREG(st0.st_mode))
        return -1;
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_size < 24) {
        close(fd);
        return -1;
    }
    void *base = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (base == MAP_FAILED)
        return -1;
    memset(m, 0, sizeof *m);
    m->base = base;
    m->size = (size_t)sb.st_size;
    if (!classic_magic(m->base, m->size, &m->swapped, &m->nsec)) {
        munmap(base, m->size);
        return -1;
    }
    uint32_t lt = rd32le(m->base + 20), sl = rd32le(m->base + 16);
    if (m->swapped) {
        lt = bswap32(lt);
        sl = bswap32(sl);
    }
    m->linktype = (int)(lt & 0x0fffffff);
    m->snaplen = sl;
    m->off = 24;
    madvise(base, m->size, MADV_SEQUENTIAL);
    return 0;
}

static void mm_close(mm_file *m)
{
    if (m->base)
        munmap((void *)m->base, m->size);
    memset(m, 0, sizeof *m);
}

bool capture_path_is_classic_pcap(const char *path)
{
    uint8_t hdr[24];
    struct stat st0;
    if (stat(path, &st0) != 0 || !S_ISREG(st0.st_mode))
        return false; /* a FIFO must be opened once only (see mm_open) */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, hdr, sizeof hdr);
    close(fd);
    bool sw, ns;
    return n == (ssize_t)sizeof hdr && classic_magic(hdr, sizeof hdr, &sw, &ns);
}

/* Open the next file; returns 0 on success, -1 when none is left. */
static int open_next(rb_capture *c, char *err, size_t errlen)
{
    while (c->next_file < c->nfiles) {
        const char *name = c->files[c->next_file++];
        char ebuf[PCAP_ERRBUF_SIZE] = "";
        if (c->use_mmap && mm_open(&c->mm, name) == 0) {
            if (c->bpf) {
                if (c->dead)
                    pcap_close(c->dead);
                c->dead = pcap_open_dead(c->mm.linktype, 262144);
                if (c->have_prog) {
                    pcap_freecode(&c->prog);
                    c->have_prog = false;
                }
                if (!c->dead || pcap_compile(c->dead, &c->prog, c->bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
                    snprintf(err ? err : ebuf, err ? errlen : sizeof ebuf, "invalid BPF filter '%s': %s", c->bpf,
                             c->dead ? pcap_geterr(c->dead) : "out of memory");
                    if (!err)
                        rb_error("%s", ebuf);
                    mm_close(&c->mm);
                    c->errors = true;
                    return -1;
                }
                c->have_prog = true;
            }
            c->mm_open = true;
            c->hold_off = 0; /* nothing of a new file is given back before the engine says so */
            c->cur_name = name;
            c->linktype = c->mm.linktype;
            c->st.files++;
            return 0;
        }
        pcap_t *pc = pcap_open_offline_with_tstamp_precision(name, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
        if (!pc) {
            c->errors = true;
            c->st.files_failed++;
            if (err && c->nfiles == 1) {
                snprintf(err, errlen, "cannot read capture %s: %s", name, ebuf);
                return -1;
            }
            rb_error("cannot read capture %s: %s", name, ebuf);
            continue;
        }
        if (c->bpf) {
            if (c->have_prog) {
                pcap_freecode(&c->prog);
                c->have_prog = false;
            }
            if (pcap_compile(pc, &c->prog, c->bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
                snprintf(err ? err : ebuf, err ? errlen : sizeof ebuf, "invalid BPF filter '%s': %s",
                         c->bpf, pcap_geterr(pc));
                if (!err)
                    rb_error("%s", ebuf);
                pcap_close(pc);
                c->errors = true;
                return -1;
            }
            c->have_prog = true;
        }
        c->pc = pc;
        c->cur_name = name;
        c->linktype = pcap_datalink(pc);
        c->st.files++;
        return 0;
    }
    return -1;
}

rb_capture *capture_open(const char *path, const char *bpf, char *err, size_t errlen)
{
    return capture_open_ex(path, bpf, CAPTURE_MMAP, err, errlen);
}

rb_capture *capture_open_ex(const char *path, const char *bpf, unsigned flags, char *err, size_t errlen)
{
    rb_capture *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->use_mmap = (flags & CAPTURE_MMAP) != 0;
    c->quiet = (flags & CAPTURE_QUIET) != 0;
    c->hold = (flags & CAPTURE_HOLD) != 0;
    c->keep = c->hold || (flags & CAPTURE_KEEP) != 0;
    if (bpf && *bpf)
        c->bpf = strdup(bpf);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        snprintf(err, errlen, "cannot read capture %s: %s", path, strerror(errno));
        capture_close(c);
        return NULL;
    }
    if (S_ISDIR(sb.st_mode)) {
        if (list_folder(c, path, err, errlen) != 0) {
            capture_close(c);
            return NULL;
        }
    } else {
        c->files = malloc(sizeof *c->files);
        if (!c->files || !(c->files[0] = strdup(path))) {
            snprintf(err, errlen, "out of memory");
            capture_close(c);
            return NULL;
        }
        c->nfiles = 1;
    }
    if (open_next(c, err, errlen) != 0) {
        if (c->nfiles > 1 || !err[0])
            snprintf(err, errlen, "no readable capture in %s", path);
        capture_close(c);
        return NULL;
    }
    return c;
}

typedef struct mm_hdr {
    uint32_t sec, frac, caplen, wirelen;
} mm_hdr;

/* The record header at `off`: 1 a record, 0 the end of the file, -1 damaged.
 * The one rule of what a sound record is, for the serial reader and the
 * parallel walks alike. */
static int mm_header(const mm_file *m, size_t off, mm_hdr *r)
{
    if (off == m->size)
        return 0;
    if (m->size - off < 16)
        return -1;
    const uint8_t *h = m->base + off;
    r->sec = rd32le(h);
    r->frac = rd32le(h + 4);
    r->caplen = rd32le(h + 8);
    r->wirelen = rd32le(h + 12);
    if (m->swapped) {
        r->sec = bswap32(r->sec);
        r->frac = bswap32(r->frac);
        r->caplen = bswap32(r->caplen);
        r->wirelen = bswap32(r->wirelen);
    }
    /* libpcap's own sanity limit on a record */
    if (r->caplen > 262144 && r->caplen > m->snaplen)
        return -1;
    if (m->size - off - 16 < r->caplen)
        return -1;
    return 1;
}

/* the BPF filter, when there is one, keeps this record */
static bool mm_filter_keeps(const rb_capture *c, const mm_hdr *h, const uint8_t *data)
{
    if (!c->have_prog)
        return true;
    struct pcap_pkthdr ph;
    ph.caplen = h->caplen;
    ph.len = h->wirelen;
    ph.ts.tv_sec = h->sec;
    ph.ts.tv_usec = (suseconds_t)(c->mm.nsec ? h->frac / 1000 : h->frac);
    return pcap_offline_filter(&c->prog, &ph, data) != 0;
}

/* 1: a record; 0: end of this file; -1: damaged */
static int mm_next(rb_capture *c, rb_record *rec)
{
    mm_file *m = &c->mm;
    for (;;) {
        mm_hdr hd;
        int r = mm_header(m, m->off, &hd);
        if (r <= 0)
            return r;
        const uint8_t *h = m->base + m->off;
        uint32_t sec = hd.sec, frac = hd.frac, caplen = hd.caplen, wirelen = hd.wirelen;
        rec->data = h + 16;
        rec->caplen = caplen;
        rec->wirelen = wirelen;
        rec->ts_sec = sec;
        rec->ts_usec = (int32_t)(m->nsec ? frac / 1000 : frac);
        rec->linktype = m->linktype;
        rec->file = c->cur_name;
        rec->stable = c->keep;
        rec->pos = c->pos_base + m->off + 16;
        m->off += 16 + (size_t)caplen;
        /* the next record's header: nothing reads the bytes between (payloads
         * are held by reference), so the hardware prefetcher does not bring it */
        if (m->size - m->off >= 16)
            __builtin_prefetch(m->base + m->off);
        /* drop the pages already read from this reader's view, so that a big
         * capture does not count as resident memory (the page cache keeps them) */
        /* With CAPTURE_HOLD, workers read records behind the cursor: pages are
         * given back only before the oldest record a worker may still read
         * (capture_hold_from). A page given back and read again would be
         * faulted in from the page cache and stay resident to the end. */
        size_t lag = (size_t)CAPTURE_RELEASE_LAG;
        if (m->off - m->released > lag + RELEASE_STEP) {
            size_t upto = (m->off - lag) & ~(size_t)4095;
            /* ... and a lag before the oldest record a worker has still to
             * read: its segments held by reference reach back that far */
            size_t held = (c->hold_off > lag ? c->hold_off - lag : 0) & ~(size_t)4095;
            if (c->hold && held < upto)
                upto = held;
            if (upto > m->released) {
                madvise((void *)(m->base + m->released), upto - m->released, MADV_DONTNEED);
                c->st.released += upto - m->released;
                m->released = upto;
            }
        }
        if (!mm_filter_keeps(c, &hd, rec->data)) {
            c->st.filtered++;
            continue;
        }
        return 1;
    }
}

/* the mapped file is damaged at `off`: reported once, counted */
static void mm_damaged(rb_capture *c, uint64_t off)
{
    if (!c->quiet)
        rb_warn("capture %s is damaged after record %llu (offset %llu): truncated or invalid record; "
                "the records before it were processed",
                c->cur_name, (unsigned long long)c->st.records, (unsigned long long)off);
    c->st.truncated_files++;
    c->errors = true;
}

int capture_next(rb_capture *c, rb_record *rec)
{
    while (c->mm_open) {
        int r = mm_next(c, rec);
        if (r == 1) {
            c->st.records++;
            c->st.bytes += rec->caplen;
            return 1;
        }
        if (r < 0)
            mm_damaged(c, c->mm.off);
        /* the next file's positions start beyond the release lag: what a
         * reader of rec.pos keeps of this file is at least that far behind */
        c->pos_base += c->mm.size + CAPTURE_RELEASE_LAG;
        if (c->keep) {
            /* workers may still read records of this file: keep it mapped, pages given back */
            mm_file *no = realloc(c->old, (c->nold + 1) * sizeof *no);
            madvise((void *)c->mm.base, c->mm.size, MADV_DONTNEED);
            if (no) {
                c->old = no;
                c->old[c->nold++] = c->mm;
            }
            /* (out of memory: the mapping is left in place, never unmapped,
             * since records of it may still be read) */
            memset(&c->mm, 0, sizeof c->mm);
        } else {
            mm_close(&c->mm);
        }
        c->mm_open = false;
        if (open_next(c, NULL, 0) != 0)
            return 0;
    }
    while (c->pc) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int r = pcap_next_ex(c->pc, &h, &data);
        if (r == 1) {
            if (c->have_prog && pcap_offline_filter(&c->prog, h, data) == 0) {
                c->st.filtered++;
                continue;
            }
            c->st.records++;
            c->st.bytes += h->caplen;
            rec->data = data;
            rec->caplen = h->caplen;
            rec->wirelen = h->len;
            rec->ts_sec = h->ts.tv_sec;
            rec->ts_usec = (int32_t)h->ts.tv_usec;
            rec->linktype = c->linktype;
            rec->file = c->cur_name;
            rec->stable = false; /* libpcap's buffer is reused */
            rec->pos = 0;
            return 1;
        }
        if (r == PCAP_ERROR) {
            if (!c->quiet)
                rb_warn("capture %s is damaged after record %llu: %s; the records before it were processed",
                        c->cur_name, (unsigned long long)c->st.records, pcap_geterr(c->pc));
            c->st.truncated_files++;
            c->errors = true;
        }
        pcap_close(c->pc);
        c->pc = NULL;
        if (open_next(c, NULL, 0) != 0)
            break;
        if (c->mm_open)
            return capture_next(c, rec);
    }
    return 0;
}

const rb_capture_stats *capture_stats(const rb_capture *c)
{
    return &c->st;
}

void capture_hold_from(rb_capture *c, const uint8_t *const *oldest, int n)
{
    if (!c || !c->mm_open)
        return;
    uintptr_t b0 = (uintptr_t)c->mm.base;
    size_t off = c->mm.off;
    for (int i = 0; i < n; i++) {
        if (!oldest[i])
            continue;
        uintptr_t h = (uintptr_t)oldest[i];
        if (h < b0 || h >= b0 + c->mm.size)
            off = 0; /* a worker is still in an earlier file: all of this one is ahead of it */
        else if (h - b0 < off)
            off = (size_t)(h - b0);
    }
    c->hold_off = off;
}

/* ------------------------------------------------------------------------ */
/* parallel walks over one mapped file (see capture.h) */

bool capture_splittable(const rb_capture *c)
{
    return c && c->nfiles == 1 && c->mm_open && c->keep && c->mm.off == 24 && c->st.records == 0;
}

void capture_split_info(const rb_capture *c, const uint8_t **base, uint64_t *size, uint64_t *first, int *linktype)
{
    *base = c->mm.base;
    *size = c->mm.size;
    *first = 24;
    *linktype = c->mm.linktype;
}

/* Records a guess must chain before it is believed (or reach the file's end),
 * and how far into a chunk a guess is looked for: past that (a record longer
 * than 64 KiB, or hostile bytes), the chunk waits for the walk before it. */
#define RESYNC_CHAIN 8
#define RESYNC_SCAN (64u * 1024u)

/* A record header that a capture would hold: its fields in range, its time
 * within a day of the chain's first. Strict on purpose: a wrong guess costs
 * only a second walk of the chunk, but a guess that is never made costs the
 * same, so both are rare with real captures. */
static bool resync_plausible(const mm_file *m, const mm_hdr *h, uint32_t t0, bool first)
{
    if (h->frac >= (m->nsec ? 1000000000u : 1000000u))
        return false;
    if (h->caplen == 0 || h->caplen > h->wirelen || h->wirelen > (16u << 20))
        return false;
    if (m->snaplen && h->caplen > m->snaplen)
        return false;
    if (!first && (h->sec + 86400u < t0 || h->sec > t0 + 86400u))
        return false;
    return true;
}

uint64_t capture_resync(const rb_capture *c, uint64_t lo, uint64_t hi)
{
    const mm_file *m = &c->mm;
    if (lo < 24)
        lo = 24;
    if (hi > m->size)
        hi = m->size;
    if (hi > lo && hi - lo > RESYNC_SCAN)
        hi = lo + RESYNC_SCAN;
    for (uint64_t p = lo; p < hi; p++) {
        mm_hdr h;
        if (mm_header(m, (size_t)p, &h) != 1 || !resync_plausible(m, &h, h.sec, true))
            continue;
        uint32_t t0 = h.sec;
        size_t q = (size_t)p + 16 + h.caplen;
        int k = 1;
        for (; k < RESYNC_CHAIN; k++) {
            int r = mm_header(m, q, &h);
            if (r == 0) {
                k = RESYNC_CHAIN; /* the chain ends exactly at the file's end */
                break;
            }
            if (r < 0 || !resync_plausible(m, &h, t0, false))
                break;
            q += 16 + h.caplen;
        }
        if (k == RESYNC_CHAIN)
            return p;
    }
    return UINT64_MAX;
}

/* at most CAPTURE_WALK_MAX walks at once (capture_walk_chunks) */
static void walk_group(const rb_capture *c, int k, const uint64_t *start, const uint64_t *limit,
                       capture_visit visit, void *const *arg, capture_walk *out)
{
    const mm_file *m = &c->mm;
    size_t off[CAPTURE_WALK_MAX];
    int live[CAPTURE_WALK_MAX], nlive = 0;
    for (int j = 0; j < k; j++) {
        memset(&out[j], 0, sizeof out[j]);
        out[j].max_sec = -1;
        off[j] = (size_t)start[j];
        if (off[j] < limit[j])
            live[nlive++] = j;
        else
            out[j].end = off[j];
    }
    /* one record of each walk in turn: each step of a walk waits for the
     * header its last step found, a miss to memory, but the k walks' misses
     * are independent and overlap */
    while (nlive > 0) {
        for (int i = 0; i < nlive;) {
            int j = live[i];
            mm_hdr h;
            int r = mm_header(m, off[j], &h);
            if (r <= 0) {
                out[j].damaged = r < 0;
                out[j].end = off[j];
                live[i] = live[--nlive];
                continue;
            }
            const uint8_t *data = m->base + off[j] + 16;
            size_t next = off[j] + 16 + h.caplen;
            /* the next record's first two lines: its header, and the IP
             * addresses that visit() reads (bytes 42-49 of an Ethernet IPv4
             * record: in the second line unless the record starts in the
             * first 15 bytes of one). The bytes between are not read here. */
            if (m->size - next >= 16) {
                __builtin_prefetch(m->base + next);
                __builtin_prefetch(m->base + next + 64);
            }
            if (!mm_filter_keeps(c, &h, data)) {
                out[j].filtered++;
            } else {
                visit(arg[j], off[j], data, h.caplen);
                out[j].records++;
                out[j].bytes += h.caplen;
                if ((int64_t)h.sec > out[j].max_sec)
                    out[j].max_sec = h.sec;
            }
            off[j] = next;
            if (next >= limit[j]) {
                out[j].end = next;
                live[i] = live[--nlive];
                continue;
            }
            i++;
        }
    }
}

void capture_walk_chunks(const rb_capture *c, int k, const uint64_t *start, const uint64_t *limit,
                         capture_visit visit, void *const *arg, capture_walk *out)
{
    /* more walks than one group holds: in groups, one after the other */
    for (int j = 0; j < k; j += CAPTURE_WALK_MAX) {
        int g = k - j < CAPTURE_WALK_MAX ? k - j : CAPTURE_WALK_MAX;
        walk_group(c, g, start + j, limit + j, visit, arg + j, out + j);
    }
}

void capture_walk_chunk(const rb_capture *c, uint64_t start, uint64_t limit, capture_visit visit, void *arg,
                        capture_walk *out)
{
    capture_walk_chunks(c, 1, &start, &limit, visit, &arg, out);
}

void capture_record_at(const rb_capture *c, uint64_t off, rb_record *rec)
{
    const mm_file *m = &c->mm;
    mm_hdr h;
    mm_header(m, (size_t)off, &h); /* a record a walk visited: sound */
    rec->data = m->base + off + 16;
    rec->caplen = h.caplen;
    rec->wirelen = h.wirelen;
    rec->ts_sec = h.sec;
    rec->ts_usec = (int32_t)(m->nsec ? h.frac / 1000 : h.frac);
    rec->linktype = m->linktype;
    rec->file = c->cur_name;
    rec->stable = true;
    rec->pos = c->pos_base + off + 16;
}

void capture_split_release(rb_capture *c, uint64_t off)
{
    mm_file *m = &c->mm;
    if (off > m->size)
        off = m->size;
    size_t upto = (size_t)off & ~(size_t)4095;
    /* in steps of RELEASE_STEP, as the serial reader: with several threads
     * each call interrupts the others' cores to flush their TLBs */
    if (upto > m->released + RELEASE_STEP) {
        madvise((void *)(m->base + m->released), upto - m->released, MADV_DONTNEED);
        c->st.released += upto - m->released;
        m->released = upto;
    }
}

void capture_split_done(rb_capture *c, uint64_t records, uint64_t bytes, uint64_t filtered, bool damaged,
                        uint64_t damage_off)
{
    c->st.records = records;
    c->st.bytes = bytes;
    c->st.filtered = filtered;
    if (damaged)
        mm_damaged(c, damage_off);
}

bool capture_all_classic(const rb_capture *c)
{
    for (size_t i = 0; i < c->nfiles; i++)
        if (!capture_path_is_classic_pcap(c->files[i]))
            return false;
    return true;
}

bool capture_had_errors(const rb_capture *c)
{
    return c->errors;
}

void capture_close(rb_capture *c)
{
    if (!c)
        return;
    if (c->pc)
        pcap_close(c->pc);
    if (c->mm_open)
        mm_close(&c->mm);
    for (size_t i = 0; i < c->nold; i++)
        mm_close(&c->old[i]);
    free(c->old);
    if (c->dead)
        pcap_close(c->dead);
    if (c->have_prog)
        pcap_freecode(&c->prog);
    for (size_t i = 0; i < c->nfiles; i++)
        free(c->files[i]);
    free(c->files);
    free(c->bpf);
    free(c);
}
