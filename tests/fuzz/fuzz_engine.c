/* libFuzzer harness: the whole pipeline on one capture file.
 *
 * The input is written as a capture file (a classic pcap header is prepended
 * when the input does not start with a pcap or pcapng magic, so that the
 * fuzzer spends its time on packets) and run through engine_run(): decode,
 * defrag, flows, TCP reassembly, the application-layer parsers, signatures (a
 * small fixed rule set exercising every inspection path) and EVE output, which
 * goes to /dev/null. The input's last byte also picks the IPS mode, flow
 * bypass triggers and an exception-policy master switch (engine/exception.h). */
#include "common/log.h"
#include "detect/detect.h"
#include "detect/rules.h"
#include "engine/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char RULES[] =
    "alert tcp any any -> any any (msg:\"p\"; content:\"GET\"; depth:3; sid:1;)\n"
    "alert http any any -> any any (msg:\"h\"; http.uri; content:\"/a\"; pcre:\"/a.c/R\"; sid:2;)\n"
    "alert dns any any -> any any (msg:\"d\"; dns.query; content:\"x\"; sid:3;)\n"
    "alert tls any any -> any any (msg:\"t\"; tls.sni; content:\"e\"; sid:4;)\n"
    "alert udp any any -> any any (msg:\"u\"; content:\"|00 01|\"; byte_test:1,>,3,0,relative; sid:5;)\n"
    "alert tcp any any -> any any (msg:\"f\"; flow:established; flowbits:set,a; flowbits:noalert; sid:6;)\n"
    "alert tcp any any -> any any (msg:\"g\"; flowbits:isset,a; content:\"HTTP/1.\"; sid:7;)\n"
    "alert ip any any -> any any (msg:\"i\"; ttl:<3; sid:8;)\n"
    "alert tcp any any -> any any (msg:\"b\"; content:\"BYP\"; bypass; sid:9;)\n";

static rule_set *rules;
static detect_engine *detect;

static void remove_logdir(void);
/* the log folder (the learned detector's anomaly-scores.csv): a private one,
 * not the working directory */
static char logdir[] = "/tmp/ribat-fuzz-engine-log-XXXXXX";

static void remove_logdir(void)
{
    char p[sizeof logdir + 32];
    snprintf(p, sizeof p, "%s/anomaly-scores.csv", logdir);
    unlink(p);
    rmdir(logdir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!detect) {
        rb_log_verbosity = -1; /* the warnings about odd captures are expected here */
        rules_report rep;
        rules = rules_load_string(RULES, sizeof RULES - 1, "fuzz.rules", NULL, &rep);
        char err[256];
        detect = rules ? detect_engine_build(rules, err, sizeof err) : NULL;
        if (!detect || !mkdtemp(logdir))
            abort();
        atexit(remove_logdir);
    }
    char path[] = "/tmp/ribat-fuzz-engine-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    bool magic = size >= 4 && (memcmp(data, "\xd4\xc3\xb2\xa1", 4) == 0 || memcmp(data, "\x0a\x0d\x0d\x0a", 4) == 0 ||
                               memcmp(data, "\x4d\x3c\xb2\xa1", 4) == 0);
    if (!magic) {
        /* little-endian classic pcap, Ethernet */
        static const uint8_t hdr[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                         0xff, 0xff, 0, 0, 1, 0, 0, 0 };
        if (write(fd, hdr, sizeof hdr) != (ssize_t)sizeof hdr) {
            close(fd);
            unlink(path);
            return 0;
        }
    }
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);

    rb_engine_config ec;
    engine_config_default(&ec);
    ec.threads = 1;
    ec.summary = false;
    ec.progress = false;
    ec.eve_filename = "/dev/null";
    ec.logdir = logdir;
    ec.rules = rules;
    ec.detect = detect;
    ec.flow.memcap = 4u << 20;
    ec.flow.hash_size = 1024;
    ec.stream.memcap = 4u << 20;
    ec.defrag.memcap = 2u << 20;
    /* last byte: bit 0 IPS, bit 1 stream.bypass (depth 4 KiB), bit 2 TLS bypass, bit 3 midstream,
     * bits 4-6 the master switch (ignore, auto, pass-packet, ..., reject) */
    uint8_t sel = size ? data[size - 1] : 0;
    ec.ips = sel & 1;
    ec.stream_bypass = (sel & 2) != 0;
    if (ec.stream_bypass)
        ec.stream.reassembly_depth = 4096;
    ec.applayer.tls_bypass = (sel & 4) != 0;
    ec.flow.midstream = ec.stream.midstream = ec.applayer.midstream = (sel & 8) != 0;
    ec.applayer.ips = ec.ips;
    const char *none[RB_EPT_N] = { 0 };
    ep_resolve(ep_name((sel >> 4) & 7), none, ec.ips, ec.flow.midstream, &ec.ep);
    rb_engine_result res;
    char err[256];
    engine_run(&ec, path, &res, err, sizeof err);
    unlink(path);
    return 0;
}
