/* sandbox.h -- least privilege once start-up is over.
 *
 * Everything that needs privileges or touches the file system freely happens
 * at start-up: the configuration and rules are read, the capture is opened,
 * the log files are created. Then engine_run() calls sandbox_enter(), before
 * the worker threads are created (they inherit all of it), which in order:
 *
 *  1. switches to --user/--group (run-as.user/run-as.group) when given, which
 *     needs root: supplementary groups cleared, then setgid, then setuid; the
 *     kernel then clears every capability;
 *  2. still root (no --user): drops every capability -- effective, permitted,
 *     inheritable, ambient and the bounding set -- so uid 0 keeps only what a
 *     file's owner has;
 *  3. sets no_new_privs (no set-uid/file capabilities can give them back);
 *  4. installs a seccomp filter (hand-written classic BPF, no library) that
 *     allows what offline processing needs and nothing else:
 *       memory (brk, mmap, munmap, mremap, mprotect, madvise), reading and
 *       writing open descriptors, fstat/lseek/close/fcntl, time, futex and
 *       thread creation (clone only with CLONE_THREAD; clone3 answers ENOSYS
 *       so that glibc falls back to clone), signals to the process itself,
 *       getdents64 and openat *read-only* (the next file of a capture folder,
 *       time zone data) or *append-only* (re-creating a removed eve.json: no
 *       O_TRUNC, no read access), exit; with allow_file_output also writing
 *       opens with O_CREAT/O_TRUNC, rename and unlink (files written at the end).
 *     execve/execveat, ptrace, fork (clone without CLONE_THREAD), and
 *     process_vm_* kill the process (SIGSYS); any other system call -- socket,
 *     connect, unlink, rename, mkdir, chmod, kill of another process, mount,
 *     bpf, ... -- fails with EPERM. Calls of another architecture's ABI (x32,
 *     i386 via int 0x80) kill the process.
 *
 * On by default (sandbox: the `security.sandbox` key, --sandbox/--no-sandbox);
 * off by default in sanitizer builds and under valgrind (their runtimes need
 * ptrace, extra threads and files: LeakSanitizer stops the world with ptrace),
 * where --sandbox still forces it. On an architecture without a filter here
 * (other than x86-64 and aarch64) the filter is skipped with a warning;
 * privileges are still dropped. See docs/security.md. */
#ifndef RIBAT_SANDBOX_H
#define RIBAT_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct rb_sandbox_config {
    bool filter;          /* install the seccomp filter */
    bool drop;            /* drop capabilities (root) / switch user */
    bool have_uid, have_gid;
    uid_t uid;            /* from --user, resolved at start-up */
    gid_t gid;            /* from --group, or --user's primary group */
    bool selftest;        /* RIBAT_SANDBOX_SELFTEST=1: probe forbidden calls after entering, then exit */
    /* Set by a module that writes whole files after start-up (a model saved at
     * the end of a run, a CSV series): the filter then also allows openat for
     * writing with O_CREAT/O_TRUNC, rename(at/at2) and unlink(at). Off by
     * default: the plain run only appends to the files it opened at start-up. */
    bool allow_file_output;
} rb_sandbox_config;

/* Defaults: filter and drop on, except in sanitizer builds and under valgrind. */
void sandbox_config_default(rb_sandbox_config *c);

/* Resolve a user (name or number) and optional group; the user's primary group
 * is taken when group is NULL. Done at start-up, while the NSS files can still
 * be read. Returns 0, or -1 with a message. */
int sandbox_resolve(rb_sandbox_config *c, const char *user, const char *group, char *err, size_t errlen);

/* Drop privileges and install the filter, as configured. Call from the only
 * thread. Returns 0, or -1 with a message (then the caller must stop: a
 * half-entered sandbox is not a state to run in). */
int sandbox_enter(const rb_sandbox_config *c, char *err, size_t errlen);

/* The self-test (RIBAT_SANDBOX_SELFTEST=1): after sandbox_enter, tries
 * calls the filter must refuse and prints one line per call to stdout
 * ("sandbox-selftest: socket EPERM", ...), then tries execve, which must kill
 * the process with SIGSYS. Does not return. */
void sandbox_selftest(void) __attribute__((noreturn));

#endif
