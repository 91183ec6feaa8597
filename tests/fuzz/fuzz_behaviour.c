/* libFuzzer harness: the behavioural detectors (src/anomaly/behaviour.h) on
 * arbitrary event sequences, with tiny tables so that eviction runs, and
 * their parsers (ARP, network lists, registered domains, config values).
 *
 * Input: a sequence of records [op][dt][len][len bytes], op % 6 selects:
 *   0 an ARP frame (the bytes, as p->arp)
 *   1 a packet of one of 8 pooled flows, fields taken from the bytes
 *     (addresses, ports, protocol, flags, direction, payload length, flow
 *     counters); the bytes after 16 are an ICMP-quoted header
 *   2 the end of a pooled flow
 *   3 a DNS question (the bytes are the name)
 *   4 an HTTP status
 *   5 a string for the parsers (network list, domain, config value)
 * dt advances packet time by dt * 10 ms (dt 255: back 30 s, to test clocks
 * that go backwards). Every detection is written as EVE to a writer without
 * a file. */
#include "anomaly/behaviour.h"

#include <stdlib.h>
#include <string.h>

static void tiny(behaviour_config *c, uint8_t knob)
{
    behaviour_config_default(c);
    for (int d = 0; d < BH_N; d++)
        c->max_entries[d] = 16;
    /* low thresholds so that records are written */
    c->ps_min_ports = 2 + (knob & 3);
    c->ps_min_hosts = 2;
    c->sf_min_count = c->uf_min_count = 2;
    c->sf_min_rate = c->uf_min_rate = 1;
    c->uf_max_reply_ratio = 10;
    c->bf_min_sessions = 2;
    c->bf_min_401 = 2;
    c->dt_min_queries = c->dt_min_unique = 1;
    c->bc_min_events = 4;
    c->bc_min_period = 1;
    c->bc_outbound_only = knob & 4;
    c->bt_min_bytes = 10;
    c->bt_flow_bytes = 100;
    c->as_max_ips_per_mac = 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    behaviour_config cfg;
    tiny(&cfg, data[0]);
    rb_eve_types types;
    eve_types_default(&types);
    rb_eve_writer w;
    eve_writer_init(&w, NULL, &types);
    behaviour_thread *bt = behaviour_thread_new(&cfg, &w);
    if (!bt) {
        eve_writer_destroy(&w);
        return 0;
    }
    rb_flow flows[8];
    memset(flows, 0, sizeof flows);
    for (int i = 0; i < 8; i++) {
        flows[i].flow_id = (uint64_t)i + 1;
        flows[i].ipver = 4;
    }
    int64_t sec = 1000;
    int32_t usec = 0;
    size_t off = 1;
    while (off + 3 <= size) {
        uint8_t op = data[off] % 6, dt = data[off + 1], len = data[off + 2];
        off += 3;
        if (len > size - off)
            len = (uint8_t)(size - off);
        /* a copy of exactly len bytes, so that ASan sees reads past it */
        uint8_t *b = malloc(len ? len : 1);
        if (!b)
            break;
        memcpy(b, data + off, len);
        off += len;
        if (dt == 255) {
            sec -= 30;
        } else {
            usec += dt * 10000;
            sec += usec / 1000000;
            usec %= 1000000;
        }
        Packet p;
        memset(&p, 0, sizeof p);
        p.ts_sec = sec;
        p.ts_usec = usec;
        rb_flow *f = &flows[len ? b[0] & 7 : 0];
        switch (op) {
        case 0:
            p.arp = b;
            p.arp_len = len;
            behaviour_packet(bt, &p);
            break;
        case 1:
            if (len < 16)
                break;
            p.ipver = 4;
            p.addrs_ok = p.l4_ok = true;
            p.src.u8[0] = 10;
            p.src.u8[3] = b[1];
            p.dst.u8[0] = b[2] & 1 ? 198 : 10;
            p.dst.u8[3] = b[3];
            p.sp = (uint16_t)(b[4] << 8 | b[5]);
            p.dp = (uint16_t)(b[6] << 8 | b[7]);
            p.proto = b[8] % 3 == 0 ? 6 : b[8] % 3 == 1 ? 17 : 1;
            p.tcp_flags = b[9];
            p.dir = b[10] & 1;
            p.payload_len = (uint32_t)b[11] * 64u;
            p.icmp_type = b[12];
            if (len > 16) {
                p.icmp_emb = b + 16;
                p.icmp_emb_len = len - 16u;
            }
            f->src = p.dir ? p.dst : p.src;
            f->dst = p.dir ? p.src : p.dst;
            f->sp = p.dir ? p.dp : p.sp;
            f->dp = p.dir ? p.sp : p.dp;
            f->proto = p.proto;
            f->tcp_flags[p.dir] |= p.tcp_flags;
            f->tcp_state = b[13] % RB_TCP_STATE_N;
            f->pkts[p.dir]++;
            f->bytes[p.dir] += (uint64_t)p.payload_len + 54u;
            if (!f->start_sec) {
                f->start_sec = sec;
                f->start_usec = usec;
            }
            f->last_sec = sec;
            f->last_usec = usec;
            if (!(b[14] & 1))
                p.flow = f;
            behaviour_packet(bt, &p);
            break;
        case 2:
            behaviour_flow_end(bt, f);
            memset(&f->pkts, 0, sizeof f->pkts);
            memset(&f->tcp_flags, 0, sizeof f->tcp_flags);
            f->start_sec = 0;
            break;
        case 3:
            behaviour_dns_query(bt, f, len & 1 ? &p : NULL, b, len, len ? b[0] : 1);
            break;
        case 4:
            behaviour_http_status(bt, f, len & 1 ? &p : NULL, len ? 300 + b[0] : 401);
            break;
        case 5: {
            char *s = malloc((size_t)len + 1);
            if (!s)
                break;
            memcpy(s, b, len);
            s[len] = '\0';
            bh_prefix nets[4];
            (void)behaviour_parse_nets(s, nets, 4);
            int rd = behaviour_registered_domain(s, len);
            if (rd >= 0 && (size_t)rd > len)
                abort();
            (void)behaviour_entropy(s, len);
            size_t nk = behaviour_config_key_count();
            char err[128];
            behaviour_config scratch = cfg;
            (void)behaviour_config_set(&scratch, behaviour_config_key(len ? b[0] % nk : 0), s, err, sizeof err);
            free(s);
            break;
        }
        default:
            break;
        }
        free(b);
    }
    behaviour_thread_free(bt);
    eve_writer_destroy(&w);
    return 0;
}
