/* leak.h -- personal-data leak detection: validated Moroccan identifiers,
 * counted per flow and per host, reported without ever writing one in full.
 *
 * Three layers, all in this module:
 *
 *  1. Validators (pure functions): RIB (24 digits, 0 mod 97), IBAN (ISO 13616
 *     mod 97 with each country's length), CNSS immatriculation (9 digits,
 *     first 1, key digit of the e-BDS specification) and affiliation (7
 *     digits, key digit), ICE (15 digits, 0 mod 97), payment cards (Luhn +
 *     issuer ranges, 13-19 digits), e-mail, Moroccan phone numbers, CIN shape,
 *     e-BDS B02/B04 salary-declaration records. See docs/leak.md for sources.
 *
 *  2. The scanner: one pass per buffer, hand-written (measured against
 *     Hyperscan in bench/README.md), no allocation. Only digits, '@', CSV
 *     delimiters and line ends are looked at (SSE2 skips the other bytes 16
 *     at a time); around a digit or '@' the token (a run of
 *     [A-Za-z0-9._%+-@]) is cut into parts on '.', '_', '%', '+' and on '-'
 *     between non-digits, and each part classified. Digit runs are whole
 *     tokens, so a 9-digit CNSS inside a 24-digit RIB is not a CNSS. Short
 *     digit groups separated by single spaces are joined ("4111 1111 1111
 *     1111", "MA64 0115 ..."). Context words (cin, cnss, rib, tel, ...) in
 *     the 48 bytes before a candidate, or a CSV header naming the
 *     candidate's column, raise confidence; CIN, CNSS, affiliation and the
 *     national phone form count only with context. Binary content is
 *     skipped. A token cut by a chunk boundary is carried in a short tail
 *     (LEAK_TAIL bytes) of the per-direction state, so an identifier split
 *     across segments is seen once.
 *
 *  3. Counting and policy: per flow and direction, the DISTINCT identifiers
 *     per type (salted 64-bit hashes in a capped open-addressing set; the raw
 *     stream and the decoded HTTP body of the same direction share the set, so
 *     a value seen in both counts once), per source host per time window
 *     (bounded table with eviction), thresholds per type and in total,
 *     direction-aware (outbound from HOME_NET), allow-list of flows. At flow
 *     end a direction that crossed a threshold becomes one EVE `leak` record
 *     ("scope": "flow") with counts, severity, masked samples ("AB****56")
 *     and salted SHA-256 prefixes. The other directions merge their distinct
 *     sets into their sender's window; a window over the host threshold
 *     becomes ONE record ("scope": "host") when it ends (expiry, eviction,
 *     leak_finish at end of input). No full identifier is ever written.
 *
 * Past the stream reassembly depth the application layer feeds the packet
 * payloads of the direction (LEAK_SRC_STREAM, distinct counting absorbs
 * retransmissions); DNS names are case-folded for CIN/IBAN candidates.
 *
 * Each worker owns a leak_ctx (host table, EVE writer, stats): no locks. The
 * per-flow state hangs on flow->leak and is freed by leak_flow_end(). */
#ifndef RIBAT_LEAK_H
#define RIBAT_LEAK_H

#include "common/cidr.h"
#include "flow/flow.h"
#include "output/eve.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum leak_type {
    LEAK_CIN = 0,
    LEAK_CNSS,
    LEAK_CNSS_AFFIL,
    LEAK_RIB,
    LEAK_IBAN,
    LEAK_ICE,
    LEAK_CARD,
    LEAK_EMAIL,
    LEAK_PHONE,
    LEAK_EBDS,
    LEAK_N
};

/* EVE key of a type: "cin", "cnss", "cnss_affiliation", ... ; NULL if out of range */
const char *leak_type_name(int t);
/* inverse; -1 when unknown */
int leak_type_from_name(const char *s, size_t n);

