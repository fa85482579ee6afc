#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static const char *log_program = "farm";

void
log_init(const char *program)
{
    log_program = program;
}

static void
log_line(const char *level, const char *fmt, va_list ap)
{
    char line[1024];

    vsnprintf(line, sizeof(line), fmt, ap);
    fprintf(stderr, "%s[%d] %s: %s\n", log_program, (int)getpid(), level,
            line);
}

void
log_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line("error", fmt, ap);
    va_end(ap);
}

void
log_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line("info", fmt, ap);
    va_end(ap);
}
