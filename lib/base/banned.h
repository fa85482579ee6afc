/*
 * banned — included last by every .c file: these functions overflow, are
 * not reentrant or parse without error reporting. Use snprintf/buf,
 * strtoll with a cursor, gmtime_r.
 */
#ifndef BANNED_H
#define BANNED_H

#define BANNED(f) sorry_##f##_is_banned

#undef strcpy
#define strcpy(...) BANNED(strcpy)
#undef strcat
#define strcat(...) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef strtok
#define strtok(...) BANNED(strtok)
#undef atoi
#define atoi(...) BANNED(atoi)
#undef gmtime
#define gmtime(...) BANNED(gmtime)
#undef localtime
#define localtime(...) BANNED(localtime)

#endif
