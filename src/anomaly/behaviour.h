/* behaviour.h -- explainable behavioural detectors (port scans, floods, brute
 * force, DNS tunnels, beaconing, ARP spoofing, bulk outbound transfer).
 *
 * Each detector keeps a few counters per key (a source host, a destination,
 * a channel, a (client, domain) pair ...) over a time window of packet time,
 * and reports an EVE `anomaly` record of type "behaviour" when the counters
 * cross its thresholds. Every record says in one sentence what was seen and
 * carries the numbers that made the decision (`evidence`), so an analyst can
 * check it against the traffic. docs/behaviour.md explains each detector,
 * every threshold and its default, and the figures measured on the lab.
 *
 * Design:
 *  - One behaviour_thread per worker, owning all of its tables: no locks. With
 *    --threads N each worker sees only the flows hashed to it (the engine
 *    hashes TCP by addresses and ports), so per-source aggregates are partial;
 *    thresholds are chosen knowing that (docs/behaviour.md, "Limits").
 *  - Tables are fixed-size open-addressing arrays allocated once: a key is
 *    looked for in BEHAVIOUR_PROBE consecutive slots; a new key takes a free
 *    slot there or evicts the least recently seen one (counted). No allocation
 *    per packet; memory is max-entries x entry size per detector, bounded.
 *  - Windows are tumbling windows of packet time per key: a key's counters
 *    restart when its window is over. Distinct counts (ports, hosts,
 *    subdomains) use small bitmaps with linear counting (an estimate, exact
 *    for small numbers, within a few percent below the bitmap size).
 *  - Rate limit: one record per (detector, key) per hold time (the detector's
 *    window, at least 60 s); what fires again while held is counted and
 *    reported as `suppressed` in the next record for that key, and in stats.
 *  - Hooks: behaviour_packet() after flow handling, behaviour_flow_end() when
 *    a flow ends, behaviour_dns_query() per DNS question, behaviour_http_status()
 *    per HTTP response. Each costs a few table look-ups at most.
 *
 * The ARP parser and the HOME_NET list parser treat their input as hostile
 * (bounds-checked, bounded output) and are exported for tests and fuzzing. */
#ifndef RIBAT_BEHAVIOUR_H
#define RIBAT_BEHAVIOUR_H

#include "decode/packet.h"
#include "flow/flow.h"
#include "output/eve.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum behaviour_detector {
    BH_PORT_SCAN = 0, BH_SYN_FLOOD, BH_UDP_FLOOD, BH_BRUTE_FORCE, BH_DNS_TUNNEL, BH_BEACONING, BH_ARP_SPOOF,
    BH_BULK_TRANSFER, BH_N
};

#define BEHAVIOUR_MAX_HOME_NETS 32
#define BEHAVIOUR_MAX_PORTS 32

typedef struct bh_prefix {
    rb_addr addr;       /* masked */
    uint8_t ipver;      /* 4 or 6 */
    uint8_t bits;
} bh_prefix;

typedef struct behaviour_config {
    bool enabled;                 /* anomaly.behaviour.enabled */
    bool det_enabled[BH_N];       /* anomaly.behaviour.<detector>.enabled */
    uint32_t max_entries[BH_N];   /* anomaly.behaviour.<detector>.max-entries (per worker) */
    bh_prefix home[BEHAVIOUR_MAX_HOME_NETS];
    uint32_t n_home;              /* anomaly.behaviour.home-net */
    /* port_scan */
    uint32_t ps_window, ps_min_ports, ps_min_hosts, ps_min_half_open_ports;
    /* syn_flood / udp_flood */
    uint32_t sf_window, sf_min_count, sf_min_rate, fl_max_ports, fl_max_hosts;
    double sf_min_half_open;
    uint32_t uf_window, uf_min_count, uf_min_rate, uf_max_ports, uf_max_hosts;
    double uf_max_reply_ratio;
    /* brute_force */
    uint32_t bf_window, bf_min_sessions, bf_max_duration, bf_max_bytes, bf_min_401;
    uint16_t bf_ports[BEHAVIOUR_MAX_PORTS];
    uint32_t bf_n_ports;
    /* dns_tunnel */
    uint32_t dt_window, dt_min_queries, dt_min_unique, dt_min_mean_len;
    double dt_min_entropy;
    /* beaconing */
    uint32_t bc_min_events, bc_min_period, bc_merge_ms, bc_hold;
    bool bc_outbound_only;
    double bc_max_jitter, bc_max_cv;
    /* arp_spoof */
    uint32_t as_window, as_max_ips_per_mac;
    /* bulk_transfer */
    uint32_t bt_window;
    uint64_t bt_min_bytes, bt_flow_bytes;
    double bt_factor, bt_alpha;
} behaviour_config;

