/* smb_bench.c -- throughput of the SMB parser (src/applayer/smb) on file
 * transfers, one core.
 *
 *   build/smb_bench [--mb N] [--runs R] [--write K]
 *
 * Builds one client stream of SMB2 WRITE requests of K KiB each (default 64:
 * records buffered whole; 1024: records larger than the parser's buffer, whose
 * data streams) to one open file, N MiB of file data in all (default 512),
 * and feeds it to a fresh parser in 1448-byte pieces (a TCP segment's payload),
 * R times (default 5). Reports the median in GB/s (10^9 bytes of stream per
 * second), without and with SHA-256 of the file. Asserts only that the file
 * came out whole. */
#include "applayer/smb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* an SMB2 header + WRITE request body (48 bytes) for `len` bytes at `off` */
static size_t write_hdr(uint8_t *p, uint64_t mid, uint64_t off, uint32_t len, const uint8_t fid[16])
{
    memset(p, 0, 4 + 64 + 48);
    uint32_t rec = 64 + 48 + len;
    p[1] = (uint8_t)(rec >> 16);
    p[2] = (uint8_t)(rec >> 8);
    p[3] = (uint8_t)rec;
    uint8_t *h = p + 4;
    memcpy(h, "\xfeSMB", 4);
    le(h + 4, 64, 2);
    le(h + 12, 9, 2);
    le(h + 24, mid, 8);
    le(h + 36, 1, 4);
    uint8_t *b = h + 64;
    le(b, 49, 2);
    le(b + 2, 112, 2);
    le(b + 4, len, 4);
    le(b + 8, off, 8);
    memcpy(b + 16, fid, 16);
    return 4 + 64 + 48;
}

int main(int argc, char **argv)
{
    size_t mb = 512, runs = 5, kib = 64;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--mb"))
            mb = strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--runs"))
            runs = strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--write"))
            kib = strtoul(argv[i + 1], NULL, 10);
    }
    if (!mb || !runs || !kib || runs > 99)
        return 2;
    const uint8_t fid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
    size_t chunk = kib * 1024, n_writes = mb * 1024 / kib;
    size_t total = n_writes * (4 + 64 + 48 + chunk);
    uint8_t *stream = malloc(total);
    if (!stream)
        return 1;
    size_t o = 0;
    for (size_t i = 0; i < n_writes; i++) {
        o += write_hdr(stream + o, i + 1, (uint64_t)i * chunk, (uint32_t)chunk, fid);
        for (size_t k = 0; k < chunk; k++)
            stream[o + k] = (uint8_t)(k * 13 + i);
        o += chunk;
    }
    for (int hash = 0; hash < 2; hash++) {
        double t[99];
        for (size_t r = 0; r < runs; r++) {
            smb_config c;
            smb_config_default(&c);
            c.file_sha256 = hash;
            smb_state *s = smb_new(&c);
            double t0 = now();
            for (size_t off = 0; off < total; off += 1448)
                smb_feed(s, 0, stream + off, total - off < 1448 ? total - off : 1448);
            smb_tx *tx = smb_next_loggable(s, true);
            t[r] = now() - t0;
            if (!tx || tx->file.size != (uint64_t)mb << 20 || tx->file.gaps) {
                fprintf(stderr, "file not whole\n");
                return 1;
            }
            smb_free(s);
        }
        qsort(t, runs, sizeof t[0], cmp_d);
        printf("%zu KiB writes, %s: %.2f GB/s (median of %zu, %zu MiB)\n", kib, hash ? "sha256" : "no hash",
               (double)total / t[runs / 2] / 1e9, runs, mb);
    }
    free(stream);
    return 0;
}
