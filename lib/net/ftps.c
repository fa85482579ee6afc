/*
 * ftps — see ftps.h. Each job goes through two transfers on the same easy
 * handle inside one multi handle: STOR, then a NOBODY request whose SIZE
 * answer confirms the upload (the multi's connection cache lets it reuse
 * the control connection).
 */
#include "net/ftps.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <openssl/ssl.h>

#include "base/log.h"
#include "base/outbound.h"

#include "base/banned.h"

enum phase { PH_NONE, PH_UPLOAD, PH_SIZE, PH_DONE };

struct xfer {
    struct ftps_job *job;
    CURL *easy;
    FILE *f;
    enum phase phase;
    struct curl_slist *resolve;
    struct tlspin_check check;
    const char *refused; /* why the policy refused an address */
    char url[512];
    char errbuf[CURL_ERROR_SIZE];
    CURLcode upload_rc;
};

const char *
ftps_result_name(enum ftps_result r)
{
    switch (r) {
    case FTPS_OK:
        return "ok";
    case FTPS_UNTRUSTED:
        return "untrusted";
    case FTPS_AUTH_FAILED:
        return "auth_failed";
    default:
        return "failed";
    }
}

static void
global_init(void)
{
    static int done;

    if (!done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        done = 1;
    }
}

static int fail(struct ftps_job *j, enum ftps_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct ftps_job *j, enum ftps_result r, const char *fmt, ...)
{
    va_list ap;

    j->result = r;
    /* Truncating a long message is fine. */
    va_start(ap, fmt);
    if (vsnprintf(j->error, sizeof j->error, fmt, ap) < 0)
        j->error[0] = '\0';
    va_end(ap);
    return -1;
}

static int
valid_serial(const char *s)
{
    size_t i;

    if (!s || !s[0] || strlen(s) > 64)
        return 0;
    for (i = 0; s[i]; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

static int
valid_name(const char *s)
{
    size_t i;

    if (!s || !s[0] || strlen(s) > 200 || !strcmp(s, ".") || !strcmp(s, ".."))
        return 0;
    for (i = 0; s[i]; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == '/' || s[i] == '\\' ||
            s[i] == 0x7f)
            return 0;
    return 1;
}

/* The size check's "body" (FTP header lines) is not wanted. */
static size_t
sink(char *ptr, size_t size, size_t n, void *arg)
{
    (void)ptr;
    (void)arg;
    return size * n;
}

static CURLcode
ctx_hook(CURL *easy, void *sslctx, void *arg)
{
    (void)easy;
    tlspin_attach(sslctx, arg);
    return CURLE_OK;
}

/* Every socket (control and data connections) is checked against the
 * outbound policy on the address it connects to. */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct xfer *x = arg;
    const char *why;

    if (purpose != CURLSOCKTYPE_IPCXN)
        return CURL_SOCKET_BAD;
    why = outbound_check_sockaddr(OUTBOUND_PRINTER, &addr->addr);
    if (why != NULL) {
        char text[64];

        outbound_sockaddr_text(&addr->addr, text, sizeof text);
        log_error("ftps %s: %s is %s: %s", x->job->serial, text, why,
                  OUTBOUND_REFUSED);
        x->refused = why;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

/* Options shared by both transfers of a job. */
static void
common_opts(struct xfer *x)
{
    struct ftps_job *j = x->job;
    CURL *e = x->easy;

    curl_easy_setopt(e, CURLOPT_URL, x->url);
    curl_easy_setopt(e, CURLOPT_RESOLVE, x->resolve);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, sink);
    curl_easy_setopt(e, CURLOPT_USERNAME, "bblp");
    curl_easy_setopt(e, CURLOPT_PASSWORD, j->access_code ? j->access_code : "");
    curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    curl_easy_setopt(e, CURLOPT_SSLVERSION,
                     (long)(CURL_SSLVERSION_TLSv1_2 |
                            CURL_SSLVERSION_MAX_TLSv1_2));
    curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 1L);
    curl_easy_setopt(e, CURLOPT_FTP_USE_EPSV, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(e, CURLOPT_SERVER_RESPONSE_TIMEOUT, 60L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 30L);
    /* Generous cap: 10 minutes plus 10 KiB/s for the file. */
    curl_easy_setopt(e, CURLOPT_TIMEOUT,
                     (long)(600 + (j->size > 0 ? j->size / 10240 : 0)));
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, ctx_hook);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, &x->check);
    if (j->cafile) {
        curl_easy_setopt(e, CURLOPT_CAINFO, j->cafile);
        curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    } else {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
        if (j->pin && j->pin[0])
            curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, j->pin);
    }
}

