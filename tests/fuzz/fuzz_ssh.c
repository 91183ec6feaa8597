/* libFuzzer harness: the SSH banner parser and its EVE output.
 * Input: byte 0 gives the chunk size (1..256) and the split point between the
 * directions; the rest is fed as the client stream (first part) and the
 * server stream (second part), interleaved chunk by chunk. */
#include "applayer/ssh.h"
#include "output/eve_ssh.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] + 1;
    data++;
    size--;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    (void)ssh_probe(buf, size, 0);
    size_t split = size / 2;
    ssh_state *s = ssh_new();
    jbuf jb;
    jb_init(&jb);
    size_t off[2] = { 0, split }, end[2] = { split, size };
    while (off[0] < end[0] || off[1] < end[1]) {
        for (int d = 0; d < 2; d++) {
            size_t n = end[d] - off[d];
            if (n > chunk)
                n = chunk;
            if (n) {
                ssh_feed(s, d, buf + off[d], n);
                off[d] += n;
            }
            if (ssh_loggable(s, false)) {
                jb_reset(&jb);
                jb_open_object(&jb, NULL);
                eve_ssh_object(&jb, s);
                jb_close_object(&jb);
                ssh_mark_logged(s);
            }
        }
    }
    if (ssh_loggable(s, true)) {
        jb_reset(&jb);
        jb_open_object(&jb, NULL);
        eve_ssh_object(&jb, s);
        jb_close_object(&jb);
    }
    jb_free(&jb);
    ssh_free(s);
    free(buf);
    return 0;
}
