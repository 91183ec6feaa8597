/* libFuzzer harness: the capture file reader (libpcap's pcap/pcapng parsing as
 * ribat drives it) followed by the decoders on every record. */
#include "capture/capture.h"
#include "decode/decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    }
    unlink(path);
    return 0;
}
