/* eve.c -- see eve.h */
#include "output/eve.h"
#include "leak/leak.h"
#include "common/base64.h"
#include "decode/events.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EVE_FLUSH_AT (256u * 1024u)

void eve_types_default(rb_eve_types *t)
{
    memset(t, 0, sizeof *t);
    t->alert = t->anomaly = t->flow = t->stats = true;
    t->http = t->dns = t->tls = t->ssh = t->fileinfo = true;
    t->dcerpc = true;
    t->smb = true; /* on in Suricata's default eve-log types too */
    t->http2 = true;
    t->leak = true;
    t->smtp = true;
    t->krb5 = true; /* in Suricata's default eve-log types too */
    t->anomaly_decode = t->anomaly_stream = t->anomaly_applayer = true;
    t->anomaly_behaviour = true;
    t->community_id = true;
    t->ethernet = false;
    t->alert_payload_max = 4096;
}

int eve_sink_open(rb_eve_sink *s, const char *path, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (s->fd < 0) {
        snprintf(err, errlen, "cannot open %s for writing: %s", path, strerror(errno));
        return -1;
    }
    s->path = strdup(path);
    pthread_mutex_init(&s->lock, NULL);
    return 0;
}

void eve_sink_close(rb_eve_sink *s)
{
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
        pthread_mutex_destroy(&s->lock);
    }
    free(s->path);
    s->path = NULL;
}

/* Is the file still reachable at its path? When it (or its folder) was
 * removed, what is written goes to a file nobody can read: re-create it at
 * its path, which works again once the folder exists again. Returns false
 * while it cannot (the caller drops and counts the records). One fstat per
 * buffer (256 KiB), not per record. */
static bool sink_file_ok(rb_eve_sink *s)
{
    struct stat st;
    if (fstat(s->fd, &st) == 0 && st.st_nlink > 0)
        return true;
    int fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return false;
    close(s->fd);
    s->fd = fd;
    s->reopened++;
    return true;
}

static size_t count_lines(const char *buf, size_t from, size_t to)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++)
        if (buf[i] == '\n')
            n++;
    return n;
}

static void sink_write(rb_eve_sink *s, const char *buf, size_t len, size_t records)
{
    pthread_mutex_lock(&s->lock);
    size_t off = 0;
    if (!sink_file_ok(s)) {
        s->write_errors++;
        s->dropped_records += records;
        pthread_mutex_unlock(&s->lock);
        return;
    }
    while (off < len) {
        ssize_t n = write(s->fd, buf + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            s->write_errors++;
            /* A line cut in the middle (disk full) would glue itself to the
             * next record written after recovery: cut the file back to the
             * last whole line. */
            size_t keep = off;
            while (keep > 0 && buf[keep - 1] != '\n')
                keep--;
            if (keep < off) {
                off_t end = lseek(s->fd, 0, SEEK_END);
                if (end >= (off_t)(off - keep) && ftruncate(s->fd, end - (off_t)(off - keep)) == 0)
                    off = keep;
            }
            /* count the records that did not make it (whole lines after off) */
            size_t lost = count_lines(buf, off, len);
            s->dropped_records += lost;
            records -= lost < records ? lost : records;
            break;
        }
        off += (size_t)n;
    }
    s->records += records;
    s->bytes += off;
    pthread_mutex_unlock(&s->lock);
}

void eve_writer_init(rb_eve_writer *w, rb_eve_sink *sink, const rb_eve_types *types)
{
    memset(w, 0, sizeof *w);
    w->sink = sink;
    w->types = types;
    jb_init(&w->jb);
    w->ts_cache_sec = -1;
}

void eve_writer_flush(rb_eve_writer *w)
{
    if (w->pkt_depth)
        return; /* a packet's alerts may still be taken out (eve_packet_close) */
    if (w->out_len && w->sink)
        sink_write(w->sink, w->out, w->out_len, w->out_records);
    w->out_len = 0;
    w->out_records = 0;
}

