/* libFuzzer harness: the DCE/RPC parser, its EVE output and the dce_iface /
 * dce_opnum keywords.
 * Input layout: byte 0 = options (bits 0-2: max_stub = 16 << bits, bit 3:
 * max_tx 4 instead of the default, bit 4: each record is a UDP datagram of
 * connectionless DCE/RPC, bit 7: the rest is keyword text instead),
 * then records of [ctl][len] + len bytes:
 *   ctl & 1: direction (0 to server, 1 to client); ctl & 2: a gap before it.
 * Every record is fed from a fresh copy (so ASan sees over-reads); after each,
 * the open transactions are matched against two keywords and the complete
 * ones logged to EVE, as the engine does. */
#include "applayer/dcerpc.h"
#include "common/jbuf.h"
#include "output/eve_dcerpc.h"

#include <stdlib.h>
#include <string.h>

static void keywords(const uint8_t *d, size_t n)
{
    char *t = malloc(n + 1);
    if (!t)
        return;
    memcpy(t, d, n);
    t[n] = 0;
    char err[160];
    dcerpc_iface_kw ifc;
    dcerpc_opnum_kw op;
    (void)dcerpc_iface_kw_parse(t, &ifc, err, sizeof err);
    (void)dcerpc_opnum_kw_parse(t, &op, err, sizeof err);
    free(t);
}

static void log_all(dcerpc_state *s, jbuf *jb, bool flush, const dcerpc_iface_kw *ikw, const dcerpc_opnum_kw *okw)
{
    for (dcerpc_tx *tx = dcerpc_tx_first(s); tx; tx = tx->next) {
        (void)dcerpc_iface_kw_match(ikw, s, tx);
        (void)dcerpc_opnum_kw_match(okw, tx);
    }
    dcerpc_tx *tx;
    while ((tx = dcerpc_take_loggable(s, flush)) != NULL) {
        jb_reset(jb);
        jb_open_object(jb, NULL);
        eve_dcerpc_object(jb, s, tx);
        jb_close_object(jb);
        dcerpc_tx_free(tx);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t opt = data[0];
    data++;
    size--;
    if (opt & 0x80) {
        keywords(data, size);
        return 0;
    }
    dcerpc_config cfg;
    dcerpc_config_default(&cfg);
    cfg.max_stub = 16u << (opt & 7);
    if (opt & 8)
        cfg.max_tx = 4;
    dcerpc_state *s = dcerpc_new(&cfg);
    if (!s)
        return 0;
    bool udp = (opt & 0x10) != 0;
    (void)dcerpc_probe(data, size);
    (void)dcerpc_probe_udp(data, size);
    char err[160];
    dcerpc_iface_kw ikw;
    dcerpc_opnum_kw okw;
    dcerpc_iface_kw_parse("4b324fc8-1670-01d3-1278-5a47bf6ee188,>1", &ikw, err, sizeof err);
    dcerpc_opnum_kw_parse("0-3,15", &okw, err, sizeof err);
    jbuf jb;
    jb_init(&jb);
    size_t off = 0;
    while (off + 2 <= size) {
        uint8_t ctl = data[off];
        size_t len = data[off + 1];
        if (udp && (ctl & 4) && off + 2 < size) /* a longer datagram: 16-bit length */
            len = len << 8 | data[off + 2], off++;
        off += 2;
        if (len > size - off)
            len = size - off;
        int dir = ctl & 1;
        if ((ctl & 2) && !udp)
            dcerpc_gap(s, dir);
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy)
            break;
        memcpy(copy, data + off, len);
        if (udp)
            (void)dcerpc_feed_udp(s, dir, copy, len);
        else
            (void)dcerpc_feed(s, dir, copy, len);
        free(copy);
        off += len;
        log_all(s, &jb, false, &ikw, &okw);
    }
    log_all(s, &jb, true, &ikw, &okw);
    jb_free(&jb);
    dcerpc_free(s);
    return 0;
}
