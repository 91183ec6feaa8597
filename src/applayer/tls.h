/* tls.h -- TLS / SSL parser: record layer, handshake, certificates, fingerprints.
 *
 * The parser knows nothing of packets or flows. The TCP reassembler feeds the
 * in-order bytes of each direction (dir 0 = client to server, 1 = server to
 * client) with tls_feed(); a hole in a direction is reported with tls_gap().
 *
 *   tls_state *s = tls_new();
 *   tls_feed(s, 0, client_bytes, n);   ... any split, any number of calls
 *   tls_feed(s, 1, server_bytes, m);
 *   if (tls_loggable(s, flow_ending)) { eve_tls_object(...); tls_mark_logged(s); }
 *   tls_free(s);
 *
 * What is parsed (see docs/tls.md): TLS 1.0-1.3 (and TLS 1.3 drafts) records,
 * split anywhere and several per feed; handshake messages spanning records;
 * ClientHello / ServerHello with their extensions (SNI, ALPN, supported
 * versions, groups, point formats, signature algorithms, early data); the
 * Certificate message of both sides (X.509 DER: subject, issuer, serial,
 * validity, SHA-1 fingerprint); ChangeCipherSpec, Alert, application data
 * (counted, never inspected); an SSLv2 ClientHello is recognised.
 * JA3 / JA3S (string + MD5) and JA4 (FoxIO TLS client fingerprint, computed
 * exactly as Suricata 7 does) come from the hellos.
 *
 * Limits: a record announcing more than TLS_MAX_RECORD_LEN bytes raises
 * TLS_EV_INVALID_RECORD_LENGTH and the parser gives up (nothing is buffered
 * for it); a handshake message is buffered up to TLS_MAX_HS_MSG bytes (the
 * buffer grows only as data actually arrives), a larger one is skipped with
 * TLS_EV_HANDSHAKE_INVALID_LENGTH. Lists taken from hellos are kept whole
 * (they are bounded by the message cap). tls_mem_in_use() reports all heap
 * bytes held by a state.
 *
 * All fields of struct tls_state above "private" are read-only for other
 * modules (detection keywords, EVE output). Strings are NUL-terminated, NULL
 * when absent; they may contain any byte (the JSON writer escapes them). */
#ifndef RIBAT_APPLAYER_TLS_H
#define RIBAT_APPLAYER_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_MAX_RECORD_LEN (16384u + 2048u) /* 2^14 + ciphertext expansion */
#define TLS_MAX_HS_MSG     (256u * 1024u)   /* largest handshake message kept */
#define TLS_MAX_CERTS      16u              /* certificates of a chain kept (DER) */

/* protocol versions (wire values; the 1.3 draft values are Suricata's) */
#define TLS_VER_UNKNOWN          0x0000
#define TLS_VER_SSL2             0x0002
#define TLS_VER_SSL3             0x0300
#define TLS_VER_10               0x0301
#define TLS_VER_11               0x0302
#define TLS_VER_12               0x0303
#define TLS_VER_13               0x0304
#define TLS_VER_13_PRE_DRAFT16   0x7f0f /* drafts 1..15 ("TLS 1.3 draft-<16") */

/* Anomaly events: Suricata's TLS app-layer event names. tls_event_name()
 * gives the EVE anomaly spelling ("INVALID_RECORD_LENGTH"), tls_event_rule_name()
 * the rule spelling without the "tls." prefix ("invalid_record_length"). */
