/*
 * printfile — a user's library of sliced files (.3mf, .gcode) that prints
 * and products name. The bytes live under the data directory
 * (files/<user_id>/<name>); the database holds name, size and sha256.
 */
#ifndef PRINTFILE_H
#define PRINTFILE_H

struct ctx;

/* 1 when name is one of the user's files, 0 when not, -1 on error. */
int printfile_exists(struct ctx *c, const char *name);

#endif
