/* sandbox.c -- see sandbox.h */
#include "engine/sandbox.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pwd.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define SB_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SB_ARCH AUDIT_ARCH_AARCH64
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SB_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#define SB_SANITIZER 1
#endif
#endif
#ifndef SB_SANITIZER
#define SB_SANITIZER 0
#endif

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS SECCOMP_RET_KILL
#endif

static bool under_valgrind(void)
{
    const char *p = getenv("LD_PRELOAD");
    return p && strstr(p, "vgpreload") != NULL;
}

void sandbox_config_default(rb_sandbox_config *c)
{
    memset(c, 0, sizeof *c);
    bool instrumented = SB_SANITIZER || under_valgrind();
    c->filter = !instrumented;
    c->drop = true;
}

/* a user or group given as a number: 0 and the value, or -1 */
static int parse_id(const char *s, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

int sandbox_resolve(rb_sandbox_config *c, const char *user, const char *group, char *err, size_t errlen)
{
    long v;
    if (user) {
        struct passwd *pw = getpwnam(user);
        if (pw) {
            c->uid = pw->pw_uid;
            if (!group) {
                c->gid = pw->pw_gid;
                c->have_gid = true;
            }
        } else if (parse_id(user, &v) == 0) {
            c->uid = (uid_t)v;
        } else {
            snprintf(err, errlen, "unknown user '%s'", user);
            return -1;
        }
        c->have_uid = true;
    }
    if (group) {
        struct group *gr = getgrnam(group);
        if (gr) {
            c->gid = gr->gr_gid;
        } else if (parse_id(group, &v) == 0) {
            c->gid = (gid_t)v;
        } else {
            snprintf(err, errlen, "unknown group '%s'", group);
            return -1;
        }
        c->have_gid = true;
    }
    if ((c->have_uid || c->have_gid) && geteuid() != 0) {
        snprintf(err, errlen, "--user/--group (run-as) need ribat to be started as root");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* privileges */

static int drop_capabilities(char *err, size_t errlen)
{
    /* the bounding set: nothing can be gained back through exec (which is
     * forbidden anyway) or file capabilities */
    for (int cap = 0; cap <= 63; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno == EINVAL)
            break;
    }
#ifdef PR_CAP_AMBIENT
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
#endif
    struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    if (syscall(SYS_capset, &h, d) != 0) {
        snprintf(err, errlen, "sandbox: cannot drop capabilities: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int switch_user(const rb_sandbox_config *c, char *err, size_t errlen)
{
    if (c->have_gid) {
        if (setgroups(0, NULL) != 0 || setgid(c->gid) != 0) {
            snprintf(err, errlen, "sandbox: cannot switch to group %u: %s", (unsigned)c->gid, strerror(errno));
            return -1;
        }
    }
    if (c->have_uid) {
        if (setuid(c->uid) != 0) {
            snprintf(err, errlen, "sandbox: cannot switch to user %u: %s", (unsigned)c->uid, strerror(errno));
            return -1;
        }
        /* must not be able to come back */
        if (c->uid != 0 && setuid(0) == 0) {
            snprintf(err, errlen, "sandbox: could switch back to root after dropping privileges");
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* the seccomp filter */

#ifdef SB_ARCH

#define MAX_PROG 256

typedef struct prog {
    struct sock_filter f[MAX_PROG];
    unsigned n;
    bool overflow;
} prog;

static void emit(prog *p, struct sock_filter ins)
{
    if (p->n < MAX_PROG)
        p->f[p->n++] = ins;
    else
        p->overflow = true;
}

#define LD_NR() BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
/* low 32 bits of argument i (little-endian targets only, see SB_ARCH) */
#define LD_ARG(i) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[i]))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

/* if nr == this system call, return action; else go on */
static void rule(prog *p, long nr, uint32_t action)
{
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1));
    emit(p, (struct sock_filter)RET(action));
}

/* What offline processing needs. Calls missing on an architecture are skipped. */
static const long allowed[] = {
    SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64, SYS_pwrite64, SYS_lseek, SYS_close, SYS_fstat,
#ifdef SYS_newfstatat
    SYS_newfstatat,
#endif
#ifdef SYS_statx
    SYS_statx,
#endif
    SYS_fcntl, SYS_getdents64, SYS_ftruncate, SYS_fsync, SYS_fdatasync,
#ifdef SYS_fadvise64
    SYS_fadvise64,
#endif
    SYS_mmap, SYS_munmap, SYS_mremap, SYS_mprotect, SYS_madvise, SYS_brk,
    SYS_futex, SYS_set_robust_list, SYS_get_robust_list,
#ifdef SYS_rseq
    SYS_rseq,
#endif
    SYS_clock_gettime, SYS_clock_getres, SYS_gettimeofday, SYS_nanosleep, SYS_clock_nanosleep,
#ifdef SYS_time
    SYS_time,
#endif
    SYS_sched_yield, SYS_sched_getaffinity, SYS_sysinfo,
    SYS_getpid, SYS_gettid, SYS_getuid, SYS_geteuid, SYS_getgid, SYS_getegid, SYS_getrandom,
    SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_sigaltstack,
    SYS_exit, SYS_exit_group,
};

/* Allowed in addition with allow_file_output (whole files written at the end). */
static const long file_output[] = {
#ifdef SYS_rename
    SYS_rename,
#endif
#ifdef SYS_unlink
    SYS_unlink,
#endif
    SYS_renameat, SYS_renameat2, SYS_unlinkat,
};

/* Never legitimate after start-up: the process is killed (SIGSYS). */
static const long killed[] = {
    SYS_execve, SYS_execveat, SYS_ptrace, SYS_process_vm_readv, SYS_process_vm_writev,
#ifdef SYS_fork
    SYS_fork,
#endif
#ifdef SYS_vfork
    SYS_vfork,
#endif
};

static int install_filter(bool file_out, char *err, size_t errlen)
{
    prog *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "sandbox: out of memory");
        return -1;
    }
    /* the architecture (a 32-bit ABI would have other numbers) */
    emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SB_ARCH, 1, 0));
    emit(p, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
    emit(p, (struct sock_filter)LD_NR());
#if defined(__x86_64__)
    /* the x32 ABI shares the architecture value; its numbers have bit 30 set */
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1));
    emit(p, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
#endif
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        rule(p, allowed[i], SECCOMP_RET_ALLOW);
    for (size_t i = 0; i < sizeof killed / sizeof killed[0]; i++)
        rule(p, killed[i], SECCOMP_RET_KILL_PROCESS);
    if (file_out) {
        for (size_t i = 0; i < sizeof file_output / sizeof file_output[0]; i++)
            rule(p, file_output[i], SECCOMP_RET_ALLOW);
        /* any openat (writing with O_CREAT/O_TRUNC included) */
        rule(p, SYS_openat, SECCOMP_RET_ALLOW);
    }

    /* clone: threads only (pthread_create); a new process is killed */
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4));
    emit(p, (struct sock_filter)LD_ARG(0));
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1));
    emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
    emit(p, (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS));
