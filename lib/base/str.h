/*
 * str — the small C-string helpers several layers need (the web's URL
 * decoding, the protocol parser, the tools), so each is written once.
 */
#ifndef STR_H
#define STR_H

#include <stddef.h>

/* Copies src (NULL: "") into dst of n bytes, truncated and always
 * NUL-terminated when n > 0. */
void str_copy(char *dst, size_t n, const char *src);

/* The value of one hex digit (0-9, a-f, A-F), or -1. */
int str_hexval(int ch);

#endif
