/* defrag.h -- IPv4 / IPv6 fragment reassembly.
 *
 * Self-contained: the module sees raw IP headers and bytes, never the
 * engine's packet structure. One table per worker thread; no locking.
 *
 * Overlapping fragments are resolved by a target-based policy (see
 * docs/defrag.md for the exact rules and the policy table). Every byte
 * of memory the table holds is accounted against cfg.memcap; when the cap
 * or the tracker limit is reached the oldest datagrams are evicted. Time is
 * packet time (microseconds) supplied by the caller, never the wall clock.
 */
#ifndef RIBAT_DEFRAG_H
#define RIBAT_DEFRAG_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    DEFRAG_POLICY_BSD = 0, /* default, as Suricata */
    DEFRAG_POLICY_LINUX,
    DEFRAG_POLICY_WINDOWS,
    DEFRAG_POLICY_SOLARIS,
    DEFRAG_POLICY_FIRST,
    DEFRAG_POLICY_LAST,
} defrag_policy;

#define DEFRAG_POLICY_COUNT 6

typedef struct defrag_config {
    uint64_t memcap;       /* bytes held by the table: fixed hash array, trackers, pending
                              fragment data and headers; default 32 MiB */
    uint32_t timeout_sec;  /* default 60; a datagram is dropped this long after its FIRST
                              fragment was seen (packet time) */
    uint32_t max_trackers; /* default 65536 pending datagrams */
    uint32_t max_frags;    /* per datagram, default 1000; the next one drops the datagram */
    defrag_policy policy;  /* default DEFRAG_POLICY_BSD */
} defrag_config;

void defrag_config_default(defrag_config *c);

typedef struct defrag_table defrag_table;

/* Returns NULL if cfg is invalid (memcap, timeout_sec, max_trackers or max_frags zero,
   unknown policy, or a memcap smaller than the fixed hash array) or on allocation failure.
   cfg == NULL means defaults. */
defrag_table *defrag_new(const defrag_config *cfg);
void defrag_free(defrag_table *t);

/* Event flags set on the fragment that caused them (names are Suricata's decoder events). */
enum {
    DEFRAG_EV_IPV4_FRAG_OVERLAP = 1u << 0,        /* decoder.ipv4.frag_overlap */
    DEFRAG_EV_IPV4_FRAG_TOO_LARGE = 1u << 1,      /* decoder.ipv4.frag_pkt_too_large:
                                                     header + offset + len > 65535 */
    DEFRAG_EV_IPV4_FRAG_IGNORED = 1u << 2,        /* decoder.ipv4.frag_ignored */
    DEFRAG_EV_IPV6_FRAG_OVERLAP = 1u << 3,        /* decoder.ipv6.frag_overlap */
    DEFRAG_EV_IPV6_FRAG_TOO_LARGE = 1u << 4,      /* decoder.ipv6.frag_pkt_too_large */
    DEFRAG_EV_IPV6_FRAG_INVALID_LENGTH = 1u << 5, /* decoder.ipv6.frag_invalid_length: non-last
                                                     fragment whose length is not a multiple of 8 */
    DEFRAG_EV_IPV6_FRAG_IGNORED = 1u << 6,        /* decoder.ipv6.frag_ignored */
    DEFRAG_EV_MAX_FRAGS = 1u << 7,                /* datagram exceeded max_frags; dropped */
    DEFRAG_EV_MEMCAP = 1u << 8,                   /* memcap forced evictions or a drop */
};

typedef struct defrag_result {
    uint8_t *data;   /* reassembled datagram (full IP header + payload), malloc'ed;
                        caller frees with free(). NULL unless the call returned 1. */
    size_t len;
    uint32_t events; /* DEFRAG_EV_* raised by this fragment */
} defrag_result;

/* ip/len: the fragment starting at its IPv4 header (len = bytes captured of it, already bounded
   by the IP total length by the caller; bytes past the total length are ignored).
   key_extra: extra key material (VLAN ids, tunnel depth) -- fragments only reassemble with
   fragments of equal key_extra. now_us: packet time in microseconds.
   Returns
     1  a datagram completed: res->data / res->len set (IP total length == len, checksum valid);
     0  the fragment is held, or was dropped (zero length, max_frags, memcap: see res->events);
    -1  malformed (bad version/IHL/lengths, truncated capture, too large: res->events says why),
        or not a fragment at all (MF = 0 and offset = 0: res->events == 0).
   res is always reset first. */
int defrag_ipv4(defrag_table *t, const uint8_t *ip, size_t len, uint64_t key_extra,
                uint64_t now_us, defrag_result *res);

/* IPv6: ip6 points at the IPv6 header; len is bounded by 40 + payload length by the caller.
   frag_off is the byte offset of the Fragment extension header from ip6; prev_nh_off is the
   offset of the "next header" byte that announced the Fragment header (6 for the fixed header,
   else inside the previous extension header; that byte must be 44). The reassembled datagram
   keeps the unfragmentable part (everything before the fragment header) of the offset-0
   fragment, drops the fragment header, patches the previous next-header byte to the fragment
   header's next header, and fixes the payload length. Same return values as defrag_ipv4;
   an atomic fragment (offset 0, M = 0) is "not a fragment" (-1, no events). */
int defrag_ipv6(defrag_table *t, const uint8_t *ip6, size_t len, size_t frag_off,
                size_t prev_nh_off, uint64_t key_extra, uint64_t now_us, defrag_result *res);

/* Drop datagrams whose first fragment is timeout_sec or more older than packet time now_us.
   O(1) when nothing expires (trackers are kept on an age-ordered list). defrag_ipv4/6 also
   call it with their own now_us. Packet time is made monotonic internally: a now_us older
   than one already seen counts as the newest seen. */
void defrag_expire(defrag_table *t, uint64_t now_us);

typedef struct defrag_stats {
    uint64_t ipv4_fragments, ipv4_reassembled, ipv6_fragments, ipv6_reassembled;
    uint64_t timeouts;          /* datagrams dropped by defrag_expire */
    uint64_t memcap_drops;      /* datagrams evicted or dropped because of the memcap */
    uint64_t tracker_evictions; /* datagrams evicted because max_trackers was reached */
    uint64_t max_frags_hits;    /* datagrams dropped for exceeding max_frags */
    uint64_t overlaps;          /* fragments that overlapped held data */
    uint64_t too_large;         /* fragments / datagrams refused as > 65535 bytes */
    uint64_t trackers_active;   /* pending datagrams now */
    uint64_t mem_in_use, mem_peak; /* accounted bytes (<= memcap at all times) */
} defrag_stats;

const defrag_stats *defrag_get_stats(const defrag_table *t);

/* Debug / test aid, O(total fragments): verifies every internal invariant (sorted,
   non-overlapping held data, coverage counts, age list order, hash chains, memory accounting).
   Returns 0 when consistent, else a positive code naming the first broken invariant. */
int defrag_check(const defrag_table *t);

#endif