/* ---- validators: s[0..n) is the candidate, without separators ---- */
bool leak_valid_rib(const char *s, size_t n);
bool leak_valid_iban(const char *s, size_t n);        /* upper-case letters, no spaces */
bool leak_valid_cnss(const char *s, size_t n);        /* immatriculation */
bool leak_valid_cnss_affil(const char *s, size_t n);
bool leak_valid_ice(const char *s, size_t n);
bool leak_valid_card(const char *s, size_t n);        /* digits only: Luhn + issuer range */
bool leak_valid_email(const char *s, size_t n);
bool leak_valid_phone(const char *s, size_t n);       /* "+212..", "00212..", "0[5-8].." */
bool leak_valid_cin_shape(const char *s, size_t n);   /* 1-2 upper-case letters + 1-6 digits */
/* An e-BDS line (without its LF): 260 characters, "B02"/"B04", valid
 * affiliation at [3,10) and immatriculation at [16,25). */
bool leak_valid_ebds(const char *s, size_t n);

/* Mask a value for output: values over 8 characters keep 2 leading and 2
 * trailing characters, 5 to 8 keep 1 and 1, shorter ones none; the rest
 * becomes '*' (at most 12 stars). out holds outcap bytes, NUL-terminated. */
void leak_mask(const char *s, size_t n, char *out, size_t outcap);
/* Mask, in place, every run of 5+ characters holding 4+ digits of a
 * string (URLs and file names quoted in records). */
void leak_redact(char *s);
/* s[0..n) with every identifier the scanner validates in it masked (as in
 * leak records: 2 or 1 characters kept at each end), into out (cap bytes,
 * NUL-terminated). Returns n when something was masked, 0 when s holds no
 * identifier (out is then untouched): for strings quoted in any output. */
size_t leak_redact_into(const char *s, size_t n, char *out, size_t cap);
/* Bytes of traffic dumped whole (an alert's payload or packet): as
 * leak_redact_into, and since a dump has no context (the CSV header, the
 * "cin:" label may be in another segment) every run of 5 or more digits also
 * keeps only its two first and two last, and a CIN-shaped token (1-2
 * capitals and 1-6 digits standing alone) only its last digit. out holds n bytes (+1 for a NUL);
 * always filled; returns the number of bytes changed. */
size_t leak_redact_payload(const uint8_t *s, size_t n, uint8_t *out);

/* ---- configuration ---- */

#define LEAK_MAX_ALLOW 64
#define LEAK_MAX_NETS 64

typedef rb_cidr leak_cidr; /* family 0 = any */

typedef struct leak_allow {
    leak_cidr src, dst;  /* family 0 = any */
    uint16_t port;       /* destination port of the direction, 0 = any */
} leak_allow;

typedef struct leak_config {
    bool enabled;                  /* leak.enabled, default yes */
    bool look_stream;              /* leak.inspect.stream: reassembled TCP payload, default yes */
    bool look_http;                /* leak.inspect.http-body: decoded HTTP bodies, default yes */
    bool look_dns;                 /* leak.inspect.dns: DNS query names, default yes */
    uint32_t flow_threshold;       /* distinct sensitive ids per flow direction; default 50 */
    uint32_t type_threshold[LEAK_N]; /* per type, alone; 0 = none */
    bool sensitive[LEAK_N];        /* which types add to flow_threshold's total */
    uint32_t host_threshold;       /* distinct ids per source host per window; default 500 */
    uint32_t host_window;          /* seconds; default 600 */
    uint32_t host_table_size;      /* hosts tracked per worker; default 4096 */
    uint32_t inbound_factor;       /* thresholds x this when the direction is not outbound; default 2 */
    uint32_t max_distinct;         /* distinct ids kept per flow direction (and per host window); default 65536 */
    uint64_t host_memcap;          /* bytes of the hosts' distinct sets per worker; default 32 MiB */
    uint64_t salt;                 /* leak.salt (hashed to 64 bits); random per run when unset */
    bool salt_set;
    leak_cidr home[LEAK_MAX_NETS]; /* HOME_NET; RFC 1918 + fc00::/7 by default */
    int n_home;
    leak_allow allow[LEAK_MAX_ALLOW];
    int n_allow;
} leak_config;

