/* Unit tests for MD5 and SHA-256 (src/common/digest): standard test vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/digest.h"

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

static void sha256_hex(const char *in, size_t n, char out[65])
{
    rb_sha256 s;
    uint8_t d[32];
    rb_sha256_init(&s);
    rb_sha256_update(&s, in, n);
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

static void test_sha256(void **state)
{
    (void)state;
    char h[65];
    sha256_hex("", 0, h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *s = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_hex(s, strlen(s), h);
    assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md5),
        cmocka_unit_test(test_sha256),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