enum tls_event {
    TLS_EV_INVALID_SSLV2_HEADER = 0,
    TLS_EV_INVALID_TLS_HEADER,
    TLS_EV_INVALID_RECORD_VERSION,
    TLS_EV_INVALID_RECORD_TYPE,
    TLS_EV_INVALID_RECORD_LENGTH,
    TLS_EV_INVALID_HANDSHAKE_MESSAGE,
    TLS_EV_HEARTBEAT_MESSAGE,
    TLS_EV_INVALID_HEARTBEAT_MESSAGE,
    TLS_EV_OVERFLOW_HEARTBEAT_MESSAGE,
    TLS_EV_HANDSHAKE_INVALID_LENGTH,
    TLS_EV_MULTIPLE_SNI_EXTENSIONS,
    TLS_EV_INVALID_SNI_TYPE,
    TLS_EV_INVALID_SNI_LENGTH,
    TLS_EV_INVALID_CERTIFICATE,
    TLS_EV_CERTIFICATE_INVALID_LENGTH,
    TLS_EV_CERTIFICATE_INVALID_VERSION,
    TLS_EV_CERTIFICATE_INVALID_SERIAL,
    TLS_EV_CERTIFICATE_INVALID_ALGORITHMIDENTIFIER,
    TLS_EV_CERTIFICATE_INVALID_X509NAME,
    TLS_EV_CERTIFICATE_INVALID_DATE,
    TLS_EV_CERTIFICATE_INVALID_EXTENSIONS,
    TLS_EV_CERTIFICATE_INVALID_DER,
    TLS_EV_CERTIFICATE_INVALID_SUBJECT,
    TLS_EV_CERTIFICATE_INVALID_ISSUER,
    TLS_EV_CERTIFICATE_INVALID_VALIDITY,
    TLS_EV_ERROR_MESSAGE_ENCOUNTERED,
    TLS_EV_INVALID_SSL_RECORD,
    TLS_EV__COUNT
};

const char *tls_event_name(enum tls_event e);      /* "INVALID_RECORD_LENGTH" */
const char *tls_event_rule_name(enum tls_event e); /* "invalid_record_length" */

/* A growable list of 16-bit code points (cipher suites, extension types ...),
 * in wire order, GREASE values included. */
typedef struct tls_u16list {
    uint16_t *v;
    uint32_t n, cap;
} tls_u16list;

/* A parsed X.509 certificate (the fields Suricata logs). */
typedef struct tls_cert {
    char *subject;     /* "C=US, O=Example, CN=host" (x509-parser / Suricata format) */
    char *issuer;      /* "" for an empty Name */
    char *serial;      /* "00:AB:CD" upper-case hex of the INTEGER's content bytes */
    char fingerprint[60]; /* SHA-1 of the DER, "aa:bb:..." lower-case; "" if none */
    int64_t not_before, not_after; /* seconds since the epoch (UTC), may be < 0 */
    bool has_validity;
} tls_cert;

/* Parse one DER certificate into c (all fields freshly allocated; release with
 * tls_cert_clear). Returns 0 on success, else a TLS_EV_CERTIFICATE_* / TLS_EV_INVALID_CERTIFICATE
 * event explaining the failure; c is then left cleared. Never reads outside der[0..len). */
int tls_x509_parse(const uint8_t *der, size_t len, tls_cert *c);
void tls_cert_clear(tls_cert *c);
/* "2016-01-01T00:00:00" (UTC) into out (>= 32 bytes) */
void tls_format_time(int64_t t, char *out, size_t outlen);

/* One side of the connection (index 0 client, 1 server). */
typedef struct tls_conn {
    /* hello */
    bool hello_seen;           /* ClientHello (dir 0) / ServerHello (dir 1) parsed */
    uint16_t legacy_version;   /* version field of the hello */
    uint8_t random[32];        /* the hello's random (tls.random, tls.random_time/_bytes) */
    bool has_random;
    uint16_t record_version;   /* version of the last record header */
    tls_u16list ciphers;       /* client: offered; server: the chosen one */
    tls_u16list extensions;    /* extension types in order */
    tls_u16list groups;        /* supported_groups (elliptic curves) */
    tls_u16list point_formats; /* ec_point_formats (8-bit values) */
    tls_u16list sig_algs;      /* signature_algorithms */
    tls_u16list versions;      /* supported_versions (server: the selected one) */
    char **alpn;               /* ALPN protocol names */
    uint32_t alpn_n;
    uint8_t session_id[32];
    uint8_t session_id_len;
    bool early_data;           /* early_data extension present */
    /* fingerprints (JA3 for the client side, JA3S for the server side):
     * built on first use; read them with tls_ja3_string() / tls_ja3_hash() */
    char *ja3;                 /* "771,4865-4866,0-11,29-23,0" */
    char ja3_hash[33];         /* MD5 of ja3, lower-case hex; "" if none */
    bool ja3_pending;          /* the hello was parsed, ja3 not built yet */
    /* certificates */
    tls_cert cert0;            /* first certificate of the chain, if it parsed */
    bool cert0_ok;
    uint32_t cert_count;       /* certificates in the (last) Certificate message */
    uint8_t *certs[TLS_MAX_CERTS]; /* DER of the first TLS_MAX_CERTS certificates */
    uint32_t cert_len[TLS_MAX_CERTS];
    /* record counters */
    uint64_t records, handshake_records, ccs_records, alert_records, appdata_records,
        heartbeat_records;
    uint8_t last_alert_level, last_alert_desc; /* last plaintext alert */
    bool alert_seen;
    bool ccs_seen;             /* ChangeCipherSpec sent by this side */
} tls_conn;

