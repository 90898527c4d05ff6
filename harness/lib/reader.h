/*
 * reader: reads the service's answers without a tree of JSON nodes: the
 * envelope (is it a JSON object, what ErrorCode and ErrorInfo it holds) and
 * a page of get_appid_group_list (TotalCount, GroupIdList, Next).
 *
 * Pure: no libcurl, no sockets; the text is the answer's bytes exactly as
 * received, not NUL-terminated.  The envelope is validated strictly once
 * (jsonint_valid); the page reader relies on that.  Internal to the library
 * (and its fuzz target); thread-safe.
 */
#ifndef TIM_READER_H
#define TIM_READER_H

#include <stddef.h>

#include "timclient.h"

/* reader_envelope: TIM_OK when the n bytes are a JSON object whose
 * ErrorCode is 0; TIM_E_API with err's error_code and error_info filled for
 * another ErrorCode; TIM_E_PROTOCOL when the text is not valid JSON, not an
 * object, or has no unsigned integer ErrorCode.  err must not be NULL. */
int reader_envelope(const char *json, size_t n, struct tim_error *err);

/* reader_page: reads a page from an answer that reader_envelope accepted.
 * Returns TIM_OK and fills *page (release with tim_page_release), or
 * TIM_E_PROTOCOL (TIM_E_USAGE when memory runs out) with err filled and
 * *page untouched.  A GroupId that unescapes to bytes with a NUL is refused:
 * the page's IDs are C strings. */
int reader_page(const char *json, size_t n, struct tim_page *page,
                struct tim_error *err);

#endif
