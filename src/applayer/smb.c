/* smb.c -- see smb.h (framing, transactions, file tracking). */
#include "applayer/smb.h"

#include "common/digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a piece of file data held until the bytes before it arrive (file_chunk) */
struct smb_chunk {
    uint64_t off;
    size_t len, cap;
    struct smb_chunk *next;
    uint8_t data[];
};

enum { M_BUFFER = 0, M_STREAM, M_SKIP };

typedef struct smb_dir {
    uint8_t nb[4];          /* NBSS header being read */
    uint8_t nb_len;
    bool in_rec;
    uint8_t type;           /* NBSS type of the current record */
    uint32_t rec_len, rec_off; /* payload length of the record, bytes of it seen */
    int mode;
    uint8_t *buf;           /* buffered bytes of the record (whole, or its prefix) */
    uint32_t buf_len, buf_cap, want;
    /* streaming the data of a large READ / WRITE record */
    uint64_t s_skip;        /* record bytes before the data still to skip */
    uint64_t s_left;        /* data bytes still to place */
    uint64_t s_off;         /* file offset of the next data byte */
    uint8_t s_fuid[16];
    uint8_t s_fuid_len;
    int s_fdir;             /* 0 a write, 1 a read */
    bool resync;            /* framing lost: look for a record start */
} smb_dir;

typedef struct smb_handle {
    uint8_t fuid[16];
    uint8_t len;
    bool pipe;
    uint32_t tree_id;
    uint64_t seq;           /* for eviction (oldest first) */
    http_str name;
    http_str share;
} smb_handle;

/* fixed tables (trees, pending reads) start with this: a new entry takes a
 * free slot, else the oldest */
typedef struct smb_slot {
    bool used;
    uint64_t seq;
} smb_slot;

typedef struct smb_tree {
    smb_slot slot;
    uint32_t id;
    bool pipe;
    http_str share;
} smb_tree;

typedef struct smb_read {
    smb_slot slot;
    uint64_t key;
    uint8_t vers;
    uint8_t fuid[16];
    uint8_t len;
    uint64_t off;
} smb_read;

struct smb_state {
    smb_config cfg;
    smb_dir d[2];
    smb_tx **tx;            /* live transactions, creation order */
    size_t n_tx, cap_tx;
    uint64_t next_tx_id;
    smb_handle *h;
    uint32_t n_h;
    smb_tree trees[SMB_MAX_TREES];
    smb_read reads[SMB_MAX_READS];
    uint64_t seq;
    uint16_t dialect2;      /* SMB2 dialect of the NEGOTIATE response, 0 none */
    char dialect1[32];      /* SMB1 dialect string chosen by the server */
    http_str last_dialects; /* the client's SMB1 dialects (NUL-separated), for the response's index */
    uint32_t n_last_dialects;
    smb_stats st;
    uint64_t mem;           /* heap bytes held: transactions, names, kept file data, hashes */
    smb_pipe_cb pipe_cb;
    void *pipe_ctx;
    smb_file_cb file_cb;
    void *file_ctx;
};

/* ------------------------------------------------------------------------ */
/* little helpers */

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

/* the per-flow memory cap (cfg.memcap): false, and counted, when n more bytes do not fit */
static bool mem_room(smb_state *s, uint64_t n)
{
    if (s->mem + n <= s->cfg.memcap)
        return true;
    s->st.memcap++;
    return false;
}

static void str_free(smb_state *s, http_str *x)
{
    if (x->ptr)
        s->mem -= x->len + 1;
    free(x->ptr);
    x->ptr = NULL;
    x->len = 0;
}

static void str_set(smb_state *s, http_str *x, const uint8_t *p, size_t n)
{
    str_free(s, x);
    if (n > SMB_MAX_NAME)
        n = SMB_MAX_NAME;
    if (!mem_room(s, n + 1))
        return;
    x->ptr = malloc(n + 1);
    if (!x->ptr)
        return;
    s->mem += n + 1;
    if (n)
        memcpy(x->ptr, p, n);
    x->ptr[n] = 0;
    x->len = n;
}

static void str_copy(smb_state *s, http_str *x, const http_str *from)
{
    if (from->ptr)
        str_set(s, x, from->ptr, from->len);
    else
        str_free(s, x);
}

size_t smb_utf16_to_utf8(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i + 1 < n;) {
        uint32_t c = le16(in + i);
        i += 2;
        if (c == 0)
            break;
        if (c >= 0xd800 && c <= 0xdbff) {
            uint32_t lo = i + 1 < n ? le16(in + i) : 0;
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
                i += 2;
            } else {
                c = 0xfffd;
            }
        } else if (c >= 0xdc00 && c <= 0xdfff) {
            c = 0xfffd;
        }
        uint8_t b[4];
        size_t k;
        if (c < 0x80) {
            b[0] = (uint8_t)c;
            k = 1;
        } else if (c < 0x800) {
            b[0] = (uint8_t)(0xc0 | c >> 6);
            b[1] = (uint8_t)(0x80 | (c & 0x3f));
            k = 2;
        } else if (c < 0x10000) {
            b[0] = (uint8_t)(0xe0 | c >> 12);
            b[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
            b[2] = (uint8_t)(0x80 | (c & 0x3f));
            k = 3;
        } else {
            b[0] = (uint8_t)(0xf0 | c >> 18);
            b[1] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
            b[2] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
            b[3] = (uint8_t)(0x80 | (c & 0x3f));
            k = 4;
        }
        if (o + k > cap)
            break;
        memcpy(out + o, b, k);
        o += k;
    }
    return o;
}

/* a name from the wire: UTF-16LE (unicode) or bytes up to a NUL */
static void name_set(smb_state *s, http_str *x, const uint8_t *p, size_t n, bool unicode)
{
    if (unicode) {
        uint8_t tmp[SMB_MAX_NAME];
        size_t m = smb_utf16_to_utf8(p, n, tmp, sizeof tmp);
        str_set(s, x, tmp, m);
    } else {
        const uint8_t *z = memchr(p, 0, n);
        str_set(s, x, p, z ? (size_t)(z - p) : n);
    }
}

uint64_t smb_filetime_to_unix(uint64_t ft)
{
    const uint64_t epoch = 116444736000000000ull; /* 1970-01-01 in FILETIME */
    return ft < epoch ? 0 : (ft - epoch) / 10000000ull;
}

void smb_fuid_string(const uint8_t *f, uint8_t len, char out[40])
{
    if (len == 16)
        /* as Suricata prints GUIDs: every group little-endian, the last 6 bytes as 2 + 4 */
        snprintf(out, 40, "%08x-%04x-%04x-%04x-%04x%08x", le32(f), le16(f + 4), le16(f + 6), le16(f + 8),
                 le16(f + 10), le32(f + 12));
    else if (len == 2)
        snprintf(out, 40, "%04x", le16(f));
    else
        out[0] = 0;
}

/* ------------------------------------------------------------------------ */
/* names */

const char *smb2_dialect_name(uint16_t d, char *buf)
{
    if (d == 0x02ff)
        return "2.??";
    snprintf(buf, 8, "%x.%02x", (unsigned)(d >> 8) & 0xf, (unsigned)d & 0xff);
    return buf;
}