#ifdef SYS_clone3
    /* its flags are in memory the filter cannot read: glibc falls back to clone */
    rule(p, SYS_clone3, SECCOMP_RET_ERRNO | ENOSYS);
#endif
    /* openat: read-only (no O_CREAT/O_TRUNC), or write-only append (no O_TRUNC) */
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 8));
    emit(p, (struct sock_filter)LD_ARG(2));
    emit(p, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, O_ACCMODE | O_CREAT | O_TRUNC));
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 4, 0));
    emit(p, (struct sock_filter)LD_ARG(2));
    emit(p, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, O_ACCMODE | O_TRUNC | O_APPEND));
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, O_WRONLY | O_APPEND, 1, 0));
    emit(p, (struct sock_filter)RET(SECCOMP_RET_ERRNO | EPERM));
    emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
    /* signals: only to this process (abort(), raise()) */
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_tgkill, 0, 4));
    emit(p, (struct sock_filter)LD_ARG(0));
    emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)getpid(), 0, 1));
    emit(p, (struct sock_filter)RET(SECCOMP_RET_ALLOW));
    emit(p, (struct sock_filter)RET(SECCOMP_RET_ERRNO | EPERM));
    /* everything else fails */
    emit(p, (struct sock_filter)RET(SECCOMP_RET_ERRNO | EPERM));

    int rc = 0;
    if (p->overflow) {
        snprintf(err, errlen, "sandbox: filter program too long");
        rc = -1;
    } else {
        struct sock_fprog fp = { .len = (unsigned short)p->n, .filter = p->f };
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0) != 0) {
            snprintf(err, errlen, "sandbox: cannot install the seccomp filter: %s", strerror(errno));
            rc = -1;
        }
    }
    free(p);
    return rc;
}

#else

static int install_filter(bool file_out, char *err, size_t errlen)
{
    (void)file_out;
    (void)err;
    (void)errlen;
    rb_warn("sandbox: no seccomp filter for this architecture; running without one");
    return 0;
}

#endif

int sandbox_enter(const rb_sandbox_config *c, char *err, size_t errlen)
{
    if (c->drop) {
        if (c->have_uid || c->have_gid) {
            if (switch_user(c, err, errlen) != 0)
                return -1;
        }
        if (geteuid() == 0 && drop_capabilities(err, errlen) != 0)
            return -1;
    }
    if (c->filter || c->selftest) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
            snprintf(err, errlen, "sandbox: cannot set no_new_privs: %s", strerror(errno));
            return -1;
        }
        if (install_filter(c->allow_file_output, err, errlen) != 0)
            return -1;
    }
    return 0;
}

static void probe(const char *what, long rc)
{
    char line[96];
    int n = snprintf(line, sizeof line, "sandbox-selftest: %s %s\n", what,
                     rc >= 0 ? "ALLOWED" : errno == EPERM ? "EPERM" : strerror(errno));
    if (n > 0 && write(1, line, (size_t)n) < 0)
        _exit(3);
}

void sandbox_selftest(void)
{
    char line[96];
    int n = snprintf(line, sizeof line, "sandbox-selftest: uid %u euid %u\n", (unsigned)getuid(), (unsigned)geteuid());
    if (n > 0 && write(1, line, (size_t)n) < 0)
        _exit(3);
    probe("socket", socket(AF_INET, SOCK_STREAM, 0));
    probe("open-write", open("/tmp/ribat-sandbox-selftest", O_WRONLY | O_CREAT | O_TRUNC, 0600));
    probe("unlink", unlink("/tmp/ribat-sandbox-selftest"));
    probe("setuid0", setuid(0));
    probe("open-read", open("/proc/self/status", O_RDONLY | O_CLOEXEC));
    probe("write", write(1, "", 0));
    n = snprintf(line, sizeof line, "sandbox-selftest: execve next\n");
    if (n > 0 && write(1, line, (size_t)n) < 0)
        _exit(3);
    char *const argv[] = { (char *)"/bin/true", NULL };
    execve("/bin/true", argv, NULL);
    /* only reached when execve was not killed */
    probe("execve", -1);
    _exit(2);
}
