/* eve_ssh.c -- see eve_ssh.h */
#include "output/eve_ssh.h"

#include <string.h>

static void field(jbuf *jb, const char *key, const uint8_t *v, size_t n, bool truncated)
{
    static const char hex[] = "0123456789abcdef";
    static const char tail[] = "[truncated]";
    uint8_t raw[SSH_MAX_FIELD_LEN + sizeof tail];
    memcpy(raw, v, n);
    if (truncated) {
        memcpy(raw + n, tail, sizeof tail - 1);
        n += sizeof tail - 1;
    }
    if (rb_utf8_valid(raw, n)) {
        jb_strn(jb, key, (const char *)raw, n);
        return;
    }
    char out[sizeof raw * 4];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (raw[i] < 0x80) {
            out[k++] = (char)raw[i];
        } else {
            out[k++] = '\\';
            out[k++] = 'x';
            out[k++] = hex[raw[i] >> 4];
            out[k++] = hex[raw[i] & 15];
        }
    }
    jb_strn(jb, key, out, k);
}

static void side(jbuf *jb, const char *key, const ssh_side *sd)
{
    if (!sd->proto_len)
        return;
    jb_open_object(jb, key);
    field(jb, "proto_version", sd->proto, sd->proto_len, sd->proto_truncated);
    if (sd->software_len)
        field(jb, "software_version", sd->software, sd->software_len, sd->software_truncated);
    jb_close_object(jb);
}

void eve_ssh_object(jbuf *jb, const ssh_state *s)
{
    jb_open_object(jb, "ssh");
    side(jb, "client", &s->side[0]);
    side(jb, "server", &s->side[1]);
    jb_close_object(jb);
}
