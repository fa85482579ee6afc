/*
 * ftps — uploads files to Bambu printers over implicit FTPS (libcurl multi),
 * several at once, each confirmed by asking the server for the file's size
 * afterwards. The end of an FTPS upload is fragile on printers (late or
 * missing 226, 426 although the data arrived), so an upload counts as done
 * exactly when the remote size equals the local size.
 *
 * Each job connects to ftps://<serial>:<port>/<name> with the serial
 * resolved to host (CURLOPT_RESOLVE), so SNI and certificate-name checks use
 * the serial. host (a name or an address) is resolved first and only an
 * address the outbound policy (base/outbound.h) allows is used; every
 * socket is checked again on the address it connects to. A refusal fails
 * the job with error "refused by the outbound policy". TLS 1.2 only, PROT P, passive mode, the control connection's
 * TLS session resumed on the data connection, user "bblp" with the access
 * code. Trust as in mqtt.h: with a CA file the chain and the name (= serial)
 * are verified; without one the server's key pin is reported and, when an
 * expected pin is given, must match (checked before the login is sent).
 * Stalls are caught by a low-speed limit (below 1 KiB/s for 30 s) rather
 * than a flat timeout; a generous overall cap bounds everything.
 */
#ifndef FTPS_H
#define FTPS_H

#include <stdint.h>

#include "net/tlspin.h"

enum ftps_result {
    FTPS_OK,          /* uploaded and the remote size matches */
    FTPS_FAILED,      /* anything else (error says what) */
    FTPS_UNTRUSTED,   /* certificate refused (pin or CA/name) */
    FTPS_AUTH_FAILED  /* server refused the access code */
};

struct ftps_job {
    /* in (not copied; must stay valid during the call) */
    const char *host;        /* name or address to connect to */
    int port;                /* 990 on a printer */
    const char *serial;      /* certificate name; [A-Za-z0-9-] only */
    const char *access_code;
    const char *cafile;      /* CA mode; NULL: pin mode */
    const char *pin;         /* pin mode: expected pin, NULL = first contact */
    const char *local_path;  /* regular file to send */
    const char *remote_name; /* file name in the FTP root, no '/' */
    /* out */
    enum ftps_result result;
    int64_t size;            /* local size, -1 if unreadable */
    int64_t remote_size;     /* size the server reported, -1 if unknown */
    char pin_seen[TLSPIN_MAX]; /* pin of the server's key ("" if none) */
    char error[256];         /* "" when result is FTPS_OK */
};

/* Runs all n uploads in parallel (one libcurl multi handle) and fills each
 * job's out fields. Returns the number of jobs that ended FTPS_OK. Never
 * fails as a whole: bad input fails only its own job. */
int ftps_upload_all(struct ftps_job *jobs, int n);

/* The result's name: "ok", "failed", "untrusted", "auth_failed". */
const char *ftps_result_name(enum ftps_result r);

#endif
