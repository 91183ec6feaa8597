/* Unit tests for the SMTP parser (src/applayer/smtp), its MIME decoder
 * (src/applayer/mime) and the EVE smtp object (src/output/eve_smtp). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "applayer/mime.h"
#include "applayer/smtp.h"
#include "output/eve_smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int feed(smtp_state *s, int dir, const char *str)
{
    return smtp_feed(s, dir, (const uint8_t *)str, strlen(str));
}

/* feed in pieces of `step` bytes (1: byte by byte) */
static int feed_split(smtp_state *s, int dir, const char *str, size_t step)
{
    size_t n = strlen(str);
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i += step)
        r = smtp_feed(s, dir, (const uint8_t *)str + i, n - i < step ? n - i : step);
    return r;
}

/* what the data observer saw */
static char seen[8192];
static size_t seen_n;
static void data_cb(void *ctx, const smtp_tx *tx, const mime_part *part, const uint8_t *p, size_t n)
{
    (void)ctx;
    (void)tx;
    (void)part;
    if (seen_n + n < sizeof seen) {
        memcpy(seen + seen_n, p, n);
        seen_n += n;
        seen[seen_n] = 0;
    }
}

static const char *MAIL =
    "EHLO client.example\r\n"
    "MAIL FROM:<alice@example.org> SIZE=100\r\n"
    "RCPT TO:<bob@example.net>\r\n"
    "RCPT TO: <carol@example.net>\r\n"
    "DATA\r\n"
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.net,\r\n"
    " carol@example.net\r\n"
    "Subject: report\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--XYZ\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "see http://Example.COM/a?b=1 caf=C3=A9 soft=\r\n"
    "break\r\n"
    "..dot line\r\n"
    "--XYZ\r\n"
    "Content-Type: text/csv; name=\"ids.csv\"\r\n"
    "Content-Disposition: attachment; filename=\"ids.csv\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "aWQsbmFtZQox\r\n"
    "LGFsaWNlCg==\r\n"
    "--XYZ--\r\n"
    "epilogue\r\n"
    ".\r\n"
    "QUIT\r\n";

static const char *REPLIES = "220 mx ESMTP\r\n250-mx\r\n250 PIPELINING\r\n250 ok\r\n250 ok\r\n250 ok\r\n"
                             "354 go\r\n250 queued\r\n221 bye\r\n";

static void check_mail(smtp_tx *tx)
{
    assert_non_null(tx);
    assert_string_equal((char *)tx->helo.ptr, "client.example");
    assert_string_equal((char *)tx->mail_from.ptr, "<alice@example.org>");
    assert_int_equal(tx->n_rcpt, 2);
    assert_string_equal((char *)tx->rcpt[1].ptr, "<carol@example.net>");
    assert_non_null(tx->mime);
    assert_string_equal(mime_status(tx->mime), "PARSE_DONE");
    size_t n;
    const char *to = mime_header(tx->mime, MIME_HDR_TO, &n);
    assert_non_null(to);
    assert_int_equal(n, strlen("bob@example.net, carol@example.net"));
    assert_int_equal(tx->n_files, 1);
    assert_string_equal((char *)tx->files[0].filename.ptr, "ids.csv");
    assert_int_equal(tx->files[0].size, 16);
    assert_int_equal(tx->files[0].state, HTTP_FILE_CLOSED);
    assert_memory_equal(tx->file_data[0].ptr, "id,name\n1,alice\n", 16);
    assert_int_equal(mime_url_count(tx->mime), 1);
    assert_string_equal(mime_url(tx->mime, 0), "example.com/a?b=1");
    assert_true(tx->complete);
}

static void test_mail_whole_and_split(void **st)
{
    (void)st;
    size_t steps[] = { 100000, 1, 7, 13 };
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        smtp_state *s = smtp_new(NULL);
        seen_n = 0;
        seen[0] = 0;
        smtp_set_data_cb(s, data_cb, NULL);
        assert_int_equal(feed_split(s, 1, "220 mx ESMTP\r\n", steps[k]), 0);
        assert_int_equal(feed_split(s, 0, MAIL, steps[k]), 0);
        assert_int_equal(feed_split(s, 1, REPLIES + 14, steps[k]), 0);
        smtp_tx *tx = smtp_next_loggable(s, false);
        check_mail(tx);
        /* the text part (QP decoded, soft break joined, dot unstuffed), then the attachment */
        assert_string_equal(seen, "see http://Example.COM/a?b=1 caf\xc3\xa9 softbreak\r\n.dot line"
                                  "id,name\n1,alice\n");
        assert_null(smtp_next_loggable(s, false));
        assert_null(smtp_next_loggable(s, true));
        smtp_free(s);
    }
}

