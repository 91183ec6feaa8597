/* eve_krb5.h -- EVE JSON for Kerberos 5, as Suricata 7 writes it:
 *   "krb5": {"msg_type": "KRB_TGS_REP", "cname": "user01", "realm": "EXAMPLE.MA",
 *            "sname": "HTTP/intranet.example.ma", "encryption": "rc4-hmac",
 *            "weak_encryption": true, "ticket_encryption": "aes256-cts-hmac-sha1-96",
 *            "ticket_weak_encryption": false}
 * A KRB-ERROR adds "failed_request" (the request before it) and "error_code";
 * an absent name is "<empty>", an absent etype "<none>". Name bytes that are
 * not valid UTF-8 are written as '?'. */
#ifndef RIBAT_EVE_KRB5_H
#define RIBAT_EVE_KRB5_H

#include "applayer/krb5.h"
#include "common/jbuf.h"

/* writes the "krb5" key and object */
void eve_krb5_object(jbuf *jb, const krb5_tx *tx);

#endif
