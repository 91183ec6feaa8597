/* eve_krb5.c -- see eve_krb5.h */
#include "output/eve_krb5.h"

#include <string.h>

static void name(jbuf *jb, const char *key, const char *v, bool has)
{
    if (!has || !v[0]) {
        jb_str(jb, key, "<empty>");
        return;
    }
    size_t n = strlen(v);
    if (rb_utf8_valid((const uint8_t *)v, n)) {
        jb_strn(jb, key, v, n);
        return;
    }
    char out[KRB5_NAME_MAX + 1];
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)v[i] < 0x80 ? v[i] : '?';
    jb_strn(jb, key, out, n);
}

void eve_krb5_object(jbuf *jb, const krb5_tx *tx)
{
    char b[16];
    jb_open_object(jb, "krb5");
    jb_str(jb, "msg_type", krb5_msg_type_name(tx->msg_type));
    if (tx->msg_type == 30) {
        jb_str(jb, "failed_request", krb5_msg_type_name(tx->failed_request));
        jb_str(jb, "error_code", krb5_error_name(tx->error_code, b));
    }
    name(jb, "cname", tx->cname, tx->has_cname);
    name(jb, "realm", tx->realm, tx->has_realm);
    name(jb, "sname", tx->sname, tx->has_sname);
    bool rep = tx->msg_type == 11 || tx->msg_type == 13; /* AS-REP, TGS-REP */
    jb_str(jb, "encryption", rep ? krb5_etype_name(tx->etype, b) : "<none>");
    jb_bool(jb, "weak_encryption", rep && krb5_weak_etype(tx->etype));
    if (rep) {
        jb_str(jb, "ticket_encryption", krb5_etype_name(tx->ticket_etype, b));
        jb_bool(jb, "ticket_weak_encryption", krb5_weak_etype(tx->ticket_etype));
    }
    jb_close_object(jb);
}