void eve_writer_destroy(rb_eve_writer *w)
{
    w->pkt_depth = 0;
    eve_writer_flush(w);
    jb_free(&w->jb);
    free(w->out);
    w->out = NULL;
    free(w->aref);
    w->aref = NULL;
}

/* queue the finished record; false when it was lost (out of memory) */
static bool commit_record(rb_eve_writer *w)
{
    jbuf *jb = &w->jb;
    if (w->types->pcap_filename && w->pcap_file)
        jb_str(jb, "pcap_filename", w->pcap_file); /* as Suricata, last */
    jb_close_object(jb);
    if (jb->oom) {
        jb_reset(jb);
        return false;
    }
    size_t need = w->out_len + jb->len + 1;
    if (need > w->out_cap) {
        size_t nc = w->out_cap ? w->out_cap : EVE_FLUSH_AT + 4096;
        while (nc < need)
            nc *= 2;
        char *n = realloc(w->out, nc);
        if (!n) {
            jb_reset(jb);
            return false;
        }
        w->out = n;
        w->out_cap = nc;
    }
    memcpy(w->out + w->out_len, jb->buf, jb->len);
    w->out_len += jb->len;
    w->out[w->out_len++] = '\n';
    w->out_records++;
    jb_reset(jb);
    if (w->out_len >= EVE_FLUSH_AT)
        eve_writer_flush(w);
    return true;
}

void eve_commit(rb_eve_writer *w)
{
    (void)commit_record(w);
}

void eve_packet_open(rb_eve_writer *w)
{
    if (w->pkt_depth++ == 0)
        w->naref = 0;
}

void eve_commit_alert(rb_eve_writer *w, uint32_t order)
{
    size_t off = w->out_len;
    if (!commit_record(w) || !w->pkt_depth)
        return;
    if (w->naref == w->caparef) {
        uint32_t nc = w->caparef ? w->caparef * 2 : 16;
        struct eve_alert_ref *n = realloc(w->aref, nc * sizeof *n);
        if (!n)
            return; /* not held back: written whatever the limit */
        w->aref = n;
        w->caparef = nc;
    }
    w->aref[w->naref++] = (struct eve_alert_ref){ off, (uint32_t)(w->out_len - off), order };
}

static int aref_by_order(const void *a, const void *b)
{
    const struct eve_alert_ref *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return x->off < y->off ? -1 : x->off > y->off; /* the same rule twice: the earlier first */
}

