/* dns.h -- DNS message parser (UDP datagrams and TCP streams) for ribat.
 *
 * The parser knows nothing of packets or flows: the engine hands it one UDP
 * payload per call, or the in-order TCP stream bytes of one direction
 * (dir 0 = to server, dir 1 = to client), split anywhere.
 *
 * Transactions follow Suricata 7.0: every parsed DNS message is its own
 * transaction. A message in direction 0 is a request (its questions are logged
 * as one EVE "query" record each); a message in direction 1 is a response
 * (logged as one "answer" record). Requests and responses are not merged into
 * one transaction, but every transaction carries its flow-wide sequence number
 * (tx_id, Suricata's "tx_id"), the DNS id and the first query name, so a
 * consumer can pair them; the parser also pairs each response with the latest
 * unanswered request of the same id, first name and type among the last 64
 * requests (dns_tx.paired / request_tx_id).
 *
 * What is kept of a message, and how it is parsed, follows Suricata 7.0.10
 * (checked against its output): the header, the questions, the answer and
 * authority sections (additional records are skipped). Record data is decoded
 * for A, AAAA, CNAME, NS, PTR, MX, TXT (one record entry per character-string),
 * NULL, SOA, SRV and SSHFP; all other types (HTTPS, SVCB, OPT, ...) keep no data.
 * A message that does not parse completely is dropped whole (event
 * DNS_EV_MALFORMED on the newest transaction), as Suricata does.
 *
 * Names: decompressed iteratively (no recursion), at most 255 labels and
 * pointers per name, pointer targets must lie inside the message, a pointer to
 * itself is a loop; names longer than DNS_MAX_NAME_LEN bytes are cut there and
 * flagged "truncated". See docs/dns-ssh.md for the exact rules.
 *
 * Not thread-safe per state; different states are independent. */
#ifndef RIBAT_DNS_H
#define RIBAT_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_MAX_NAME_LEN     1025u        /* representation bytes kept per name (Suricata) */
#define DNS_MAX_NAME_STEPS   255u         /* labels + pointers followed per name */
#define DNS_MAX_PENDING_TX   256u         /* unlogged transactions held per state */
#define DNS_MAX_TX_BYTES     (4u << 20)   /* parsed data kept per transaction */
#define DNS_STATE_MEMCAP     (16u << 20)  /* parsed data held per state (pending txs) */
#define DNS_TCP_MAX_MSG      65535u       /* TCP length prefix is 16 bits */

/* record types with decoded data */
enum {
    DNS_TYPE_A = 1, DNS_TYPE_NS = 2, DNS_TYPE_CNAME = 5, DNS_TYPE_SOA = 6, DNS_TYPE_NULL = 10,
    DNS_TYPE_PTR = 12, DNS_TYPE_MX = 15, DNS_TYPE_TXT = 16, DNS_TYPE_AAAA = 28, DNS_TYPE_SRV = 33,
    DNS_TYPE_SSHFP = 44, DNS_TYPE_SVCB = 64, DNS_TYPE_HTTPS = 65,
};

/* transaction events (bit set); names are Suricata's app-layer-event names */
enum {
    DNS_EV_MALFORMED      = 1u << 0, /* dns.malformed_data */
    DNS_EV_NOT_REQUEST    = 1u << 1, /* dns.not_a_request: QR set in a to-server message */
    DNS_EV_NOT_RESPONSE   = 1u << 2, /* dns.not_a_response: QR clear in a to-client message */
    DNS_EV_Z_FLAG         = 1u << 3, /* dns.z_flag_set */
    DNS_EV_INVALID_OPCODE = 1u << 4, /* dns.invalid_opcode: opcode 7..15 */
    DNS_EV_NAME_TOO_LONG  = 1u << 5, /* dns.name_too_long */
    DNS_EV_INFINITE_LOOP  = 1u << 6, /* dns.infinite_loop */
    DNS_EV_TOO_MANY_LABELS = 1u << 7, /* dns.too_many_labels */
    DNS_EV_COUNT = 8,
};
/* "malformed_data", "not_a_request", ... for bit index i (0..DNS_EV_COUNT-1) */
const char *dns_event_name(unsigned bit_index);

/* A byte string (a name or record data) owned by its transaction. Names are in
 * presentation form: labels joined with '.', bytes as they were on the wire. */
typedef struct dns_bytes {
    const uint8_t *ptr;
    uint32_t len;
    bool truncated; /* names only: cut at DNS_MAX_NAME_LEN or at the step limit */
} dns_bytes;

typedef struct dns_query {
    dns_bytes name;
    uint16_t rrtype, rrclass;
} dns_query;