typedef struct tls_ja4acc {    /* JA4 inputs, accumulated over every ClientHello */
    tls_u16list ciphers, exts, sigs;
    uint16_t version;          /* highest non-GREASE version seen */
    uint32_t nof_exts;
    bool domain;
    char alpn[2];
} tls_ja4acc;

struct tls_state {
    tls_conn conn[2];          /* [0] client, [1] server */
    uint16_t version;          /* negotiated (Suricata's mapping: draft values, 0 = unknown) */
    char *sni;                 /* server_name host_name */
    char ja4[40];              /* "t13d1516h2_8daaf6152771_02713d6af862"; "" without ClientHello
                                  (built on first use: read it with tls_ja4()) */
    bool ja4_pending;          /* a ClientHello changed the JA4 inputs since ja4 was built */
    bool sslv2;                /* an SSLv2 ClientHello was seen */
    bool session_resumed;      /* server echoed the client's session id */
    bool log_without_cert;     /* TLS 1.3 (or draft) ServerHello: logged without a certificate */
    bool handshake_done;       /* certificate seen, or encrypted application data */
    bool encrypted[2];         /* handshake contents of that direction are encrypted */
    bool gave_up;              /* not TLS, or a fatal record error: tls_feed returns -1 */
    uint64_t events;           /* bit (1 << tls_event) for every event raised so far */

    /* ---- private ---- */
    struct tls_dirstate *dir[2];
    tls_ja4acc ja4acc;
    uint8_t evq[32];           /* events not yet taken */
    uint32_t evq_n;
    bool logged;
    bool seen_tls;             /* at least one valid record */
};
typedef struct tls_state tls_state;

tls_state *tls_new(void);

/* The fingerprints, built from the hellos the first time they are asked for
 * (most sessions are never fingerprinted: no rule and no log asks). JA3 of
 * the client (dir 0) / JA3S of the server (dir 1): the string (NULL without
 * that hello) and its MD5 ("" without); JA4 of the ClientHellos ("" without). */
const char *tls_ja3_string(const tls_state *s, int dir);
const char *tls_ja3_hash(const tls_state *s, int dir);
const char *tls_ja4(const tls_state *s);
void tls_free(tls_state *s);

/* Content detection on the first bytes of a direction: 1 TLS (a handshake
 * record with a sane version and length, or an SSLv2 ClientHello), 0 not TLS,
 * -1 need more bytes. */
int tls_probe(const uint8_t *data, size_t len, int dir);

/* Feed in-order bytes of direction dir. 0 ok; -1 gave up (not TLS or a fatal
 * record error; every later call returns -1 too). */
int tls_feed(tls_state *s, int dir, const uint8_t *data, size_t len);

/* Bytes of direction dir were lost: the partial record is dropped and parsing
 * of that direction resumes only if the next bytes start a valid record. */
void tls_gap(tls_state *s, int dir);

/* Suricata logs one tls record per session: as soon as the handshake is done
 * (server certificate parsed, or encrypted application data seen), or at the
 * end of the flow, whichever comes first. A session where no valid TLS record
 * was seen is never logged; one where the parser gave up later is logged at
 * flow end only (as Suricata does). */
bool tls_loggable(const tls_state *s, bool flow_end);
void tls_mark_logged(tls_state *s);

/* Events raised since the last call (oldest first), at most max; returns the count. */
size_t tls_take_events(tls_state *s, enum tls_event *out, size_t max);
static inline bool tls_has_event(const tls_state *s, enum tls_event e)
{
    return (s->events >> e) & 1u;
}

/* "TLS 1.2", "TLSv1", "TLS 1.3 draft-19", "UNDETERMINED", "0x1234" (Suricata's spelling). */
const char *tls_version_string(uint16_t v, char buf[24]);

/* heap bytes held by s (the state itself included) */
uint64_t tls_mem_in_use(const tls_state *s);

/* Fingerprint helpers (exposed for tests): GREASE test (RFC 8701). */
bool tls_is_grease(uint16_t v);

#endif
