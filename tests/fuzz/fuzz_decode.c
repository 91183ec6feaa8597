/* libFuzzer harness: link/network/transport decoders and the flow table.
 * Input: first byte selects the link type, the rest is one captured packet.
 * Tunnel inner packets are decoded too (bounded depth), as the worker does. */
#include "decode/decode.h"
#include "flow/flow.h"

#include <stdlib.h>
#include <string.h>

static const int linktypes[] = {
    RB_LINKTYPE_ETHERNET, RB_LINKTYPE_RAW, RB_LINKTYPE_NULL, RB_LINKTYPE_LOOP, RB_LINKTYPE_LINUX_SLL,
    RB_LINKTYPE_LINUX_SLL2, RB_LINKTYPE_IPV4, RB_LINKTYPE_IPV6, RB_LINKTYPE_PPP, 147,
};

static rb_flow_table *flows;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!flows) {
        rb_flow_config fc;
        flow_config_default(&fc);
        fc.memcap = 4u << 20;
        fc.hash_size = 1024;
        flows = flow_table_new(&fc, NULL, NULL, 0);
    }
    rb_decode_opts o;
    rb_decode_opts_default(&o);
    o.checksum_validate = data[0] & 0x80;
    rb_decode_stats st;
    memset(&st, 0, sizeof st);
    /* copy so that ASan sees reads past the end of the packet */
    size_t n = size - 1;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, n);
    Packet p;
    memset(&p, 0, sizeof p);
    p.data = buf;
    p.len = (uint32_t)n;
    p.linktype = linktypes[(data[0] & 0x7f) % (sizeof linktypes / sizeof linktypes[0])];
    rb_decode(&o, &st, &p);
    flow_handle_packet(flows, &p);
    Packet cur = p;
    for (int depth = 1; depth <= RB_MAX_TUNNEL_DEPTH && cur.inner_kind != RB_INNER_NONE; depth++) {
        Packet q;
        memset(&q, 0, sizeof q);
        q.data = cur.inner;
        q.len = cur.inner_len;
        q.tunnel_depth = (uint8_t)depth;
        rb_decode_from(&o, &st, &q, cur.inner_kind);
        flow_handle_packet(flows, &q);
        cur = q;
    }
    free(buf);
    return 0;
}
