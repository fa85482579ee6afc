/*
 * null — the one "no value" of an integer field, shared by every layer: a
 * JSON null read by bind/jsonio, a NULL column read or bound by db, an
 * absent time or amount in a domain struct. INT64_MIN is never a real
 * time, amount, id or count.
 */
#ifndef NULL_H
#define NULL_H

#include <stdint.h>

#define DB_NULL INT64_MIN

#endif
