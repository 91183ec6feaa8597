/* libFuzzer harness: the learned detector's model loader (src/anomaly/model.c).
 * Input: byte 0 selects the mode, the rest is a model file.
 *   mode & 1: the CRC32 at the end is recomputed first, so that the checks
 *             behind the checksum (counts, cluster table, sizes, NaN) are reached;
 *   mode & 2: the loader expects 12 features instead of 115.
 * A model that loads is then used: scored, trained and explained. */
#include "anomaly/kitnet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    size_t len = size - 1;
    uint8_t *b = malloc(len ? len : 1);
    if (!b)
        return 0;
    memcpy(b, data + 1, len);
    if ((mode & 1) && len >= 4) {
        uint32_t c = (uint32_t)crc32(0L, b, (uInt)(len - 4));
        for (int i = 0; i < 4; i++)
            b[len - 4 + i] = (uint8_t)(c >> (8 * i));
    }
    uint32_t nfeat = (mode & 2) ? 12 : 115;
    char err[512];
    kitnet *k = kn_load_mem(b, len, nfeat, "fuzz.model", err, sizeof err);
    if (k) {
        double x[115], contrib[115], norm[115];
        for (uint32_t i = 0; i < nfeat; i++)
            x[i] = (double)i * 10.0;
        (void)kn_process(k, x, false);
        (void)kn_process(k, x, true);
        (void)kn_explain(k, x, contrib, norm);
        kn_free(k);
    }
    free(b);
    return 0;
}
