/* test_sandbox.c -- unit tests for src/engine/sandbox (cmocka).
 *
 * The sandbox cannot be undone, so each check that enters it runs in a forked
 * child, which reports through its exit status (or dies by the signal the
 * filter sends) and leaves with _exit (no sanitizer leak check in the child). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/sandbox.h"

static rb_sandbox_config filter_only(void)
{
    rb_sandbox_config c;
    sandbox_config_default(&c);
    c.filter = true; /* also in sanitizer builds: the children leave with _exit */
    c.drop = false;  /* the test may run as root: keep the uid, test the filter */
    return c;
}

/* run fn in a child inside the sandbox; returns the wait status */
static int in_child_ex(int (*fn)(void), bool file_output)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        rb_sandbox_config c = filter_only();
        c.allow_file_output = file_output;
        char err[256];
        if (sandbox_enter(&c, err, sizeof err) != 0)
            _exit(100);
        _exit(fn());
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

static int in_child(int (*fn)(void))
{
    return in_child_ex(fn, false);
}

static char out_path[64];

/* create, rename and remove a file: 0 when all work, else the step that failed */
static int try_file_output(void)
{
    int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return 1;
    close(fd);
    char to[80];
    snprintf(to, sizeof to, "%s.x", out_path);
    if (rename(out_path, to) != 0)
        return 2;
    if (unlink(to) != 0)
        return 3;
    return 0;
}

static void test_filter_file_output(void **state)
{
    (void)state;
    snprintf(out_path, sizeof out_path, "/tmp/ribat-sandbox-test-%d", (int)getpid());
    /* refused by default */
    int st = in_child(try_file_output);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    /* allowed for modules that write whole files at the end */
    st = in_child_ex(try_file_output, true);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static int try_socket(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    return fd < 0 && errno == EPERM ? 0 : 1;
}

static int try_open_modes(void)
{
    /* read-only: allowed */
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 1;
    close(fd);
    /* append-only write: allowed (re-creating eve.json) */
    fd = open("/dev/null", O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return 2;
    close(fd);
    /* truncating, or read-write: refused */
    if (open("/dev/null", O_WRONLY | O_TRUNC) >= 0 || errno != EPERM)
        return 3;
    if (open("/dev/null", O_RDWR) >= 0 || errno != EPERM)
        return 4;
    return 0;
}

static void *thread_fn(void *arg)
{
    return arg;
}

static int try_thread(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, thread_fn, NULL) != 0)
        return 1;
    return pthread_join(t, NULL) == 0 ? 0 : 2;
}

static int try_fork(void)
{
    pid_t p = fork(); /* glibc's fork is clone without CLONE_THREAD: killed */
    if (p == 0)
        _exit(0);
    return 3;
}

static void test_filter_refuses_socket(void **state)
{
    (void)state;
    int st = in_child(try_socket);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_filter_open_modes(void **state)
{
    (void)state;
    int st = in_child(try_open_modes);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_filter_allows_threads(void **state)
{
    (void)state;
    int st = in_child(try_thread);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_filter_kills_fork(void **state)
{
    (void)state;
    int st = in_child(try_fork);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void test_resolve(void **state)
{
    (void)state;
    rb_sandbox_config c;
    char err[256];
    sandbox_config_default(&c);
    assert_int_equal(sandbox_resolve(&c, NULL, NULL, err, sizeof err), 0);
    assert_false(c.have_uid);
    assert_false(c.have_gid);
    sandbox_config_default(&c);
    assert_int_equal(sandbox_resolve(&c, "no-such-user-ribat", NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "no-such-user-ribat"));
    if (geteuid() == 0) {
        sandbox_config_default(&c);
        assert_int_equal(sandbox_resolve(&c, "nobody", NULL, err, sizeof err), 0);
        assert_true(c.have_uid && c.have_gid);
        assert_int_equal(c.uid, 65534);
        sandbox_config_default(&c);
        assert_int_equal(sandbox_resolve(&c, "1234", "5678", err, sizeof err), 0);
        assert_int_equal(c.uid, 1234);
        assert_int_equal(c.gid, 5678);
    } else {
        /* switching users needs root */
        sandbox_config_default(&c);
        assert_int_equal(sandbox_resolve(&c, "1234", NULL, err, sizeof err), -1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_refuses_socket),
        cmocka_unit_test(test_filter_open_modes),
        cmocka_unit_test(test_filter_allows_threads),
        cmocka_unit_test(test_filter_kills_fork),
        cmocka_unit_test(test_filter_file_output),
        cmocka_unit_test(test_resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