const char *smb_command_name(uint8_t vers, uint16_t cmd)
{
    static const char *const smb2[] = {
        "SMB2_COMMAND_NEGOTIATE_PROTOCOL", "SMB2_COMMAND_SESSION_SETUP", "SMB2_COMMAND_SESSION_LOGOFF",
        "SMB2_COMMAND_TREE_CONNECT", "SMB2_COMMAND_TREE_DISCONNECT", "SMB2_COMMAND_CREATE", "SMB2_COMMAND_CLOSE",
        "SMB2_COMMAND_FLUSH", "SMB2_COMMAND_READ", "SMB2_COMMAND_WRITE", "SMB2_COMMAND_LOCK", "SMB2_COMMAND_IOCTL",
        "SMB2_COMMAND_CANCEL", "SMB2_COMMAND_KEEPALIVE", "SMB2_COMMAND_FIND", "SMB2_COMMAND_CHANGE_NOTIFY",
        "SMB2_COMMAND_GET_INFO", "SMB2_COMMAND_SET_INFO", "SMB2_COMMAND_OPLOCK_BREAK",
    };
    static const struct { uint8_t c; const char *n; } smb1[] = {
        { 0x00, "SMB1_COMMAND_CREATE_DIRECTORY" }, { 0x01, "SMB1_COMMAND_DELETE_DIRECTORY" },
        { 0x02, "SMB1_COMMAND_OPEN" }, { 0x03, "SMB1_COMMAND_CREATE" }, { 0x04, "SMB1_COMMAND_CLOSE" },
        { 0x05, "SMB1_COMMAND_FLUSH" }, { 0x06, "SMB1_COMMAND_DELETE" }, { 0x07, "SMB1_COMMAND_RENAME" },
        { 0x08, "SMB1_COMMAND_QUERY_INFORMATION" }, { 0x09, "SMB1_COMMAND_SET_INFORMATION" },
        { 0x0a, "SMB1_COMMAND_READ" }, { 0x0b, "SMB1_COMMAND_WRITE" }, { 0x0c, "SMB1_COMMAND_LOCK_BYTE_RANGE" },
        { 0x0d, "SMB1_COMMAND_UNLOCK_BYTE_RANGE" }, { 0x0e, "SMB1_COMMAND_CREATE_TEMPORARY" },
        { 0x0f, "SMB1_COMMAND_CREATE_NEW" }, { 0x10, "SMB1_COMMAND_CHECK_DIRECTORY" },
        { 0x11, "SMB1_COMMAND_PROCESS_EXIT" }, { 0x12, "SMB1_COMMAND_SEEK" },
        { 0x13, "SMB1_COMMAND_LOCK_AND_READ" }, { 0x14, "SMB1_COMMAND_WRITE_AND_UNLOCK" },
        { 0x1a, "SMB1_COMMAND_READ_RAW" }, { 0x1b, "SMB1_COMMAND_READ_MPX" }, { 0x1d, "SMB1_COMMAND_WRITE_RAW" },
        { 0x1e, "SMB1_COMMAND_WRITE_MPX" }, { 0x20, "SMB1_COMMAND_WRITE_COMPLETE" },
        { 0x22, "SMB1_COMMAND_SET_INFORMATION2" }, { 0x23, "SMB1_COMMAND_QUERY_INFORMATION2" },
        { 0x24, "SMB1_COMMAND_LOCKING_ANDX" }, { 0x25, "SMB1_COMMAND_TRANS" },
        { 0x26, "SMB1_COMMAND_TRANS_SECONDARY" }, { 0x27, "SMB1_COMMAND_IOCTL" },
        { 0x28, "SMB1_COMMAND_IOCTL_SECONDARY" }, { 0x29, "SMB1_COMMAND_COPY" }, { 0x2a, "SMB1_COMMAND_MOVE" },
        { 0x2b, "SMB1_COMMAND_ECHO" }, { 0x2c, "SMB1_COMMAND_WRITE_AND_CLOSE" }, { 0x2d, "SMB1_COMMAND_OPEN_ANDX" },
        { 0x2e, "SMB1_COMMAND_READ_ANDX" }, { 0x2f, "SMB1_COMMAND_WRITE_ANDX" },
        { 0x30, "SMB1_COMMAND_NEW_FILE_SIZE" }, { 0x31, "SMB1_COMMAND_CLOSE_AND_TREE_DISC" },
        { 0x32, "SMB1_COMMAND_TRANS2" }, { 0x33, "SMB1_COMMAND_TRANS2_SECONDARY" },
        { 0x34, "SMB1_COMMAND_FIND_CLOSE2" }, { 0x35, "SMB1_COMMAND_FIND_NOTIFY_CLOSE" },
        { 0x70, "SMB1_COMMAND_TREE_CONNECT" }, { 0x71, "SMB1_COMMAND_TREE_DISCONNECT" },
        { 0x72, "SMB1_COMMAND_NEGOTIATE_PROTOCOL" }, { 0x73, "SMB1_COMMAND_SESSION_SETUP_ANDX" },
        { 0x74, "SMB1_COMMAND_LOGOFF_ANDX" }, { 0x75, "SMB1_COMMAND_TREE_CONNECT_ANDX" },
        { 0x7e, "SMB1_COMMAND_SECURITY_PACKAGE_ANDX" }, { 0x80, "SMB1_COMMAND_QUERY_INFO_DISK" },
        { 0x81, "SMB1_COMMAND_SEARCH" }, { 0x82, "SMB1_COMMAND_FIND" }, { 0x83, "SMB1_COMMAND_FIND_UNIQUE" },
        { 0x84, "SMB1_COMMAND_FIND_CLOSE" }, { 0xa0, "SMB1_COMMAND_NT_TRANS" },
        { 0xa1, "SMB1_COMMAND_NT_TRANS_SECONDARY" }, { 0xa2, "SMB1_COMMAND_NT_CREATE_ANDX" },
        { 0xa4, "SMB1_COMMAND_NT_CANCEL" }, { 0xa5, "SMB1_COMMAND_NT_RENAME" },
        { 0xc0, "SMB1_COMMAND_OPEN_PRINT_FILE" }, { 0xc1, "SMB1_COMMAND_WRITE_PRINT_FILE" },
        { 0xc2, "SMB1_COMMAND_CLOSE_PRINT_FILE" }, { 0xc3, "SMB1_COMMAND_GET_PRINT_QUEUE" },
        { 0xd8, "SMB1_COMMAND_READ_BULK" }, { 0xd9, "SMB1_COMMAND_WRITE_BULK" },
        { 0xda, "SMB1_COMMAND_WRITE_BULK_DATA" }, { 0xfe, "SMB1_COMMAND_INVALID" },
        { 0xff, "SMB1_COMMAND_NO_ANDX_COMMAND" },
    };
    if (vers == 2)
        return cmd < sizeof smb2 / sizeof smb2[0] ? smb2[cmd] : "SMB2_COMMAND_UNKNOWN";
    for (size_t i = 0; i < sizeof smb1 / sizeof smb1[0]; i++)
        if (smb1[i].c == cmd)
            return smb1[i].n;
    return "SMB1_COMMAND_UNKNOWN";
}

const char *smb_status_name(uint32_t st)
{
    static const struct { uint32_t v; const char *n; } t[] = {
        { 0x00000000, "STATUS_SUCCESS" }, { 0x00000103, "STATUS_PENDING" },
        { 0x0000010b, "STATUS_NOTIFY_CLEANUP" }, { 0x0000010c, "STATUS_NOTIFY_ENUM_DIR" },
        { 0x80000005, "STATUS_BUFFER_OVERFLOW" }, { 0x80000006, "STATUS_NO_MORE_FILES" },
        { 0xc0000001, "STATUS_UNSUCCESSFUL" }, { 0xc0000002, "STATUS_NOT_IMPLEMENTED" },
        { 0xc0000003, "STATUS_INVALID_INFO_CLASS" }, { 0xc0000004, "STATUS_INFO_LENGTH_MISMATCH" },
        { 0xc0000008, "STATUS_INVALID_HANDLE" }, { 0xc000000d, "STATUS_INVALID_PARAMETER" },
        { 0xc000000f, "STATUS_NO_SUCH_FILE" }, { 0xc0000010, "STATUS_INVALID_DEVICE_REQUEST" },
        { 0xc0000011, "STATUS_END_OF_FILE" }, { 0xc0000016, "STATUS_MORE_PROCESSING_REQUIRED" },
        { 0xc0000022, "STATUS_ACCESS_DENIED" }, { 0xc0000023, "STATUS_BUFFER_TOO_SMALL" },
        { 0xc0000033, "STATUS_OBJECT_NAME_INVALID" }, { 0xc0000034, "STATUS_OBJECT_NAME_NOT_FOUND" },
        { 0xc0000035, "STATUS_OBJECT_NAME_COLLISION" }, { 0xc000003a, "STATUS_OBJECT_PATH_NOT_FOUND" },
        { 0xc0000043, "STATUS_SHARING_VIOLATION" }, { 0xc0000056, "STATUS_DELETE_PENDING" },
        { 0xc000006d, "STATUS_LOGON_FAILURE" }, { 0xc000006e, "STATUS_ACCOUNT_RESTRICTION" },
        { 0xc0000071, "STATUS_PASSWORD_EXPIRED" }, { 0xc0000072, "STATUS_ACCOUNT_DISABLED" },
        { 0xc00000ba, "STATUS_FILE_IS_A_DIRECTORY" }, { 0xc00000bb, "STATUS_NOT_SUPPORTED" },
        { 0xc00000c9, "STATUS_NETWORK_NAME_DELETED" }, { 0xc00000cc, "STATUS_BAD_NETWORK_NAME" },
        { 0xc0000101, "STATUS_DIRECTORY_NOT_EMPTY" }, { 0xc0000103, "STATUS_NOT_A_DIRECTORY" },
        { 0xc0000120, "STATUS_CANCELLED" }, { 0xc0000128, "STATUS_FILE_CLOSED" },
        { 0xc000014b, "STATUS_PIPE_BROKEN" }, { 0xc0000184, "STATUS_INVALID_DEVICE_STATE" },
        { 0xc0000203, "STATUS_USER_SESSION_DELETED" }, { 0xc0000225, "STATUS_NOT_FOUND" },
        { 0xc0000257, "STATUS_PATH_NOT_COVERED" }, { 0xc000035c, "STATUS_NETWORK_SESSION_EXPIRED" },
        { 0xc000019c, "STATUS_FS_DRIVER_REQUIRED" },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].v == st)
            return t[i].n;
    return NULL;
}

