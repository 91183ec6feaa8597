/* eve_smb.c -- see eve_smb.h */
#include "output/eve_smb.h"

#include "output/eve.h"

#include <stdio.h>
#include <string.h>

static void put_str(jbuf *jb, const char *key, const http_str *s)
{
    eve_put_text(jb, key, s->ptr ? (const char *)s->ptr : "", s->ptr ? s->len : 0);
}

static void put_guid(jbuf *jb, const char *key, const uint8_t g[16])
{
    char buf[40];
    smb_fuid_string(g, 16, buf);
    jb_str(jb, key, buf);
}

static void put_native(jbuf *jb, const char *key, const smb_tx *tx, int i)
{
    if (!tx->native_os[i].ptr && !tx->native_lm[i].ptr)
        return;
    jb_open_object(jb, key);
    put_str(jb, "native_os", &tx->native_os[i]);
    put_str(jb, "native_lm", &tx->native_lm[i]);
    jb_close_object(jb);
}

static bool is_cmd(const smb_tx *tx, uint16_t c1, uint16_t c2)
{
    return tx->vers == 1 ? tx->cmd == c1 : tx->cmd == c2;
}

void eve_smb_object(jbuf *jb, const smb_tx *tx, const char *dialect)
{
    char buf[64];
    jb_open_object(jb, "smb");
    jb_u64(jb, "id", tx->tx_id + 1);
    jb_str(jb, "dialect", dialect);
    jb_str(jb, "command", smb_command_name(tx->vers, tx->cmd));
    if (tx->has_status && tx->status_dos) {
        /* SMB1 DOS error: class, code (Suricata names the ones it knows; ribat none) */
        snprintf(buf, sizeof buf, "UNKNOWN_%02X_%04X", tx->status & 0xff, tx->status >> 16);
        jb_str(jb, "status", buf);
        snprintf(buf, sizeof buf, "0x%04x", tx->status >> 16);
        jb_str(jb, "status_code", buf);
    } else if (tx->has_status) {
        const char *n = smb_status_name(tx->status);
        if (!n) {
            snprintf(buf, sizeof buf, "%u", tx->status);
            n = buf;
        }
        jb_str(jb, "status", n);
        snprintf(buf, sizeof buf, "0x%x", tx->status);
        jb_str(jb, "status_code", buf);
    }
    jb_u64(jb, "session_id", tx->session_id);
    jb_u64(jb, "tree_id", tx->tree_id);

    if (tx->is_file) {
        put_str(jb, "filename", &tx->filename);
        put_str(jb, "share", &tx->share);
        smb_fuid_string(tx->fuid, tx->fuid_len, buf);
        jb_str(jb, "fuid", buf);
    } else if (is_cmd(tx, SMB1_NEGOTIATE, SMB2_NEGOTIATE)) {
        if (tx->has_req) {
            jb_open_array(jb, "client_dialects");
            const uint8_t *p = tx->dialects.ptr;
            size_t left = tx->dialects.len;
            for (uint32_t i = 0; p && i < tx->n_dialects && left; i++) {
                const uint8_t *z = memchr(p, 0, left);
                size_t l = z ? (size_t)(z - p) : left;
                eve_put_text(jb, NULL, (const char *)p, l);
                p += l + 1;
                left = left > l ? left - l - 1 : 0;
            }
            jb_close_array(jb);
        }
        if (tx->has_client_guid)
            put_guid(jb, "client_guid", tx->client_guid);
        if (tx->has_server_guid)
            put_guid(jb, "server_guid", tx->server_guid);
        if (tx->has_resp && tx->max_read) { /* an SMB2 response, also to an SMB1 request */
            jb_u64(jb, "max_read_size", tx->max_read);
            jb_u64(jb, "max_write_size", tx->max_write);
        }
    } else if (is_cmd(tx, SMB1_SESSION_SETUP_ANDX, SMB2_SESSION_SETUP)) {
        if (tx->has_ntlmssp) {
            jb_open_object(jb, "ntlmssp");
            put_str(jb, "domain", &tx->ntlm_domain);
            put_str(jb, "user", &tx->ntlm_user);
            put_str(jb, "host", &tx->ntlm_host);
            if (tx->has_ntlm_version) {
                snprintf(buf, sizeof buf, "%u.%u build %u rev %u", tx->ntlm_ver_major, tx->ntlm_ver_minor,
                         tx->ntlm_ver_build, tx->ntlm_ver_rev);
                jb_str(jb, "version", buf);
            }
            jb_close_object(jb);
        }
        put_native(jb, "request", tx, 0);
        put_native(jb, "response", tx, 1);
    } else if (is_cmd(tx, SMB1_TREE_CONNECT_ANDX, SMB2_TREE_CONNECT)) {
        if (tx->share.ptr)
            put_str(jb, tx->share_is_pipe ? "named_pipe" : "share", &tx->share);
        if (tx->vers == 2 && tx->share_type >= 1 && tx->share_type <= 3) {
            static const char *const types[] = { "FILE", "PIPE", "PRINT" };
            jb_str(jb, "share_type", types[tx->share_type - 1]);
        }
        if (tx->vers == 1 && (tx->service[0].ptr || tx->service[1].ptr)) {
            jb_open_object(jb, "service");
            if (tx->service[0].ptr)
                put_str(jb, "request", &tx->service[0]);
            if (tx->service[1].ptr)
                put_str(jb, "response", &tx->service[1]);
            jb_close_object(jb);
        }
    } else if (tx->vers == 2 && tx->cmd == SMB2_IOCTL) {
        const char *fn = tx->has_ioctl ? smb_fsctl_name(tx->ioctl) : NULL;
        if (fn)
            jb_str(jb, "function", fn);
    } else if (is_cmd(tx, SMB1_NT_CREATE_ANDX, SMB2_CREATE)) {
        if (tx->filename.ptr)
            put_str(jb, "filename", &tx->filename);
        if (tx->has_create_req) {
            const char *dn = smb_disposition_name(tx->disposition);
            if (dn)
                jb_str(jb, "disposition", dn);
            jb_str(jb, "access", tx->delete_on_close ? "delete on close" : "normal");
        }
        if (tx->has_create_resp || (tx->has_create_req && tx->has_resp)) {
            /* a failed CREATE: zeros and an empty fuid, as Suricata writes them */
            static const char *const tn[4] = { "created", "accessed", "modified", "changed" };
            for (int i = 0; i < 4; i++)
                jb_u64(jb, tn[i], smb_filetime_to_unix(tx->times[i]));
            jb_u64(jb, "size", tx->size);
            smb_fuid_string(tx->fuid, tx->fuid_len, buf);
            jb_str(jb, "fuid", buf);
        }
    }
    jb_close_object(jb);
}