static int
prepare(struct xfer *x, CURLM *multi)
{
    struct ftps_job *j = x->job;
    struct stat st;
    char entry[512], addr[64], *esc;
    const char *why;

    j->size = -1;
    j->remote_size = -1;
    j->pin_seen[0] = '\0';
    j->error[0] = '\0';
    j->result = FTPS_FAILED;
    if (!j->host || !j->host[0])
        return fail(j, FTPS_FAILED, "invalid host");
    if (!valid_serial(j->serial))
        return fail(j, FTPS_FAILED, "invalid serial");
    if (j->port < 1 || j->port > 65535)
        return fail(j, FTPS_FAILED, "invalid port");
    if (!valid_name(j->remote_name))
        return fail(j, FTPS_FAILED, "invalid remote file name");
    if (j->pin && j->pin[0] && !tlspin_valid(j->pin))
        return fail(j, FTPS_FAILED, "invalid pin %s", j->pin ? j->pin : "");
    /* resolved once, here: the address the policy allowed is the one
     * libcurl is told (CURLOPT_RESOLVE), and open_socket checks again */
    if (outbound_resolve(OUTBOUND_PRINTER, j->host, addr, sizeof addr, &why) <
        0)
        return fail(j, FTPS_FAILED, "%s", why);
    x->f = j->local_path ? fopen(j->local_path, "rb") : NULL;
    if (!x->f)
        return fail(j, FTPS_FAILED, "cannot open %s",
                    j->local_path ? j->local_path : "(no file)");
    if (fstat(fileno(x->f), &st) != 0 || !S_ISREG(st.st_mode))
        return fail(j, FTPS_FAILED, "%s is not a regular file",
                    j->local_path);
    j->size = (int64_t)st.st_size;

    x->easy = curl_easy_init();
    if (!x->easy)
        return fail(j, FTPS_FAILED, "out of memory");
    esc = curl_easy_escape(x->easy, j->remote_name, 0);
    if (!esc)
        return fail(j, FTPS_FAILED, "out of memory");
    snprintf(x->url, sizeof x->url, "ftps://%s:%d/%s", j->serial, j->port,
             esc);
    curl_free(esc);
    snprintf(entry, sizeof entry, "%s:%d:%s%s%s", j->serial, j->port,
             strchr(addr, ':') ? "[" : "", addr, strchr(addr, ':') ? "]" : "");
    x->resolve = curl_slist_append(NULL, entry);
    if (!x->resolve)
        return fail(j, FTPS_FAILED, "out of memory");
    memset(&x->check, 0, sizeof x->check);
    x->check.ca = 0; /* record only: libcurl enforces pin, CA and name */
    x->check.name = j->serial;

    common_opts(x);
    curl_easy_setopt(x->easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(x->easy, CURLOPT_READDATA, x->f);
    curl_easy_setopt(x->easy, CURLOPT_INFILESIZE_LARGE,
                     (curl_off_t)j->size);
    x->phase = PH_UPLOAD;
    curl_multi_add_handle(multi, x->easy);
    return 0;
}

static enum ftps_result
classify(CURLcode rc, const struct xfer *x)
{
    switch (rc) {
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        return FTPS_UNTRUSTED;
    case CURLE_LOGIN_DENIED:
        return FTPS_AUTH_FAILED;
    default:
        return x->check.refused ? FTPS_UNTRUSTED : FTPS_FAILED;
    }
}

/* Errors after which the data may still have arrived whole. */
static int
maybe_complete(CURLcode rc)
{
    return rc == CURLE_OK || rc == CURLE_PARTIAL_FILE ||
           rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_RECV_ERROR ||
           rc == CURLE_GOT_NOTHING || rc == CURLE_FTP_ACCEPT_TIMEOUT;
}

static void
finish(struct xfer *x, CURLM *multi, CURLcode rc)
{
    struct ftps_job *j = x->job;
    const char *msg = x->refused     ? OUTBOUND_REFUSED
                      : x->errbuf[0] ? x->errbuf
                                     : curl_easy_strerror(rc);

    memcpy(j->pin_seen, x->check.seen, sizeof j->pin_seen);
    curl_multi_remove_handle(multi, x->easy);
    if (x->phase == PH_UPLOAD) {
        x->upload_rc = rc;
        if (!maybe_complete(rc)) {
            x->phase = PH_DONE;
            fail(j, classify(rc, x), "upload failed: %s", msg);
            return;
        }
        /* Ask for the size on the same (cached) connection. */
        curl_easy_reset(x->easy);
        x->errbuf[0] = '\0';
        common_opts(x);
        curl_easy_setopt(x->easy, CURLOPT_NOBODY, 1L);
        curl_easy_setopt(x->easy, CURLOPT_FILETIME, 1L);
        x->phase = PH_SIZE;
        curl_multi_add_handle(multi, x->easy);
        return;
    }
    x->phase = PH_DONE;
    if (rc == CURLE_OK) {
        curl_off_t len = -1;

        curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
        j->remote_size = len;
    }
    if (j->remote_size == j->size) {
        j->result = FTPS_OK;
        j->error[0] = '\0';
        return;
    }
    if (rc != CURLE_OK) {
        fail(j, classify(rc, x), "size check failed: %s", msg);
        return;
    }
    j->result = FTPS_FAILED;
    snprintf(j->error, sizeof j->error,
             "upload incomplete: server has %lld of %lld bytes%s%s",
             (long long)j->remote_size, (long long)j->size,
             x->upload_rc != CURLE_OK ? "; upload said: " : "",
             x->upload_rc != CURLE_OK ? curl_easy_strerror(x->upload_rc)
                                      : "");
}

int
ftps_upload_all(struct ftps_job *jobs, int n)
{
    struct xfer *xs;
    CURLM *multi;
    int i, running = 0, ok = 0;

    if (n <= 0)
        return 0;
    global_init();
    xs = calloc((size_t)n, sizeof *xs);
    multi = curl_multi_init();
    if (!xs || !multi)
        abort();
    for (i = 0; i < n; i++) {
        xs[i].job = &jobs[i];
        prepare(&xs[i], multi);
    }
    do {
        CURLMsg *msg;
        int left, again = 0;

        curl_multi_perform(multi, &running);
        while ((msg = curl_multi_info_read(multi, &left))) {
            struct xfer *x = NULL;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &x);
            if (x)
                finish(x, multi, msg->data.result);
            /* A size check may just have been added: start it now. */
            again = 1;
        }
        if (running && !again)
            curl_multi_poll(multi, NULL, 0, 1000, NULL);
        running |= again;
    } while (running);

    for (i = 0; i < n; i++) {
        struct xfer *x = &xs[i];

        if (x->easy) {
            curl_multi_remove_handle(multi, x->easy);
            curl_easy_cleanup(x->easy);
        }
        if (x->f)
            fclose(x->f);
        curl_slist_free_all(x->resolve);
        if (jobs[i].result == FTPS_OK)
            ok++;
    }
    curl_multi_cleanup(multi);
    free(xs);
    return ok;
}
