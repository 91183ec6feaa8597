/* dcerpc.h -- DCE/RPC connection-oriented (MS-RPCE / DCE 1.1 chapter 12) parser.
 *
 * The parser knows nothing of packets, flows or TCP: it is handed the in-order
 * byte stream of one direction of one connection (dir 0 = client to server,
 * dir 1 = server to client), split anywhere, and keeps a per-connection state.
 * The same entry point serves DCE/RPC over TCP (port 135 and found by content)
 * and, later, DCE/RPC carried in SMB named-pipe reads and writes: the SMB
 * parser would keep one dcerpc_state per pipe and feed it the pipe bytes.
 *
 * PDUs. Every PDU starts with the 16-byte common header: version 5, minor 0
 * or 1, type, flags, the data representation (drep; byte 0 bit 0x10 set =
 * little-endian integers), frag_length, auth_length, call_id. The parser
 * reads each direction PDU by PDU: a PDU split across calls is gathered in a
 * per-direction buffer (at most 65535 bytes, frag_length being 16 bits);
 * whole PDUs inside one call are read in place. Integers are read with the
 * PDU's own drep, so little- and big-endian peers both work.
 *
 * Transactions follow Suricata 7: a request and its response, paired by
 * call_id. BIND / ALTER_CONTEXT open a transaction closed by BIND_ACK /
 * BIND_NAK / ALTER_CONTEXT_RESP; REQUEST opens one closed by RESPONSE or
 * FAULT. The fragments of one call (PFC_FIRST_FRAG .. PFC_LAST_FRAG) are
 * joined into one stub per direction (request stub to server, response stub
 * to client), up to `max_stub` bytes each and `max_state_stub` for all open
 * transactions of the connection together (the rest is counted, not kept). A
 * response whose request was not seen opens its own transaction. AUTH3,
 * SHUTDOWN, CO_CANCEL, ORPHANED and RTS open none.
 *
 * Interfaces: the context list of each BIND / ALTER_CONTEXT (context id,
 * abstract syntax UUID and version) is kept per connection; the results of
 * the matching BIND_ACK / ALTER_CONTEXT_RESP, in list order, say which ones
 * were accepted. dce_iface matches against the accepted ones.
 *
 * Hostile input: a header with another version or a frag_length below 16
 * ends the direction (the stream is not DCE/RPC or is corrupt); a PDU shorter
 * than its type's fixed part, or whose body does not parse, is skipped and
 * counted. Caps: DCERPC_MAX_IFACES contexts per connection,
 * `max_tx` open transactions (the oldest is closed early beyond that),
 * `max_stub` bytes of stub per transaction and direction, `max_state_stub`
 * per connection. No recursion.
 *
 * Not thread-safe per state; different states are independent. */
#ifndef RIBAT_DCERPC_H
#define RIBAT_DCERPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DCERPC_HDR_LEN        16u
#define DCERPC_MAX_FRAG       65535u      /* frag_length is 16 bits */
#define DCERPC_MAX_IFACES     64u         /* bound contexts kept per connection */
#define DCERPC_DEFAULT_MAX_TX 256u        /* open transactions per connection */
#define DCERPC_DEFAULT_MAX_STUB (1u << 20) /* stub bytes kept per transaction and direction */
#define DCERPC_DEFAULT_MAX_STATE_STUB (4u << 20) /* stub bytes held per connection (open transactions) */

/* PDU types (DCE 1.1 ch. 12.6.4; 0-10 are connectionless only) */
enum dcerpc_pdu_type {
    DCERPC_REQUEST = 0, DCERPC_PING = 1, DCERPC_RESPONSE = 2, DCERPC_FAULT = 3, DCERPC_WORKING = 4,
    DCERPC_NOCALL = 5, DCERPC_REJECT = 6, DCERPC_ACK = 7, DCERPC_CL_CANCEL = 8, DCERPC_FACK = 9,
    DCERPC_CANCEL_ACK = 10, DCERPC_BIND = 11, DCERPC_BIND_ACK = 12, DCERPC_BIND_NAK = 13,
    DCERPC_ALTER_CONTEXT = 14, DCERPC_ALTER_CONTEXT_RESP = 15, DCERPC_AUTH3 = 16, DCERPC_SHUTDOWN = 17,
    DCERPC_CO_CANCEL = 18, DCERPC_ORPHANED = 19, DCERPC_RTS = 20,
    DCERPC_TYPE_NONE = 0xff,
};

