/*
 * page_upload — a signed-in multipart/form-data form with one file in it
 * (the library's upload on /files, the CSV import on /orders): the body is
 * streamed through web/multipart, the file's bytes handed to the page as
 * they arrive, so nothing large is held in memory.
 *
 * Invariants:
 * - The csrf field must come before the file and match the session's
 *   token; otherwise the upload is refused (403) before one byte of the
 *   file reaches the page.
 * - At most one file part is taken; small text parts are capped.
 */
#ifndef PAGE_UPLOAD_H
#define PAGE_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_UPLOAD_TEXT_MAX 160 /* bytes of a text part (csrf, name) */

struct page_upload;
struct req;

struct page_upload_cb {
    /* The file part begins; filename as the browser sent it ("" when
     * none was chosen). 0: the page takes its bytes; 1: no file here
     * (its bytes are skipped); -1 with c->err set. */
    int (*begin)(struct page_upload *u, const char *filename);
    /* More of the file. 0 or -1 with c->err set. */
    int (*data)(struct page_upload *u, const char *p, size_t n);
};

struct page_upload {
    struct req *r;
    const struct page_upload_cb *cb;
    void *ud;
    /* one optional text field read before the file (NULL: none) and its
     * value so far */
    const char *text_field;
    char text[PAGE_UPLOAD_TEXT_MAX + 1];
    size_t text_len;
    /* the reader's own state */
    int part, csrf_ok, have_file;
    char csrf[PAGE_UPLOAD_TEXT_MAX + 1];
    size_t csrf_len;
};

/* Reads the signed-in form's body into u's callbacks. Fails with 415 for
 * another content type, 413 when the body may pass max_file bytes of file
 * (or the file does), 403 for a missing or wrong csrf field, 400 for a
 * malformed or cut-short body, and 422 naming "file" with missing when no
 * file came. 0, or -1 with c->err set. */
int page_upload_read(struct page_upload *u, int64_t max_file,
                     const char *missing);

#endif