static void test_eve_object(void **st)
{
    (void)st;
    smtp_state *s = smtp_new(NULL);
    feed(s, 0, MAIL);
    smtp_tx *tx = smtp_next_loggable(s, false);
    assert_non_null(tx);
    jbuf jb;
    jb_init(&jb);
    jb_open_object(&jb, NULL);
    eve_smtp_object(&jb, tx, true);
    jb_close_object(&jb);
    /* identifiers (e-mail addresses) are masked in EVE, the shape is Suricata's */
    assert_non_null(strstr(jb.buf, "\"smtp\":{\"helo\":\"client.example\",\"mail_from\":\"<"));
    assert_non_null(strstr(jb.buf, "\"rcpt_to\":[\"<"));
    assert_non_null(strstr(jb.buf, "\"email\":{\"status\":\"PARSE_DONE\",\"from\":\"Alice <"));
    assert_non_null(strstr(jb.buf, "\"subject\":\"report\",\"attachment\":[\"ids.csv\"],"
                                   "\"url\":[\"example.com/a?b=1\"]}"));
    jb_free(&jb);
    jb_init(&jb);
    jb_open_object(&jb, NULL);
    eve_smtp_object(&jb, tx, false);
    jb_close_object(&jb);
    assert_null(strstr(jb.buf, "subject"));
    jb_free(&jb);
    smtp_free(s);
}

static void test_pipelining_and_rset(void **st)
{
    (void)st;
    smtp_state *s = smtp_new(NULL);
    /* two mails and a RSET in one segment, replies later */
    feed(s, 0, "HELO a\r\nMAIL FROM:<x@a>\r\nRCPT TO:<y@b>\r\nDATA\r\nhello\r\n.\r\n"
               "MAIL FROM:<z@a>\r\nRSET\r\nMAIL FROM:<w@a>\r\nRCPT TO:<v@b>\r\nDATA\r\nbody\r\n.\r\nQUIT\r\n");
    smtp_tx *tx = smtp_next_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(tx->tx_id, 0);
    assert_string_equal((char *)tx->mail_from.ptr, "<x@a>");
    assert_int_equal(tx->msg_bytes, 7);
    tx = smtp_next_loggable(s, false);
    assert_non_null(tx);
    assert_string_equal((char *)tx->mail_from.ptr, "<z@a>"); /* ended by RSET */
    assert_null(tx->mime);
    tx = smtp_next_loggable(s, false);
    assert_non_null(tx);
    assert_string_equal((char *)tx->mail_from.ptr, "<w@a>");
    assert_string_equal(mime_status(tx->mime), "PARSE_DONE");
    assert_null(smtp_next_loggable(s, false));
    /* replies to the 11 commands, the greeting first */
    assert_int_equal(feed(s, 1, "220 hi\r\n250 a\r\n250 b\r\n250 c\r\n354 d\r\n250 e\r\n250 f\r\n250 g\r\n250 h\r\n"
                                "250 i\r\n354 j\r\n250 k\r\n221 l\r\n"), 0);
    /* every reply was paired with its command (the messages' own replies included):
     * the next 220 answers this STARTTLS */
    feed(s, 0, "STARTTLS\r\n");
    assert_int_equal(feed(s, 1, "220 go\r\n"), -1);
    assert_true(smtp_starttls(s));
    smtp_free(s);
}