/* header flags */
#define DCERPC_PFC_FIRST_FRAG  0x01u
#define DCERPC_PFC_LAST_FRAG   0x02u
#define DCERPC_PFC_OBJECT_UUID 0x80u

typedef struct dcerpc_config {
    uint32_t max_stub;   /* bytes of stub kept per transaction and direction */
    uint64_t max_state_stub; /* bytes of stub held per connection, all open transactions together */
    uint32_t max_tx;     /* open transactions per connection */
} dcerpc_config;

void dcerpc_config_default(dcerpc_config *c);

/* One presentation context of a BIND / ALTER_CONTEXT. */
typedef struct dcerpc_iface {
    uint8_t uuid[16];       /* abstract syntax UUID, in text order (as printed) */
    uint16_t ver_major, ver_minor;
    uint16_t ctx_id;
    bool acked;             /* a BIND_ACK / ALTER_CONTEXT_RESP result was seen */
    uint16_t ack_result;    /* 0 acceptance, 1 user rejection, 2 provider rejection */
    uint32_t bind_call_id;  /* call_id of the BIND that offered it (for its record) */
} dcerpc_iface;

typedef struct dcerpc_tx {
    uint64_t tx_id;          /* per connection, from 0 */
    uint32_t call_id;
    uint8_t req_type, resp_type;  /* dcerpc_pdu_type, DCERPC_TYPE_NONE when not seen */
    bool req_done, resp_done;     /* last fragment of that direction seen */
    bool req_first_frag;     /* the request's first fragment was seen */
    uint16_t opnum, ctx_id;  /* REQUEST */
    uint32_t frag_cnt[2];    /* PDUs of the call per direction */
    uint8_t *stub[2];        /* joined stub per direction (NULL when empty) */
    uint32_t stub_len[2], stub_cap[2];
    uint64_t stub_total[2];  /* stub bytes seen, kept or not */
    bool big_endian[2];      /* drep of the last PDU of each direction */
    uint8_t rpc_vers, rpc_vers_minor;
    /* connectionless (UDP): the call is (activity, sequence number); the
     * interface is named in every PDU */
    bool cl;
    uint8_t act_id[16], if_id[16];  /* text order */
    uint32_t seqnum, if_vers;
    bool inspected[2];       /* for the caller: signatures looked at that side */
    bool ready_;             /* parser's own: counted as complete */
    struct dcerpc_tx *next;  /* open transactions, oldest first */
} dcerpc_tx;

typedef struct dcerpc_stats {
    uint64_t pdus[2];        /* PDUs read per direction */
    uint64_t bad_pdus;       /* PDUs whose body did not parse (skipped) */
    uint64_t stub_truncated; /* stub bytes beyond max_stub */
    uint64_t tx_evicted;     /* transactions closed early by max_tx */
} dcerpc_stats;

typedef struct dcerpc_state dcerpc_state;

dcerpc_state *dcerpc_new(const dcerpc_config *cfg);
void dcerpc_free(dcerpc_state *s);

/* Does d[0..n) start like a connection-oriented DCE/RPC PDU? 1 yes, 0 no,
 * -1 too few bytes to say (fewer than 16 that match so far). */
int dcerpc_probe(const uint8_t *d, size_t n);

/* Feed in-order stream bytes of direction dir. A corrupt header (another
 * version, frag_length < 16) stops that direction: its later bytes are
 * ignored. Returns -1 when that happens before any PDU was read in either
 * direction (the connection is not DCE/RPC), else 0. */
