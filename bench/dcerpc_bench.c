/* dcerpc_bench.c -- throughput of the DCE/RPC parser (src/applayer/dcerpc).
 *
 *   build/dcerpc_bench [--mb N] [--runs R] [--stub BYTES] [--unanswered 1]
 *
 * Builds in memory N MiB (default 64) of one client's stream: calls of three
 * REQUEST fragments carrying BYTES of stub each (default 1024), and the
 * matching server stream of one 64-byte RESPONSE per call. Feeds both to one
 * state, each call's request before its response, in chunks of at most 1460
 * bytes (PDUs cut across chunks as on the wire), takes and frees
 * the completed transactions as the engine does, R times (default 5), and
 * prints the median in MB/s (10^6 bytes/s, one core). --unanswered 1: no
 * responses at all (the worst case: max_tx calls stay open and the oldest is
 * closed early at each new call). Asserts nothing. */
#include "applayer/dcerpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t put_pdu(uint8_t *o, uint8_t type, uint8_t flags, uint32_t call, const uint8_t *stub, uint32_t n)
{
    uint32_t len = 24 + n;
    uint8_t h[24] = { 5, 0, type, flags, 0x10, 0, 0, 0, (uint8_t)len, (uint8_t)(len >> 8), 0, 0,
                      (uint8_t)call, (uint8_t)(call >> 8), (uint8_t)(call >> 16), (uint8_t)(call >> 24),
                      (uint8_t)n, (uint8_t)(n >> 8), 0, 0, 0, 0, 15, 0 };
    memcpy(o, h, 24);
    memcpy(o + 24, stub, n);
    return len;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    size_t mb = 64;
    int runs = 5;
    uint32_t stub_n = 1024;
    int unanswered = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--mb")) mb = (size_t)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--runs")) runs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--stub")) stub_n = (uint32_t)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--unanswered")) unanswered = atoi(argv[i + 1]);
    }
    if (runs < 1 || runs > 99 || stub_n > 60000 || mb == 0) {
        fprintf(stderr, "usage: %s [--mb N] [--runs R<100] [--stub BYTES<=60000]\n", argv[0]);
        return 2;
    }
    size_t cap = mb << 20;
    size_t max_calls = cap / (3u * (24u + stub_n)) + 2;
    uint8_t *cli = malloc(cap + 3 * 65536), *srv = malloc(max_calls * 88 + 64), *stub = malloc(stub_n + 64);
    size_t *cend = malloc(max_calls * sizeof *cend), *send_ = malloc(max_calls * sizeof *send_);
    if (!cli || !srv || !stub || !cend || !send_)
        return 1;
    for (uint32_t i = 0; i < stub_n + 64; i++)
        stub[i] = (uint8_t)(i * 7);
    size_t nc = 0, ns = 0;
    uint32_t calls = 0;
    while (nc < cap && calls + 1 < max_calls) {
        calls++;
        nc += put_pdu(cli + nc, 0, 1, calls, stub, stub_n);
        nc += put_pdu(cli + nc, 0, 0, calls, stub, stub_n);
        nc += put_pdu(cli + nc, 0, 2, calls, stub, stub_n);
        ns += put_pdu(srv + ns, 2, 3, calls, stub, 64);
        cend[calls - 1] = nc;
        send_[calls - 1] = ns;
    }
    double t[100];
    uint64_t txs = 0;
    for (int r = 0; r < runs; r++) {
        dcerpc_state *s = dcerpc_new(NULL);
        txs = 0;
        double t0 = now();
        size_t oc = 0, os = 0;
        for (uint32_t c = 0; c < calls; c++) {
            while (oc < cend[c]) {
                size_t k = cend[c] - oc < 1460 ? cend[c] - oc : 1460;
                dcerpc_feed(s, 0, cli + oc, k);
                oc += k;
            }
            while (!unanswered && os < send_[c]) {
                size_t k = send_[c] - os < 1460 ? send_[c] - os : 1460;
                dcerpc_feed(s, 1, srv + os, k);
                os += k;
            }
            dcerpc_tx *tx;
            while ((tx = dcerpc_take_loggable(s, false)) != NULL) {
                txs++;
                dcerpc_tx_free(tx);
            }
        }
        t[r] = now() - t0;
        dcerpc_free(s);
    }
    qsort(t, (size_t)runs, sizeof t[0], cmp);
    double med = t[runs / 2];
    printf("dcerpc: %zu MB client + %zu MB server, %u calls x 3 fragments of %u stub bytes, %llu transactions\n",
           nc / 1000000, ns / 1000000, calls, stub_n, (unsigned long long)txs);
    size_t bytes = nc + (unanswered ? 0 : ns);
    printf("median of %d: %.3f s, %.0f MB/s (bytes fed)\n", runs, med, (double)bytes / med / 1e6);
    free(cli);
    free(srv);
    free(stub);
    free(cend);
    free(send_);
    return 0;
}
