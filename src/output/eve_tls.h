/* eve_tls.h -- the "tls" object of EVE tls records, as Suricata 7.0.10 writes it.
 *
 * Key order (extended): subject, issuerdn, session_resumed, serial,
 * fingerprint, sni, version, notbefore, notafter, ja3 {hash,string},
 * ja3s {hash,string}, ja4, client {subject, issuerdn, fingerprint, serial,
 * notbefore, notafter}, from_proto. Not extended: subject, issuerdn,
 * session_resumed. A field is omitted when unknown, except version, which is
 * "UNDETERMINED" without a ServerHello.
 *
 * Suricata's defaults (Debian's suricata.yaml: eve-log tls "extended: yes",
 * session-resumption on, ja4 off; app-layer tls ja3-fingerprints "auto" = only
 * when a loaded rule uses ja3 keywords) correspond to
 *   { .extended = true, .session_resumption = true, .ja3 = <rules use ja3>, .ja4 = false }. */
#ifndef RIBAT_OUTPUT_EVE_TLS_H
#define RIBAT_OUTPUT_EVE_TLS_H

#include "applayer/tls.h"
#include "common/jbuf.h"

#include <stdbool.h>

typedef struct eve_tls_opts {
    bool extended;           /* eve-log.tls.extended */
    bool session_resumption; /* eve-log.tls.session-resumption (Suricata default: on) */
    bool ja3;                /* ja3 + ja3s objects (app-layer.protocols.tls.ja3-fingerprints) */
    bool ja4;                /* "ja4" (eve-log.tls.ja4 and ja4-fingerprints) */
    const char *from_proto;  /* original protocol after STARTTLS / CONNECT, or NULL */
} eve_tls_opts;

/* Suricata's defaults, ja3/ja4 off. */
void eve_tls_object(jbuf *jb, const tls_state *s, bool extended);
/* Writes "tls": {...} into the open record. */
void eve_tls_object_ex(jbuf *jb, const tls_state *s, const eve_tls_opts *o);

#endif
