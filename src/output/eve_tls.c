/* eve_tls.c -- see eve_tls.h */
#include "output/eve_tls.h"
#include "output/eve.h"

#include <string.h>

static void cert_time(jbuf *jb, const char *key, const tls_cert *c, int64_t t)
{
    /* Suricata stores the time as seconds and treats 0 as "not set" */
    if (!c->has_validity || t == 0)
        return;
    char buf[40];
    tls_format_time(t, buf, sizeof buf);
    jb_str(jb, key, buf);
}

void eve_tls_object_ex(jbuf *jb, const tls_state *s, const eve_tls_opts *o)
{
    const tls_conn *srv = &s->conn[1], *cli = &s->conn[0];
    const tls_cert *c = srv->cert0_ok ? &srv->cert0 : NULL;

    jb_open_object(jb, "tls");
    if (c && c->subject)
        eve_put_text(jb, "subject", c->subject, strlen(c->subject));
    if (c && c->issuer)
        eve_put_text(jb, "issuerdn", c->issuer, strlen(c->issuer));
    if (o->session_resumption && s->session_resumed && !c && srv->hello_seen &&
        !s->log_without_cert)
        jb_bool(jb, "session_resumed", true);
    if (o->extended) {
        if (c && c->serial)
            jb_str(jb, "serial", c->serial);
        if (c && c->fingerprint[0])
            jb_str(jb, "fingerprint", c->fingerprint);
        if (s->sni)
            eve_put_text(jb, "sni", s->sni, strlen(s->sni));
        char vb[24];
        jb_str(jb, "version", tls_version_string(s->version, vb));
        if (c) {
            cert_time(jb, "notbefore", c, c->not_before);
            cert_time(jb, "notafter", c, c->not_after);
        }
        for (int d = 0; d < 2 && o->ja3; d++) {
            const char *str = tls_ja3_string(s, d);
            if (!str)
                continue;
            jb_open_object(jb, d ? "ja3s" : "ja3");
            jb_str(jb, "hash", tls_ja3_hash(s, d));
            jb_str(jb, "string", str);
            jb_close_object(jb);
        }
        if (o->ja4 && tls_ja4(s)[0])
            jb_str(jb, "ja4", tls_ja4(s));
        if (cli->cert0_ok) {
            const tls_cert *cc = &cli->cert0;
            jb_open_object(jb, "client");
            if (cc->subject)
                jb_str(jb, "subject", cc->subject);
            if (cc->issuer)
                jb_str(jb, "issuerdn", cc->issuer);
            if (cc->fingerprint[0])
                jb_str(jb, "fingerprint", cc->fingerprint);
            if (cc->serial)
                jb_str(jb, "serial", cc->serial);
            cert_time(jb, "notbefore", cc, cc->not_before);
            cert_time(jb, "notafter", cc, cc->not_after);
            jb_close_object(jb);
        }
    }
    if (o->from_proto)
        jb_str(jb, "from_proto", o->from_proto);
    jb_close_object(jb);
}

void eve_tls_object(jbuf *jb, const tls_state *s, bool extended)
{
    eve_tls_opts o = {.extended = extended, .session_resumption = true};
    eve_tls_object_ex(jb, s, &o);
}
