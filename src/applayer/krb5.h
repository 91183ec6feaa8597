/* Kerberos 5 (RFC 4120) over UDP and TCP port 88: the KDC exchanges
 * (AS-REQ/AS-REP, TGS-REQ/TGS-REP, KRB-ERROR), one transaction per message,
 * with the client and service names, the realm, the encryption types and
 * Suricata's events (krb5.weak_encryption: a reply whose encrypted part does
 * not use AES or Camellia, the mark of RC4 "Kerberoasting"; krb5.malformed_data).
 * See docs/krb5.md.
 *
 * The DER decoder is hostile-input safe: every length is checked against
 * what is left, the message structure is walked at a fixed depth (no
 * recursion), names are cut at KRB5_NAME_MAX bytes, a TCP record at
 * KRB5_RECORD_MAX bytes (its bytes are skipped, the event raised). */
#ifndef RIBAT_APPLAYER_KRB5_H
#define RIBAT_APPLAYER_KRB5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KRB5_NAME_MAX 255
#define KRB5_RECORD_MAX (256u * 1024u)
#define KRB5_MAX_TX 64 /* transactions held before the oldest is dropped unlogged */

enum { KRB5_EV_MALFORMED_DATA = 0, KRB5_EV_WEAK_ENCRYPTION, KRB5_EV_COUNT };

typedef struct krb5_tx {
    uint64_t tx_id;
    int dir;                /* 0: to the KDC (request), 1: from it (reply, error) */
    uint32_t msg_type;      /* 10 AS-REQ, 11 AS-REP, 12 TGS-REQ, 13 TGS-REP, 30 KRB-ERROR */
    uint32_t failed_request; /* KRB-ERROR: the type of the request before it, 0 unknown */
    int32_t error_code;     /* KRB-ERROR's error-code, -1 none */
    int32_t etype;          /* reply: the etype of its encrypted part, -1 none */
    int32_t ticket_etype;   /* reply: the etype of the ticket's encrypted part, -1 none */
    char cname[KRB5_NAME_MAX + 1], realm[KRB5_NAME_MAX + 1], sname[KRB5_NAME_MAX + 1];
    bool has_cname, has_realm, has_sname;
    uint32_t events;        /* 1 << KRB5_EV_* */
} krb5_tx;

typedef struct krb5_state krb5_state;

/* 1: Kerberos, 0: not, -1: need more bytes. TCP data starts with a 4-byte
 * record marker; both need a KDC message tag and port 88 on one side. */
int krb5_probe(const uint8_t *d, size_t n, bool tcp, uint16_t sp, uint16_t dp);

krb5_state *krb5_new(void);
void krb5_free(krb5_state *s);
/* Feed a UDP datagram (one message) or TCP stream bytes of direction dir.
 * Returns 0, or -1 once the stream cannot be framed any more (TCP). */
int krb5_feed(krb5_state *s, int dir, const uint8_t *d, size_t n, bool tcp);
void krb5_gap(krb5_state *s, int dir); /* TCP: bytes lost, the framing is lost too */
/* The next transaction to log, or NULL; valid until the next call. */
krb5_tx *krb5_next_loggable(krb5_state *s);

const char *krb5_event_name(unsigned ev);           /* "krb5.weak_encryption" */
const char *krb5_msg_type_name(uint32_t t);         /* "KRB_AS_REQ" */
const char *krb5_etype_name(int32_t e, char buf[16]); /* "rc4-hmac", else the number */
const char *krb5_error_name(int32_t e, char buf[16]); /* "KDC_ERR_PREAUTH_REQUIRED", else the number */
bool krb5_weak_etype(int32_t e);                    /* not AES, not Camellia */

/* Decode one message (for tests and the fuzz harness): fills tx, returns
 * false when it is not a KDC message ribat reads or is malformed. */
bool krb5_decode(const uint8_t *d, size_t n, krb5_tx *tx);

#endif
