#include "notify/mail.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/conf.h"
#include "base/log.h"

#include "base/banned.h"

#define WORD_RAW 45 /* bytes per encoded word: 60 base64 chars, 72 total */

char *
mail_header_clean(struct arena *a, const char *s)
{
    char *t = arena_strdup(a, s ? s : "");

    for (char *p = t; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return t;
}

static int
plain_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

char *
mail_encode_subject(struct arena *a, const char *s)
{
    const char *t = mail_header_clean(a, s);
    size_t n = strlen(t), i = 0;
    unsigned char b64[4 * ((WORD_RAW + 2) / 3) + 1];
    struct buf b;
    char *out;

    if (plain_ascii(t))
        return (char *)t;
    buf_init(&b, 0);
    while (i < n) {
        size_t k = n - i < WORD_RAW ? n - i : WORD_RAW;

        /* Back off to a character boundary. */
        while (i + k < n && k > 0 &&
               ((unsigned char)t[i + k] & 0xC0) == 0x80)
            k--;
        if (k == 0)
            k = n - i < WORD_RAW ? n - i : WORD_RAW;
        EVP_EncodeBlock(b64, (const unsigned char *)t + i, (int)k);
        if (i > 0)
            buf_puts(&b, "\r\n ");
        buf_printf(&b, "=?UTF-8?B?%s?=", (const char *)b64);
        i += k;
    }
    out = arena_strdup(a, b.data);
    buf_release(&b);
    return out;
}

void
mail_date(int64_t t, char out[40])
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
                                       "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                         "May", "Jun", "Jul", "Aug",
                                         "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL)
        memset(&tm, 0, sizeof(tm));
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000",
             days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The bare address of "Name <a@b>" or "a@b". Arena. */
static char *
bare_address(struct arena *a, const char *s)
{
    const char *lt = strrchr(s, '<');
    const char *gt;

    if (lt != NULL && (gt = strchr(lt, '>')) != NULL)
        return arena_strndup(a, lt + 1, (size_t)(gt - lt - 1));
    return arena_strdup(a, s);
}

char *
mail_compose(struct arena *a, const char *from, const char *to,
             const char *subject, const char *body, int64_t date,
             const char *msgid)
{
    char when[40];
    const char *host, *addr;
    struct buf b;
    char *out;

    mail_date(date, when);
    addr = bare_address(a, mail_header_clean(a, from));
    host = strrchr(addr, '@');
    host = host != NULL && host[1] != '\0' ? host + 1 : "localhost";
    buf_init(&b, 0);
    buf_printf(&b, "Date: %s\r\n", when);
    buf_printf(&b, "From: %s\r\n", mail_header_clean(a, from));
    buf_printf(&b, "To: %s\r\n", mail_header_clean(a, to));
    buf_printf(&b, "Subject: %s\r\n", mail_encode_subject(a, subject));
    buf_printf(&b, "Message-ID: <%s@%s>\r\n", mail_header_clean(a, msgid),
               mail_header_clean(a, host));
    buf_puts(&b, "MIME-Version: 1.0\r\n"
                 "Content-Type: text/plain; charset=UTF-8\r\n"
                 "Content-Transfer-Encoding: 8bit\r\n"
                 "Auto-Submitted: auto-generated\r\n"
                 "\r\n");
    for (const char *p = body ? body : ""; *p; p++) {
        if (*p == '\r')
            continue; /* every line end becomes CRLF below */
        if (*p == '\n')
            buf_puts(&b, "\r\n");
        else
            buf_putc(&b, *p);
    }
    if (b.len < 2 || b.data[b.len - 1] != '\n')
        buf_puts(&b, "\r\n");
    out = arena_strdup(a, b.data);
    buf_release(&b);
    return out;
}

struct reader {
    const char *p;
    size_t left;
};

static size_t
read_msg(char *out, size_t size, size_t n, void *ud)
{
    struct reader *r = ud;
    size_t k = size * n < r->left ? size * n : r->left;

    memcpy(out, r->p, k);
    r->p += k;
    r->left -= k;
    return k;
}

/* What a user sees of a failed send (outbox.last_error): the SMTP reply
 * code or a coarse reason, never libcurl's text, which names the
 * operator's mail server. */
static void
coarse(CURLcode rc, long code, char *err, size_t errlen)
{
    const char *why;

    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        why = "connect failed";
        break;
    case CURLE_OPERATION_TIMEDOUT:
        why = "timeout";
        break;
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        why = "TLS failed";
        break;
    case CURLE_LOGIN_DENIED:
        why = "login refused";
        break;
    case CURLE_ABORTED_BY_CALLBACK:
        why = "stopped";
        break;
    default:
        why = "sending failed";
        break;
    }
    if (code >= 400)
        snprintf(err, errlen, "SMTP %ld", code);
    else
        snprintf(err, errlen, "%s", why);
}

/* Called by libcurl at least once a second while it sends: non-zero
 * aborts the transfer (stop asked for). */
static int
on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
            curl_off_t ulnow)
{
    volatile int *stop = ud;

    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return stop != NULL && *stop;
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

int
mail_send(const struct mail_conf *m, const char *to, const char *msg,
          long timeout_s, volatile int *stop, long *code, char *err,
          size_t errlen)
{
    char env_from[340], env_to[340], errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *rcpt = NULL;
    struct reader r = {msg, strlen(msg)};
    const char *lt;
    CURLcode rc;
    CURL *e;
    size_t fl;

    *code = 0;
    if (!m->configured) {
        snprintf(err, errlen, "email is not configured (FARM_SMTP_URL)");
        return -1;
    }
    if (strpbrk(to, "\r\n<>") != NULL) {
        snprintf(err, errlen, "bad recipient address");
        return -1;
    }
    global_init();
    lt = strrchr(m->from, '<');
    fl = lt ? strcspn(lt + 1, ">") : strlen(m->from);
    snprintf(env_from, sizeof(env_from), "<%.*s>", (int)fl,
             lt ? lt + 1 : m->from);
    snprintf(env_to, sizeof(env_to), "<%s>", to);
    e = curl_easy_init();
    if (e == NULL) {
        snprintf(err, errlen, "curl_easy_init failed");
        return -1;
    }
    rcpt = curl_slist_append(rcpt, env_to);
    curl_easy_setopt(e, CURLOPT_URL, m->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    if (m->user[0] != '\0' || m->starttls)
        curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (m->user[0] != '\0') {
        curl_easy_setopt(e, CURLOPT_USERNAME, m->user);
        curl_easy_setopt(e, CURLOPT_PASSWORD, m->password);
    }
    if (m->ca[0] != '\0')
        curl_easy_setopt(e, CURLOPT_CAINFO, m->ca);
    curl_easy_setopt(e, CURLOPT_MAIL_FROM, env_from);
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, read_msg);
    curl_easy_setopt(e, CURLOPT_READDATA, &r);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r.left);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
                     timeout_s < MAIL_CONNECT_TIMEOUT_S
                         ? timeout_s
                         : (long)MAIL_CONNECT_TIMEOUT_S);
    if (stop != NULL) {
        curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(e, CURLOPT_XFERINFODATA, (void *)stop);
        curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    }
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    rc = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, code);
    curl_easy_cleanup(e);
    curl_slist_free_all(rcpt);
    if (rc == CURLE_OK)
        return 0;
    coarse(rc, *code, err, errlen);
    log_error("mail to the SMTP server: %s: %s", err,
              errbuf[0] ? errbuf : curl_easy_strerror(rc));
    return -1;
}
