/*
 * log — one line per message on standard error, prefixed with the program
 * name and pid. nginx/spawn-fcgi and cron collect stderr.
 */
#ifndef LOG_H
#define LOG_H

void log_init(const char *program);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