static void test_data_rejected(void **st)
{
    (void)st;
    smtp_state *s = smtp_new(NULL);
    feed(s, 1, "220 hi\r\n");
    feed(s, 0, "MAIL FROM:<x@a>\r\nDATA\r\n");
    feed(s, 1, "250 ok\r\n554 no valid recipients\r\n");
    feed(s, 0, "QUIT\r\n"); /* a command again, not message text */
    smtp_tx *tx = smtp_next_loggable(s, true);
    assert_non_null(tx);
    assert_true(tx->events & SMTP_EV_DATA_REJECTED);
    assert_null(tx->mime);
    /* the names rules and anomaly records use */
    assert_true(smtp_tx_events(tx) & SMTP_EV_DATA_REJECTED);
    assert_string_equal(smtp_tx_event_name(8), "smtp.data_command_rejected");
    assert_string_equal(smtp_tx_event_name(SMTP_EV_COUNT), "smtp.mime_invalid_base64");
    smtp_free(s);
}

static void test_bdat(void **st)
{
    (void)st;
    smtp_state *s = smtp_new(NULL);
    const char *m = "EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
                    "BDAT 25\r\nSubject: x\r\n\r\n.line\r\nmore"
                    "BDAT 5 LAST\r\n text"
                    "QUIT\r\n";
    for (size_t step = 1; step <= 64; step *= 4) {
        seen_n = 0;
        seen[0] = 0;
        smtp_state *t = smtp_new(NULL);
        smtp_set_data_cb(t, data_cb, NULL);
        assert_int_equal(feed_split(t, 0, m, step), 0);
        smtp_tx *tx = smtp_next_loggable(t, false);
        assert_non_null(tx);
        assert_string_equal(mime_status(tx->mime), "PARSE_DONE");
        /* BDAT content is not dot-unstuffed; the line runs across chunks */
        assert_string_equal(seen, ".line\r\nmore text");
        smtp_free(t);
    }
    /* a bad size */
    feed(s, 0, "BDAT x\r\n");
    smtp_tx *tx = smtp_next_loggable(s, true);
    assert_non_null(tx);
    assert_true(tx->events & SMTP_EV_BDAT_INVALID);
    smtp_free(s);
}

static void test_starttls(void **st)
{
    (void)st;
    smtp_state *s = smtp_new(NULL);
    feed(s, 1, "220 mx ESMTP\r\n");
    static const char hello[] = "EHLO c\r\nSTARTTLS\r\n\x16\x03\x01\x00\x05hello";
    smtp_feed(s, 0, (const uint8_t *)hello, sizeof hello - 1);
    assert_int_equal(feed(s, 1, "250 STARTTLS\r\n"), 0);
    assert_false(smtp_starttls(s));
    assert_int_equal(feed(s, 1, "220 go ahead\r\n\x16\x03\x03"), -1);
    assert_true(smtp_starttls(s));
    const uint8_t *d;
    assert_int_equal(smtp_tunnel_data(s, 0, &d), 10);
    assert_memory_equal(d, "\x16\x03\x01\x00\x05", 5);
    assert_int_equal(smtp_tunnel_data(s, 1, &d), 3);
    assert_int_equal(feed(s, 0, "more"), -1);
    smtp_free(s);
    /* refused: what the client sent after STARTTLS is parsed as commands */
    s = smtp_new(NULL);
    feed(s, 1, "220 mx\r\n");
    feed(s, 0, "STARTTLS\r\nMAIL FROM:<a@b>\r\n");
    assert_int_equal(feed(s, 1, "454 not now\r\n"), 0);
    assert_false(smtp_starttls(s));
    smtp_tx *tx = smtp_next_loggable(s, true);
    assert_non_null(tx);
    assert_string_equal((char *)tx->mail_from.ptr, "<a@b>");
    smtp_free(s);
}

static void test_line_caps(void **st)
{
    (void)st;
    smtp_config c;
    smtp_config_default(&c);
    c.max_line = 512;
    c.max_rcpt = 2;
    smtp_state *s = smtp_new(&c);
    seen_n = 0;
    seen[0] = 0;
    smtp_set_data_cb(s, data_cb, NULL);
    char big[3000];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = 0;
    feed(s, 0, "MAIL FROM:<");
    feed(s, 0, big);
    feed(s, 0, ">\r\nRCPT TO:<1>\r\nRCPT TO:<2>\r\nRCPT TO:<3>\r\nDATA\r\n\r\n");
    feed(s, 0, big); /* a message line longer than the buffer: decoded in pieces */
    feed(s, 0, "\r\n.\r\n");
    smtp_tx *tx = smtp_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(tx->events & SMTP_EV_COMMAND_TOO_LONG);
    assert_true(tx->events & SMTP_EV_TOO_MANY_RCPT);
    assert_int_equal(tx->n_rcpt, 2);
    assert_true(tx->mail_from.len <= 512);
    assert_int_equal(seen_n, sizeof big - 1);
    assert_true(mime_events(tx->mime) & MIME_EV_LONG_LINE);
    smtp_free(s);
}

