/* Unit tests for the file store (src/output/filestore): names and content of
 * stored files, removal of files not kept, the open-files cap, and the error
 * paths (folder that cannot be created, temporary folder unusable). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/digest.h"
#include "output/filestore.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[256];

static int setup(void **st)
{
    (void)st;
    snprintf(base, sizeof base, "/tmp/ribat-test-filestore-XXXXXX");
    assert_non_null(mkdtemp(base));
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void sha(const char *s, uint8_t out[32])
{
    rb_sha256 h;
    rb_sha256_init(&h);
    rb_sha256_update(&h, s, strlen(s));
    rb_sha256_final(&h, out);
}

static void hex(const uint8_t d[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static filestore *mk(uint32_t max_open, bool fileinfo)
{
    filestore_config c;
    filestore_config_default(&c);
    c.enabled = true;
    c.max_open_files = max_open;
    c.write_fileinfo = fileinfo;
    char err[256];
    filestore *fs = filestore_new(&c, base, err, sizeof err);
    assert_non_null(fs);
    return fs;
}

static void test_store_names_and_content(void **st)
{
    (void)st;
    filestore *fs = mk(0, true);
    fs_file *f = filestore_open(fs);
    assert_non_null(f);
    filestore_write(fs, f, (const uint8_t *)"hello ", 6);
    filestore_write(fs, f, (const uint8_t *)"world", 5);
    filestore_close_fd(fs, f);
    uint8_t d[32];
    sha("hello world", d);
    uint64_t id = 0;
    assert_true(filestore_finish(fs, f, true, d, &id));
    assert_true(id > 0);
    filestore_write_fileinfo(fs, d, id, 1600000000, "{\"a\":1}", 7);
    char h[65], p[600];
    hex(d, h);
    snprintf(p, sizeof p, "%s/filestore/%c%c/%s", base, h[0], h[1], h);
    FILE *in = fopen(p, "rb");
    assert_non_null(in);
    char buf[64] = { 0 };
    assert_int_equal(fread(buf, 1, sizeof buf, in), 11);
    fclose(in);
    assert_string_equal(buf, "hello world");
    snprintf(p, sizeof p, "%s/filestore/%c%c/%s.1600000000.%llu.json", base, h[0], h[1], h, (unsigned long long)id);
    assert_int_equal(access(p, R_OK), 0);
    /* the temporary folder is empty again */
    snprintf(p, sizeof p, "%s/filestore/tmp", base);
    assert_int_equal(count_entries(p), 0);

    /* the same content again: stored (already there), no second copy */
    f = filestore_open(fs);
    filestore_write(fs, f, (const uint8_t *)"hello world", 11);
    assert_true(filestore_finish(fs, f, true, d, NULL));
    snprintf(p, sizeof p, "%s/filestore/%c%c", base, h[0], h[1]);
    assert_int_equal(count_entries(p), 2); /* the file and its fileinfo record */

    /* not kept: removed */
    f = filestore_open(fs);
    filestore_write(fs, f, (const uint8_t *)"secret", 6);
    assert_false(filestore_finish(fs, f, false, NULL, NULL));
    snprintf(p, sizeof p, "%s/filestore/tmp", base);
    assert_int_equal(count_entries(p), 0);

    filestore_stats s;
    filestore_get_stats(fs, &s);
    assert_int_equal(s.fs_errors, 0);
    assert_int_equal(s.stored, 2);
    assert_int_equal(s.open_files, 0);
    filestore_free(fs);
}

static void test_open_files_cap(void **st)
{
    (void)st;
    filestore *fs = mk(1, false);
    fs_file *f[3];
    for (int i = 0; i < 3; i++) {
        f[i] = filestore_open(fs);
        assert_non_null(f[i]);
    }
    /* interleaved writes: the files beyond the cap reopen for each chunk */
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 3; i++)
            filestore_write(fs, f[i], (const uint8_t *)(i == 0 ? "a" : i == 1 ? "b" : "c"), 1);
    filestore_stats s;
    filestore_get_stats(fs, &s);
    assert_true(s.open_files <= 1);
    assert_true(s.open_files_max_hit > 0);
    const char *want[3] = { "aa", "bb", "cc" };
    for (int i = 0; i < 3; i++) {
        uint8_t d[32];
        sha(want[i], d);
        assert_true(filestore_finish(fs, f[i], true, d, NULL));
        char h[65], p[600];
        hex(d, h);
        snprintf(p, sizeof p, "%s/filestore/%c%c/%s", base, h[0], h[1], h);
        struct stat sb;
        assert_int_equal(stat(p, &sb), 0);
        assert_int_equal(sb.st_size, 2);
    }
    filestore_get_stats(fs, &s);
    assert_int_equal(s.fs_errors, 0);
    assert_int_equal(s.open_files, 0);
    filestore_free(fs);

    /* max-open-files 0 (the default): no descriptor is kept between writes */
    fs = mk(0, false);
    fs_file *g = filestore_open(fs);
    filestore_write(fs, g, (const uint8_t *)"x", 1);
    filestore_get_stats(fs, &s);
    assert_int_equal(s.open_files, 0);
    assert_false(filestore_finish(fs, g, false, NULL, NULL));
    filestore_free(fs);
}

/* an unusable folder is counted, never fatal: the temporary folder replaced
 * by a plain file makes every open fail (whatever the user, root included) */
static void test_errors_counted(void **st)
{
    (void)st;
    filestore *fs = mk(0, false);
    char p[600];
    snprintf(p, sizeof p, "%s/filestore/tmp", base);
    assert_int_equal(rmdir(p), 0);
    FILE *blk = fopen(p, "w");
    assert_non_null(blk);
    fclose(blk);
    assert_null(filestore_open(fs));
    assert_null(filestore_open(fs));
    filestore_write(fs, NULL, (const uint8_t *)"x", 1); /* a file given up: no-op */
    filestore_stats s;
    filestore_get_stats(fs, &s);
    assert_int_equal(s.fs_errors, 2);
    assert_int_equal(s.open_files, 0);
    assert_int_equal(s.stored, 0);
    filestore_free(fs);

    /* the store's folder cannot be created: start-up error with a message */
    filestore_config c;
    filestore_config_default(&c);
    c.enabled = true;
    snprintf(c.dir, sizeof c.dir, "%s/filestore/tmp/sub", base); /* under a plain file */
    char err[256] = "";
    assert_null(filestore_new(&c, base, err, sizeof err));
    assert_non_null(strstr(err, "cannot create"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_names_and_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_files_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_counted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
