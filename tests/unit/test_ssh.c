/* Unit tests for the SSH banner parser (src/applayer/ssh) and its EVE output
 * (src/output/eve_ssh). Expected values were checked against Suricata 7.0.10. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_json.h"

#include "applayer/ssh.h"
#include "output/eve_ssh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int feed_str(ssh_state *s, int dir, const char *str)
{
    return ssh_feed(s, dir, (const uint8_t *)str, strlen(str));
}

static char *json(const ssh_state *s)
{
    jbuf jb;
    jb_init(&jb);
    jb_open_object(&jb, NULL);
    eve_ssh_object(&jb, s);
    jb_close_object(&jb);
    char *r = strdup(jb.buf);
    jb_free(&jb);
    return r;
}

static void test_normal(void **st)
{
    (void)st;
    ssh_state *s = ssh_new();
    assert_int_equal(feed_str(s, 1, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n"), 0);
    assert_false(ssh_loggable(s, false));
    assert_true(ssh_loggable(s, true));
    assert_int_equal(feed_str(s, 0, "SSH-2.0-OpenSSH_9.0\r\n"), 0);
    assert_true(ssh_loggable(s, false));
    ASSERT_JSON(json(s), "{\"ssh\":{\"client\":{\"proto_version\":\"2.0\",\"software_version\":\"OpenSSH_9.0\"},"
                         "\"server\":{\"proto_version\":\"2.0\",\"software_version\":\"OpenSSH_8.9p1\"}}}");
    ssh_mark_logged(s);
    assert_false(ssh_loggable(s, true));
    assert_int_equal(s->events, 0);
    ssh_free(s);
}

static void test_split_bytewise(void **st)
{
    (void)st;
    static const char *const cases[][2] = {
        { "SSH-1.99-PuTTY_Release_0.70\n", "1.99/PuTTY_Release_0.70" },
        { "SSH-2.0-srv comment here\r\n", "2.0/srv" },
        { "SSH-2.0-srv\rX\r\n", "2.0/srv" },
        { "SSH-2.0 -cli\r\n", "2.0 /cli" },
        { "SSH-2.0-\r\n", "2.0/" },
        { "SSH-2.0- lead more\r\n", "2.0/ lead more" },
        { "SSH-1.5-a\tb c\r\n", "1.5/a\tb" },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        ssh_state *s = ssh_new();
        const char *b = cases[c][0];
        for (size_t i = 0; b[i]; i++)
            assert_int_equal(ssh_feed(s, 1, (const uint8_t *)b + i, 1), 0);
        assert_true(s->side[1].banner_done);
        char got[300];
        snprintf(got, sizeof got, "%.*s/%.*s", (int)s->side[1].proto_len, (const char *)s->side[1].proto,
                 (int)s->side[1].software_len, (const char *)s->side[1].software);
        assert_string_equal(got, cases[c][1]);
        ssh_free(s);
    }
    /* a banner without software version: the key is left out */
    ssh_state *s = ssh_new();
    feed_str(s, 1, "SSH-2.0-\r\n");
    feed_str(s, 0, "SSH-2.0-c comment\r\n");
    ASSERT_JSON(json(s), "{\"ssh\":{\"client\":{\"proto_version\":\"2.0\",\"software_version\":\"c\"},"
                         "\"server\":{\"proto_version\":\"2.0\"}}}");
    ssh_free(s);
}

static void test_invalid(void **st)
{
    (void)st;
    static const char *const bad[] = {
        "Hello there\r\nSSH-2.0-srv\r\n", "\r\nSSH-2.0-srv\r\n", "SSH-2.0\r\n", "SSH--srv\r\n",
        "GET / HTTP/1.0\r\n\r\n", "ssh-2.0-x\r\n",
    };
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        ssh_state *s = ssh_new();
        assert_int_equal(feed_str(s, 1, bad[c]), -1);
        assert_true(s->failed);
        assert_true(s->events & SSH_EV_INVALID_BANNER);
        assert_false(ssh_loggable(s, true)); /* nothing to log */
        /* the parser is stopped for both directions */
        assert_int_equal(feed_str(s, 0, "SSH-2.0-cli\r\n"), -1);
        assert_false(ssh_loggable(s, true));
        ssh_free(s);
    }
    /* a good server banner, then a bad client one: logged at once */
    ssh_state *s = ssh_new();
    assert_int_equal(feed_str(s, 1, "SSH-2.0-srv\r\n"), 0);
    assert_int_equal(feed_str(s, 0, "GET / HTTP/1.0\r\n"), -1);
    assert_true(ssh_loggable(s, false));
    ASSERT_JSON(json(s), "{\"ssh\":{\"server\":{\"proto_version\":\"2.0\",\"software_version\":\"srv\"}}}");
    ssh_free(s);
}