static void test_flow_end_truncates(void **st)
{
    (void)st;
    smtp_state *s = smtp_new(NULL);
    feed(s, 0, "MAIL FROM:<a@b>\r\nDATA\r\nContent-Type: application/pdf; name=x.pdf\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\nQUJD\r\nREVG");
    assert_null(smtp_next_loggable(s, false));
    smtp_tx *tx = smtp_next_loggable(s, true);
    assert_non_null(tx);
    assert_int_equal(tx->n_files, 1);
    assert_int_equal(tx->files[0].state, HTTP_FILE_TRUNCATED);
    assert_int_equal(tx->files[0].size, 6); /* the partial last line decoded too */
    assert_string_equal(mime_status(tx->mime), "BODY_STARTED");
    smtp_free(s);
    /* the reassembly depth cuts the mail being sent; later bytes are ignored */
    s = smtp_new(NULL);
    feed(s, 0, "MAIL FROM:<a@b>\r\nDATA\r\nContent-Disposition: attachment; filename=a\r\n\r\nabc\r\n");
    smtp_depth_reached(s);
    feed(s, 0, "def\r\n.\r\nMAIL FROM:<c@d>\r\n");
    tx = smtp_next_loggable(s, false);
    assert_non_null(tx);
    assert_int_equal(tx->files[0].state, HTTP_FILE_TRUNCATED);
    assert_int_equal(tx->files[0].size, 3);
    assert_null(smtp_next_loggable(s, true));
    smtp_free(s);
}

static void test_gap(void **st)
{
    (void)st;
    smtp_state *s = smtp_new(NULL);
    feed(s, 0, "MAIL FROM:<a@b>\r\nDATA\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
               "Content-Disposition: attachment; filename=f\r\n\r\nabc\r\n");
    smtp_gap(s, 0, 100);
    feed(s, 0, "xyz\r\n--b--\r\n.\r\n");
    smtp_tx *tx = smtp_next_loggable(s, false);
    assert_non_null(tx);
    assert_true(tx->files[0].gaps);
    assert_int_equal(tx->files[0].state, HTTP_FILE_TRUNCATED);
    smtp_free(s);
}

/* commands before any reply: Suricata's no_server_welcome_message, each time */
static void test_no_welcome(void **st)
{
    (void)st;
    smtp_config c;
    smtp_config_default(&c);
    smtp_state *s = smtp_new(&c);
    assert_non_null(s);
    const char *cli = "EHLO ws5\r\nMAIL FROM:<a@b>\r\n";
    assert_int_equal(smtp_feed(s, 0, (const uint8_t *)cli, strlen(cli)), 0);
    const char *srv = "220 mx\r\n250 ok\r\n250 ok\r\n";
    assert_int_equal(smtp_feed(s, 1, (const uint8_t *)srv, strlen(srv)), 0);
    smtp_tx *tx = smtp_next_loggable(s, true);
    assert_non_null(tx);
    assert_true(tx->events & SMTP_EV_NO_WELCOME);
    smtp_free(s);
    /* greeted first: no event */
    s = smtp_new(&c);
    assert_int_equal(smtp_feed(s, 1, (const uint8_t *)"220 mx\r\n", 8), 0);
    assert_int_equal(smtp_feed(s, 0, (const uint8_t *)cli, strlen(cli)), 0);
    tx = smtp_next_loggable(s, true);
    assert_non_null(tx);
    assert_false(tx->events & SMTP_EV_NO_WELCOME);
    smtp_free(s);
}

