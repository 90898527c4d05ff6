/* errors: texts and lookups generated from the one table in errors.h. */
#include "errors.h"

const char *tim_error_text(int code)
{
    switch (code) {
#define TIM_ERROR_TEXT(name, num, text)                                        \
    case num:                                                                  \
        return text;
        TIM_ERRORS(TIM_ERROR_TEXT)
#undef TIM_ERROR_TEXT
    }
    return "error";
}

int tim_error_known(int code)
{
    switch (code) {
#define TIM_ERROR_KNOWN(name, num, text)                                       \
    case num:                                                                  \
        return 1;
        TIM_ERRORS(TIM_ERROR_KNOWN)
#undef TIM_ERROR_KNOWN
    }
    return 0;
}