static void test_long_banners(void **st)
{
    (void)st;
    char line[700];
    /* 255-byte line: fine; 256: long_banner, value kept whole (248 bytes) */
    for (int total = 255; total <= 256; total++) {
        ssh_state *s = ssh_new();
        memcpy(line, "SSH-2.0-", 8);
        memset(line + 8, 'A', (size_t)total - 8);
        memcpy(line + total, "\r\n", 3);
        assert_int_equal(feed_str(s, 1, line), 0);
        assert_int_equal(!!(s->events & SSH_EV_LONG_BANNER), total == 256);
        assert_int_equal(s->side[1].software_len, total - 8);
        assert_false(s->side[1].software_truncated);
        ssh_free(s);
    }
    /* 300-byte software version: 256 bytes + "[truncated]" */
    ssh_state *s = ssh_new();
    memcpy(line, "SSH-2.0-", 8);
    memset(line + 8, 'X', 300);
    memcpy(line + 308, "\r\n", 3);
    assert_int_equal(feed_str(s, 1, line), 0);
    assert_true(s->events & SSH_EV_LONG_BANNER);
    assert_true(s->side[1].software_truncated);
    feed_str(s, 0, "SSH-2.0-cli\r\n");
    char want[600];
    snprintf(want, sizeof want, "{\"ssh\":{\"client\":{\"proto_version\":\"2.0\",\"software_version\":\"cli\"},"
             "\"server\":{\"proto_version\":\"2.0\",\"software_version\":\"%.256s[truncated]\"}}}", line + 8);
    ASSERT_JSON(json(s), want);
    ssh_free(s);

    /* a long line that has not ended, in pieces: taken as it is, the rest of
     * the line skipped, then binary packets */
    s = ssh_new();
    memcpy(line, "SSH-2.0-", 8);
    memset(line + 8, 'B', 392);
    for (int i = 0; i < 400; i += 100)
        assert_int_equal(ssh_feed(s, 1, (const uint8_t *)line + i, 100), 0);
    assert_true(s->events & SSH_EV_LONG_BANNER);
    assert_false(s->side[1].banner_done); /* waiting for the end of the line */
    assert_int_equal(s->side[1].proto_len, 3);
    assert_true(s->side[1].software_truncated);
    assert_int_equal(feed_str(s, 1, "BBBB\r"), 0);
    assert_int_equal(feed_str(s, 1, "\n"), 0);
    assert_true(s->side[1].banner_done);
    ssh_free(s);

    /* multi-byte UTF-8 cut at 256 bytes: the whole value is then \x-escaped */
    s = ssh_new();
    memcpy(line, "SSH-2.0-X", 9);
    for (int i = 0; i < 150; i++)
        memcpy(line + 9 + 2 * i, "\xc3\xa9", 2);
    memcpy(line + 309, "\r\n", 3);
    feed_str(s, 1, line);
    char *j = json(s);
    assert_non_null(strstr(j, "\"software_version\":\"X\\\\xc3\\\\xa9"));
    assert_non_null(strstr(j, "\\\\xc3[truncated]\""));
    free(j);
    ssh_free(s);
}

static void rec(uint8_t *b, uint32_t len, uint8_t code)
{
    b[0] = (uint8_t)(len >> 24); b[1] = (uint8_t)(len >> 16); b[2] = (uint8_t)(len >> 8); b[3] = (uint8_t)len;
    b[4] = 4; b[5] = code;
}

static void test_records(void **st)
{
    (void)st;
    ssh_state *s = ssh_new();
    uint8_t buf[64];
    memcpy(buf, "SSH-2.0-cli\r\n", 13);
    rec(buf + 13, 12, 20); /* KEXINIT (short), 10 more bytes */
    memset(buf + 19, 0, 10);
    rec(buf + 29, 12, 21); /* NEWKEYS */
    memset(buf + 35, 0, 10);
    memset(buf + 45, 0xff, 19); /* encrypted: ignored */
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(ssh_feed(s, 0, buf + i, 1), 0);
    assert_true(s->side[0].banner_done);
    assert_true(s->side[0].newkeys);
    assert_false(s->failed);
    /* a packet length below 2 is an invalid record */
    ssh_state *s2 = ssh_new();
    memcpy(buf, "SSH-2.0-srv\r\n", 13);
    rec(buf + 13, 1, 20);
    assert_int_equal(ssh_feed(s2, 1, buf, 19), -1);
    assert_true(s2->events & SSH_EV_INVALID_RECORD);
    assert_true(ssh_loggable(s2, false));
    ssh_free(s2);
    ssh_free(s);
}

static void test_probe_and_flow_end(void **st)
{
    (void)st;
    assert_int_equal(ssh_probe((const uint8_t *)"SSH-2.0-x", 9, 0), 1);
    assert_int_equal(ssh_probe((const uint8_t *)"SSH-", 4, 1), 1);
    assert_int_equal(ssh_probe((const uint8_t *)"SS", 2, 0), -1);
    assert_int_equal(ssh_probe((const uint8_t *)"", 0, 0), -1);
    assert_int_equal(ssh_probe((const uint8_t *)"SSX", 3, 0), 0);
    assert_int_equal(ssh_probe((const uint8_t *)"GET /", 5, 0), 0);
    assert_string_equal(ssh_event_name(1), "long_banner");
    ssh_state *s = ssh_new();
    feed_str(s, 0, "SSH-2.0-clientonly\r\n");
    assert_false(ssh_loggable(s, false));
    assert_true(ssh_loggable(s, true));
    ASSERT_JSON(json(s), "{\"ssh\":{\"client\":{\"proto_version\":\"2.0\",\"software_version\":\"clientonly\"}}}");
    ssh_free(s);
    /* an unfinished banner is not logged */
    s = ssh_new();
    feed_str(s, 0, "SSH-2.0-cl");
    assert_false(ssh_loggable(s, true));
    ssh_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal),
        cmocka_unit_test(test_split_bytewise),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_long_banners),
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_probe_and_flow_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
