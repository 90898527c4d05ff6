/*
 * reader: reads the service's answers in one pass over their text, without
 * a tree of JSON nodes: the envelope (is it a JSON object, what ErrorCode
 * and ErrorInfo it holds) and a page of get_appid_group_list (TotalCount,
 * GroupIdList, Next).
 *
 * One parser: the pass that checks the text strictly (the grammar of
 * jsonint_valid: RFC 8259, nesting at most 128 deep, surrogates only in
 * pairs) is the pass that finds the members and the IDs, so nothing is read
 * from a text that was judged otherwise.  The members in the order they
 * come (Next may come before the list); the first of a name counts, as do
 * names written with escapes.
 *
 * The IDs of a page stay where the answer was received: each GroupId is
 * unescaped where it stands (never longer than its raw text) and ended with
 * a NUL over its closing quote, so an ID costs a pointer and no copy.
 *
 * Pure: no libcurl, no sockets; the text is the answer's bytes exactly as
 * received, not NUL-terminated.  Internal to the library (and its fuzz
 * target); thread-safe.
 */
#ifndef TIM_READER_H
#define TIM_READER_H

#include <stddef.h>

#include "timclient.h"

/* Storage a pull keeps from page to page: the page's ID pointers and
 * their lengths, and room to unescape one ID.  Zero it before the first
 * use. */
struct reader_store {
    char **ids;
    size_t *lens;
    size_t cap;
    char *scratch;
    size_t scratch_cap;
};

/* reader_store_release: frees what the store holds and zeroes it. */
void reader_store_release(struct reader_store *st);

/* reader_envelope: TIM_OK when the n bytes are a JSON object whose
 * ErrorCode is 0; TIM_E_API with err's error_code and error_info filled for
 * another ErrorCode; TIM_E_PROTOCOL when the text is not valid JSON, not an
 * object, or has no unsigned integer ErrorCode.  err must not be NULL. */
int reader_envelope(const char *json, size_t n, struct tim_error *err);

/* reader_answer: reads the envelope (as reader_envelope) and, when its
 * ErrorCode is 0, the page, in one pass over the n bytes of text.  Returns
 * TIM_OK and fills *page, whose IDs point into text (changed in place: see
 * above) and whose ids array is st's: both stay valid until text or st is
 * used again; do not tim_page_release it.  Else the envelope's status, or
 * TIM_E_PROTOCOL for a page that breaks the contract (TIM_E_USAGE when
 * memory runs out), with err filled and *page untouched.  A GroupId that
 * unescapes to bytes with a NUL is refused: the page's IDs are C strings.
 * err must not be NULL. */
int reader_answer(char *text, size_t n, struct reader_store *st,
                  struct tim_page *page, struct tim_error *err);

/* reader_page: reader_answer on a copy of the n bytes, for a page of its
 * own: returns TIM_OK and fills *page (release with tim_page_release), or a
 * status with err filled and *page untouched. */
int reader_page(const char *json, size_t n, struct tim_page *page,
                struct tim_error *err);

#endif