void leak_config_default(leak_config *c);
/* "10.0.0.0/8" / "192.168.1.1" / "fd00::/8"; false when invalid */
static inline bool leak_parse_cidr(const char *s, leak_cidr *out) { return rb_cidr_parse(s, out); }
/* A Suricata address group ("[10.0.0.0/8,172.16.0.0/12]"): the CIDRs it
 * lists replace c->home (negations and variables are skipped). Returns the
 * number of networks taken. */
int leak_set_home(leak_config *c, const char *group);
static inline bool leak_cidr_contains(const leak_cidr *n, int family, const uint8_t *addr)
{
    return rb_cidr_contains(n, family, addr);
}

/* ---- stateless scan of one buffer (rule keyword, tests, bench) ---- */

/* Count the valid identifiers of each type in d[0..n) (occurrences, not
 * distinct), with the same rules as the streaming scanner. */
void leak_scan_counts(const uint8_t *d, size_t n, uint32_t counts[LEAK_N]);

/* ---- per-worker context ---- */

typedef struct leak_stats {
    uint64_t bytes;          /* bytes scanned */
    uint64_t binary_skipped; /* bytes of chunks that looked binary, not scanned */
    uint64_t ids[LEAK_N];    /* distinct identifiers counted (sum over flow directions) */
    uint64_t flows;          /* flow directions with at least one identifier */
    uint64_t incidents;      /* leak records */
    uint64_t allowed;        /* directions skipped by the allow-list */
    uint64_t set_full;       /* directions whose distinct set reached max_distinct */
    uint64_t hosts_evicted;
} leak_stats;

typedef struct leak_ctx leak_ctx;

/* eve may be NULL (no records). cfg is copied. */
leak_ctx *leak_new(const leak_config *cfg, rb_eve_writer *eve);
void leak_free(leak_ctx *l);
const leak_stats *leak_get_stats(const leak_ctx *l);
void leak_stats_add(leak_stats *into, const leak_stats *from);

/* Where the bytes came from (decides the toggles and the record's context). */
enum leak_source {
    LEAK_SRC_STREAM = 0,   /* reassembled TCP payload */
    LEAK_SRC_HTTP,         /* decoded HTTP body */
    LEAK_SRC_HTTP_FORM,    /* decoded HTTP body, application/x-www-form-urlencoded */
    LEAK_SRC_DNS,          /* one DNS query name (scanned on its own) */
    LEAK_SRC_URI,          /* one HTTP request URI (%-decoded, scanned on its own) */
    LEAK_SRC_MAIL,         /* decoded text part or attachment of a mail (SMTP, MIME) */
};

/* Feed bytes of a flow direction (dir 0 to server, 1 to client). Creates the
 * per-flow state on first use (flow->leak). */
void leak_feed(leak_ctx *l, rb_flow *f, int dir, enum leak_source src, const uint8_t *d, size_t n);
/* HTTP context of the body being fed (copied, redacted; NULL leaves a field
 * as it is). new_body: a new message body starts (the last one is complete). */
void leak_http_context(leak_ctx *l, rb_flow *f, int dir, bool new_body, const char *host, size_t hl,
                       const char *url, size_t ul, const char *filename, size_t fl);
/* SMB context of a flow direction: the share and name of the file being
 * written (dir 0) or read (dir 1); its bytes reach the stage through the
 * stream. Copied, redacted; written as context.smb {share, filename}. */
void leak_smb_context(leak_ctx *l, rb_flow *f, int dir, const char *share, size_t sl, const char *filename,
                      size_t fl);
/* A decoded mail part starts (SMTP, LEAK_SRC_MAIL): what the last one left
 * pending is complete; filename (an attachment's, or NULL) becomes the
 * record's context "smtp": {"filename"}. */
void leak_mail_context(leak_ctx *l, rb_flow *f, int dir, const char *filename, size_t fl);
/* The flow ends: decide, write the incident records, free flow->leak. */
void leak_flow_end(leak_ctx *l, rb_flow *f);
/* End of input (after the last flow ended): the open host windows that
 * reached the host threshold write their host-level records. */
void leak_finish(leak_ctx *l);

/* Distinct counts so far of a flow direction (tests); zeros when none. */
void leak_flow_counts(const rb_flow *f, int dir, uint32_t counts[LEAK_N]);

#endif
