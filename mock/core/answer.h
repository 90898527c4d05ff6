/*
 * answer: writes the JSON answers, byte for byte.
 *
 * A success is written straight into one buffer in the documented key order
 * (ActionStatus, ErrorInfo, ErrorCode, TotalCount, GroupIdList, Next), with
 * no JSON tree in between; an error carries the three envelope fields only.
 * The buffer's cap is the app's answer limit, so an answer that would pass
 * it fails to be written, which is how 10018 is decided.
 */
#ifndef TIM_ANSWER_H
#define TIM_ANSWER_H

#include "buf.h"
#include "page.h"

/* answer_success: writes the success answer for page p into b (emptied
 * first); with_next says whether the Next field is written.  Returns 0, or
 * -1 when the answer would pass b's cap (b is then left empty). */
int answer_success(struct buf *b, const struct page *p, int with_next);

/* answer_error: writes {"ActionStatus":"FAIL","ErrorInfo":info,
 * "ErrorCode":code} into b (emptied first); info NULL means the table's
 * text for code.  Returns 0, or -1 when b's cap is too small. */
int answer_error(struct buf *b, int code, const char *info);

/* answer_json_string: appends s as a JSON string (quotes included). */
int answer_json_string(struct buf *b, const char *s, size_t n);

#endif
