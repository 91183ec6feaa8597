/* log.h -- diagnostics on stderr.
 *
 * Errors and warnings are one line each, prefixed with the program name and
 * the level, so that a user can grep them. rb_warn_once() prints a given
 * message only the first time its call site is reached (per process). */
#ifndef RIBAT_LOG_H
#define RIBAT_LOG_H

#include <stdarg.h>

enum rb_log_level { RB_LOG_ERROR = 0, RB_LOG_WARN = 1, RB_LOG_INFO = 2, RB_LOG_DEBUG = 3 };

extern int rb_log_verbosity; /* messages above this level are dropped; default WARN */

void rb_log(enum rb_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define rb_error(...) rb_log(RB_LOG_ERROR, __VA_ARGS__)
#define rb_warn(...)  rb_log(RB_LOG_WARN, __VA_ARGS__)
#define rb_info(...)  rb_log(RB_LOG_INFO, __VA_ARGS__)
#define rb_debug(...) rb_log(RB_LOG_DEBUG, __VA_ARGS__)

/* Print once per call site. Thread-safe enough: a race may print twice. */
#define rb_warn_once(...)                                                     \
    do {                                                                      \
        static int rb__once_;                                                 \
        if (!__atomic_exchange_n(&rb__once_, 1, __ATOMIC_RELAXED))            \
            rb_log(RB_LOG_WARN, __VA_ARGS__);                                 \
    } while (0)

#endif
