/* pcapfile.c -- capture files through libpcap; see capture.h */
#include "capture/capture.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct rb_capture {
    char **files;
    size_t nfiles, next_file;
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

/* Open the next file; returns 0 on success, -1 when none is left. */
static int open_next(rb_capture *c, char *err, size_t errlen)
{
    while (c->next_file < c->nfiles) {
        const char *name = c->files[c->next_file++];
        char ebuf[PCAP_ERRBUF_SIZE] = "";
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
    rb_capture *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
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

int capture_next(rb_capture *c, rb_record *rec)
{
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
            return 1;
        }
        if (r == PCAP_ERROR) {
            rb_warn("capture %s is damaged after record %llu: %s; the records before it were processed",
                    c->cur_name, (unsigned long long)c->st.records, pcap_geterr(c->pc));
            c->st.truncated_files++;
            c->errors = true;
        }
        pcap_close(c->pc);
        c->pc = NULL;
        if (open_next(c, NULL, 0) != 0)
            break;
    }
    return 0;
}

const rb_capture_stats *capture_stats(const rb_capture *c)
{
    return &c->st;
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
    if (c->have_prog)
        pcap_freecode(&c->prog);
    for (size_t i = 0; i < c->nfiles; i++)
        free(c->files[i]);
    free(c->files);
    free(c->bpf);
    free(c);
}
