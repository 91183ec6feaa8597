/* libFuzzer harness: the leak scanner and validators (src/leak).
 * Input: byte 0 picks the source (stream, HTTP body, url-encoded form, DNS
 * name) and the chunk size (1..64); the rest is fed to one flow direction in
 * chunks of that size, then scanned again in one piece. Checks: the distinct
 * counts of the chunked feed equal the one-piece feed's for the stream
 * source when the input is text (a token cut by a chunk boundary is found
 * once; binary windows are skipped depending on alignment), and every
 * validator runs on every prefix of the input without faults. */
#include "leak/leak.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static leak_ctx *ctx(void)
{
    static leak_ctx *l;
    if (!l) {
        leak_config c;
        leak_config_default(&c);
        c.max_distinct = 256;
        l = leak_new(&c, NULL);
    }
    return l;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int src = data[0] & 3;
    size_t chunk = (size_t)(data[0] >> 2) + 1;
    data++;
    size--;
    leak_ctx *l = ctx();
    if (!l)
        return 0;
    rb_flow a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.ipver = b.ipver = 4;
    for (size_t off = 0; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        leak_feed(l, &a, 0, (enum leak_source)src, data + off, n);
    }
    leak_feed(l, &b, 0, (enum leak_source)src, data, size);
    /* binary content is skipped by windows whose alignment depends on the
     * chunking: the property holds for text (no control bytes but TAB/LF/CR) */
    bool text = true;
    for (size_t i = 0; i < size; i++)
        if (data[i] < 0x20 && data[i] != '\t' && data[i] != '\n' && data[i] != '\r')
            text = false;
    if (src == LEAK_SRC_STREAM && text) {
        uint32_t ca[LEAK_N], cb[LEAK_N];
        leak_flow_counts(&a, 0, ca);
        leak_flow_counts(&b, 0, cb);
        if (memcmp(ca, cb, sizeof ca) != 0)
            abort();
    }
    leak_flow_end(l, &a);
    leak_flow_end(l, &b);
    if (a.leak || b.leak)
        abort();

    uint32_t counts[LEAK_N];
    leak_scan_counts(data, size, counts);
    const char *s = (const char *)data;
    size_t m = size < 300 ? size : 300;
    (void)leak_valid_rib(s, m);
    (void)leak_valid_iban(s, m);
    (void)leak_valid_cnss(s, m);
    (void)leak_valid_cnss_affil(s, m);
    (void)leak_valid_ice(s, m);
    (void)leak_valid_card(s, m);
    (void)leak_valid_email(s, m);
    (void)leak_valid_phone(s, m);
    (void)leak_valid_cin_shape(s, m);
    (void)leak_valid_ebds(s, m);
    char out[64];
    leak_mask(s, m, out, sizeof out);
    char *z = malloc(m + 1);
    if (z) {
        memcpy(z, s, m);
        z[m] = '\0';
        leak_redact(z);
        free(z);
    }
    return 0;
}
