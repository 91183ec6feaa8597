/* test_stderr.h -- capture what a test writes to stderr (warnings), shared by
 * the unit tests. Include after cmocka.h. */
#ifndef RIBAT_TEST_STDERR_H
#define RIBAT_TEST_STDERR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int saved_stderr = -1, capture_fd = -1;

static void capture_begin(void)
{
    char tmpl[] = "/tmp/ribat_test_stderr_XXXXXX";
    fflush(stderr);
    capture_fd = mkstemp(tmpl);
    assert_true(capture_fd >= 0);
    unlink(tmpl);
    saved_stderr = dup(2);
    assert_true(saved_stderr >= 0);
    assert_true(dup2(capture_fd, 2) >= 0);
}

/* Returns what was written to stderr since capture_begin (caller frees). */
static char *capture_end(void)
{
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    off_t len = lseek(capture_fd, 0, SEEK_END);
    lseek(capture_fd, 0, SEEK_SET);
    char *buf = calloc(1, (size_t)len + 1);
    assert_non_null(buf);
    ssize_t got = read(capture_fd, buf, (size_t)len);
    assert_true(got == (ssize_t)len);
    close(capture_fd);
    capture_fd = saved_stderr = -1;
    return buf;
}

static size_t count_substr(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

#endif
