/* report: JUnit XML, TAP and the parity table (report.h). */
#include "report.h"

#include <string.h>
#include <time.h>

static void xml(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
                fputc(*s, f);
        }
    }
}

int report_junit(FILE *f, const struct result *r, size_t n, const char *target)
{
    size_t fails = 0, skips = 0, tests = 0;
    double secs = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i].verdict == V_NOT_RUN)
            continue;
        tests++;
        fails += r[i].verdict == V_FAIL;
        skips += r[i].verdict == V_SKIP;
        secs += r[i].seconds;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f,
            "<testsuites name=\"timconform\" tests=\"%zu\" failures=\"%zu\" "
            "skipped=\"%zu\" time=\"%.3f\">\n",
            tests, fails, skips, secs);
    fprintf(f, "  <testsuite name=\"timconform ");
    xml(f, target);
    fprintf(f,
            "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" "
            "time=\"%.3f\">\n",
            tests, fails, skips, secs);
    for (size_t i = 0; i < n; i++) {
        if (r[i].verdict == V_NOT_RUN)
            continue;
        fprintf(f, "    <testcase classname=\"timconform.%c\" name=\"",
                r[i].c->label);
        xml(f, r[i].c->id);
        fprintf(f, ": ");
        xml(f, r[i].c->title);
        fprintf(f, "\" file=\"");
        xml(f, r[i].c->file);
        fprintf(f, "\" time=\"%.3f\"", r[i].seconds);
        if (r[i].verdict == V_PASS) {
            fprintf(f, "/>\n");
            continue;
        }
        fprintf(f, ">\n      <%s message=\"",
                r[i].verdict == V_FAIL ? "failure" : "skipped");
        xml(f, r[i].message);
        fprintf(f, "\"/>\n    </testcase>\n");
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
    return ferror(f) ? -1 : 0;
}

int report_tap(FILE *f, const struct result *r, size_t n)
{
    size_t count = 0, k = 0;
    for (size_t i = 0; i < n; i++)
        count += r[i].verdict != V_NOT_RUN;
    fprintf(f, "TAP version 13\n1..%zu\n", count);
    for (size_t i = 0; i < n; i++) {
        if (r[i].verdict == V_NOT_RUN)
            continue;
        fprintf(f, "%sok %zu - %s: %s", r[i].verdict == V_FAIL ? "not " : "",
                ++k, r[i].c->id, r[i].c->title);
        if (r[i].verdict == V_SKIP)
            fprintf(f, " # SKIP %s", r[i].message);
        fputc('\n', f);
        if (r[i].verdict == V_FAIL) {
            fputs("  ---\n  message: \"", f);
            for (const char *m = r[i].message; *m; m++)
                fputs(*m == '"'    ? "\\\""
                      : *m == '\\' ? "\\\\"
                                   : (char[]){*m, 0},
                      f);
            fprintf(f, "\"\n  file: \"%s\"\n  ...\n", r[i].c->file);
        }
    }
    return ferror(f) ? -1 : 0;
}

void report_cell(FILE *f, const char *s)
{
    for (; *s; s++)
        fputs(*s == '|' ? "\\|" : *s == '\n' ? " " : (char[]){*s, 0}, f);
}

int report_parity(FILE *f, const struct result *r, size_t n, const char *target)
{
    char when[64];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime_r(&now, &tm));
    fprintf(f, "# Parity of observed [O] and inferred [I] rules\n\n");
    fprintf(f, "Target: %s. Run: %s.\n\n", target, when);
    fprintf(f, "A failure on a real region means the mock guessed wrong: "
               "change its default or the fixture setting named by the "
               "rule.\n\n");
    fprintf(f, "Source: the public evidence behind the rule (S1 to S16, "
               "listed in cases/README.md), where it has one.\n\n");
    fprintf(f, "| case | label | rule | source | verdict | detail |\n");
    fprintf(f, "|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        const struct tcase_data *c = r[i].c;
        if (c->label == 'D')
            continue;
        static const char *const names[] = {"pass", "FAIL", "skipped",
                                            "not run"};
        fprintf(f, "| %s | %c | ", c->id, c->label);
        report_cell(f, c->rule);
        fprintf(f, " | ");
        report_cell(f, c->source ? c->source : "");
        fprintf(f, " | %s | ", names[r[i].verdict]);
        report_cell(f, r[i].message);
        fprintf(f, " |\n");
    }
    return ferror(f) ? -1 : 0;
}