const char *smb_fsctl_name(uint32_t code)
{
    static const struct { uint32_t v; const char *n; } t[] = {
        { 0x00060194, "FSCTL_DFS_GET_REFERRALS" }, { 0x000601b0, "FSCTL_DFS_GET_REFERRALS_EX" },
        { 0x0011c017, "FSCTL_PIPE_TRANSCEIVE" }, { 0x0011400c, "FSCTL_PIPE_PEEK" },
        { 0x00110018, "FSCTL_PIPE_WAIT" }, { 0x00140204, "FSCTL_VALIDATE_NEGOTIATE_INFO" },
        { 0x001401fc, "FSCTL_QUERY_NETWORK_INTERFACE_INFO" }, { 0x00144064, "FSCTL_SRV_ENUMERATE_SNAPSHOTS" },
        { 0x00140078, "FSCTL_SRV_REQUEST_RESUME_KEY" }, { 0x001440f2, "FSCTL_SRV_COPYCHUNK" },
        { 0x001480f2, "FSCTL_SRV_COPYCHUNK_WRITE" }, { 0x000900a4, "FSCTL_SET_REPARSE_POINT" },
        { 0x000900a8, "FSCTL_GET_REPARSE_POINT" }, { 0x000900c4, "FSCTL_SET_SPARSE" },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].v == code)
            return t[i].n;
    return NULL;
}

const char *smb_disposition_name(uint32_t d)
{
    static const char *const n[] = { "FILE_SUPERSEDE", "FILE_OPEN", "FILE_CREATE", "FILE_OPEN_IF", "FILE_OVERWRITE",
                                     "FILE_OVERWRITE_IF" };
    return d < 6 ? n[d] : NULL;
}

/* ------------------------------------------------------------------------ */
/* state */

void smb_config_default(smb_config *c)
{
    memset(c, 0, sizeof *c);
    c->max_tx = 1024;
    c->max_files = 256;
    c->file_data_limit = 100 * 1024;
    c->stream_depth = 0;
    c->memcap = 4u << 20;
}

smb_state *smb_new(const smb_config *cfg)
{
    smb_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (cfg)
        s->cfg = *cfg;
    else
        smb_config_default(&s->cfg);
    if (s->cfg.max_tx == 0)
        s->cfg.max_tx = 1;
    if (s->cfg.max_files == 0)
        s->cfg.max_files = 1;
    if (s->cfg.memcap < 64 * 1024)
        s->cfg.memcap = 64 * 1024;
    return s;
}

static void tx_free(smb_state *s, smb_tx *t)
{
    if (!t)
        return;
    str_free(s, &t->filename);
    str_free(s, &t->share);
    str_free(s, &t->dialects);
    for (int i = 0; i < 2; i++) {
        str_free(s, &t->native_os[i]);
        str_free(s, &t->native_lm[i]);
        str_free(s, &t->service[i]);
    }
    str_free(s, &t->ntlm_user);
    str_free(s, &t->ntlm_domain);
    str_free(s, &t->ntlm_host);
    str_free(s, &t->file.filename);
    while (t->pend) {
        struct smb_chunk *c = t->pend;
        t->pend = c->next;
        s->mem -= sizeof *c + c->cap;
        free(c);
    }
    free(t->data.ptr);
    s->mem -= t->data_cap;
    if (t->hctx)
        s->mem -= sizeof *t->hctx;
    free(t->hctx);
    free(t);
    s->mem -= sizeof *t;
}

static void handle_clear(smb_state *s, smb_handle *h)
{
    str_free(s, &h->name);
    str_free(s, &h->share);
    memset(h, 0, sizeof *h);
}

void smb_free(smb_state *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_tx; i++)
        tx_free(s, s->tx[i]);
    free(s->tx);
    for (uint32_t i = 0; i < s->n_h; i++)
        handle_clear(s, &s->h[i]);
    free(s->h);
    for (unsigned i = 0; i < SMB_MAX_TREES; i++)
        str_free(s, &s->trees[i].share);
    str_free(s, &s->last_dialects);
    for (int d = 0; d < 2; d++)
        free(s->d[d].buf);
    free(s);
}

const smb_stats *smb_get_stats(const smb_state *s)
{
    return &s->st;
}

size_t smb_tx_count(const smb_state *s)
{
    return s->n_tx;
}

uint64_t smb_mem_in_use(const smb_state *s)
{
    return s->mem;
}

void smb_set_pipe_cb(smb_state *s, smb_pipe_cb cb, void *ctx)
{
    s->pipe_cb = cb;
    s->pipe_ctx = ctx;
}

void smb_set_file_cb(smb_state *s, smb_file_cb cb, void *ctx)
{
    s->file_cb = cb;
    s->file_ctx = ctx;
}

const char *smb_dialect(const smb_state *s, char *buf, size_t cap)
{
    if (s->dialect2) {
        char b[8];
        snprintf(buf, cap, "%s", smb2_dialect_name(s->dialect2, b));
        return buf;
    }
    if (s->dialect1[0])
        return s->dialect1;
    return "unknown";
}

/* ------------------------------------------------------------------------ */
/* files */

static void pend_flush(smb_state *s, smb_tx *t);

static void file_close(smb_state *s, smb_tx *t, bool truncated)
{
    http_file *f = &t->file;
    if (!t->is_file || f->state != HTTP_FILE_OPEN)
        return;
    pend_flush(s, t);
    f->state = truncated || f->gaps ? HTTP_FILE_TRUNCATED : HTTP_FILE_CLOSED;
    if (t->hctx && f->state == HTTP_FILE_CLOSED)
        http_file_hashes_final(f, t->hctx);
    if (t->hctx)
        s->mem -= sizeof *t->hctx;
    free(t->hctx);
    t->hctx = NULL;
}

/* Place n file bytes at offset off (p NULL: n bytes are missing), in order:
 * what lies ahead of the expected offset leaves a gap, what lies behind it
 * is dropped. */
static void place(smb_state *s, smb_tx *t, uint64_t off, const uint8_t *p, uint64_t n)
{
    http_file *f = &t->file;
    if (f->state != HTTP_FILE_OPEN || n == 0)
        return;
    if (off > t->next_off) {
        /* ahead of what we have: the bytes between are missing */
        f->gaps = true;
        s->st.file_gaps++;
        f->size += off - t->next_off;
        t->next_off = off;
    } else if (off < t->next_off) {
        /* a re-read or re-write of bytes already placed */
        uint64_t skip = t->next_off - off;
        if (skip >= n)
            return;
        if (p)
            p += skip;
        n -= skip;
        off = t->next_off;
    }
    if (!p) {
        f->gaps = true;
        s->st.file_gaps++;
        f->size += n;
        t->next_off += n;
        return;
    }
    f->size += n;
    t->next_off += n;
    if (t->hctx && !f->gaps)
        rb_file_hash_update(t->hctx, p, (size_t)n);
    if (!f->gaps && t->data.len < s->cfg.file_data_limit) {
        uint64_t room = s->cfg.file_data_limit - t->data.len;
        size_t take = (size_t)(n < room ? n : room);
        if (t->data.len + take + 1 > t->data_cap) {
            /* grows by doubling: a file fed in small pieces costs few reallocations */
            size_t nc = t->data_cap ? t->data_cap : 4096;
            while (nc < t->data.len + take + 1)
                nc *= 2;
            uint8_t *nb = mem_room(s, nc - t->data_cap) ? realloc(t->data.ptr, nc) : NULL;
            if (!nb) {
                take = 0;
            } else {
                s->mem += nc - t->data_cap;
                t->data.ptr = nb;
                t->data_cap = nc;
            }
        }
        if (take) {
            memcpy(t->data.ptr + t->data.len, p, take);
            t->data.len += take;
            t->data.ptr[t->data.len] = 0;
        }
    }
    if (s->file_cb)
        s->file_cb(s->file_ctx, t, off, p, (size_t)n);
}

/* Out-of-order data (READ responses answered out of order, parallel
 * writes): held until the bytes before them arrive, at most
 * SMB_MAX_PENDING pieces per file and within cfg.memcap; a piece that
 * continues a held one is appended to it (a streamed record is one piece). */

static void pend_free(smb_state *s, struct smb_chunk *c)
{
    s->mem -= sizeof *c + c->cap;
    free(c);
}

/* place the held pieces that now start at or before the expected offset */
static void pend_drain(smb_state *s, smb_tx *t)
{
    while (t->pend && t->pend->off <= t->next_off) {
        struct smb_chunk *c = t->pend;
        t->pend = c->next;
        t->n_pend--;
        place(s, t, c->off, c->data, c->len);
        pend_free(s, c);
    }
}

/* give up waiting: every held piece is placed (the holes before them become gaps) */
static void pend_flush(smb_state *s, smb_tx *t)
{
    while (t->pend) {
        struct smb_chunk *c = t->pend;
        t->pend = c->next;
        t->n_pend--;
        place(s, t, c->off, c->data, c->len);
        pend_free(s, c);
    }
}

static bool pend_add(smb_state *s, smb_tx *t, uint64_t off, const uint8_t *p, uint64_t n)
{
    struct smb_chunk **pp = &t->pend;
    for (struct smb_chunk *c = t->pend; c; c = c->next) {
        if (c->off + c->len == off) { /* continues this piece */
            if (c->len + n > c->cap) {
                size_t nc = c->cap * 2 > c->len + n ? c->cap * 2 : c->len + n;
                if (!mem_room(s, nc - c->cap))
                    return false;
                struct smb_chunk *g = realloc(c, sizeof *c + nc);
                if (!g)
                    return false;
                s->mem += nc - g->cap;
                g->cap = nc;
                /* relink the moved piece */
                struct smb_chunk **q = &t->pend;
                while (*q != c)
                    q = &(*q)->next;
                *q = g;
                c = g;
            }
            memcpy(c->data + c->len, p, n);
            c->len += n;
            return true;
        }
    }
    if (t->n_pend >= SMB_MAX_PENDING || !mem_room(s, sizeof(struct smb_chunk) + n))
        return false;
    struct smb_chunk *c = malloc(sizeof *c + n);
    if (!c)
        return false;
    s->mem += sizeof *c + n;
    c->off = off;
    c->len = c->cap = n;
    memcpy(c->data, p, n);
    while (*pp && (*pp)->off <= off)
        pp = &(*pp)->next;
    c->next = *pp;
    *pp = c;
    t->n_pend++;
    return true;
}