void behaviour_config_default(behaviour_config *c);

/* Configuration keys below anomaly.behaviour ("enabled", "home-net",
 * "port_scan.window", ...): behaviour_config_key(i) for i below
 * behaviour_config_key_count() lists them all, for the settings to look each
 * up; behaviour_config_set() parses one value. Returns 0, or -1 with a
 * message (the value is then left as it was). */
size_t behaviour_config_key_count(void);
const char *behaviour_config_key(size_t i);   /* NULL past the end */
int behaviour_config_set(behaviour_config *c, const char *key, const char *value, char *err, size_t errlen);

/* "[10.0.0.0/8, 192.168.0.0/16, fd00::/8]" (brackets and spaces optional, a
 * bare address is a host). Returns the number of prefixes, -1 on a syntax
 * error or more than max prefixes. */
int behaviour_parse_nets(const char *s, bh_prefix *out, uint32_t max);
bool behaviour_addr_in(const bh_prefix *nets, uint32_t n, const rb_addr *a, int ipver);

/* An ARP packet for IPv4 over Ethernet (htype 1, ptype 0x0800, 6/4 lengths). */
typedef struct bh_arp {
    uint16_t op;                  /* 1 request, 2 reply */
    uint8_t sha[6], tha[6];
    uint8_t spa[4], tpa[4];
} bh_arp;
/* 0 when d[0..len) is such a packet (bytes after 28 are ignored), -1 otherwise. */
int behaviour_arp_parse(const uint8_t *d, size_t len, bh_arp *out);

/* The registered domain of a query name: the last two labels, or three when
 * the last two are a known two-level public suffix (co.ma, gov.ma, co.uk ...).
 * Returns the offset in name where it starts, or -1 when the name has fewer
 * labels than that or is not tracked (.arpa, .local). */
int behaviour_registered_domain(const char *name, size_t len);
/* Shannon entropy in bits per character of s[0..n), dots excluded. */
double behaviour_entropy(const char *s, size_t n);

typedef struct behaviour_stats {
    uint64_t events[BH_N];        /* records written (or that would be, with output off) */
    uint64_t suppressed[BH_N];    /* detections held back by the rate limit */
    uint64_t evictions[BH_N];     /* keys evicted from a full table */
    uint64_t summaries[BH_N];     /* summary records (end of a held key's window, end of input) */
    uint64_t arp_malformed;       /* ARP frames that did not parse */
} behaviour_stats;

typedef struct behaviour_thread behaviour_thread;

/* eve may be NULL (no output: detections are only counted). The config must
 * outlive the thread. NULL on out of memory. */
behaviour_thread *behaviour_thread_new(const behaviour_config *c, rb_eve_writer *eve);
void behaviour_thread_free(behaviour_thread *bt);
/* Several workers: the engine gives all the traffic of a host pair to one
 * worker; per-source counts over many destinations (horizontal scans, floods
 * from many sources) are per worker. */

void behaviour_packet(behaviour_thread *bt, const Packet *p);
void behaviour_flow_end(behaviour_thread *bt, rb_flow *f);
/* End of input: the summary records of keys with held-back detections.
 * Call after the flow table is flushed, before the EVE writer is. */
void behaviour_finish(behaviour_thread *bt);
/* One question of a DNS request on flow f; p is the packet that completed it
 * (NULL at flow end). */
void behaviour_dns_query(behaviour_thread *bt, rb_flow *f, const Packet *p, const uint8_t *name, size_t len,
                         uint16_t qtype);
/* One HTTP response status on flow f (the client is the flow's source). */
void behaviour_http_status(behaviour_thread *bt, rb_flow *f, const Packet *p, int status);

const behaviour_stats *behaviour_get_stats(const behaviour_thread *bt);
void behaviour_stats_add(behaviour_stats *into, const behaviour_stats *from);
const char *behaviour_detector_name(int d);   /* "port_scan", ... */
/* memory held by the tables, bytes */
size_t behaviour_memory(const behaviour_thread *bt);

#endif
