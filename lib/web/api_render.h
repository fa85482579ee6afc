/*
 * api_render — JSON renderers that more than one resource's handlers use,
 * written with the streaming writer (jsonw) because they sit on the hot
 * list and queue paths. Edge layer: handlers only.
 */
#ifndef API_RENDER_H
#define API_RENDER_H

#include <stdint.h>

struct job;
struct jsonw;

/* The contract's print object; with a position > 0 also "position". */
void render_print(struct jsonw *w, const struct job *j, const char *currency,
                  int64_t position);

#endif