/* File bytes at offset off (p NULL: missing), in any order. */
static void file_chunk(smb_state *s, smb_tx *t, uint64_t off, const uint8_t *p, uint64_t n)
{
    if (t->file.state != HTTP_FILE_OPEN || n == 0)
        return;
    if (off > t->next_off) {
        if (p && pend_add(s, t, off, p, n))
            return;
        pend_flush(s, t); /* a hole, or no room to wait: what is held goes first */
    }
    place(s, t, off, p, n);
    pend_drain(s, t);
}

/* ------------------------------------------------------------------------ */
/* transactions */

/* Close the oldest open transaction when the cap is reached. */
static void tx_cap(smb_state *s)
{
    size_t open = 0;
    for (size_t i = 0; i < s->n_tx; i++)
        if (!s->tx[i]->logged)
            open++;
    if (open < s->cfg.max_tx)
        return;
    for (size_t i = 0; i < s->n_tx; i++) {
        smb_tx *t = s->tx[i];
        if (!t->done && !t->logged) {
            file_close(s, t, true);
            t->done = true;
            s->st.tx_evicted++;
            return;
        }
    }
}

static smb_tx *tx_new(smb_state *s, uint8_t vers, uint16_t cmd, uint64_t key)
{
    tx_cap(s);
    /* everything is complete and waits for the logger: refuse beyond twice the cap */
    if (s->n_tx >= 2 * (size_t)s->cfg.max_tx)
        return NULL;
    if (s->n_tx == s->cap_tx) {
        size_t nc = s->cap_tx ? s->cap_tx * 2 : 16;
        smb_tx **n = realloc(s->tx, nc * sizeof *n);
        if (!n)
            return NULL;
        s->tx = n;
        s->cap_tx = nc;
    }
    if (!mem_room(s, sizeof(smb_tx)))
        return NULL;
    smb_tx *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    s->mem += sizeof *t;
    t->tx_id = s->next_tx_id++;
    t->vers = vers;
    t->cmd = cmd;
    t->key = key;
    s->tx[s->n_tx++] = t;
    return t;
}

/* The open (unanswered) transaction of a request key. */
static smb_tx *tx_find(smb_state *s, uint8_t vers, uint16_t cmd, uint64_t key)
{
    for (size_t i = s->n_tx; i-- > 0;) {
        smb_tx *t = s->tx[i];
        if (!t->is_file && !t->done && !t->has_resp && t->vers == vers && t->cmd == cmd && t->key == key)
            return t;
    }
    return NULL;
}

