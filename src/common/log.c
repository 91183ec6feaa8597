/* log.c -- see log.h */
#include "common/log.h"

#include <stdio.h>

int rb_log_verbosity = RB_LOG_WARN;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void rb_log(enum rb_log_level lvl, const char *fmt, ...)
{
    if ((int)lvl > rb_log_verbosity)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* one write per line so lines from several threads do not interleave */
    fprintf(stderr, "ribat: %s: %s\n", level_names[lvl], line);
}
