/* Unit tests for MD5, SHA-1 and SHA-256 (src/common/digest): standard test
 * vectors fed in pieces; SHA-1 and SHA-256 both with the portable rounds and
 * with the processor's SHA extensions (when it has them), which must agree on
 * every length; the one-shot helpers and a file's hash set against the
 * streaming interfaces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/digest.h"

#include <string.h>

enum alg { MD5, SHA1, SHA256 };
static const size_t alg_len[] = { 16, 20, 32 };

/* hex digest of n bytes fed in pieces of step bytes, through the file hash
 * set with only `alg` enabled */
static void digest_hex(enum alg alg, const void *in, size_t n, size_t step, char *out)
{
    rb_file_hash h;
    rb_file_hash_init(&h, alg == MD5, alg == SHA1, alg == SHA256);
    for (size_t off = 0; off < n; off += step)
        rb_file_hash_update(&h, (const uint8_t *)in + off, n - off < step ? n - off : step);
    uint8_t d[32];
    if (alg == MD5)
        rb_md5_final(&h.m5, d);
    else if (alg == SHA1)
        rb_sha1_final(&h.s1, d);
    else
        rb_sha256_final(&h.s256, d);
    rb_hex(d, alg_len[alg], out);
}

/* RFC 1321 / FIPS 180 examples: "", "abc", the 448-bit message, a million 'a' */
static void vectors(enum alg alg, const char *const want[4])
{
    char h[65];
    digest_hex(alg, "", 0, 1, h);
    assert_string_equal(h, want[0]);
    digest_hex(alg, "abc", 3, 1, h);
    assert_string_equal(h, want[1]);
    const char *s = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    digest_hex(alg, s, strlen(s), 7, h);
    assert_string_equal(h, want[2]);
    static char million[1000000];
    memset(million, 'a', sizeof million);
    digest_hex(alg, million, sizeof million, 4096, h);
    assert_string_equal(h, want[3]);
}

static const char *const md5_want[4] = {
    "d41d8cd98f00b204e9800998ecf8427e",
    "900150983cd24fb0d6963f7d28e17f72",
    "8215ef0796a20bcaaae116d3876c664a",
    "7707d6ae4e027c70eea2a935c2296f21",
};

static const char *const sha1_want[4] = {
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "a9993e364706816aba3e25717850c26c9cd0d89d",
    "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
};

static const char *const sha256_want[4] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
};

static void fill(uint8_t *buf, size_t n)
{
    uint32_t x = 777;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
}

/* every length around the block and padding boundaries: the portable rounds
 * and the processor's give the same digest */
static void agree_both_ways(enum alg alg)
{
    uint8_t buf[300];
    fill(buf, sizeof buf);
    for (size_t n = 0; n <= sizeof buf; n++) {
        char a[65], b[65];
        rb_digest_portable(true);
        digest_hex(alg, buf, n, 13, a);
        rb_digest_portable(false);
        digest_hex(alg, buf, n, n ? n : 1, b);
        assert_string_equal(a, b);
    }
}

static void test_md5(void **state)
{
    (void)state;
    vectors(MD5, md5_want);
    char h[33];
    const char *s = "12345678901234567890123456789012345678901234567890123456789012345678901234567890";
    digest_hex(MD5, s, strlen(s), 5, h);
    assert_string_equal(h, "57edf4a22be3c955ac49da2e2107b67a");
}

static void test_sha1(void **state)
{
    (void)state;
    rb_digest_portable(true);
    vectors(SHA1, sha1_want);
    rb_digest_portable(false);
    vectors(SHA1, sha1_want);
    agree_both_ways(SHA1);
}

static void test_sha256(void **state)
{
    (void)state;
    rb_digest_portable(true);
    vectors(SHA256, sha256_want);
    rb_digest_portable(false);
    vectors(SHA256, sha256_want);
    agree_both_ways(SHA256);
}

/* the one-shot helpers, and a set with all three enabled, give what each
 * streaming interface gives alone, for every length around the boundaries */
static void test_one_shot_and_set(void **state)
{
    (void)state;
    uint8_t buf[200];
    fill(buf, sizeof buf);
    for (size_t n = 0; n <= sizeof buf; n++) {
        uint8_t one[3][32], set[3][32];
        char want[3][65], got[65];
        rb_md5_of(buf, n, one[MD5]);
        rb_sha1_of(buf, n, one[SHA1]);
        rb_sha256_of(buf, n, one[SHA256]);
        rb_file_hash h;
        rb_file_hash_init(&h, true, true, true);
        for (size_t off = 0; off < n; off += 11)
            rb_file_hash_update(&h, buf + off, n - off < 11 ? n - off : 11);
        rb_md5_final(&h.m5, set[MD5]);
        rb_sha1_final(&h.s1, set[SHA1]);
        rb_sha256_final(&h.s256, set[SHA256]);
        for (int a = MD5; a <= SHA256; a++) {
            digest_hex((enum alg)a, buf, n, 1, want[a]);
            rb_hex(one[a], alg_len[a], got);
            assert_string_equal(got, want[a]);
            rb_hex(set[a], alg_len[a], got);
            assert_string_equal(got, want[a]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md5),
        cmocka_unit_test(test_sha1),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_one_shot_and_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
