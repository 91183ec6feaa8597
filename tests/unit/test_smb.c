/* Unit tests for the SMB parser (src/applayer/smb) and its EVE output
 * (src/output/eve_smb). Messages are built here field by field after
 * MS-SMB2 / MS-CIFS; field names and value formats were checked against
 * Suricata 7.0.10's output on the shared conformance captures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "applayer/smb.h"
#include "common/digest.h"
#include "output/eve_smb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* message builder */

typedef struct msg {
    uint8_t b[300000];
    size_t n;
} msg;

static msg *m_new(void) { return calloc(1, sizeof(msg)); }
static void put8(msg *m, uint8_t v) { m->b[m->n++] = v; }
static void put16(msg *m, uint16_t v) { put8(m, (uint8_t)v); put8(m, (uint8_t)(v >> 8)); }
static void put32(msg *m, uint32_t v) { put16(m, (uint16_t)v); put16(m, (uint16_t)(v >> 16)); }
static void put64(msg *m, uint64_t v) { put32(m, (uint32_t)v); put32(m, (uint32_t)(v >> 32)); }
static void putn(msg *m, const void *p, size_t n) { if (n) memcpy(m->b + m->n, p, n); m->n += n; }
static void zeros(msg *m, size_t n) { memset(m->b + m->n, 0, n); m->n += n; }
static void set16(msg *m, size_t at, uint16_t v) { m->b[at] = (uint8_t)v; m->b[at + 1] = (uint8_t)(v >> 8); }
static void set32(msg *m, size_t at, uint32_t v) { set16(m, at, (uint16_t)v); set16(m, at + 2, (uint16_t)(v >> 16)); }

static void utf16(msg *m, const char *s) /* ASCII only */
{
    while (*s)
        put16(m, (uint8_t)*s++);
}

/* NBSS header in front of [start, m->n) */
static size_t nb_open(msg *m)
{
    size_t at = m->n;
    zeros(m, 4);
    return at;
}
static void nb_close(msg *m, size_t at)
{
    uint32_t len = (uint32_t)(m->n - at - 4);
    m->b[at] = 0;
    m->b[at + 1] = (uint8_t)(len >> 16);
    m->b[at + 2] = (uint8_t)(len >> 8);
    m->b[at + 3] = (uint8_t)len;
}

enum { RESP = 1, ASYNC = 2 };
static const uint64_t SESS = 0x1122334455ull;

/* SMB2 header; returns its offset */
static size_t h2(msg *m, uint16_t cmd, uint32_t flags, uint64_t mid, uint32_t tree, uint32_t status)
{
    size_t at = m->n;
    putn(m, "\xfeSMB", 4);
    put16(m, 64);
    put16(m, 1);
    put32(m, status);
    put16(m, cmd);
    put16(m, 1);
    put32(m, flags);
    put32(m, 0); /* NextCommand */
    put64(m, mid);
    if (flags & ASYNC) {
        put64(m, 0xabcdef);
    } else {
        put32(m, 0);
        put32(m, tree);
    }
    put64(m, SESS);
    zeros(m, 16);
    return at;
}

