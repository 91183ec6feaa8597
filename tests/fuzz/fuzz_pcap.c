/* libFuzzer harness: the capture file reader (libpcap's pcap/pcapng parsing as
 * ribat drives it) followed by the decoders on every record; then, for a
 * classic pcap, the parallel walks: a guessed first record from a few offsets
 * and a walk from it, which must stay in the file and, from a true record,
 * must visit exactly the serial reader's records from there on; and the same
 * walks at once (capture_walk_chunks), which must end where each alone ends. */
#include "capture/capture.h"
#include "decode/decode.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXREC 10000

typedef struct walked {
    uint64_t off[MAXREC];
    size_t n;
} walked;

static void count(void *arg, uint64_t off, const uint8_t *data, uint32_t caplen)
{
    (void)off;
    (void)data;
    (void)caplen;
    ++*(uint64_t *)arg;
}

static void visit(void *arg, uint64_t off, const uint8_t *data, uint32_t caplen)
{
    walked *w = arg;
    (void)data;
    (void)caplen;
    if (w->n < MAXREC)
        w->off[w->n++] = off;
}

static walked serial, split;

static void check_walks(const char *path)
{
    char err[256];
    rb_capture *c = capture_open_ex(path, NULL, CAPTURE_MMAP | CAPTURE_KEEP | CAPTURE_QUIET, err, sizeof err);
    if (!c)
        return;
    if (capture_splittable(c)) {
        serial.n = 0;
        rb_record rec;
        while (serial.n < MAXREC && capture_next(c, &rec) == 1)
            serial.off[serial.n++] = rec.pos - 16;
        bool more = serial.n == MAXREC;
        capture_close(c);
        c = capture_open_ex(path, NULL, CAPTURE_MMAP | CAPTURE_KEEP | CAPTURE_QUIET, err, sizeof err);
        if (!c || !capture_splittable(c)) {
            capture_close(c);
            return;
        }
        const uint8_t *base;
        uint64_t size, first;
        int lt;
        capture_split_info(c, &base, &size, &first, &lt);
        uint64_t los[3] = { first, size / 3, size / 2 };
        uint64_t from[3], to[3], seen[3] = { 0, 0, 0 };
        capture_walk alone[3];
        int m = 0;
        for (int k = 0; k < 3; k++) {
            uint64_t g = capture_resync(c, los[k], size);
            if (g == UINT64_MAX)
                continue;
            if (g < los[k] || g >= size)
                abort(); /* a guess outside what was asked */
            split.n = 0;
            capture_walk w;
            capture_walk_chunk(c, g, size, visit, &split, &w);
            if (w.end > size)
                abort();
            from[m] = g;
            to[m] = k == 0 ? size / 3 : size; /* one walk with a limit inside the file */
            capture_walk_chunk(c, from[m], to[m], count, &seen[m], &alone[m]);
            seen[m] = 0;
            m++;
            size_t i = 0;
            while (i < serial.n && serial.off[i] < g)
                i++;
            if (more || i == serial.n || serial.off[i] != g)
                continue; /* not a true record (or beyond what was kept) */
            /* from a true record, the walk is the serial reader's suffix */
            if (split.n != serial.n - i || memcmp(split.off, serial.off + i, split.n * sizeof *split.off) != 0)
                abort();
        }
        capture_walk together[3];
        void *args[3] = { &seen[0], &seen[1], &seen[2] };
        capture_walk_chunks(c, m, from, to, count, args, together);
        for (int j = 0; j < m; j++)
            if (together[j].end != alone[j].end || together[j].records != alone[j].records ||
                together[j].damaged != alone[j].damaged || seen[j] != alone[j].records)
                abort();
    }
    capture_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/ribat-fuzz-pcap-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    char err[256];
    rb_capture *c = capture_open(path, NULL, err, sizeof err);
    if (c) {
        rb_decode_opts o;
        rb_decode_opts_default(&o);
        rb_decode_stats st;
        memset(&st, 0, sizeof st);
        rb_record rec;
        int guard = 0;
        while (capture_next(c, &rec) == 1 && guard++ < 10000) {
            Packet p;
            memset(&p, 0, sizeof p);
            p.data = rec.data;
            p.len = rec.caplen;
            p.linktype = rec.linktype;
            rb_decode(&o, &st, &p);
        }
        capture_close(c);
        check_walks(path);
    }
    unlink(path);
    return 0;
}
