/* fuzz_records.h -- the record format of the stream-parser harnesses
 * (fuzz_http, fuzz_http2, fuzz_smtp, fuzz_smb, fuzz_krb5): after the option byte, records of [ctl][len] +
 * len bytes; ctl & 3: 0 data to server, 1 data to client, 2 gap, 3 poll.
 * Data is handed over from a fresh heap copy, so ASan sees over-reads; after
 * every record the harness's `after` hook runs (it logs what completed). */
#ifndef RIBAT_FUZZ_RECORDS_H
#define RIBAT_FUZZ_RECORDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct fuzz_record_ops {
    void (*data)(void *ctx, int dir, const uint8_t *p, size_t n);
    void (*gap)(void *ctx, uint8_t ctl, size_t len);   /* ctl & 3 == 2 */
    void (*poll)(void *ctx, uint8_t ctl);              /* ctl & 3 == 3 */
    void (*after)(void *ctx);
} fuzz_record_ops;

static inline void fuzz_records(const uint8_t *data, size_t size, size_t i, const fuzz_record_ops *ops, void *ctx)
{
    while (i + 2 <= size) {
        uint8_t ctl = data[i];
        size_t len = data[i + 1];
        i += 2;
        if (len > size - i)
            len = size - i;
        int kind = ctl & 3;
        if (kind <= 1) {
            uint8_t *buf = malloc(len ? len : 1);
            if (!buf)
                break;
            memcpy(buf, data + i, len);
            ops->data(ctx, kind, buf, len);
            free(buf);
            i += len;
        } else if (kind == 2) {
            ops->gap(ctx, ctl, len);
        } else {
            ops->poll(ctx, ctl);
        }
        ops->after(ctx);
    }
}

#endif
