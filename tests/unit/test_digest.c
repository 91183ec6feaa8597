/* Unit tests for MD5, SHA-1 and SHA-256 (src/common/digest, sha1): standard
 * test vectors; SHA-1 and SHA-256 both with the portable rounds and with the
 * processor's SHA extensions (when it has them), which must agree on every length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/digest.h"
#include "common/sha1.h"

#include <string.h>

static void md5_hex(const char *in, size_t n, char out[33])
{
    rb_md5 s;
    uint8_t d[16];
    rb_md5_init(&s);
    /* feed in uneven pieces to exercise buffering */
    size_t off = 0, step = 1;
    while (off < n) {
        size_t k = n - off < step ? n - off : step;
        rb_md5_update(&s, in + off, k);
        off += k;
        step = step * 3 + 1;
    }
    rb_md5_final(&s, d);
    rb_hex(d, 16, out);
}


static void sha256_hex(const void *in, size_t n, size_t step, char *out)
{
    rb_sha256 s;
    uint8_t d[32];
    rb_sha256_init(&s);
    for (size_t off = 0; off < n; off += step)
        rb_sha256_update(&s, (const uint8_t *)in + off, n - off < step ? n - off : step);
    rb_sha256_final(&s, d);
    rb_hex(d, 32, out);
}

static void test_md5(void **state)
{
    (void)state;
    char h[33];
    md5_hex("", 0, h);
    assert_string_equal(h, "d41d8cd98f00b204e9800998ecf8427e");
    md5_hex("abc", 3, h);
    assert_string_equal(h, "900150983cd24fb0d6963f7d28e17f72");
    const char *s = "12345678901234567890123456789012345678901234567890123456789012345678901234567890";
    md5_hex(s, strlen(s), h);
    assert_string_equal(h, "57edf4a22be3c955ac49da2e2107b67a");
}

typedef void (*hex_fn)(const void *in, size_t n, size_t step, char *out);

/* FIPS 180 examples: "", "abc", the 448-bit message, a million 'a' */
static void vectors(hex_fn hex, const char *const want[4])
{
    char h[65];
    hex("", 0, 1, h);
    assert_string_equal(h, want[0]);
    hex("abc", 3, 1, h);
    assert_string_equal(h, want[1]);
    const char *s = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex(s, strlen(s), 7, h);
    assert_string_equal(h, want[2]);
    static char million[1000000];
    memset(million, 'a', sizeof million);
    hex(million, sizeof million, 4096, h);
    assert_string_equal(h, want[3]);
}

static const char *const sha256_want[4] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
};

/* every length around the block and padding boundaries: the portable rounds
 * and the processor's give the same digest (hex of n bytes, fed in pieces) */
static void agree_both_ways(hex_fn hex)
{
    uint8_t buf[300];
    uint32_t x = 777;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    for (size_t n = 0; n <= sizeof buf; n++) {
        char a[65], b[65];
        rb_digest_portable(true);
        hex(buf, n, 13, a);
        rb_digest_portable(false);
        hex(buf, n, n ? n : 1, b);
        assert_string_equal(a, b);
    }
}


static void test_sha256(void **state)
{
    (void)state;
    rb_digest_portable(true);
    vectors(sha256_hex, sha256_want);
    rb_digest_portable(false);
    vectors(sha256_hex, sha256_want);
    agree_both_ways(sha256_hex);
}

static void sha1_hex(const void *in, size_t n, size_t step, char *out)
{
    rb_sha1 s;
    uint8_t d[20];
    rb_sha1_init(&s);
    for (size_t off = 0; off < n; off += step)
        rb_sha1_update(&s, (const uint8_t *)in + off, n - off < step ? n - off : step);
    rb_sha1_final(&s, d);
    rb_hex(d, 20, out);
}

static const char *const sha1_want[4] = {
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "a9993e364706816aba3e25717850c26c9cd0d89d",
    "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
};

static void test_sha1(void **state)
{
    (void)state;
    rb_digest_portable(true);
    vectors(sha1_hex, sha1_want);
    rb_digest_portable(false);
    vectors(sha1_hex, sha1_want);
    agree_both_ways(sha1_hex);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md5),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_sha1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