static const uint8_t FID2[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void smb2_negotiate_resp(msg *m, uint16_t dialect, uint32_t max_read, uint32_t max_write)
{
    size_t r = nb_open(m);
    h2(m, SMB2_NEGOTIATE, RESP, 0, 0, 0);
    put16(m, 65);
    put16(m, 1);
    put16(m, dialect);
    put16(m, 0);
    putn(m, FID2, 16); /* server guid */
    put32(m, 0);
    put32(m, 1 << 20);
    put32(m, max_read);
    put32(m, max_write);
    zeros(m, 24);
    nb_close(m, r);
}

static void smb2_negotiate(msg *m)
{
    size_t r = nb_open(m), h = h2(m, SMB2_NEGOTIATE, 0, 0, 0, 0);
    put16(m, 36);
    put16(m, 2);
    zeros(m, 8);
    putn(m, FID2, 16); /* client guid */
    zeros(m, 8);
    put16(m, 0x0210);
    put16(m, 0x0311);
    (void)h;
    nb_close(m, r);
    smb2_negotiate_resp(m, 0x0311, 1 << 20, 1 << 16);
}

static void smb2_tree(msg *m, uint64_t mid, const char *path, uint32_t tree, uint8_t type)
{
    size_t r = nb_open(m), h = h2(m, SMB2_TREE_CONNECT, 0, mid, 0, 0);
    put16(m, 9);
    put16(m, 0);
    put16(m, 72);
    put16(m, (uint16_t)(2 * strlen(path)));
    utf16(m, path);
    (void)h;
    nb_close(m, r);
    r = nb_open(m);
    h2(m, SMB2_TREE_CONNECT, RESP, mid, tree, 0);
    put16(m, 16);
    put8(m, type);
    zeros(m, 13);
    nb_close(m, r);
}

/* CREATE request + response (name: UTF-16LE bytes as given) */
static void smb2_create(msg *m, uint64_t mid, uint32_t tree, const uint8_t *name16, size_t nlen, const uint8_t *fid)
{
    size_t r = nb_open(m);
    h2(m, SMB2_CREATE, 0, mid, tree, 0);
    put16(m, 57);
    zeros(m, 34);
    put32(m, 1);      /* disposition FILE_OPEN */
    put32(m, 0x1000); /* delete on close */
    put16(m, 120);
    put16(m, (uint16_t)nlen);
    zeros(m, 8);
    putn(m, name16, nlen);
    nb_close(m, r);
    r = nb_open(m);
    h2(m, SMB2_CREATE, RESP, mid, tree, 0);
    put16(m, 89);
    zeros(m, 6);
    put64(m, 132223795070000000ull); /* 2020-01-01T00:00:00 + 7 s */
    put64(m, 132223795070000000ull);
    put64(m, 132223795070000000ull);
    put64(m, 132223795070000000ull);
    put64(m, 4096);
    put64(m, 1234); /* end of file */
    zeros(m, 8);
    putn(m, fid, 16);
    zeros(m, 8);
    nb_close(m, r);
}

static void smb2_write(msg *m, uint64_t mid, uint32_t tree, const uint8_t *fid, uint64_t off, const uint8_t *d,
                       size_t n)
{
    size_t r = nb_open(m);
    h2(m, SMB2_WRITE, 0, mid, tree, 0);
    put16(m, 49);
    put16(m, 112);
    put32(m, (uint32_t)n);
    put64(m, off);
    putn(m, fid, 16);
    zeros(m, 16);
    putn(m, d, n);
    nb_close(m, r);
    r = nb_open(m);
    h2(m, SMB2_WRITE, RESP, mid, tree, 0);
    put16(m, 17);
    zeros(m, 14);
    nb_close(m, r);
}

static void smb2_read_req(msg *m, uint64_t mid, uint32_t tree, const uint8_t *fid, uint64_t off, uint32_t n)
{
    size_t r = nb_open(m);
    h2(m, SMB2_READ, 0, mid, tree, 0);
    put16(m, 49);
    put16(m, 0);
    put32(m, n);
    put64(m, off);
    putn(m, fid, 16);
    zeros(m, 17);
    nb_close(m, r);
}

static void smb2_read_resp(msg *m, uint64_t mid, uint32_t flags, const uint8_t *d, size_t n)
{
    size_t r = nb_open(m);
    h2(m, SMB2_READ, RESP | flags, mid, 5, 0);
    put16(m, 17);
    put8(m, 80);
    put8(m, 0);
    put32(m, (uint32_t)n);
    zeros(m, 8);
    putn(m, d, n);
    nb_close(m, r);
}

static void smb2_close(msg *m, uint64_t mid, uint32_t tree, const uint8_t *fid)
{
    size_t r = nb_open(m);
    h2(m, SMB2_CLOSE, 0, mid, tree, 0);
    put16(m, 24);
    zeros(m, 6);
    putn(m, fid, 16);
    nb_close(m, r);
    r = nb_open(m);
    h2(m, SMB2_CLOSE, RESP, mid, tree, 0);
    put16(m, 60);
    zeros(m, 58);
    nb_close(m, r);
}

/* SMB1 header + WordCount; returns the offset of the header */
static size_t h1(msg *m, uint8_t cmd, bool resp, uint16_t mid, uint16_t tid, uint32_t status)
{
    size_t at = m->n;
    putn(m, "\xffSMB", 4);
    put8(m, cmd);
    put32(m, status);
    put8(m, resp ? 0x98 : 0x18);
    put16(m, 0xc843); /* unicode, NT status, extended security */
    zeros(m, 12);
    put16(m, tid);
    put16(m, 0x1234); /* pid */
    put16(m, 0x800);  /* uid */
    put16(m, mid);
    return at;
}

static const uint8_t FID1[2] = { 0x00, 0x40 };

static void smb1_create(msg *m, uint16_t mid, const char *name)
{
    size_t r = nb_open(m);
    size_t h = h1(m, SMB1_NT_CREATE_ANDX, false, mid, 7, 0);
    put8(m, 24);
    put8(m, 0xff);
    put8(m, 0);
    put16(m, 0);
    put8(m, 0);
    put16(m, (uint16_t)(2 * strlen(name)));
    zeros(m, 28);
    put32(m, 5); /* FILE_OVERWRITE_IF */
    zeros(m, 9);
    size_t bc = m->n;
    put16(m, 0);
    if ((m->n - h) & 1)
        put8(m, 0); /* unicode alignment */
    utf16(m, name);
    put16(m, 0);
    set16(m, bc, (uint16_t)(m->n - bc - 2));
    nb_close(m, r);
    r = nb_open(m);
    h1(m, SMB1_NT_CREATE_ANDX, true, mid, 7, 0);
    put8(m, 34);
    put8(m, 0xff);
    zeros(m, 3);
    put8(m, 0);
    putn(m, FID1, 2);
    put32(m, 5);
    for (int i = 0; i < 4; i++)
        put64(m, 132223795070000000ull);
    put32(m, 0);
    put64(m, 0);
    put64(m, 0); /* end of file */
    zeros(m, 5);
    put16(m, 0);
    nb_close(m, r);
}

static void smb1_write(msg *m, uint16_t mid, uint32_t off, const uint8_t *d, size_t n)
{
    size_t r = nb_open(m);
    size_t h = h1(m, SMB1_WRITE_ANDX, false, mid, 7, 0);
    put8(m, 14);
    put8(m, 0xff);
    put8(m, 0);
    put16(m, 0);
    putn(m, FID1, 2);
    put32(m, off);
    put32(m, 0);
    put16(m, 0);
    put16(m, 0);
    put16(m, (uint16_t)(n >> 16));
    put16(m, (uint16_t)n);
    size_t doff = m->n;
    put16(m, 0);
    put32(m, 0);
    put16(m, (uint16_t)(n + 1));
    put8(m, 0); /* pad */
    set16(m, doff, (uint16_t)(m->n - h));
    putn(m, d, n);
    nb_close(m, r);
    r = nb_open(m);
    h1(m, SMB1_WRITE_ANDX, true, mid, 7, 0);
    put8(m, 6);
    put8(m, 0xff);
    zeros(m, 3);
    put16(m, (uint16_t)n);
    zeros(m, 6);
    put16(m, 0);
    nb_close(m, r);
}

static void smb1_read(msg *m, uint16_t mid, uint32_t off, const uint8_t *d, size_t n)
{
    size_t r = nb_open(m);
    h1(m, SMB1_READ_ANDX, false, mid, 7, 0);
    put8(m, 10);
    put8(m, 0xff);
    put8(m, 0);
    put16(m, 0);
    putn(m, FID1, 2);
    put32(m, off);
    put16(m, (uint16_t)n);
    zeros(m, 8);
    put16(m, 0);
    nb_close(m, r);
    r = nb_open(m);
    size_t h = h1(m, SMB1_READ_ANDX, true, mid, 7, 0);
    put8(m, 12);
    put8(m, 0xff);
    zeros(m, 7);
    put16(m, 0);
    put16(m, (uint16_t)n);
    size_t doff = m->n;
    put16(m, 0);
    zeros(m, 10);
    put16(m, (uint16_t)n);
    set16(m, doff, (uint16_t)(m->n - h));
    putn(m, d, n);
    nb_close(m, r);
}

static void smb1_close(msg *m, uint16_t mid)
{
    size_t r = nb_open(m);
    h1(m, SMB1_CLOSE, false, mid, 7, 0);
    put8(m, 3);
    putn(m, FID1, 2);
    put32(m, 0xffffffff);
    put16(m, 0);
    nb_close(m, r);
    r = nb_open(m);
    h1(m, SMB1_CLOSE, true, mid, 7, 0);
    put8(m, 0);
    put16(m, 0);
    nb_close(m, r);
}

/* ------------------------------------------------------------------------ */
/* running the parser */

/* bytes of the NBSS record at off (its header included) */
static size_t rec_size(const msg *m, size_t off)
{
    return 4 + ((size_t)m->b[off + 1] << 16 | (size_t)m->b[off + 2] << 8 | m->b[off + 3]);
}

/* the records of m from `from` to `to`, each to the side its SMB header says */
static void feed_range(smb_state *s, const msg *m, size_t from, size_t to)
{
    for (size_t off = from; off < to;) {
        size_t len = rec_size(m, off);
        smb_feed(s, m->b[off + 4 + 16] & 1, m->b + off, len);
        off += len;
    }
}

/* the requests (dir 0) and responses (dir 1) of m in wire order: a message
 * from the client is one whose SMB header says request */
static void feed_msgs(smb_state *s, const msg *m, size_t chunk)
{
    size_t off = 0;
    while (off + 4 <= m->n) {
        size_t len = rec_size(m, off);
        const uint8_t *p = m->b + off;
        int dir = p[4] == 0xfe ? (p[4 + 16] & 1) : (p[4 + 9] & 0x80) ? 1 : 0;
        for (size_t k = 0; k < len; k += chunk)
            smb_feed(s, dir, p + k, len - k < chunk ? len - k : chunk);
        off += len;
    }
}

typedef struct seen {
    int n;
    char json[32][1024];
    smb_tx file; /* copy of the last file transaction's file facts */
    bool has_file;
    uint64_t file_size;
    int file_state;
    bool file_gaps;
    size_t data_len;
    uint8_t data_head[16];
    bool has_md5;
    uint8_t md5[16];
} seen;

static void drain(smb_state *s, seen *v, bool end)
{
    smb_tx *t;
    char db[32];
    while ((t = smb_next_loggable(s, end)) != NULL) {
        jbuf jb;
        jb_init(&jb);
        jb_open_object(&jb, NULL);
        eve_smb_object(&jb, t, smb_dialect(s, db, sizeof db));
        jb_close_object(&jb);
        if (v->n < 32)
            snprintf(v->json[v->n++], 1024, "%s", jb.buf);
        jb_free(&jb);
        if (t->is_file) {
            v->has_file = true;
            v->file_size = t->file.size;
            v->file_state = (int)t->file.state;
            v->file_gaps = t->file.gaps;
            v->data_len = t->data.len;
            memcpy(v->data_head, t->data.ptr ? t->data.ptr : (const uint8_t *)"", t->data.len < 16 ? t->data.len : 16);
            v->has_md5 = t->file.has_md5;
            memcpy(v->md5, t->file.md5, 16);
        }
    }
}

/* a fresh parser (file md5 on) over m in chunk-byte pieces; what completed is in v */
static smb_state *run_md5(const msg *m, size_t chunk, seen *v)
{
    smb_config c;
    smb_config_default(&c);
    c.file_md5 = true;
    smb_state *s = smb_new(&c);
    feed_msgs(s, m, chunk);
    drain(s, v, false);
    return s;
}

static void md5_of(const uint8_t *d, size_t n, uint8_t out[16])
{
    rb_md5 h;
    rb_md5_init(&h);
    rb_md5_update(&h, d, n);
    rb_md5_final(&h, out);
}

static bool any_json(const seen *v, const char *needle)
{
    for (int i = 0; i < v->n; i++)
        if (strstr(v->json[i], needle))
            return true;
    return false;
}

#define ASSERT_HAS(v, needle)                                                                      \
    do {                                                                                           \
        if (!any_json((v), (needle))) {                                                            \
            for (int i_ = 0; i_ < (v)->n; i_++)                                                    \
                fprintf(stderr, "  %s\n", (v)->json[i_]);                                          \
            fail_msg("missing %s", (needle));                                                      \
        }                                                                                          \
    } while (0)

/* "aé\b.txt" in UTF-16LE */
static const uint8_t NAME16[] = { 'a', 0, 0xe9, 0, '\\', 0, 'b', 0, '.', 0, 't', 0, 'x', 0, 't', 0 };

static msg *smb2_session(const uint8_t *data, size_t n)
{
    msg *m = m_new();
    smb2_negotiate(m);
    smb2_tree(m, 2, "\\\\srv\\docs", 5, 1);
    smb2_create(m, 3, 5, NAME16, sizeof NAME16, FID2);
    smb2_write(m, 4, 5, FID2, 0, data, n);
    smb2_close(m, 5, 5, FID2);
    return m;
}

static void test_smb2_write_file(void **st)
{
    (void)st;
    const uint8_t data[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR";
    msg *m = smb2_session(data, sizeof data - 1);
    seen v = { 0 };
    smb_state *s = run_md5(m, 1 << 20, &v);
    assert_int_equal(v.n, 5); /* negotiate, tree, create, file, close */
    ASSERT_HAS(&v, "\"dialect\":\"3.11\"");
    ASSERT_HAS(&v, "\"client_dialects\":[\"2.10\",\"3.11\"]");
    ASSERT_HAS(&v, "\"server_guid\":\"04030201-0605-0807-0a09-0c0b100f0e0d\"");
    ASSERT_HAS(&v, "\"max_read_size\":1048576,\"max_write_size\":65536");
    ASSERT_HAS(&v, "\"command\":\"SMB2_COMMAND_TREE_CONNECT\",\"status\":\"STATUS_SUCCESS\",\"status_code\":\"0x0\","
                   "\"session_id\":73588229205,\"tree_id\":5,\"share\":\"\\\\\\\\srv\\\\docs\",\"share_type\":\"FILE\"");
    ASSERT_HAS(&v, "\"filename\":\"a\xc3\xa9\\\\b.txt\",\"disposition\":\"FILE_OPEN\",\"access\":\"delete on close\","
                   "\"created\":1577905907,");
    ASSERT_HAS(&v, "\"size\":1234,\"fuid\":\"04030201-0605-0807-0a09-0c0b100f0e0d\"");
    ASSERT_HAS(&v, "\"command\":\"SMB2_COMMAND_WRITE\",\"status\":\"STATUS_SUCCESS\",\"status_code\":\"0x0\","
                   "\"session_id\":73588229205,\"tree_id\":5,"
                   "\"filename\":\"a\xc3\xa9\\\\b.txt\",\"share\":\"\\\\\\\\srv\\\\docs\"");
    assert_true(v.has_file);
    assert_int_equal(v.file_size, sizeof data - 1);
    assert_int_equal(v.file_state, HTTP_FILE_CLOSED);
    assert_false(v.file_gaps);
    assert_int_equal(v.data_len, sizeof data - 1);
    assert_memory_equal(v.data_head, "X5O!P%@AP[4\\PZX5", 16);
    uint8_t md5[16];
    md5_of(data, sizeof data - 1, md5);
    assert_true(v.has_md5);
    assert_memory_equal(v.md5, md5, 16);
    assert_int_equal(smb_tx_count(s), 0); /* the loop's last call freed what was logged */
    assert_null(smb_next_loggable(s, true));
    smb_free(s);
    free(m);
}

/* the same stream byte by byte, and in 7-byte pieces, gives the same records */
static void test_smb2_split_anywhere(void **st)
{
    (void)st;
    const uint8_t data[] = "some file content";
    msg *m = smb2_session(data, sizeof data - 1);
    seen ref = { 0 };
    smb_state *s = smb_new(NULL);
    feed_msgs(s, m, 1 << 20);
    drain(s, &ref, true);
    smb_free(s);
    size_t chunks[] = { 1, 7, 63 };
    for (size_t k = 0; k < 3; k++) {
        seen v = { 0 };
        s = smb_new(NULL);
        feed_msgs(s, m, chunks[k]);
        drain(s, &v, true);
        assert_int_equal(v.n, ref.n);
        for (int i = 0; i < v.n; i++)
            assert_string_equal(v.json[i], ref.json[i]);
        assert_int_equal(v.file_size, sizeof data - 1);
        smb_free(s);
    }
    /* several records in one call */
    s = smb_new(NULL);
    smb_feed(s, 0, m->b, 0);
    seen v = { 0 };
    size_t off = 0;
    /* all client records, then all server records, each as one call */
    uint8_t *cli = malloc(m->n), *srv = malloc(m->n);
    size_t nc = 0, ns = 0;
    while (off + 4 <= m->n) {
        size_t len = rec_size(m, off);
        bool resp = m->b[off + 4 + 16] & 1;
        memcpy(resp ? srv + ns : cli + nc, m->b + off, len);
        if (resp)
            ns += len;
        else
            nc += len;
        off += len;
    }
    smb_feed(s, 0, cli, nc);
    smb_feed(s, 1, srv, ns);
    drain(s, &v, true);
    assert_int_equal(v.n, ref.n);
    assert_int_equal(v.file_size, sizeof data - 1);
    free(cli);
    free(srv);
    smb_free(s);
    free(m);
}

/* a READ answered asynchronously (interim STATUS_PENDING) with a record far
 * larger than the buffer: the data streams into the file */
static void test_smb2_async_large_read(void **st)
{
    (void)st;
    size_t n = 200000;
    uint8_t *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (uint8_t)(i * 7 + i / 251);
    msg *m = m_new();
    smb2_negotiate(m);
    smb2_tree(m, 2, "\\\\srv\\docs", 5, 1);
    smb2_create(m, 3, 5, NAME16, sizeof NAME16, FID2);
    smb2_read_req(m, 4, 5, FID2, 0, (uint32_t)n);
    smb2_read_resp(m, 4, ASYNC, NULL, 0);
    set32(m, m->n - 16 - 64 + 8, 0x103); /* the interim response: STATUS_PENDING, no data */
    smb2_read_resp(m, 4, ASYNC, data, n);
    smb2_close(m, 5, 5, FID2);
    seen v = { 0 };
    smb_state *s = run_md5(m, 1448, &v);
    assert_true(v.has_file);
    assert_int_equal(v.file_size, n);
    assert_int_equal(v.file_state, HTTP_FILE_CLOSED);
    assert_false(v.file_gaps);
    assert_int_equal(v.data_len, 100 * 1024); /* file_data_limit */
    ASSERT_HAS(&v, "\"command\":\"SMB2_COMMAND_READ\",\"status\":\"STATUS_SUCCESS\"");
    assert_int_equal(v.n, 5);
    smb_free(s);
    free(m);
    free(data);
}

/* two commands in one record (NextCommand), and an encrypted record skipped */
static void compound(msg *m, uint32_t flags)
{
    size_t r = nb_open(m);
    size_t a = h2(m, SMB2_ECHO, flags, 10, 0, 0);
    put16(m, 4);
    put16(m, 0);
    set32(m, a + 20, (uint32_t)(m->n - a));
    h2(m, SMB2_TREE_DISCONNECT, flags, 11, 5, 0);
    put16(m, 4);
    put16(m, 0);
    nb_close(m, r);
}

static void test_smb2_compound_and_transform(void **st)
{
    (void)st;
    msg *req = m_new(), *resp = m_new();
    compound(req, 0);
    size_t r = nb_open(req); /* SMB3 transform: skipped */
    putn(req, "\xfdSMB", 4);
    zeros(req, 48);
    nb_close(req, r);
    compound(resp, RESP);
    smb_state *s = smb_new(NULL);
    smb_feed(s, 0, req->b, req->n);
    seen v = { 0 };
    drain(s, &v, false);
    assert_int_equal(v.n, 0); /* requests only: nothing complete */
    smb_feed(s, 1, resp->b, resp->n);
    drain(s, &v, false);
    assert_int_equal(v.n, 2);
    ASSERT_HAS(&v, "SMB2_COMMAND_KEEPALIVE");
    ASSERT_HAS(&v, "SMB2_COMMAND_TREE_DISCONNECT");
    assert_int_equal(smb_get_stats(s)->encrypted, 1);
    assert_int_equal(smb_get_stats(s)->malformed, 0);
    smb_free(s);
    free(req);
    free(resp);
}

static void test_smb1_write_read_close(void **st)
{
    (void)st;
    const uint8_t eicar[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
    msg *m = m_new();
    smb1_create(m, 1, "\\eicar");
    smb1_write(m, 2, 0, eicar, sizeof eicar - 1);
    smb1_close(m, 3);
    smb_state *s = smb_new(NULL);
    feed_msgs(s, m, 5);
    seen v = { 0 };
    drain(s, &v, false);
    assert_int_equal(v.n, 3);
    ASSERT_HAS(&v, "\"command\":\"SMB1_COMMAND_NT_CREATE_ANDX\",\"status\":\"STATUS_SUCCESS\"");
    ASSERT_HAS(&v, "\"filename\":\"\\\\eicar\",\"disposition\":\"FILE_OVERWRITE_IF\",\"access\":\"normal\"");
    ASSERT_HAS(&v, "\"fuid\":\"4000\"");
    ASSERT_HAS(&v, "\"command\":\"SMB1_COMMAND_WRITE_ANDX\",\"session_id\":2048,\"tree_id\":7,"
                   "\"filename\":\"\\\\eicar\"");
    assert_int_equal(v.file_size, sizeof eicar - 1);
    assert_int_equal(v.file_state, HTTP_FILE_CLOSED);
    free(m);
    /* a download: READ_ANDX request + response */
    m = m_new();
    smb1_create(m, 4, "\\eicar");
    smb1_read(m, 5, 0, eicar, 30);
    smb1_read(m, 6, 30, eicar + 30, sizeof eicar - 1 - 30);
    smb1_close(m, 7);
    seen w = { 0 };
    feed_msgs(s, m, 1 << 20);
    drain(s, &w, true);
    ASSERT_HAS(&w, "SMB1_COMMAND_READ_ANDX");
    assert_int_equal(w.file_size, sizeof eicar - 1);
    assert_int_equal(w.file_state, HTTP_FILE_CLOSED);
    assert_memory_equal(w.data_head, eicar, 16);
    smb_free(s);
    free(m);
}

/* offsets: a write past the expected offset leaves a gap, a re-write is ignored */
static void test_offsets_and_gaps(void **st)
{
    (void)st;
    msg *m = m_new();
    smb2_create(m, 3, 5, NAME16, sizeof NAME16, FID2);
    smb2_write(m, 4, 5, FID2, 0, (const uint8_t *)"0123456789", 10);
    smb2_write(m, 5, 5, FID2, 5, (const uint8_t *)"56789abcde", 10); /* overlaps 5..9 */
    smb2_write(m, 6, 5, FID2, 30, (const uint8_t *)"xxxxx", 5);      /* 15..29 missing */
    smb2_close(m, 7, 5, FID2);
    smb_state *s = smb_new(NULL);
    feed_msgs(s, m, 1 << 20);
    seen v = { 0 };
    drain(s, &v, true);
    assert_int_equal(v.file_size, 35);
    assert_true(v.file_gaps);
    assert_int_equal(v.file_state, HTTP_FILE_TRUNCATED);
    assert_int_equal(v.data_len, 15); /* file_data stops at the gap */
    assert_memory_equal(v.data_head, "0123456789abcde", 15);
    assert_int_equal(smb_get_stats(s)->file_gaps, 1);
    smb_free(s);
    free(m);
}

/* parallel READs answered out of order (small records, and records whose
 * data streams): the file comes out whole, hashed, without gaps */
static void test_out_of_order_reads(void **st)
{
    (void)st;
    size_t sizes[2] = { 1000, 90000 };
    for (int k = 0; k < 2; k++) {
        size_t n = sizes[k];
        uint8_t *data = malloc(3 * n);
        for (size_t i = 0; i < 3 * n; i++)
            data[i] = (uint8_t)(i * 31 + i / 977);
        msg *m = m_new();
        smb2_create(m, 3, 5, NAME16, sizeof NAME16, FID2);
        for (int r = 0; r < 3; r++)
            smb2_read_req(m, (uint64_t)(10 + r), 5, FID2, (uint64_t)r * n, (uint32_t)n);
        smb2_read_resp(m, 12, 0, data + 2 * n, n); /* the last part first */
        smb2_read_resp(m, 11, 0, data + n, n);
        smb2_read_resp(m, 10, 0, data, n);
        smb2_close(m, 20, 5, FID2);
        seen v = { 0 };
        smb_state *s = run_md5(m, 1448, &v);
        assert_int_equal(v.file_size, 3 * n);
        assert_false(v.file_gaps);
        assert_int_equal(v.file_state, HTTP_FILE_CLOSED);
        uint8_t md5[16];
        md5_of(data, 3 * n, md5);
        assert_true(v.has_md5);
        assert_memory_equal(v.md5, md5, 16);
        assert_int_equal(smb_get_stats(s)->file_gaps, 0);
        smb_free(s);
        free(m);
        free(data);
    }
}

/* stream gaps: inside the data of a large write (the framing holds), and
 * across records (the parser searches the next record) */
static void test_stream_gaps(void **st)
{
    (void)st;
    size_t n = 100000;
    uint8_t *data = calloc(1, n);
    msg *m = m_new();
    smb2_create(m, 3, 5, NAME16, sizeof NAME16, FID2);
    size_t wr = m->n;
    smb2_write(m, 4, 5, FID2, 0, data, n);
    smb2_close(m, 7, 5, FID2);
    smb_state *s = smb_new(NULL);
    /* the CREATE pair */
    feed_range(s, m, 0, wr);
    /* the write request: 2000 bytes, a 5000-byte hole, the rest */
    size_t wlen = rec_size(m, wr);
    smb_feed(s, 0, m->b + wr, 2000);
    smb_gap(s, 0, 5000);
    smb_feed(s, 0, m->b + wr + 7000, wlen - 7000);
    /* then everything after it */
    feed_range(s, m, wr + wlen, m->n);
    seen v = { 0 };
    drain(s, &v, false);
    assert_int_equal(v.file_size, n);
    assert_true(v.file_gaps);
    assert_int_equal(v.file_state, HTTP_FILE_TRUNCATED);
    ASSERT_HAS(&v, "SMB2_COMMAND_CLOSE");
    assert_int_equal(smb_get_stats(s)->resyncs, 0);
    /* a hole across record boundaries: junk, then a valid record is found again */
    smb_gap(s, 0, 1000000);
    static const uint8_t junk[] = "\x01\x02\x03junk\x00\x00";
    smb_feed(s, 0, junk, sizeof junk - 1);
    msg *e = m_new();
    size_t r = nb_open(e);
    h2(e, SMB2_ECHO, 0, 50, 0, 0);
    put16(e, 4);
    put16(e, 0);
    nb_close(e, r);
    smb_feed(s, 0, e->b, e->n);
    assert_int_equal(smb_get_stats(s)->resyncs, 1);
    seen w = { 0 };
    drain(s, &w, true);
    ASSERT_HAS(&w, "SMB2_COMMAND_KEEPALIVE");
    smb_free(s);
    free(e);
    free(m);
    free(data);
}

/* lengths that point outside their record, names and counts far too large */
static void test_hostile_lengths(void **st)
{
    (void)st;
    smb_state *s = smb_new(NULL);
    /* a huge record that never ends: only the prefix is held */
    uint8_t big[4 + 64] = { 0, 0xff, 0xff, 0xff, 0xfe, 'S', 'M', 'B', 64, 0 };
    smb_feed(s, 0, big, sizeof big);
    for (int i = 0; i < 1000; i++)
        smb_feed(s, 0, big + 4, 64);
    /* a new state for each of the rest */
    smb_free(s);
    msg *m = m_new();
    /* NextCommand beyond the record */
    size_t r = nb_open(m);
    size_t h = h2(m, SMB2_ECHO, 0, 1, 0, 0);
    put16(m, 4);
    put16(m, 0);
    set32(m, h + 20, 0xfffffff0u);
    nb_close(m, r);
    /* CREATE whose name offset and length point past the end */
    r = nb_open(m);
    h = h2(m, SMB2_CREATE, 0, 2, 0, 0);
    put16(m, 57);
    zeros(m, 42);
    put16(m, 0xfff0);
    put16(m, 0xffff);
    zeros(m, 8);
    nb_close(m, r);
    /* WRITE whose data offset / length are past the end */
    r = nb_open(m);
    h2(m, SMB2_WRITE, 0, 3, 0, 0);
    put16(m, 49);
    put16(m, 0xffff);
    put32(m, 0xffffffff);
    put64(m, UINT64_MAX - 3);
    putn(m, FID2, 16);
    zeros(m, 16);
    nb_close(m, r);
    /* SMB1 with a WordCount larger than the record, and a broken AndX chain */
    r = nb_open(m);
    h1(m, SMB1_NT_CREATE_ANDX, false, 4, 0, 0);
    put8(m, 200);
    zeros(m, 10);
    nb_close(m, r);
    r = nb_open(m);
    h = h1(m, SMB1_SESSION_SETUP_ANDX, false, 5, 0, 0);
    put8(m, 12);
    put8(m, SMB1_TREE_CONNECT_ANDX);
    put8(m, 0);
    put16(m, 0xffff); /* AndX offset past the end */
    zeros(m, 20);
    put16(m, 0);
    nb_close(m, r);
    /* a record shorter than any header */
    r = nb_open(m);
    putn(m, "\xffSMB", 4);
    nb_close(m, r);
    s = smb_new(NULL);
    for (size_t chunk = 1; chunk < 20; chunk += 9)
        feed_msgs(s, m, chunk);
    seen v = { 0 };
    drain(s, &v, true);
    assert_true(smb_get_stats(s)->malformed >= 3);
    smb_free(s);
    /* a bad NBSS type: framing lost, no crash, nothing parsed */
    s = smb_new(NULL);
    static const uint8_t bad[] = "\x42\x00\x00\x10GET / HTTP/1.1\r\n\r\n";
    smb_feed(s, 0, bad, sizeof bad - 1);
    assert_int_equal(smb_get_stats(s)->resyncs, 1);
    assert_int_equal(smb_get_stats(s)->records, 0);
    smb_free(s);
    free(m);
}

/* the caps: live transactions, open handles */
static void test_caps(void **st)
{
    (void)st;
    smb_config c;
    smb_config_default(&c);
    c.max_tx = 8;
    c.max_files = 4;
    smb_state *s = smb_new(&c);
    msg *m = m_new();
    for (int i = 0; i < 100; i++) {
        size_t r = nb_open(m);
        h2(m, SMB2_ECHO, 0, (uint64_t)i, 0, 0);
        put16(m, 4);
        put16(m, 0);
        nb_close(m, r);
    }
    smb_feed(s, 0, m->b, m->n);
    assert_true(smb_tx_count(s) <= 16);
    assert_true(smb_get_stats(s)->tx_evicted > 0);
    seen v = { 0 };
    drain(s, &v, true);
    free(m);
    /* 10 files opened, 4 remembered: a write to the first has no name */
    m = m_new();
    uint8_t fid[16] = { 0 };
    for (int i = 0; i < 10; i++) {
        fid[0] = (uint8_t)i;
        smb2_create(m, (uint64_t)(200 + i), 5, NAME16, sizeof NAME16, fid);
    }
    fid[0] = 0;
    smb2_write(m, 300, 5, fid, 0, (const uint8_t *)"abc", 3);
    smb2_close(m, 301, 5, fid);
    feed_msgs(s, m, 1 << 20);
    assert_int_equal(smb_get_stats(s)->files_evicted, 6);
    seen w = { 0 };
    drain(s, &w, true);
    ASSERT_HAS(&w, "\"command\":\"SMB2_COMMAND_WRITE\",\"status\":\"STATUS_SUCCESS\",\"status_code\":\"0x0\","
                   "\"session_id\":73588229205,\"tree_id\":5,\"filename\":\"\"");
    assert_int_equal(smb_mem_in_use(s), 4 * 10); /* transactions freed; the 4 handles' names stay */
    smb_free(s);
    free(m);
    /* the per-flow memory cap: 300 files of 1000 bytes each written, none closed,
     * long names; the state stays under 64 KiB */
    smb_config_default(&c);
    c.memcap = 64 * 1024;
    s = smb_new(&c);
    m = m_new();
    uint8_t longname[2000];
    for (size_t i = 0; i < sizeof longname; i += 2) {
        longname[i] = (uint8_t)('a' + i % 26);
        longname[i + 1] = 0;
    }
    uint8_t blob[1000];
    memset(blob, 'z', sizeof blob);
    for (int i = 0; i < 300; i++) {
        fid[0] = (uint8_t)i;
        fid[1] = (uint8_t)(i >> 8);
        smb2_create(m, (uint64_t)(1000 + 2 * i), 5, longname, sizeof longname, fid);
        smb2_write(m, (uint64_t)(1001 + 2 * i), 5, fid, 0, blob, sizeof blob);
        if (m->n > sizeof m->b - 8000) {
            feed_msgs(s, m, 1 << 20);
            assert_true(smb_mem_in_use(s) <= 64 * 1024);
            m->n = 0;
        }
    }
    feed_msgs(s, m, 1 << 20);
    assert_true(smb_mem_in_use(s) <= 64 * 1024);
    assert_true(smb_get_stats(s)->memcap > 0);
    seen x = { 0 };
    drain(s, &x, true);
    assert_true(smb_mem_in_use(s) <= 256 * 2 * (SMB_MAX_NAME + 1)); /* open handles' names only */
    smb_free(s);
    free(m);
}

static int pipe_calls;
static size_t pipe_bytes[2];
static char pipe_name[64];
static void on_pipe(void *ctx, int dir, const uint8_t *pipe, size_t pl, const uint8_t *d, size_t n)
{
    (void)ctx;
    (void)d;
    pipe_calls++;
    pipe_bytes[dir] += n;
    snprintf(pipe_name, sizeof pipe_name, "%.*s", (int)pl, (const char *)pipe);
}

/* IOCTL FSCTL_PIPE_TRANSCEIVE: in bytes to the pipe, out bytes back */
static void smb2_transceive(msg *m, uint64_t mid, uint32_t tree, const uint8_t *fid, const char *in, const char *out)
{
    size_t r = nb_open(m);
    h2(m, SMB2_IOCTL, 0, mid, tree, 0);
    put16(m, 57);
    put16(m, 0);
    put32(m, 0x0011c017);
    putn(m, fid, 16);
    put32(m, 64 + 56);
    put32(m, (uint32_t)strlen(in));
    zeros(m, 24);
    putn(m, in, strlen(in));
    nb_close(m, r);
    r = nb_open(m);
    h2(m, SMB2_IOCTL, RESP, mid, tree, 0);
    put16(m, 49);
    put16(m, 0);
    put32(m, 0x0011c017);
    putn(m, fid, 16);
    put32(m, 0);
    put32(m, 0);
    put32(m, 64 + 48);
    put32(m, (uint32_t)strlen(out));
    zeros(m, 8);
    putn(m, out, strlen(out));
    nb_close(m, r);
}

/* named pipes: writes go to the pipe observer, not to a file */
static void test_named_pipe(void **st)
{
    (void)st;
    msg *m = m_new();
    smb2_tree(m, 2, "\\\\srv\\IPC$", 9, 2);
    static const uint8_t srvsvc[] = { 's', 0, 'r', 0, 'v', 0, 's', 0, 'v', 0, 'c', 0 };
    smb2_create(m, 3, 9, srvsvc, sizeof srvsvc, FID2);
    smb2_write(m, 4, 9, FID2, 0, (const uint8_t *)"\x05\x00\x0b\x03", 4);
    smb2_transceive(m, 5, 9, FID2, "request", "response!");
    smb2_close(m, 6, 9, FID2);
    smb_state *s = smb_new(NULL);
    smb_set_pipe_cb(s, on_pipe, NULL);
    feed_msgs(s, m, 3);
    seen v = { 0 };
    drain(s, &v, true);
    assert_false(v.has_file);
    assert_int_equal(pipe_bytes[0], 4 + 7);
    assert_int_equal(pipe_bytes[1], 9);
    assert_true(pipe_calls >= 3);
    /* a pipe transceive is DCERPC for Suricata: no function */
    ASSERT_HAS(&v, "\"command\":\"SMB2_COMMAND_IOCTL\",\"status\":\"STATUS_SUCCESS\",\"status_code\":\"0x0\","
                   "\"session_id\":73588229205,\"tree_id\":9}");
    /* the pipe write is a transaction of its own, the tree's named pipe in no file */
    ASSERT_HAS(&v, "\"command\":\"SMB2_COMMAND_WRITE\",\"status\":\"STATUS_SUCCESS\",\"status_code\":\"0x0\","
                   "\"session_id\":73588229205,\"tree_id\":9}");
    assert_string_equal(pipe_name, "srvsvc");
    ASSERT_HAS(&v, "\"named_pipe\":\"\\\\\\\\srv\\\\IPC$\",\"share_type\":\"PIPE\"");
    smb_free(s);
    free(m);
}

static void test_probe_and_helpers(void **st)
{
    (void)st;
    assert_int_equal(smb_probe((const uint8_t *)"\x00\x00\x00\x45\xffSMB", 8), 1);
    assert_int_equal(smb_probe((const uint8_t *)"\x00\x00\x00\x45\xfeSMB", 8), 1);
    assert_int_equal(smb_probe((const uint8_t *)"\x00\x00\x00\x45\xfe", 5), -1);
    assert_int_equal(smb_probe((const uint8_t *)"", 0), -1);
    assert_int_equal(smb_probe((const uint8_t *)"GET / HT", 8), 0);
    assert_int_equal(smb_probe((const uint8_t *)"\x00\x00\x00\x45XSMB", 8), 0);
    assert_int_equal(smb_probe((const uint8_t *)"\x00\x10\x00\x45\xffSMB", 8), 0);
    /* port 139: a session request opens the conversation */
    uint8_t sr[72] = { 0x81, 0, 0, 68, 0x20 };
    memset(sr + 5, 'C', 32);
    sr[38] = 0x20;
    memset(sr + 39, 'E', 32);
    assert_int_equal(smb_probe(sr, sizeof sr), 1);
    assert_int_equal(smb_probe(sr, 40), -1);
    sr[20] = 'Z'; /* not a NetBIOS name */
    assert_int_equal(smb_probe(sr, sizeof sr), 0);
    assert_int_equal(smb_probe((const uint8_t *)"\x82\x00\x00\x00", 4), -1);
    assert_int_equal(smb_probe((const uint8_t *)"\x85\x00\x00\x00\x00\x00\x00\x45\xfeSMB", 12), 1);
    assert_int_equal(smb_probe((const uint8_t *)"\x16\x03", 2), 0);
    /* UTF-16: a surrogate pair, an unpaired surrogate, an odd byte, the cap */
    static const uint8_t u[] = { 'A', 0, 0x3d, 0xd8, 0x00, 0xde, 0x00, 0xd8, 'B', 0, 'C' };
    uint8_t out[32];
    size_t n = smb_utf16_to_utf8(u, sizeof u, out, sizeof out);
    assert_int_equal(n, 1 + 4 + 3 + 1);
    assert_memory_equal(out, "A\xf0\x9f\x98\x80\xef\xbf\xbd" "B", n);
    assert_int_equal(smb_utf16_to_utf8(u, sizeof u, out, 4), 1); /* no partial character */
    static const uint8_t z[] = { 'a', 0, 0, 0, 'b', 0 };
    assert_int_equal(smb_utf16_to_utf8(z, sizeof z, out, sizeof out), 1);
    assert_int_equal(smb_filetime_to_unix(116444736000000000ull), 0);
    assert_int_equal(smb_filetime_to_unix(116444736000000000ull + 10000000ull * 86400), 86400);
    assert_int_equal(smb_filetime_to_unix(5), 0);
    char buf[40];
    smb_fuid_string(FID1, 2, buf);
    assert_string_equal(buf, "4000");
    assert_string_equal(smb_command_name(2, 5), "SMB2_COMMAND_CREATE");
    assert_string_equal(smb_command_name(2, 99), "SMB2_COMMAND_UNKNOWN");
    assert_string_equal(smb_command_name(1, 0x2f), "SMB1_COMMAND_WRITE_ANDX");
    assert_string_equal(smb_status_name(0xc0000016), "STATUS_MORE_PROCESSING_REQUIRED");
    assert_null(smb_status_name(0x12345678));
    assert_string_equal(smb2_dialect_name(0x0202, buf), "2.02");
    assert_string_equal(smb2_dialect_name(0x02ff, buf), "2.??");
    smb_state *s = smb_new(NULL);
    assert_string_equal(smb_dialect(s, buf, sizeof buf), "unknown");
    smb_free(s);
}

/* SMB1: a TRANS TransactNmPipe on a pipe of IPC$ goes to the pipe hook */
static void test_smb1_trans_pipe(void **st)
{
    (void)st;
    msg *m = m_new();
    size_t r = nb_open(m);
    size_t h = h1(m, SMB1_TREE_CONNECT_ANDX, false, 1, 0, 0);
    put8(m, 4);
    put8(m, 0xff);
    zeros(m, 3);
    put16(m, 0);
    put16(m, 1); /* password length */
    size_t bc = m->n;
    put16(m, 0);
    put8(m, 0);
    if ((m->n - h) & 1)
        put8(m, 0);
    utf16(m, "\\\\SRV\\IPC$");
    put16(m, 0);
    putn(m, "IPC\0", 4);
    set16(m, bc, (uint16_t)(m->n - bc - 2));
    nb_close(m, r);
    r = nb_open(m);
    h1(m, SMB1_TREE_CONNECT_ANDX, true, 1, 7, 0);
    put8(m, 3);
    put8(m, 0xff);
    zeros(m, 5);
    put16(m, 4);
    putn(m, "IPC\0", 4);
    nb_close(m, r);
    smb1_create(m, 2, "\\srvsvc");
    /* TRANS request: 14 fixed words + 2 setup words (0x0026, FID), 5 data bytes */
    r = nb_open(m);
    h = h1(m, SMB1_TRANS, false, 3, 7, 0);
    put8(m, 16);
    size_t w = m->n;
    zeros(m, 32);
    set16(m, w + 28, 0x0026);
    m->b[w + 26] = 2;
    memcpy(m->b + w + 30, FID1, 2);
    set16(m, w + 22, 5);
    put16(m, 5 + 2);
    put16(m, 0); /* pad */
    set16(m, w + 24, (uint16_t)(m->n - h));
    putn(m, "hello", 5);
    nb_close(m, r);
    r = nb_open(m);
    h = h1(m, SMB1_TRANS, true, 3, 7, 0);
    put8(m, 10);
    w = m->n;
    zeros(m, 20);
    set16(m, w + 12, 6);
    put16(m, 6 + 1);
    put8(m, 0);
    set16(m, w + 14, (uint16_t)(m->n - h));
    putn(m, "world!", 6);
    nb_close(m, r);
    pipe_calls = 0;
    pipe_bytes[0] = pipe_bytes[1] = 0;
    smb_state *s = smb_new(NULL);
    smb_set_pipe_cb(s, on_pipe, NULL);
    feed_msgs(s, m, 1 << 20);
    seen v = { 0 };
    drain(s, &v, true);
    assert_int_equal(pipe_bytes[0], 5);
    assert_int_equal(pipe_bytes[1], 6);
    assert_string_equal(pipe_name, "\\srvsvc");
    ASSERT_HAS(&v, "\"named_pipe\":\"\\\\\\\\SRV\\\\IPC$\"");
    assert_false(any_json(&v, "SMB1_COMMAND_TRANS\"")); /* no transaction of its own */
    smb_free(s);
    free(m);
}

/* an SMB1 NEGOTIATE answered in SMB2 is one transaction; CREATE of the
 * share's root, and a failed CREATE, as Suricata writes them */
static void test_negotiate_upgrade_and_create_forms(void **st)
{
    (void)st;
    msg *m = m_new();
    size_t r = nb_open(m);
    h1(m, SMB1_NEGOTIATE, false, 0, 0xffff, 0);
    put8(m, 0);
    static const char dia[] = "\x02NT LM 0.12\0\x02SMB 2.002\0";
    put16(m, sizeof dia - 1);
    putn(m, dia, sizeof dia - 1);
    nb_close(m, r);
    smb2_negotiate_resp(m, 0x0202, 1 << 16, 1 << 16);
    smb2_create(m, 3, 5, NULL, 0, FID2);
    /* a CREATE that fails */
    r = nb_open(m);
    h2(m, SMB2_CREATE, 0, 4, 5, 0);
    put16(m, 57);
    zeros(m, 34);
    put32(m, 2);
    put32(m, 0);
    put16(m, 120);
    put16(m, 2);
    zeros(m, 8);
    put16(m, 'x');
    nb_close(m, r);
    r = nb_open(m);
    h2(m, SMB2_CREATE, RESP, 4, 5, 0xc0000035);
    put16(m, 9);
    zeros(m, 7);
    nb_close(m, r);
    smb_state *s = smb_new(NULL);
    feed_msgs(s, m, 1 << 20);
    seen v = { 0 };
    drain(s, &v, true);
    assert_int_equal(v.n, 3);
    ASSERT_HAS(&v, "{\"smb\":{\"id\":1,\"dialect\":\"2.02\",\"command\":\"SMB1_COMMAND_NEGOTIATE_PROTOCOL\","
                   "\"status\":\"STATUS_SUCCESS\",\"status_code\":\"0x0\",\"session_id\":73588229205,\"tree_id\":0,"
                   "\"client_dialects\":[\"NT LM 0.12\",\"SMB 2.002\"],"
                   "\"server_guid\":\"04030201-0605-0807-0a09-0c0b100f0e0d\",\"max_read_size\":65536");
    ASSERT_HAS(&v, "\"filename\":\"<share_root>\",\"disposition\":\"FILE_OPEN\"");
    ASSERT_HAS(&v, "\"status\":\"STATUS_OBJECT_NAME_COLLISION\",\"status_code\":\"0xc0000035\","
                   "\"session_id\":73588229205,\"tree_id\":5,\"filename\":\"x\",\"disposition\":\"FILE_CREATE\","
                   "\"access\":\"normal\",\"created\":0,\"accessed\":0,\"modified\":0,\"changed\":0,\"size\":0,"
                   "\"fuid\":\"\"");
    smb_free(s);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smb2_write_file),
        cmocka_unit_test(test_smb2_split_anywhere),
        cmocka_unit_test(test_smb2_async_large_read),
        cmocka_unit_test(test_smb2_compound_and_transform),
        cmocka_unit_test(test_smb1_write_read_close),
        cmocka_unit_test(test_offsets_and_gaps),
        cmocka_unit_test(test_out_of_order_reads),
        cmocka_unit_test(test_stream_gaps),
        cmocka_unit_test(test_hostile_lengths),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_named_pipe),
        cmocka_unit_test(test_smb1_trans_pipe),
        cmocka_unit_test(test_negotiate_upgrade_and_create_forms),
        cmocka_unit_test(test_probe_and_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