static void test_probe(void **st)
{
    (void)st;
    assert_int_equal(smtp_probe((const uint8_t *)"EHLO x\r\n", 8, 0, 1234, 80), 1);
    assert_int_equal(smtp_probe((const uint8_t *)"helo x", 6, 0, 1234, 80), 1);
    assert_int_equal(smtp_probe((const uint8_t *)"EHL", 3, 0, 1234, 80), -1);
    assert_int_equal(smtp_probe((const uint8_t *)"EHLOX", 5, 0, 1234, 80), 0);
    assert_int_equal(smtp_probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16, 0, 1234, 80), 0);
    /* a 220 greeting: on an SMTP port only (FTP greets with 220 too; 465 is TLS at once) */
    assert_int_equal(smtp_probe((const uint8_t *)"220 ftp ready\r\n", 15, 1, 25, 1234), 1);
    assert_int_equal(smtp_probe((const uint8_t *)"220 ftp ready\r\n", 15, 1, 21, 1234), 0);
    assert_int_equal(smtp_probe((const uint8_t *)"220 mx ESMTP\r\n", 14, 1, 9999, 1234), 0);
    assert_int_equal(smtp_probe((const uint8_t *)"220 mx ESMTP\r\n", 14, 1, 465, 1234), 0);
    assert_int_equal(smtp_probe((const uint8_t *)"220-mx ESMTP\r\n", 14, 1, 1234, 587), 1);
    assert_int_equal(smtp_probe((const uint8_t *)"22", 2, 1, 9999, 1234), -1);
}

/* ---- MIME ---- */

static void test_base64_garbage(void **st)
{
    (void)st;
    mime_b64_state b = { 0 };
    uint8_t out[64];
    bool bad = false;
    /* split groups, whitespace, invalid characters, padding */
    size_t n = mime_b64(&b, (const uint8_t *)"aGVs", 4, out, &bad);
    n += mime_b64(&b, (const uint8_t *)"b G8*!", 6, out + n, &bad);
    assert_true(bad);
    n += mime_b64(&b, (const uint8_t *)"sIHdvcmxk\r\n", 11, out + n, &bad);
    assert_int_equal(n, 12);
    assert_memory_equal(out, "hello, world", 12);
    memset(&b, 0, sizeof b);
    bad = false;
    n = mime_b64(&b, (const uint8_t *)"YQ==YWI=", 8, out, &bad);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "aab", 3);
    assert_false(bad);
    memset(&b, 0, sizeof b);
    n = mime_b64(&b, (const uint8_t *)"Y===", 4, out, &bad);
    assert_int_equal(n, 0);
    assert_true(bad);
}

static void test_qp_garbage(void **st)
{
    (void)st;
    uint8_t out[64];
    bool soft, bad = false;
    size_t n = mime_qp((const uint8_t *)"a=3Db=ZZc=4", 11, out, &soft, &bad);
    assert_true(bad);
    assert_false(soft);
    assert_int_equal(n, 9);
    assert_memory_equal(out, "a=b=ZZc=4", 9);
    bad = false;
    n = mime_qp((const uint8_t *)"end =  ", 7, out, &soft, &bad);
    assert_true(soft);
    assert_false(bad);
    assert_int_equal(n, 4);
    n = mime_qp((const uint8_t *)"=", 1, out, &soft, &bad);
    assert_true(soft);
    assert_int_equal(n, 0);
}

static int parts_begun;
static void part_cb(void *ctx, const mime_part *p, int what)
{
    (void)ctx;
    (void)p;
    if (what == MIME_PART_BEGIN)
        parts_begun++;
}

static void lines(mime_parser *m, const char *text)
{
    const char *p = text;
    while (*p) {
        const char *e = strstr(p, "\r\n");
        size_t n = e ? (size_t)(e - p) : strlen(p);
        mime_line(m, (const uint8_t *)p, n, e != NULL);
        p += n + (e ? 2 : 0);
    }
}