int dcerpc_feed(dcerpc_state *s, int dir, const uint8_t *d, size_t n);
/* Connectionless DCE/RPC (DCE 1.1 ch. 12.5, over UDP): one datagram holds one
 * PDU (80-byte header, then frag_len bytes of body). REQUEST fragments
 * (fragnum, PFC1_FRAG / PFC1_LASTFRAG) join into one transaction per activity
 * UUID and sequence number; RESPONSE, FAULT and REJECT answer it. The other
 * types (PING, WORKING, NOCALL, ACK, FACK, CANCEL, ...) open nothing.
 * dcerpc_probe_udp: 1 when d[0..n) is such a PDU, else 0. dcerpc_feed_udp:
 * as dcerpc_feed (a bad datagram is counted and skipped). A state is used
 * for one transport only. */
#define DCERPC_CL_HDR_LEN      80u
#define DCERPC_PFC1_LASTFRAG   0x02u
#define DCERPC_PFC1_FRAG       0x04u
int dcerpc_probe_udp(const uint8_t *d, size_t n);
int dcerpc_feed_udp(dcerpc_state *s, int dir, const uint8_t *d, size_t n);

/* Bytes of direction dir were lost: the partial PDU is dropped and the next
 * data is searched for a plausible header. */
void dcerpc_gap(dcerpc_state *s, int dir);

/* Open transactions, oldest first (tx->next). */
dcerpc_tx *dcerpc_tx_first(dcerpc_state *s);
/* Take the oldest complete transaction (request and response done, or a
 * response whose request was not seen), or the oldest of all when flush is
 * set; NULL when none. It leaves the list: the caller logs it and releases it
 * with dcerpc_tx_free(). */
dcerpc_tx *dcerpc_take_loggable(dcerpc_state *s, bool flush);
void dcerpc_tx_free(dcerpc_tx *tx);

/* Bound contexts (BIND order, ALTER_CONTEXT ones appended). */
const dcerpc_iface *dcerpc_ifaces(const dcerpc_state *s, uint32_t *n);
/* Version of the connection's last header ("5.0"), 0 major when none yet. */
void dcerpc_rpc_version(const dcerpc_state *s, uint8_t *major, uint8_t *minor);
const dcerpc_stats *dcerpc_get_stats(const dcerpc_state *s);

/* "REQUEST", "BINDACK", ... as Suricata's EVE names PDU types. */
const char *dcerpc_type_name(uint8_t type);
/* Format a UUID in text order as 8-4-4-4-12 lowercase hex (37 bytes). */
void dcerpc_uuid_str(const uint8_t uuid[16], char out[37]);

/* ---------------------------------------------------------------- rule keywords */

/* dce_iface:<uuid>[,<op><version>][,any_frag] -- the request's context is an
 * accepted interface with this UUID (and major version <, >, =, ! the value).
 * Without any_frag, only a transaction holding the call's first fragment
 * matches. Sized in 32-bit words so the matcher can keep it in its pool. */
typedef struct dcerpc_iface_kw {
    uint8_t uuid[16];
    uint16_t version;
    uint8_t op;              /* 0 none, '<', '>', '=', '!' */
    uint8_t any_frag;
} dcerpc_iface_kw;

/* dce_opnum:<n>[,<n>|<a>-<b>]... -- the request's operation number is one of
 * these (ranges inclusive). */
#define DCERPC_OPNUM_MAX 31u
typedef struct dcerpc_opnum_kw {
    uint32_t n;
    struct { uint16_t lo, hi; } r[DCERPC_OPNUM_MAX];
} dcerpc_opnum_kw;

/* Parse the keyword argument; 0, or -1 with a reason in err. */
int dcerpc_iface_kw_parse(const char *arg, dcerpc_iface_kw *out, char *err, size_t errlen);
int dcerpc_opnum_kw_parse(const char *arg, dcerpc_opnum_kw *out, char *err, size_t errlen);
bool dcerpc_iface_kw_match(const dcerpc_iface_kw *kw, const dcerpc_state *s, const dcerpc_tx *tx);
bool dcerpc_opnum_kw_match(const dcerpc_opnum_kw *kw, const dcerpc_tx *tx);

#endif