static int aref_by_off(const void *a, const void *b)
{
    const struct eve_alert_ref *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

uint32_t eve_packet_close(rb_eve_writer *w, uint32_t max)
{
    if (!w->pkt_depth || --w->pkt_depth)
        return 0;
    uint32_t drop = 0;
    if (w->naref > max) {
        /* the first max by order stay; the rest go, by position in out */
        qsort(w->aref, w->naref, sizeof *w->aref, aref_by_order);
        drop = w->naref - max;
        struct eve_alert_ref *gone = w->aref + max;
        qsort(gone, drop, sizeof *gone, aref_by_off);
        size_t to = gone[0].off;
        for (uint32_t i = 0; i < drop; i++) {
            size_t from = gone[i].off + gone[i].len;
            size_t end = i + 1 < drop ? gone[i + 1].off : w->out_len;
            memmove(w->out + to, w->out + from, end - from);
            to += end - from;
        }
        w->out_len = to;
        w->out_records -= drop;
    }
    w->naref = 0;
    if (w->out_len >= EVE_FLUSH_AT)
        eve_writer_flush(w);
    return drop;
}

size_t eve_format_ts(rb_eve_writer *w, int64_t sec, int32_t usec, char *out)
{
    if (!w || w->ts_cache_sec != sec) {
        char tmp[40];
        struct tm tm;
        time_t t = (time_t)sec;
        localtime_r(&t, &tm);
        size_t n = strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
        char zone[8];
        strftime(zone, sizeof zone, "%z", &tm);
        if (w) {
            memcpy(w->ts_cache, tmp, n);
            memcpy(w->ts_cache + n, zone, 6);
            w->ts_cache_len = n;
            w->ts_cache[n + 5] = '\0';
            w->ts_cache_sec = sec;
        } else {
            return (size_t)snprintf(out, 40, "%s.%06d%s", tmp, (int)usec, zone);
        }
    }
    /* prefix + ".uuuuuu" + zone */
    size_t n = w->ts_cache_len;
    memcpy(out, w->ts_cache, n);
    out[n] = '.';
    int32_t u = usec < 0 ? 0 : usec > 999999 ? 999999 : usec;
    for (int i = 6; i >= 1; i--) {
        out[n + (size_t)i] = (char)('0' + u % 10);
        u /= 10;
    }
    memcpy(out + n + 7, w->ts_cache + n, 5);
    out[n + 12] = '\0';
    return n + 12;
}

void eve_format_addr(const rb_addr *a, int ipver, char *out)
{
    if (ipver == 4) {
        char *o = out;
        for (int i = 0; i < 4; i++) {
            unsigned v = a->u8[i];
            if (v >= 100) *o++ = (char)('0' + v / 100);
            if (v >= 10) *o++ = (char)('0' + v / 10 % 10);
            *o++ = (char)('0' + v % 10);
            *o++ = i < 3 ? '.' : '\0';
        }
        return;
    }
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    for (int i = 0; i < 16; i++) {
        *o++ = hex[a->u8[i] >> 4];
        *o++ = hex[a->u8[i] & 15];
        if (i & 1 && i != 15)
            *o++ = ':';
    }
    *o = '\0';
}

/* EVE "proto": the IANA keyword of each assigned IP protocol number, as
 * Suricata 7 writes it (its built-in table, checked against its output for
 * all 256 numbers); unassigned numbers are written as three digits. */
static const char *const ip_proto_names[] = {
    "HOPOPT", "ICMP", "IGMP", "GGP", "IP-in-IP", "ST", "TCP", "CBT", "EGP", "IGP", "BBN-RCC-MON", "NVP-II",
    "PUP", "ARGUS", "EMCON", "XNET", "CHAOS", "UDP", "MUX", "DCN-MEAS", "HMP", "PRM", "XNS-IDP", "TRUNK-1",
    "TRUNK-2", "LEAF-1", "LEAF-2", "RDP", "IRTP", "ISO-TP4", "NETBLT", "MFE-NSP", "MERIT-INP", "DCCP", "3PC",
    "IDPR", "XTP", "DDP", "IDPR-CMTP", "TP++", "IL", "IPv6", "SDRP", "IPv6-Route", "IPv6-Frag", "IDRP", "RSVP",
    "GRE", "DSR", "BNA", "ESP", "AH", "I-NLSP", "SwIPe", "NARP", "MOBILE", "TLSP", "SKIP", "IPv6-ICMP",
    "IPv6-NoNxt", "IPv6-Opts", "Any", "CFTP", "Any", "SAT-EXPAK", "KRYPTOLAN", "RVD", "IPPC", "Any", "SAT-MON",
    "VISA", "IPCU", "CPNX", "CPHB", "WSN", "PVP", "BR-SAT-MON", "SUN-ND", "WB-MON", "WB-EXPAK", "ISO-IP",
    "VMTP", "SECURE-VMTP", "VINES", "TTP", "NSFNET-IGP", "DGP", "TCF", "EIGRP", "OSPF", "Sprite-RPC", "LARP",
    "MTP", "AX.25", "OS", "MICP", "SCC-SP", "ETHERIP", "ENCAP", "Any", "GMTP", "IFMP", "PNNI", "PIM", "ARIS",
    "SCPS", "QNX", "A/N", "IPComp", "SNP", "Compaq-Peer", "IPX-in-IP", "VRRP", "PGM", "Any", "L2TP", "DDX",
    "IATP", "STP", "SRP", "UTI", "SMP", "SM", "PTP", "IS-IS", "FIRE", "CRTP", "CRUDP", "SSCOPMCE", "IPLT",
    "SPS", "PIPE", "SCTP", "FC", "RSVP-E2E-IGNORE", "Mobility", "UDPLite", "MPLS-in-IP", "manet", "HIP",
    "Shim6", "WESP", "ROHC", "Ethernet",
};

const char *eve_proto_name(uint8_t proto, char buf[8])
{
    if (proto < sizeof ip_proto_names / sizeof ip_proto_names[0])
        return ip_proto_names[proto];
    snprintf(buf, 8, "%03u", proto);
    return buf;
}

static void put_vlan(jbuf *jb, const uint16_t *vlan, uint8_t n)
{
    if (!n)
        return;
    jb_open_array(jb, "vlan");
    for (uint8_t i = 0; i < n; i++)
        jb_u64(jb, NULL, vlan[i]);
    jb_close_array(jb);
}

static void put_mac(jbuf *jb, const char *key, const uint8_t *m)
{
    char s[18];
    snprintf(s, sizeof s, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    jb_str(jb, key, s);
}

void eve_begin_packet(rb_eve_writer *w, const Packet *p, const char *event_type)
{
    jbuf *jb = &w->jb;
    char ts[40], a[46], b[46], pb[8];
    jb_reset(jb);
    jb_open_object(jb, NULL);
    eve_format_ts(w, p->ts_sec, p->ts_usec, ts);
    jb_str(jb, "timestamp", ts);
    if (p->flow)
        jb_u64(jb, "flow_id", p->flow->flow_id);
    if (p->pcap_cnt)
        jb_u64(jb, "pcap_cnt", p->pcap_cnt);
    jb_str(jb, "event_type", event_type);
    put_vlan(jb, p->vlan, p->vlan_n);
    if (p->addrs_ok) {
        eve_format_addr(&p->src, p->ipver, a);
        eve_format_addr(&p->dst, p->ipver, b);
        /* fragments show ports 0, as Suricata does */
        bool ports = (p->l4_ok || p->is_fragment) && (p->proto == 6 || p->proto == 17 || p->proto == 132);
        jb_str(jb, "src_ip", w->addr_override[0] ? w->addr_override[0] : a);
        if (ports)
            jb_u64(jb, "src_port", p->is_fragment ? 0 : p->sp);
        jb_str(jb, "dest_ip", w->addr_override[1] ? w->addr_override[1] : b);
        if (ports)
            jb_u64(jb, "dest_port", p->is_fragment ? 0 : p->dp);
        jb_str(jb, "proto", eve_proto_name(p->proto, pb));
        if (p->l4_ok && (p->proto == 1 || p->proto == 58)) {
            jb_u64(jb, "icmp_type", p->icmp_type);
            jb_u64(jb, "icmp_code", p->icmp_code);
        }
    }
    w->addr_override[0] = w->addr_override[1] = NULL;
    if (p->flow && w->types->community_id)
        jb_str(jb, "community_id", flow_community_id_cached(p->flow));
    jb_str(jb, "pkt_src", p->pkt_src ? p->pkt_src : "wire/pcap");
    if (p->flow && p->flow->detect && w->vars_fn)
        w->vars_fn(w->vars_ctx, p->flow, jb);
    if (p->outer) {
        /* a packet from inside a tunnel: the outermost packet, as Suricata logs it */
        const Packet *r = p->outer;
        while (r->outer)
            r = r->outer;
        jb_open_object(jb, "tunnel");
        if (r->addrs_ok) {
            eve_format_addr(&r->src, r->ipver, a);
            eve_format_addr(&r->dst, r->ipver, b);
            bool rp = r->l4_ok && (r->proto == 6 || r->proto == 17 || r->proto == 132);
            jb_str(jb, "src_ip", a);
            if (rp)
                jb_u64(jb, "src_port", r->sp);
            jb_str(jb, "dest_ip", b);
            if (rp)
                jb_u64(jb, "dest_port", r->dp);
            jb_str(jb, "proto", eve_proto_name(r->proto, pb));
        }
        jb_u64(jb, "depth", p->tunnel_depth);
        if (r->pcap_cnt)
            jb_u64(jb, "pcap_cnt", r->pcap_cnt);
        jb_str(jb, "pkt_src", r->pkt_src ? r->pkt_src : "wire/pcap");
        jb_close_object(jb);
    }
    eve_put_ether(w, p);
}

void eve_put_ether(rb_eve_writer *w, const Packet *p)
{
    if (!w->types->ethernet || !p || !p->has_eth)
        return;
    jbuf *jb = &w->jb;
    jb_open_object(jb, "ether");
    put_mac(jb, "src_mac", p->src_mac);
    put_mac(jb, "dest_mac", p->dst_mac);
    jb_close_object(jb);
}

void eve_log_anomalies(rb_eve_writer *w, const Packet *p)
{
    if (!w->types->anomaly)
        return;
    for (uint8_t i = 0; i < p->nevents; i++) {
        int ev = p->events[i];
        enum rb_event_type t = rb_event_type_of(ev);
        if ((t == RB_EVTYPE_DECODE && !w->types->anomaly_decode) ||
            (t == RB_EVTYPE_STREAM && !w->types->anomaly_stream) ||
            (t == RB_EVTYPE_APPLAYER && !w->types->anomaly_applayer))
            continue;
        eve_begin_packet(w, p, "anomaly");
        jb_open_object(&w->jb, "anomaly");
        jb_str(&w->jb, "type", rb_event_type_name(t));
        jb_str(&w->jb, "event", rb_event_name(ev));
        jb_close_object(&w->jb);
        if (w->types->anomaly_packethdr)
            eve_put_packet(w, p); /* the packet as captured, as Suricata's packethdr option logs it */
        eve_commit(w);
    }
}

/* Bytes of traffic in base64, personal identifiers masked first
 * (leak_redact_payload keeps the length, so a packet stays a packet). */
static void put_base64_redacted(jbuf *jb, const char *key, const uint8_t *data, size_t n)
{
    uint8_t *red = malloc(n + 1);
    char *b64 = malloc(4 * ((n + 2) / 3) + 1);
    if (red && b64) {
        leak_redact_payload(data, n, red);
        rb_base64_encode(red, n, b64);
        jb_str(jb, key, b64);
    }
    free(red);
    free(b64);
}

void eve_put_packet(rb_eve_writer *w, const Packet *p)
{
    if (!p->data || !p->len)
        return;
    put_base64_redacted(&w->jb, "packet", p->data, p->len > 65535 ? 65535 : p->len);
    jb_open_object(&w->jb, "packet_info");
    jb_u64(&w->jb, "linktype", (uint64_t)p->linktype);
    jb_close_object(&w->jb);
}

void eve_alert_payload(rb_eve_writer *w, const Packet *p, const uint8_t *data, size_t n, bool stream)
{
    const rb_eve_types *t = w->types;
    if (t->alert_payload || t->alert_payload_printable) {
        if (n > t->alert_payload_max)
            n = t->alert_payload_max;
        if (n && t->alert_payload)
            put_base64_redacted(&w->jb, "payload", data, n);
        uint8_t *s = n && t->alert_payload_printable ? malloc(n + 1) : NULL;
        if (s) {
            /* printable characters, CR and LF as they are, anything else '.' */
            leak_redact_payload(data, n, s);
            for (size_t i = 0; i < n; i++)
                if (!isprint(s[i]) && s[i] != '\n' && s[i] != '\r')
                    s[i] = '.';
            jb_strn(&w->jb, "payload_printable", (const char *)s, n);
            free(s);
        }
        jb_u64(&w->jb, "stream", stream ? 1 : 0);
    }
    if (t->alert_packet)
        eve_put_packet(w, p); /* none for a packet made up at flow end */
}

static void put_tcp_flags(jbuf *jb, const char *key, uint8_t fl)
{
    char s[3];
    static const char hex[] = "0123456789abcdef";
    s[0] = hex[fl >> 4];
    s[1] = hex[fl & 15];
    s[2] = '\0';
    jb_str(jb, key, s);
}

void eve_log_flow(rb_eve_writer *w, rb_flow *f, enum rb_flow_end reason)
{
    if (!w->types->flow)
        return;
    jbuf *jb = &w->jb;
    char ts[40], a[46], b[46], pb[8];
    jb_reset(jb);
    jb_open_object(jb, NULL);
    eve_format_ts(w, f->last_sec, f->last_usec, ts);
    jb_str(jb, "timestamp", ts);
    jb_u64(jb, "flow_id", f->flow_id);
    jb_str(jb, "event_type", "flow");
    put_vlan(jb, f->vlan, f->vlan_n);
    eve_format_addr(&f->src, f->ipver, a);
    eve_format_addr(&f->dst, f->ipver, b);
    bool ports = f->proto == 6 || f->proto == 17 || f->proto == 132;
    jb_str(jb, "src_ip", a);
    if (ports)
        jb_u64(jb, "src_port", f->sp);
    jb_str(jb, "dest_ip", b);
    if (ports)
        jb_u64(jb, "dest_port", f->dp);
    jb_str(jb, "proto", eve_proto_name(f->proto, pb));
    if (f->proto == 1 || f->proto == 58) {
        if (f->icmp_seen[0]) {
            jb_u64(jb, "icmp_type", f->icmp_type[0]);
            jb_u64(jb, "icmp_code", f->icmp_code[0]);
        }
        if (f->icmp_seen[1]) {
            jb_u64(jb, "response_icmp_type", f->icmp_type[1]);
            jb_u64(jb, "response_icmp_code", f->icmp_code[1]);
        }
    }
    if (f->app_proto_name)
        jb_str(jb, "app_proto", f->app_proto_name);
    if (f->app_proto_ts)
        jb_str(jb, "app_proto_ts", f->app_proto_ts);
    if (f->app_proto_tc)
        jb_str(jb, "app_proto_tc", f->app_proto_tc);
    if (f->app_proto_orig)
        jb_str(jb, "app_proto_orig", f->app_proto_orig);
    jb_open_object(jb, "flow");
    jb_u64(jb, "pkts_toserver", f->pkts[0]);
    jb_u64(jb, "pkts_toclient", f->pkts[1]);
    jb_u64(jb, "bytes_toserver", f->bytes[0]);
    jb_u64(jb, "bytes_toclient", f->bytes[1]);
    eve_format_ts(w, f->start_sec, f->start_usec, ts);
    jb_str(jb, "start", ts);
    eve_format_ts(w, f->last_sec, f->last_usec, ts);
    jb_str(jb, "end", ts);
    jb_i64(jb, "age", f->last_sec - f->start_sec);
    if (f->bypassed)
        jb_str(jb, "bypass", "local"); /* engine/exception.h */
    jb_str(jb, "state", flow_state_name(flow_end_state(f)));
    jb_str(jb, "reason", flow_end_reason_name(reason));
    jb_bool(jb, "alerted", f->alerted);
    if (f->action)
        jb_str(jb, "action", f->action == RB_FLOW_ACT_PASS ? "pass" : "drop");
    if (f->ep_met && w->ep_fn)
        w->ep_fn(w->ep_ctx, f, jb);
    jb_close_object(jb);
    if (f->detect && w->vars_fn)
        w->vars_fn(w->vars_ctx, f, jb);
    if (w->types->community_id)
        jb_str(jb, "community_id", flow_community_id_cached(f));
    if (w->types->ethernet && f->has_macs) {
        jb_open_object(jb, "ether");
        jb_open_array(jb, "dest_macs");
        put_mac(jb, NULL, f->srv_mac);
        jb_close_array(jb);
        jb_open_array(jb, "src_macs");
        put_mac(jb, NULL, f->cli_mac);
        jb_close_array(jb);
        jb_close_object(jb);
    }
    if (f->proto == 6) {
        jb_open_object(jb, "tcp");
        put_tcp_flags(jb, "tcp_flags", (uint8_t)(f->tcp_flags[0] | f->tcp_flags[1]));
        put_tcp_flags(jb, "tcp_flags_ts", f->tcp_flags[0]);
        put_tcp_flags(jb, "tcp_flags_tc", f->tcp_flags[1]);
        uint8_t fl = (uint8_t)(f->tcp_flags[0] | f->tcp_flags[1]);
        if (fl & TH_SYN) jb_bool(jb, "syn", true);
        if (fl & TH_FIN) jb_bool(jb, "fin", true);
        if (fl & TH_RST) jb_bool(jb, "rst", true);
        if (fl & TH_PUSH) jb_bool(jb, "psh", true);
        if (fl & TH_ACK) jb_bool(jb, "ack", true);
        if (fl & TH_URG) jb_bool(jb, "urg", true);
        if (fl & TH_ECE) jb_bool(jb, "ecn", true);
        if (fl & TH_CWR) jb_bool(jb, "cwr", true);
        if (f->tcp_ssn) {
            jb_str(jb, "state", flow_tcp_state_name(f->tcp_state));
            /* set when the session ended; a flow logged while its session lives has 1 */
            jb_u64(jb, "ts_max_regions", f->tcp_max_regions[0] ? f->tcp_max_regions[0] : 1);
            jb_u64(jb, "tc_max_regions", f->tcp_max_regions[1] ? f->tcp_max_regions[1] : 1);
        }
        jb_close_object(jb);
    }
    eve_commit(w);
}

void eve_alert_tail(rb_eve_writer *w, const Packet *p, const rb_flow *f)
{
    jbuf *jb = &w->jb;
    if (!f)
        return;
    char ts[40], a[46], b[46];
    if (f->app_proto_name)
        jb_str(jb, "app_proto", f->app_proto_name);
    jb_str(jb, "direction", p && p->dir ? "to_client" : "to_server");
    jb_open_object(jb, "flow");
    jb_u64(jb, "pkts_toserver", f->pkts[0]);
    jb_u64(jb, "pkts_toclient", f->pkts[1]);
    jb_u64(jb, "bytes_toserver", f->bytes[0]);
    jb_u64(jb, "bytes_toclient", f->bytes[1]);
    eve_format_ts(w, f->start_sec, f->start_usec, ts);
    jb_str(jb, "start", ts);
    eve_format_addr(&f->src, f->ipver, a);
    eve_format_addr(&f->dst, f->ipver, b);
    jb_str(jb, "src_ip", a);
    jb_str(jb, "dest_ip", b);
    if (f->proto == 6 || f->proto == 17 || f->proto == 132) {
        jb_u64(jb, "src_port", f->sp);
        jb_u64(jb, "dest_port", f->dp);
    }
    jb_close_object(jb);
}

void eve_put_text(jbuf *jb, const char *key, const char *s, size_t n)
{
    char stack[1024];
    char *buf = n < sizeof stack ? stack : malloc(n + 1);
    size_t m = buf ? leak_redact_into(s, n, buf, n + 1) : 0;
    jb_strn(jb, key, m ? buf : s, n);
    if (buf && buf != stack)
        free(buf);
}