static void test_nesting_cap(void **st)
{
    (void)st;
    mime_config c;
    mime_config_default(&c);
    c.max_depth = 3;
    mime_callbacks cb = { NULL, part_cb, NULL };
    mime_parser *m = mime_new(&c, &cb);
    parts_begun = 0;
    /* 10 nested multiparts: the 4th level and below are one opaque leaf */
    char buf[4096];
    size_t o = 0;
    o += (size_t)snprintf(buf + o, sizeof buf - o, "Content-Type: multipart/mixed; boundary=b0\r\n\r\n");
    for (int i = 1; i < 10; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n",
                              i - 1, i);
    o += (size_t)snprintf(buf + o, sizeof buf - o, "--b9\r\n\r\ndeep\r\n--b2--\r\n--b0\r\n\r\ntext\r\n--b0--\r\n");
    lines(m, buf);
    mime_end(m, true);
    assert_true(mime_events(m) & MIME_EV_DEPTH);
    assert_int_equal(parts_begun, 2); /* the opaque leaf at depth 3, the last text part */
    assert_string_equal(mime_status(m), "PARSE_DONE");
    mime_free(m);
    /* a message that ends inside a multipart */
    m = mime_new(NULL, NULL);
    lines(m, "Content-Type: multipart/mixed; boundary=\"q\"\r\n\r\n--q\r\n\r\nx\r\n");
    mime_end(m, true);
    assert_true(mime_events(m) & MIME_EV_BOUNDARY_MISSING);
    assert_string_equal(mime_status(m), "PARSE_ERROR");
    mime_free(m);
}

static void test_boundary_prefix(void **st)
{
    (void)st;
    seen_n = 0;
    seen[0] = 0;
    /* "--ab" must not close on a line "--abc"; a longer inner boundary is matched first */
    mime_callbacks cb = { NULL, NULL, NULL };
    (void)cb;
    smtp_state *s = smtp_new(NULL);
    smtp_set_data_cb(s, data_cb, NULL);
    feed(s, 0, "MAIL FROM:<a@b>\r\nDATA\r\nContent-Type: multipart/mixed; boundary=ab\r\n\r\n--ab\r\n\r\n"
               "--abc\r\n--ab--\r\n.\r\n");
    smtp_tx *tx = smtp_next_loggable(s, false);
    assert_non_null(tx);
    assert_string_equal(seen, "--abc");
    assert_string_equal(mime_status(tx->mime), "PARSE_DONE");
    smtp_free(s);
}

static void test_header_caps(void **st)
{
    (void)st;
    mime_config c;
    mime_config_default(&c);
    c.header_value_depth = 10;
    mime_parser *m = mime_new(&c, NULL);
    lines(m, "Subject: 0123456789ABCDEF\r\n continued\r\n\r\nbody\r\n");
    mime_end(m, true);
    size_t n;
    const char *v = mime_header(m, MIME_HDR_SUBJECT, &n);
    assert_int_equal(n, 10);
    assert_memory_equal(v, "0123456789", 10);
    assert_true(mime_events(m) & MIME_EV_LONG_HEADER);
    mime_free(m);
}

static void test_many_mails_in_one_chunk(void **st)
{
    (void)st;
    smtp_state *s = smtp_new(NULL);
    char buf[8192];
    size_t o = 0;
    for (int i = 0; i < 40; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "MAIL FROM:<m%d>\r\nDATA\r\nRCPT TO:<no>\r\n.\r\n", i);
    smtp_feed(s, 0, (const uint8_t *)buf, o);
    /* the first SMTP_MAX_TX are kept; a message body is never taken for commands */
    uint32_t n = 0;
    smtp_tx *tx;
    while ((tx = smtp_next_loggable(s, false)) != NULL) {
        assert_int_equal(tx->n_rcpt, 0);
        n++;
    }
    assert_int_equal(n, SMTP_MAX_TX);
    feed(s, 0, "MAIL FROM:<last>\r\nDATA\r\nx\r\n.\r\n");
    tx = smtp_next_loggable(s, false);
    assert_non_null(tx);
    assert_string_equal((char *)tx->mail_from.ptr, "<last>");
    smtp_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mail_whole_and_split),
        cmocka_unit_test(test_eve_object),
        cmocka_unit_test(test_pipelining_and_rset),
        cmocka_unit_test(test_data_rejected),
        cmocka_unit_test(test_bdat),
        cmocka_unit_test(test_starttls),
        cmocka_unit_test(test_line_caps),
        cmocka_unit_test(test_flow_end_truncates),
        cmocka_unit_test(test_gap),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_no_welcome),
        cmocka_unit_test(test_base64_garbage),
        cmocka_unit_test(test_qp_garbage),
        cmocka_unit_test(test_nesting_cap),
        cmocka_unit_test(test_boundary_prefix),
        cmocka_unit_test(test_header_caps),
        cmocka_unit_test(test_many_mails_in_one_chunk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
