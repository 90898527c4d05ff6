/*
 * answer: writes the JSON answers, byte for byte.
 *
 * A success is written straight into one buffer in the documented key order
 * (ActionStatus, ErrorInfo, ErrorCode, TotalCount, GroupIdList, Next), with
 * no JSON tree in between; an error carries the three envelope fields only,
 * in the real captures' order (ActionStatus, ErrorCode, ErrorInfo).  An
 * app's envelope settings (store.h) drop members, sort them, or add a
 * RequestId.
 * A page's items are not copied: they are a slice of the snapshot's
 * rendered items (groupset.h, page.h) that goes between the answer's head
 * and tail, so writing a page of 10,000 IDs costs what one of 20 does.
 * The buffer's cap is the app's answer limit, less the items' length, so
 * an answer that would pass it fails to be written, which is how 10018 is
 * decided.
 */
#ifndef TIM_ANSWER_H
#define TIM_ANSWER_H

#include "buf.h"
#include "page.h"
#include "store.h"

/* The 2015 capture's CORS headers (S1), for the envelope's cors setting. */
#define ANSWER_CORS_HEADERS                                                    \
    "Access-Control-Allow-Origin: *\r\n"                                       \
    "Access-Control-Allow-Headers: X-Requested-With\r\n"                       \
    "Access-Control-Allow-Methods: POST\r\n"

/* What an answer looks like beyond its data: the envelope's settings
 * (NULL: the defaults) and the RequestId to write when the envelope asks
 * for one (NULL: none). */
struct answer_style {
    const struct envelope *env;
    const char *request_id;
};

/* answer_success: writes the success answer for page p into b (emptied
 * first), all of it but the page's items, which go at b's offset
 * *items_at: the answer is b->data[0 .. *items_at), p->items, then the
 * rest of b.  with_next says whether the Next field is written; st may be
 * NULL.  Returns 0, or -1 when the answer would pass b's cap (b is then
 * left empty). */
int answer_success(struct buf *b, const struct page *p, int with_next,
                   const struct answer_style *st, size_t *items_at);

/* answer_error: writes the error answer for code into b (emptied first):
 * by default {"ActionStatus":"FAIL","ErrorCode":code,"ErrorInfo":info},
 * the order of every real capture; info NULL means the table's text for
 * code; st may be NULL.  Returns 0, or -1 when b's cap is too small. */
int answer_error(struct buf *b, int code, const char *info,
                 const struct answer_style *st);

/* answer_json_string: appends the n bytes at s as a JSON string (quotes
 * included): '"', '\\' and control bytes escaped, every other byte copied
 * as it is.  Returns 0, or -1 when b's cap is reached (b is then as it was).
 * Thread-safe on distinct buffers. */
int answer_json_string(struct buf *b, const char *s, size_t n);

/* answer_json_text: answer_json_string for bytes that may not be UTF-8 (a
 * client's): each byte that does not start a valid UTF-8 sequence becomes
 * U+FFFD, so the result is always valid JSON text.  Returns as
 * answer_json_string. */
int answer_json_text(struct buf *b, const char *s, size_t n);

#endif
