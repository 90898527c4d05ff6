/*
 * report: what a run found, as JUnit XML (for GitHub, GitLab, Jenkins), as
 * TAP, and as a parity table of every observed and inferred rule with its
 * verdict on this target (how we learn where the mock guessed wrong).
 */
#ifndef TIM_REPORT_H
#define TIM_REPORT_H

#include <stdio.h>

#include "cases.h"

enum verdict { V_PASS, V_FAIL, V_SKIP, V_NOT_RUN };

struct result {
    const struct tcase_data *c;
    enum verdict verdict;
    char message[512]; /* why it failed or was skipped */
    double seconds;
};

/* Each writes the report to f; returns 0, or -1 on a write error. */
int report_junit(FILE *f, const struct result *r, size_t n, const char *target);
int report_tap(FILE *f, const struct result *r, size_t n);
int report_parity(FILE *f, const struct result *r, size_t n,
                  const char *target);

/* report_cell: writes s as the text of a Markdown table cell ('|'
 * escaped, a line break as a space). */
void report_cell(FILE *f, const char *s);

#endif
