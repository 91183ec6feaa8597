/* fuzz_records.h -- the record format of the stream-parser harnesses
 * (fuzz_http, fuzz_smtp): after the harness's option byte, records of
 * [ctl][len] + len bytes:
 *   ctl & 3: 0 data to server, 1 data to client (len bytes follow),
 *            2 a gap of len * ((ctl >> 3) + 1) bytes in direction ctl >> 2 & 1,
 *            3 a poll (the harness reads the other bits of ctl);
 * after every record the harness's `after` callback runs (logging). Data is
 * passed from a fresh heap copy of exactly len bytes, so that ASan sees a
 * parser reading past it. */
#ifndef RIBAT_FUZZ_RECORDS_H
#define RIBAT_FUZZ_RECORDS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct fuzz_record_ops {
    void (*data)(void *ctx, int dir, const uint8_t *p, size_t n);
    void (*gap)(void *ctx, int dir, uint64_t n);
    void (*poll)(void *ctx, uint8_t ctl);
    void (*after)(void *ctx);
    void *ctx;
} fuzz_record_ops;

static inline void fuzz_records(const uint8_t *data, size_t size, size_t i, const fuzz_record_ops *o)
{
    while (i + 2 <= size) {
        uint8_t ctl = data[i];
        size_t len = data[i + 1];
        i += 2;
        if (len > size - i)
            len = size - i;
        int kind = ctl & 3, dir = (ctl >> 2) & 1;
        if (kind <= 1) {
            uint8_t *buf = malloc(len ? len : 1);
            if (!buf)
                break;
            memcpy(buf, data + i, len);
            o->data(o->ctx, kind, buf, len);
            free(buf);
            i += len;
        } else if (kind == 2) {
            o->gap(o->ctx, dir, (uint64_t)len * ((ctl >> 3) + 1));
        } else {
            o->poll(o->ctx, ctl);
        }
        o->after(o->ctx);
    }
}

#endif