static smb_tx *file_tx_find(smb_state *s, const uint8_t *fuid, uint8_t len, int dir)
{
    for (size_t i = s->n_tx; i-- > 0;) {
        smb_tx *t = s->tx[i];
        if (t->is_file && !t->done && t->file.dir == dir && t->fuid_len == len && !memcmp(t->fuid, fuid, len))
            return t;
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* handles, trees, pending reads */

/* the free or oldest entry of a table of n entries of `size` bytes, marked used */
static void *slot_take(smb_state *s, void *table, size_t n, size_t size)
{
    uint8_t *base = table;
    smb_slot *pick = (smb_slot *)base;
    for (size_t i = 0; i < n; i++) {
        smb_slot *e = (smb_slot *)(base + i * size);
        if (!e->used) {
            pick = e;
            break;
        }
        if (e->seq < pick->seq)
            pick = e;
    }
    pick->used = true;
    pick->seq = ++s->seq;
    return pick;
}

static smb_tree *tree_find(smb_state *s, uint32_t id)
{
    for (unsigned i = 0; i < SMB_MAX_TREES; i++)
        if (s->trees[i].slot.used && s->trees[i].id == id)
            return &s->trees[i];
    return NULL;
}

static bool share_is_pipe(const http_str *share)
{
    /* "\\server\IPC$" */
    return share->len >= 4 && !memcmp(share->ptr + share->len - 4, "IPC$", 4);
}

static void tree_add(smb_state *s, uint32_t id, const http_str *share, bool pipe)
{
    smb_tree *t = tree_find(s, id);
    if (!t)
        t = slot_take(s, s->trees, SMB_MAX_TREES, sizeof s->trees[0]);
    t->id = id;
    t->pipe = pipe;
    str_copy(s, &t->share, share);
}

static void tree_del(smb_state *s, uint32_t id)
{
    smb_tree *t = tree_find(s, id);
    if (t) {
        str_free(s, &t->share);
        t->slot.used = false;
    }
}

static smb_handle *handle_find(smb_state *s, const uint8_t *fuid, uint8_t len)
{
    for (uint32_t i = 0; i < s->n_h; i++)
        if (s->h[i].len == len && !memcmp(s->h[i].fuid, fuid, len))
            return &s->h[i];
    return NULL;
}

static smb_handle *handle_add(smb_state *s, const uint8_t *fuid, uint8_t len)
{
    smb_handle *h = handle_find(s, fuid, len);
    if (h) {
        handle_clear(s, h);
    } else if (s->n_h < s->cfg.max_files) {
        if (!s->h) {
            s->h = calloc(s->cfg.max_files, sizeof *s->h);
            if (!s->h)
                return NULL;
        }
        h = &s->h[s->n_h++];
    } else {
        h = &s->h[0];
        for (uint32_t i = 1; i < s->n_h; i++)
            if (s->h[i].seq < h->seq)
                h = &s->h[i];
        handle_clear(s, h);
        s->st.files_evicted++;
    }
    memcpy(h->fuid, fuid, len);
    h->len = len;
    h->seq = ++s->seq;
    return h;
}

static void handle_del(smb_state *s, const uint8_t *fuid, uint8_t len)
{
    smb_handle *h = handle_find(s, fuid, len);
    if (!h)
        return;
    handle_clear(s, h);
    *h = s->h[--s->n_h];
    memset(&s->h[s->n_h], 0, sizeof s->h[0]);
}

static void read_add(smb_state *s, uint8_t vers, uint64_t key, const uint8_t *fuid, uint8_t len, uint64_t off)
{
    smb_read *r = slot_take(s, s->reads, SMB_MAX_READS, sizeof s->reads[0]);
    r->vers = vers;
    r->key = key;
    memcpy(r->fuid, fuid, len);
    r->len = len;
    r->off = off;
}

static smb_read *read_find(smb_state *s, uint8_t vers, uint64_t key)
{
    for (unsigned i = 0; i < SMB_MAX_READS; i++)
        if (s->reads[i].slot.used && s->reads[i].vers == vers && s->reads[i].key == key)
            return &s->reads[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* file data of READ / WRITE */

/* Facts of the SMB header a command came with. */
typedef struct smb_hdr {
    uint8_t vers;
    uint16_t cmd;
    bool resp, async, unicode;
    bool dos;               /* SMB1 status in the DOS error format */
    uint32_t status;
    uint64_t key;
    uint64_t session_id;
    uint32_t tree_id;
} smb_hdr;

static void pipe_data(smb_state *s, const smb_handle *h, int dir, const uint8_t *p, size_t n)
{
    if (s->pipe_cb && h && n)
        s->pipe_cb(s->pipe_ctx, dir, h->name.ptr, h->name.len, p, n);
}

/* The file transaction of a handle and direction, created on first data. */
static smb_tx *file_tx(smb_state *s, const smb_hdr *hd, const uint8_t *fuid, uint8_t len, int dir)
{
    smb_tx *t = file_tx_find(s, fuid, len, dir);
    if (t)
        return t;
    smb_handle *h = handle_find(s, fuid, len);
    t = tx_new(s, hd->vers, hd->vers == 2 ? (dir ? SMB2_READ : SMB2_WRITE) : (dir ? SMB1_READ_ANDX : SMB1_WRITE_ANDX),
               hd->key);
    if (!t)
        return NULL;
    t->is_file = true;
    t->has_req = true;
    t->session_id = hd->session_id;
    t->tree_id = hd->tree_id;
    if (hd->resp) {
        t->has_resp = true;
        t->has_status = true;
        t->status = hd->status;
    }
    memcpy(t->fuid, fuid, len);
    t->fuid_len = len;
    if (h) {
        str_copy(s, &t->filename, &h->name);
        str_copy(s, &t->share, &h->share);
        str_copy(s, &t->file.filename, &h->name);
    }
    if (!t->file.filename.ptr)
        str_set(s, &t->file.filename, (const uint8_t *)"", 0);
    t->file.tx_id = t->tx_id;
    t->file.dir = dir;
    t->file.state = HTTP_FILE_OPEN;
    if ((s->cfg.file_md5 || s->cfg.file_sha1 || s->cfg.file_sha256) && mem_room(s, sizeof *t->hctx)) {
        t->hctx = malloc(sizeof *t->hctx);
        if (t->hctx) {
            s->mem += sizeof *t->hctx;
            rb_file_hash_init(t->hctx, s->cfg.file_md5, s->cfg.file_sha1, s->cfg.file_sha256);
        }
    }
    return t;
}

/* A READ response's or WRITE request's data: [doff, doff + dlen) of the
 * record (offsets from the start of the SMB header at `base` within the
 * record buffer); `have` bytes of the record are buffered, rec_len is its
 * full size. What lies beyond the buffer streams (dir state). */
static void data_region(smb_state *s, smb_dir *d, const smb_hdr *hd, int fdir, const uint8_t *fuid, uint8_t flen,
                        uint64_t foff, const uint8_t *rec, uint32_t have, uint32_t rec_len, uint64_t doff,
                        uint64_t dlen)
{
    if (doff > rec_len)
        return;
    if (dlen > rec_len - doff)
        dlen = rec_len - doff;
    if (dlen == 0)
        return;
    smb_handle *h = handle_find(s, fuid, flen);
    bool pipe = h && h->pipe;
    smb_tx *t = pipe ? NULL : file_tx(s, hd, fuid, flen, fdir);
    if (!pipe && !t)
        return;
    if (t && !hd->resp)
        t->key = hd->key; /* the last write: its response gives the status (SMB2) */
    /* the buffered part */
    uint64_t in_buf = doff < have ? have - doff : 0;
    if (in_buf > dlen)
        in_buf = dlen;
    if (in_buf) {
        if (pipe)
            pipe_data(s, h, fdir, rec + doff, (size_t)in_buf);
        else
            file_chunk(s, t, foff, rec + doff, in_buf);
    }
    if (in_buf == dlen || have >= rec_len)
        return;
    /* the rest arrives later */
    d->mode = M_STREAM;
    d->s_skip = doff > have ? doff - have : 0;
    d->s_left = dlen - in_buf;
    d->s_off = foff + in_buf;
    memcpy(d->s_fuid, fuid, flen);
    d->s_fuid_len = flen;
    d->s_fdir = fdir;
}

/* ------------------------------------------------------------------------ */
/* NTLMSSP (inside the session setup security blob): the AUTHENTICATE message */

static void ntlm_field(smb_state *s, smb_tx *t, http_str *x, const uint8_t *m, size_t n, size_t at, bool unicode)
{
    if (at + 8 > n)
        return;
    uint16_t len = le16(m + at);
    uint32_t off = le32(m + at + 4);
    if (off > n || len > n - off)
        return;
    name_set(s, x, m + off, len, unicode);
    t->has_ntlmssp = true;
}

static void parse_ntlmssp(smb_state *s, smb_tx *t, const uint8_t *blob, size_t n)
{
    static const uint8_t sig[8] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };
    for (size_t i = 0; i + 64 <= n; i++) {
        if (blob[i] != 'N' || memcmp(blob + i, sig, 8))
            continue;
        const uint8_t *m = blob + i;
        size_t mn = n - i;
        if (le32(m + 8) != 3)
            return;
        uint32_t flags = le32(m + 60);
        bool unicode = flags & 1;
        ntlm_field(s, t, &t->ntlm_domain, m, mn, 28, unicode);
        ntlm_field(s, t, &t->ntlm_user, m, mn, 36, unicode);
        ntlm_field(s, t, &t->ntlm_host, m, mn, 44, unicode);
        if ((flags & 0x02000000) && mn >= 72) { /* NTLMSSP_NEGOTIATE_VERSION */
            t->has_ntlm_version = true;
            t->ntlm_ver_major = m[64];
            t->ntlm_ver_minor = m[65];
            t->ntlm_ver_build = le16(m + 66);
            t->ntlm_ver_rev = m[71];
        }
        return;
    }
}

/* ------------------------------------------------------------------------ */
/* what SMB1 and SMB2 share */

/* A CREATE succeeded: the handle gets the name asked for and its tree's share. */
static void create_done(smb_state *s, smb_tx *t, const uint8_t *fuid, uint8_t len, uint32_t tree_id)
{
    memcpy(t->fuid, fuid, len);
    t->fuid_len = len;
    smb_handle *h = handle_add(s, fuid, len);
    if (!h)
        return;
    str_copy(s, &h->name, &t->filename);
    h->tree_id = tree_id;
    smb_tree *tr = tree_find(s, tree_id);
    if (tr) {
        h->pipe = tr->pipe;
        str_copy(s, &h->share, &tr->share);
    }
}

/* A CLOSE request: the handle's file transactions end. */
static void close_files(smb_state *s, const uint8_t *fuid, uint8_t len)
{
    for (int fd = 0; fd < 2; fd++) {
        smb_tx *ft = file_tx_find(s, fuid, len, fd);
        if (ft) {
            file_close(s, ft, false);
            ft->done = true;
        }
    }
}

/* The transaction of a command: a request opens one, a response completes
 * the request's (or one of its own when the request was not seen). */
static smb_tx *tx_for(smb_state *s, const smb_hdr *hd)
{
    smb_tx *t;
    if (hd->resp) {
        t = tx_find(s, hd->vers, hd->cmd, hd->key);
        if (!t)
            t = tx_new(s, hd->vers, hd->cmd, hd->key);
        if (!t)
            return NULL;
        t->has_resp = true;
        t->has_status = true;
        t->status = hd->status;
        t->status_dos = hd->dos;
        t->done = true;
    } else {
        t = tx_new(s, hd->vers, hd->cmd, hd->key);
        if (!t)
            return NULL;
        t->has_req = true;
    }
    if (hd->session_id)
        t->session_id = hd->session_id;
    if (!hd->async && hd->tree_id)
        t->tree_id = hd->tree_id;
    return t;
}

/* A write to a named pipe is a transaction of its own (Suricata logs it as
 * its DCERPC transaction, the read of the answer included); writes to files
 * belong to the file transaction, pipe reads make none. fuid NULL: a
 * response (it names no handle). */
static void pipe_rw_tx(smb_state *s, const smb_hdr *hd, const uint8_t *fuid, uint8_t len)
{
    if (hd->cmd != (hd->vers == 2 ? SMB2_WRITE : SMB1_WRITE_ANDX))
        return;
    if (!hd->resp) {
        smb_handle *h = fuid ? handle_find(s, fuid, len) : NULL;
        if (h && h->pipe)
            tx_for(s, hd);
    } else if (tx_find(s, hd->vers, hd->cmd, hd->key)) {
        tx_for(s, hd);
    }
}

/* A CREATE names the file it opens; an empty name is the share's root
 * (written "<share_root>" as Suricata does). */
static void create_name(smb_state *s, smb_tx *t, const uint8_t *p, size_t n, bool unicode)
{
    if (n == 0)
        str_set(s, &t->filename, (const uint8_t *)"<share_root>", 12);
    else
        name_set(s, &t->filename, p, n, unicode);
}

/* ------------------------------------------------------------------------ */
/* SMB2 */

static const uint8_t *region(const uint8_t *h, size_t hn, uint32_t off, uint32_t len)
{
    if (off > hn || len > hn - off)
        return NULL;
    return h + off;
}

/* One SMB2 command: h points at its header, hn bytes of it are available
 * (in the buffer), full is its length on the wire (header included). */
static void smb2_command(smb_state *s, smb_dir *d, int dir, const uint8_t *rec, uint32_t have, uint32_t rec_len,
                         uint32_t hoff, uint32_t hn, uint32_t full)
{
    (void)dir;
    const uint8_t *h = rec + hoff;
    smb_hdr hd = { 0 };
    hd.vers = 2;
    hd.status = le32(h + 8);
    hd.cmd = le16(h + 12);
    uint32_t flags = le32(h + 16);
    hd.resp = flags & 1;
    hd.async = (flags & 2) != 0;
    hd.key = le64(h + 24);
    hd.tree_id = hd.async ? 0 : le32(h + 36);
    hd.session_id = le64(h + 40);
    hd.unicode = true;
    const uint8_t *b = h + 64;
    uint32_t bn = hn - 64;
    s->st.smb2++;
    /* an interim answer: the final one follows with the same MessageId */
    if (hd.resp && hd.async && hd.status == 0x00000103)
        return;

    if (hd.cmd == SMB2_READ || hd.cmd == SMB2_WRITE) {
        pipe_rw_tx(s, &hd, !hd.resp && bn >= 32 ? b + 16 : NULL, 16);
        if (!hd.resp && hd.cmd == SMB2_READ && bn >= 32) {
            read_add(s, 2, hd.key, b + 16, 16, le64(b + 8));
        } else if (!hd.resp && hd.cmd == SMB2_WRITE && bn >= 32) {
            uint32_t doff = le16(b + 2), dlen = le32(b + 4);
            if (doff <= full && dlen > full - doff)
                dlen = full - doff; /* within this command */
            data_region(s, d, &hd, 0, b + 16, 16, le64(b + 8), rec, have, rec_len, hoff + (uint64_t)doff, dlen);
        } else if (hd.resp && hd.cmd == SMB2_WRITE) {
            /* the status of the file's last write, as Suricata shows it */
            for (size_t i = 0; i < s->n_tx; i++) {
                smb_tx *ft = s->tx[i];
                if (ft->is_file && ft->vers == 2 && ft->file.dir == 0 && ft->key == hd.key && !ft->logged) {
                    ft->has_status = true;
                    ft->status = hd.status;
                }
            }
        } else if (hd.resp && hd.cmd == SMB2_READ) {
            smb_read *r = read_find(s, 2, hd.key);
            if (r && hd.status == 0 && bn >= 8) {
                uint32_t doff = b[2], dlen = le32(b + 4);
                if (doff <= full && dlen > full - doff)
                    dlen = full - doff;
                data_region(s, d, &hd, 1, r->fuid, r->len, r->off, rec, have, rec_len, hoff + (uint64_t)doff, dlen);
            }
            if (r)
                r->slot.used = false;
        }
        return;
    }
    /* no transaction of their own (as Suricata): CANCEL, and GET_INFO / SET_INFO
     * (Suricata's rename / delete transactions from SET_INFO are not made) */
    if (hd.cmd == SMB2_CANCEL || hd.cmd == SMB2_QUERY_INFO || hd.cmd == SMB2_SET_INFO)
        return;
    /* an SMB2 NEGOTIATE response to an SMB1 NEGOTIATE that offered SMB2
     * ("SMB 2.002", "SMB 2.???") completes that one, as in Suricata */
    smb_tx *t = NULL;
    if (hd.resp && hd.cmd == SMB2_NEGOTIATE && !tx_find(s, 2, SMB2_NEGOTIATE, hd.key)) {
        for (size_t i = s->n_tx; i-- > 0 && !t;) {
            smb_tx *o = s->tx[i];
            if (o->vers == 1 && o->cmd == SMB1_NEGOTIATE && !o->has_resp && !o->done) {
                smb_hdr h1 = hd;
                h1.vers = 1;
                h1.cmd = SMB1_NEGOTIATE;
                h1.key = o->key;
                t = tx_for(s, &h1);
                t->tree_id = 0; /* the response's (SMB1 requests say 0xffff) */
            }
        }
    }
    if (!t)
        t = tx_for(s, &hd);
    if (!t)
        return;
    switch (hd.cmd) {
    case SMB2_NEGOTIATE:
        if (!hd.resp && bn >= 36) {
            uint16_t cnt = le16(b + 2);
            memcpy(t->client_guid, b + 12, 16);
            t->has_client_guid = true;
            char buf[SMB_MAX_DIALECTS * 8];
            size_t o = 0;
            for (uint32_t i = 0; i < cnt && i < SMB_MAX_DIALECTS && 36 + 2 * i + 2 <= bn; i++) {
                char nb[8];
                const char *nm = smb2_dialect_name(le16(b + 36 + 2 * i), nb);
                size_t l = strlen(nm);
                memcpy(buf + o, nm, l + 1);
                o += l + 1;
                t->n_dialects++;
            }
            str_set(s, &t->dialects, (const uint8_t *)buf, o);
        } else if (hd.resp && bn >= 40) {
            s->dialect2 = le16(b + 4);
            memcpy(t->server_guid, b + 8, 16);
            t->has_server_guid = true;
            t->max_read = le32(b + 32);
            t->max_write = le32(b + 36);
        }
        break;
    case SMB2_SESSION_SETUP:
        if (!hd.resp && bn >= 16) {
            const uint8_t *blob = region(h, hn, le16(b + 12), le16(b + 14));
            if (blob)
                parse_ntlmssp(s, t, blob, le16(b + 14));
        }
        break;
    case SMB2_TREE_CONNECT:
        if (!hd.resp && bn >= 8) {
            const uint8_t *p = region(h, hn, le16(b + 4), le16(b + 6));
            if (p)
                name_set(s, &t->share, p, le16(b + 6), true);
        } else if (hd.resp && bn >= 3 && hd.status == 0) {
            t->share_type = b[2];
            t->share_is_pipe = b[2] == 2;
            tree_add(s, hd.tree_id, &t->share, t->share_is_pipe);
        }
        break;
    case SMB2_TREE_DISCONNECT:
        if (hd.resp && hd.status == 0)
            tree_del(s, t->tree_id);
        break;
    case SMB2_CREATE:
        if (!hd.resp && bn >= 48) {
            t->has_create_req = true;
            t->disposition = le32(b + 36);
            t->delete_on_close = (le32(b + 40) & 0x1000) != 0;
            const uint8_t *p = region(h, hn, le16(b + 44), le16(b + 46));
            if (p)
                create_name(s, t, p, le16(b + 46), true);
        } else if (hd.resp && bn >= 80 && hd.status == 0) {
            t->has_create_resp = true;
            for (int i = 0; i < 4; i++)
                t->times[i] = le64(b + 8 + 8 * i);
            t->size = le64(b + 48);
            create_done(s, t, b + 64, 16, t->tree_id);
        }
        break;
    case SMB2_IOCTL:
        /* the function; a pipe transceive carries DCERPC: input to the server, output back */
        if (bn >= 44) {
            smb_handle *ph = handle_find(s, b + 8, 16);
            bool transceive = ph && ph->pipe && le32(b + 4) == 0x0011c017;
            /* Suricata shows a pipe transceive as DCERPC, without the function */
            t->has_ioctl = !transceive;
            t->ioctl = le32(b + 4);
            if (transceive) {
                uint32_t off = le32(b + (hd.resp ? 32 : 24)), cnt = le32(b + (hd.resp ? 36 : 28));
                const uint8_t *p = region(h, hn, off, cnt);
                if (p)
                    pipe_data(s, ph, hd.resp, p, cnt);
            }
        }
        break;
    case SMB2_CLOSE:
        if (!hd.resp && bn >= 24) {
            close_files(s, b + 8, 16);
            memcpy(t->fuid, b + 8, 16);
            t->fuid_len = 16;
        } else if (hd.resp && t->fuid_len == 16) {
            handle_del(s, t->fuid, 16);
            t->fuid_len = 0; /* Suricata logs no fuid on CLOSE */
        }
        break;
    default:
        break;
    }
}

static void smb2_record(smb_state *s, smb_dir *d, int dir, const uint8_t *rec, uint32_t have, uint32_t rec_len)
{
    uint32_t off = 0;
    for (unsigned n = 0; n < SMB_MAX_CHAIN; n++) {
        if (have - off < 64 || memcmp(rec + off, "\xfeSMB", 4) || le16(rec + off + 4) != 64) {
            s->st.malformed++;
            return;
        }
        uint32_t next = le32(rec + off + 20);
        uint32_t full = next ? next : rec_len - off;
        if (next && (next < 64 || next > rec_len - off)) {
            s->st.malformed++;
            return;
        }
        uint32_t hn = have - off < full ? have - off : full;
        smb2_command(s, d, dir, rec, have, rec_len, off, hn, full);
        if (!next || d->mode == M_STREAM)
            return;
        off += next;
        if (off >= have)
            return;
    }
}

/* ------------------------------------------------------------------------ */
/* SMB1 */

/* bytes of an SMB1 string at p (unicode aligned to 2 from the header start
 * at base): returns the offset after it */
static size_t smb1_string(smb_state *s, http_str *x, const uint8_t *base, size_t n, size_t at, bool unicode)
{
    if (unicode && (at & 1))
        at++;
    if (at >= n)
        return n;
    size_t end = at;
    if (unicode) {
        while (end + 1 < n && (base[end] || base[end + 1]))
            end += 2;
        name_set(s, x, base + at, end - at, true);
        return end + 2 > n ? n : end + 2;
    }
    while (end < n && base[end])
        end++;
    name_set(s, x, base + at, end - at, false);
    return end + 1 > n ? n : end + 1;
}

/* SMB1 TRANS TransactNmPipe (setup: 0x0026, FID): the request's data to the
 * pipe, the response's (paired by MID, like a READ) back */
static void smb1_trans(smb_state *s, const smb_hdr *hd, const uint8_t *rec, uint32_t have, const uint8_t *W,
                       uint8_t wc)
{
    if (!hd->resp) {
        if (wc < 16 || W[26] < 2 || le16(W + 28) != 0x0026)
            return;
        smb_handle *h = handle_find(s, W + 30, 2);
        if (!h || !h->pipe)
            return;
        read_add(s, 1, hd->key, W + 30, 2, 0);
        const uint8_t *p = region(rec, have, le16(W + 24), le16(W + 22));
        if (p)
            pipe_data(s, h, 0, p, le16(W + 22));
    } else if (wc >= 10) {
        smb_read *r = read_find(s, 1, hd->key);
        if (!r)
            return;
        r->slot.used = false;
        smb_handle *h = handle_find(s, r->fuid, 2);
        const uint8_t *p = region(rec, have, le16(W + 14), le16(W + 12));
        if (h && h->pipe && p)
            pipe_data(s, h, 1, p, le16(W + 12));
    }
}

static void smb1_command(smb_state *s, smb_dir *d, const uint8_t *rec, uint32_t have, uint32_t rec_len,
                         const smb_hdr *hd0, uint8_t cmd, uint32_t woff)
{
    smb_hdr hd = *hd0;
    hd.cmd = cmd;
    /* words and bytes of this command (woff: offset of its WordCount) */
    if (woff >= have) {
        s->st.malformed++;
        return;
    }
    uint8_t wc = rec[woff];
    uint32_t w = woff + 1;
    if (w + 2u * wc + 2 > have) {
        s->st.malformed++;
        return;
    }
    const uint8_t *W = rec + w;
    uint32_t boff = w + 2u * wc + 2;
    uint16_t bc = le16(rec + w + 2u * wc);
    uint32_t bend = boff + bc <= have ? boff + bc : have;
    const uint8_t *B = rec + boff;
    uint32_t bn = bend - boff;

    if (cmd == SMB1_READ_ANDX || cmd == SMB1_WRITE_ANDX) {
        pipe_rw_tx(s, &hd, !hd.resp && wc >= 10 ? W + 4 : NULL, 2);
        if (!hd.resp && cmd == SMB1_READ_ANDX && wc >= 10) {
            uint64_t off = le32(W + 6) | (wc >= 12 ? (uint64_t)le32(W + 20) << 32 : 0);
            read_add(s, 1, hd.key, W + 4, 2, off);
        } else if (!hd.resp && cmd == SMB1_WRITE_ANDX && wc >= 12) {
            uint64_t off = le32(W + 6) | (wc >= 14 ? (uint64_t)le32(W + 24) << 32 : 0);
            uint64_t dlen = le16(W + 20) | (uint64_t)le16(W + 18) << 16;
            data_region(s, d, &hd, 0, W + 4, 2, off, rec, have, rec_len, le16(W + 22), dlen);
        } else if (hd.resp && cmd == SMB1_READ_ANDX) {
            smb_read *r = read_find(s, 1, hd.key);
            if (r && hd.status == 0 && wc >= 12) {
                uint64_t dlen = le16(W + 10) | (uint64_t)le16(W + 14) << 16;
                data_region(s, d, &hd, 1, r->fuid, 2, r->off, rec, have, rec_len, le16(W + 12), dlen);
            }
            if (r)
                r->slot.used = false;
        }
        return;
    }
    /* TRANS / TRANS2 make no transaction (as Suricata); a TRANS on a named
     * pipe (TransactNmPipe) carries DCERPC: its data goes to the pipe hook */
    if (cmd == SMB1_TRANS) {
        smb1_trans(s, &hd, rec, have, W, wc);
        return;
    }
    if (cmd == SMB1_TRANS2)
        return;
    smb_tx *t = tx_for(s, &hd);
    if (!t)
        return;
    switch (cmd) {
    case SMB1_NEGOTIATE:
        if (!hd.resp) {
            /* dialects: 0x02 "name\0" ... */
            char buf[SMB_MAX_DIALECTS * 64];
            size_t o = 0;
            uint32_t i = 0;
            while (i < bn && t->n_dialects < SMB_MAX_DIALECTS) {
                if (B[i] != 0x02)
                    break;
                i++;
                const uint8_t *z = memchr(B + i, 0, bn - i);
                size_t l = z ? (size_t)(z - (B + i)) : bn - i;
                if (l > 63)
                    l = 63;
                memcpy(buf + o, B + i, l);
                buf[o + l] = 0;
                o += l + 1;
                t->n_dialects++;
                i += (uint32_t)(z ? (size_t)(z - (B + i)) + 1 : bn - i);
            }
            str_set(s, &t->dialects, (const uint8_t *)buf, o);
            str_copy(s, &s->last_dialects, &t->dialects);
            s->n_last_dialects = t->n_dialects;
        } else if (wc >= 1) {
            uint16_t idx = le16(W);
            const uint8_t *p = s->last_dialects.ptr;
            size_t left = s->last_dialects.len;
            for (uint16_t k = 0; p && k < s->n_last_dialects && left; k++) {
                const uint8_t *z = memchr(p, 0, left);
                size_t l = z ? (size_t)(z - p) : left;
                if (k == idx) {
                    size_t c = l < sizeof s->dialect1 - 1 ? l : sizeof s->dialect1 - 1;
                    memcpy(s->dialect1, p, c);
                    s->dialect1[c] = 0;
                    break;
                }
                p += l + 1;
                left = left > l ? left - l - 1 : 0;
            }
            /* NT LM 0.12 with extended security: the server GUID opens the bytes */
            if (wc >= 17 && (le32(W + 19) & 0x80000000u) && bn >= 16) {
                memcpy(t->server_guid, B, 16);
                t->has_server_guid = true;
            }
        }
        break;
    case SMB1_SESSION_SETUP_ANDX:
        if (!hd.resp && wc == 12) {
            uint16_t blen = le16(W + 14);
            if (blen <= bn) {
                parse_ntlmssp(s, t, B, blen);
                size_t o = smb1_string(s, &t->native_os[0], rec, bend, boff + blen, hd.unicode);
                smb1_string(s, &t->native_lm[0], rec, bend, o, hd.unicode);
            }
        } else if (!hd.resp && wc == 13) {
            /* passwords, account name, primary domain, then the native strings */
            uint16_t l1 = le16(W + 14), l2 = le16(W + 16);
            if ((uint32_t)l1 + l2 <= bn) {
                http_str skip = { 0 };
                size_t o = smb1_string(s, &skip, rec, bend, boff + l1 + l2, hd.unicode);
                o = smb1_string(s, &skip, rec, bend, o, hd.unicode);
                str_free(s, &skip);
                o = smb1_string(s, &t->native_os[0], rec, bend, o, hd.unicode);
                smb1_string(s, &t->native_lm[0], rec, bend, o, hd.unicode);
            }
        } else if (hd.resp && (wc == 4 || wc == 3)) {
            uint16_t blen = wc == 4 ? le16(W + 6) : 0;
            if (blen <= bn) {
                size_t o = smb1_string(s, &t->native_os[1], rec, bend, boff + blen, hd.unicode);
                smb1_string(s, &t->native_lm[1], rec, bend, o, hd.unicode);
            }
        }
        break;
    case SMB1_TREE_CONNECT_ANDX:
        if (!hd.resp && wc >= 4) {
            uint16_t pwl = le16(W + 6);
            if (pwl <= bn) {
                size_t o = smb1_string(s, &t->share, rec, bend, boff + pwl, hd.unicode);
                smb1_string(s, &t->service[0], rec, bend, o, false);
            }
        } else if (hd.resp && wc >= 3) {
            smb1_string(s, &t->service[1], rec, bend, boff, false);
            t->share_is_pipe = share_is_pipe(&t->share) ||
                               (t->service[1].len == 3 && !memcmp(t->service[1].ptr, "IPC", 3));
            if (hd.status == 0)
                tree_add(s, hd.tree_id, &t->share, t->share_is_pipe);
        }
        break;
    case SMB1_TREE_DISCONNECT:
        if (hd.resp && hd.status == 0)
            tree_del(s, hd.tree_id);
        break;
    case SMB1_NT_CREATE_ANDX:
        if (!hd.resp && wc >= 24) {
            t->has_create_req = true;
            t->disposition = le32(W + 35);
            t->delete_on_close = (le32(W + 39) & 0x1000) != 0;
            uint16_t nl = le16(W + 5);
            uint32_t at = boff;
            if (hd.unicode && (at & 1))
                at++;
            if (at <= bend) {
                uint32_t avail = bend - at;
                create_name(s, t, rec + at, nl < avail ? nl : avail, hd.unicode);
            }
        } else if (hd.resp && wc >= 34 && hd.status == 0) {
            t->has_create_resp = true;
            for (int i = 0; i < 4; i++)
                t->times[i] = le64(W + 11 + 8 * i);
            t->size = le64(W + 55);
            create_done(s, t, W + 5, 2, hd.tree_id);
        }
        break;
    case SMB1_CLOSE:
        if (!hd.resp && wc >= 1) {
            close_files(s, W, 2);
            handle_del(s, W, 2);
        }
        break;
    default:
        break;
    }
}

static bool smb1_is_andx(uint8_t c)
{
    return c == 0x24 || c == 0x2d || c == 0x2e || c == 0x2f || c == 0x73 || c == 0x74 || c == 0x75 || c == 0xa2;
}

static void smb1_record(smb_state *s, smb_dir *d, const uint8_t *rec, uint32_t have, uint32_t rec_len)
{
    if (have < 33) {
        s->st.malformed++;
        return;
    }
    smb_hdr hd = { 0 };
    hd.vers = 1;
    hd.status = le32(rec + 5);
    hd.resp = (rec[9] & 0x80) != 0;
    uint16_t flags2 = le16(rec + 10);
    hd.unicode = (flags2 & 0x8000) != 0;
    hd.dos = (flags2 & 0x4000) == 0;
    hd.tree_id = le16(rec + 24);
    uint16_t pid = le16(rec + 26);
    hd.session_id = le16(rec + 28);
    hd.key = le16(rec + 30) | (uint64_t)pid << 16;
    s->st.smb1++;
    uint8_t cmd = rec[4];
    uint32_t woff = 32;
    for (unsigned n = 0; n < SMB_MAX_CHAIN; n++) {
        smb1_command(s, d, rec, have, rec_len, &hd, cmd, woff);
        if (d->mode == M_STREAM || !smb1_is_andx(cmd) || woff + 5 > have || rec[woff] < 2)
            return;
        uint8_t next = rec[woff + 1];
        uint16_t noff = le16(rec + woff + 3);
        if (next == 0xff || noff <= woff || noff >= have)
            return;
        cmd = next;
        woff = noff;
    }
}

/* ------------------------------------------------------------------------ */
/* framing */

static void record(smb_state *s, smb_dir *d, int dir, const uint8_t *rec, uint32_t have, uint32_t rec_len)
{
    s->st.records++;
    if (have < 4) {
        s->st.malformed++;
        return;
    }
    if (!memcmp(rec, "\xfeSMB", 4))
        smb2_record(s, d, dir, rec, have, rec_len);
    else if (!memcmp(rec, "\xffSMB", 4))
        smb1_record(s, d, rec, have, rec_len);
    else if (!memcmp(rec, "\xfdSMB", 4))
        s->st.encrypted++;
    else if (!memcmp(rec, "\xfcSMB", 4))
        s->st.compressed++;
    else
        s->st.malformed++;
}

/* a NetBIOS session request: two encoded names (0x20, 32 letters 'A'..'P', 0) */
static int probe_session_request(const uint8_t *p, size_t n)
{
    if (p[1] || p[2] || p[3] != 68)
        return 0;
    for (size_t i = 4; i < 72; i++) {
        if (i >= n)
            return -1;
        uint8_t c = p[i];
        bool ok = (i == 4 || i == 38) ? c == 0x20 : (i == 37 || i == 71) ? c == 0 : (c >= 'A' && c <= 'P');
        if (!ok)
            return 0;
    }
    return 1;
}

int smb_probe(const uint8_t *p, size_t n)
{
    if (n < 4)
        return n && p[0] != 0x00 && p[0] != 0x81 && p[0] != 0x82 && p[0] != 0x85 ? 0 : -1;
    /* port 139: the session service opens with a session request (its positive
     * response is 4 bytes that prove nothing: the other side decides) */
    if (p[0] == 0x81)
        return probe_session_request(p, n);
    if ((p[0] == 0x82 || p[0] == 0x85) && !p[1] && !p[2] && !p[3]) /* positive response, keep-alive */
        return n >= 12 ? smb_probe(p + 4, n - 4) : -1;
    if (p[0] != 0x00)
        return 0;
    if (n < 8)
        return -1;
    if (p[1] & 0xfe) /* NBSS: 7 reserved bits; direct TCP: lengths beyond 128 KiB are rare at the start */
        return 0;
    if ((p[5] == 'S' && p[6] == 'M' && p[7] == 'B') && (p[4] == 0xff || p[4] == 0xfe || p[4] == 0xfd))
        return 1;
    return 0;
}

static bool valid_type(uint8_t t)
{
    return t == 0x00 || (t >= 0x81 && t <= 0x85);
}

static void rec_end(smb_dir *d)
{
    d->in_rec = false;
    d->nb_len = 0;
    d->buf_len = 0;
    d->mode = M_BUFFER;
    d->s_left = d->s_skip = 0;
    if (d->buf_cap > 4096) { /* a large record's buffer is given back */
        free(d->buf);
        d->buf = NULL;
        d->buf_cap = 0;
    }
}

/* Framing lost: find "\0" + length + SMB magic in the data. Returns the
 * bytes to drop (all of them when nothing is found). */
static size_t resync(smb_state *s, smb_dir *d, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 8 <= n; i++) {
        if (p[i] == 0 && !(p[i + 1] & 0xfe) && p[i + 5] == 'S' && p[i + 6] == 'M' && p[i + 7] == 'B' &&
            (p[i + 4] == 0xff || p[i + 4] == 0xfe || p[i + 4] == 0xfd || p[i + 4] == 0xfc)) {
            d->resync = false;
            return i;
        }
    }
    (void)s;
    return n;
}

int smb_feed(smb_state *s, int dir, const uint8_t *p, size_t n)
{
    if (!s || dir < 0 || dir > 1)
        return 0;
    smb_dir *d = &s->d[dir];
    while (n > 0) {
        if (d->resync) {
            size_t k = resync(s, d, p, n);
            p += k;
            n -= k;
            continue;
        }
        if (!d->in_rec) {
            while (d->nb_len < 4 && n > 0) {
                d->nb[d->nb_len++] = *p++;
                n--;
            }
            if (d->nb_len < 4)
                return 0;
            if (!valid_type(d->nb[0])) {
                s->st.resyncs++;
                d->resync = true;
                d->nb_len = 0;
                continue;
            }
            d->in_rec = true;
            d->type = d->nb[0];
            d->rec_len = (uint32_t)d->nb[1] << 16 | (uint32_t)d->nb[2] << 8 | d->nb[3];
            d->rec_off = 0;
            d->buf_len = 0;
            d->mode = d->type == 0 ? M_BUFFER : M_SKIP;
            d->want = d->rec_len <= SMB_REC_BUFFER ? d->rec_len : SMB_REC_PREFIX;
            if (d->rec_len == 0) {
                rec_end(d);
                continue;
            }
        }
        uint32_t avail = d->rec_len - d->rec_off;
        if (avail > n)
            avail = (uint32_t)n;
        uint32_t take = avail;
        if (d->mode == M_BUFFER) {
            take = d->want - d->buf_len < avail ? d->want - d->buf_len : avail;
            if (d->buf_cap < d->want) {
                uint8_t *nb = realloc(d->buf, d->want);
                if (!nb) {
                    d->mode = M_SKIP;
                    continue;
                }
                d->buf = nb;
                d->buf_cap = d->want;
            }
            memcpy(d->buf + d->buf_len, p, take);
            d->buf_len += take;
            d->rec_off += take;
            p += take;
            n -= take;
            if (d->buf_len == d->want) {
                d->mode = M_SKIP; /* unless the record's data streams */
                record(s, d, dir, d->buf, d->buf_len, d->rec_len);
            }
        } else if (d->mode == M_STREAM) {
            if (d->s_skip) {
                take = d->s_skip < avail ? (uint32_t)d->s_skip : avail;
                d->s_skip -= take;
            } else {
                take = d->s_left < avail ? (uint32_t)d->s_left : avail;
                smb_handle *h = handle_find(s, d->s_fuid, d->s_fuid_len);
                if (h && h->pipe) {
                    pipe_data(s, h, d->s_fdir, p, take);
                } else {
                    smb_tx *t = file_tx_find(s, d->s_fuid, d->s_fuid_len, d->s_fdir);
                    if (t)
                        file_chunk(s, t, d->s_off, p, take);
                }
                d->s_off += take;
                d->s_left -= take;
                if (d->s_left == 0)
                    d->mode = M_SKIP;
            }
            d->rec_off += take;
            p += take;
            n -= take;
        } else {
            d->rec_off += take;
            p += take;
            n -= take;
        }
        if (d->rec_off == d->rec_len)
            rec_end(d);
    }
    return 0;
}

void smb_gap(smb_state *s, int dir, uint64_t len)
{
    if (!s || dir < 0 || dir > 1 || len == 0)
        return;
    smb_dir *d = &s->d[dir];
    if (d->resync)
        return;
    if (!d->in_rec || len > d->rec_len - d->rec_off) {
        /* the next record starts somewhere in the hole */
        if (d->in_rec && d->mode == M_STREAM) {
            smb_tx *t = file_tx_find(s, d->s_fuid, d->s_fuid_len, d->s_fdir);
            if (t)
                file_chunk(s, t, d->s_off, NULL, d->s_left);
        }
        rec_end(d);
        d->resync = true;
        s->st.resyncs++;
        return;
    }
    /* inside the record: the data that streams is missing, the rest is lost */
    if (d->mode == M_STREAM) {
        uint64_t g = len;
        if (d->s_skip) {
            uint64_t k = d->s_skip < g ? d->s_skip : g;
            d->s_skip -= k;
            g -= k;
        }
        uint64_t k = d->s_left < g ? d->s_left : g;
        if (k) {
            smb_tx *t = file_tx_find(s, d->s_fuid, d->s_fuid_len, d->s_fdir);
            if (t)
                file_chunk(s, t, d->s_off, NULL, k);
            d->s_off += k;
            d->s_left -= k;
        }
        if (d->s_left == 0)
            d->mode = M_SKIP;
    } else {
        d->mode = M_SKIP;
    }
    d->rec_off += (uint32_t)len;
    if (d->rec_off == d->rec_len)
        rec_end(d);
}

/* ------------------------------------------------------------------------ */
/* logging */

smb_tx *smb_next_loggable(smb_state *s, bool flow_end)
{
    /* free what was returned before */
    size_t w = 0;
    for (size_t i = 0; i < s->n_tx; i++) {
        if (s->tx[i]->logged)
            tx_free(s, s->tx[i]);
        else
            s->tx[w++] = s->tx[i];
    }
    s->n_tx = w;
    for (size_t i = 0; i < s->n_tx; i++) {
        smb_tx *t = s->tx[i];
        if (!t->done && flow_end) {
            file_close(s, t, true);
            t->done = true;
        }
        if (t->done) {
            t->logged = true;
            return t;
        }
    }
    return NULL;
}