enum dns_rdata_kind {
    DNS_RD_NONE = 0, /* type without decoded data (HTTPS, SVCB, OPT, unknown) */
    DNS_RD_ADDR,     /* A / AAAA: data = the raw bytes (printed only if 4 / 16 long) */
    DNS_RD_NAME,     /* CNAME, NS, PTR, MX (exchange; the preference is not kept) */
    DNS_RD_BYTES,    /* TXT (one character-string), NULL (whole rdata) */
    DNS_RD_SOA,      /* data = mname, data2 = rname, u.soa */
    DNS_RD_SRV,      /* data = target, u.srv */
    DNS_RD_SSHFP,    /* data = fingerprint, u.sshfp */
};

typedef struct dns_rr {
    dns_bytes name;
    uint16_t rrtype, rrclass;
    uint32_t ttl;
    enum dns_rdata_kind kind;
    dns_bytes data, data2;
    union {
        struct { uint32_t serial, refresh, retry, expire, minimum; } soa;
        struct { uint16_t priority, weight, port; } srv;
        struct { uint8_t algo, type; } sshfp;
    } u;
} dns_rr;

typedef struct dns_tx dns_tx;
struct dns_tx {
    uint64_t tx_id;        /* 0, 1, 2 ... per state, in message order (Suricata tx_id) */
    bool has_request;      /* parsed in direction 0: a query message */
    bool has_response;     /* parsed in direction 1: a response message */
    bool log_off;          /* a config rule turned its logging off (the app layer sets it) */
    uint16_t id;           /* DNS transaction id */
    uint16_t flags;        /* the 16 header flag bits */
    uint8_t opcode, rcode; /* from flags */
    uint32_t events;       /* DNS_EV_* */
    bool capped;           /* records dropped: DNS_MAX_TX_BYTES reached */
    bool paired;           /* response: a held request with the same id, first name and type */
    uint64_t request_tx_id; /* ... its tx_id (valid when paired) */
    dns_query *queries;
    uint32_t n_queries;
    dns_rr *answers;
    uint32_t n_answers;
    dns_rr *authorities;
    uint32_t n_authorities;
    /* private */
    uint8_t *arena_;
    size_t arena_len_, arena_cap_, mem_;
    uint32_t cap_q_, cap_an_, cap_ns_;
    bool logged_;
    dns_tx *next_;
};

typedef struct dns_state dns_state;

dns_state *dns_new(void);
void dns_free(dns_state *s);

/* Content detection on the first bytes of a direction (Suricata's probe).
 * UDP: data is one datagram. TCP: the stream from its start (2-byte length
 * prefix first). Returns 1 = DNS, 0 = not DNS, -1 = need more data (TCP only). */
int dns_probe(const uint8_t *data, size_t len, bool is_tcp, int dir);
/* The same; when it returns 1, *is_request tells whether the message is a
 * query (QR clear). Suricata swaps a flow's directions when the first message
 * seen goes the other way (a response to port 53, a query from it). */
int dns_probe_ex(const uint8_t *data, size_t len, bool is_tcp, int dir, bool *is_request);

/* One UDP datagram. 0 = parsed (or ignored: a header whose record counts
 * cannot fit the datagram is skipped silently, as Suricata does), -1 = not a
 * valid DNS message for this direction (event on the newest transaction). */
int dns_feed_udp(dns_state *s, int dir, const uint8_t *msg, size_t len);

/* TCP stream bytes for one direction, split anywhere. 0 = ok, -1 = a message
 * failed to parse: the state stops parsing (both directions) from then on. */
int dns_feed_tcp(dns_state *s, int dir, const uint8_t *data, size_t len);

/* Data is missing in this direction of the TCP stream: the partial message
 * is dropped; parsing resumes at the first data that looks like a DNS
 * message start (probed). */
void dns_gap(dns_state *s, int dir);

/* The next transaction to log, oldest first, or NULL. The returned
 * transaction stays valid until the next call of dns_next_loggable() or
 * dns_free(). Every transaction is complete when created, so flow_end changes
 * nothing today; it is kept so callers need not know. */
dns_tx *dns_next_loggable(dns_state *s, bool flow_end);
/* The logging of tx was turned off (tx->log_off, a config rule): the answer
 * paired with this query later is not logged either (Suricata's query and
 * answer are one transaction). */
void dns_log_off_answer(dns_state *s, const dns_tx *tx);

/* counters */
typedef struct dns_stats {
    uint64_t txs;          /* transactions created */
    uint64_t dropped_txs;  /* unlogged transactions evicted (DNS_MAX_PENDING_TX / memcap) */
    uint64_t malformed;    /* messages that failed to parse */
    uint64_t ignored;      /* UDP datagrams skipped (invalid header / counts) */
} dns_stats;
void dns_get_stats(const dns_state *s, dns_stats *out);

/* Suricata's names: "A", "AAAA", "HTTPS", ...; unknown types as decimal. buf >= 8 bytes. */
const char *dns_rrtype_name(uint16_t rrtype, char buf[8]);
/* "NOERROR", "NXDOMAIN", ...; 11..15 as decimal. buf >= 4 bytes. */
const char *dns_rcode_name(uint8_t rcode, char buf[4]);

#endif
