/*
 * errors: the vendor's error codes for get_appid_group_list, in one table.
 *
 * TIM_ERRORS(XX) is the single list: the enum, the numeric codes and the
 * texts that go into ErrorInfo are all generated from it, so they cannot
 * drift apart.  Codes and meanings follow SPEC section 4; the texts are ours.
 */
#ifndef TIM_ERRORS_H
#define TIM_ERRORS_H

/* XX(name, code, text) */
#define TIM_ERRORS(XX)                                                         \
    XX(OK, 0, "")                                                              \
    XX(INTERNAL, 10002, "internal server error, please try again")             \
    XX(BAD_PARAM, 10004, "invalid parameter")                                  \
    XX(NO_PERMISSION, 10007,                                                   \
       "no permission: only the app admin may call this API")                  \
    XX(TOO_LARGE, 10018,                                                       \
       "the response packet exceeds the length limit of 1 MB, "                \
       "reduce Limit and try again")                                           \
    XX(BAD_HTTP, 60002, "HTTP request cannot be parsed")                       \
    XX(BAD_JSON, 60003, "request body is not a valid JSON object")             \
    XX(NO_IDENTIFIER, 60004, "identifier is missing from the URL")             \
    XX(BAD_SDKAPPID, 60006, "SDKAppID is not valid")                           \
    XX(RATE_LIMIT, 60007, "REST API call rate is over the limit")              \
    XX(BAD_RESOURCE, 60009, "the resource in the URL is wrong")                \
    XX(NO_SDKAPPID, 60012, "SDKAppID is missing from the URL")                 \
    XX(SIG_EXPIRED, 70001, "UserSig has expired")                              \
    XX(SIG_EMPTY, 70002, "UserSig is empty")                                   \
    XX(SIG_DECODE, 70003, "UserSig cannot be decoded")                         \
    XX(SIG_MISMATCH, 70009, "UserSig signature does not match the key")        \
    XX(SIG_IDENTIFIER, 70013,                                                  \
       "the identifier in the URL is not the one in the UserSig")              \
    XX(SIG_SDKAPPID, 70014,                                                    \
       "the SDKAppID in the URL is not the one in the UserSig")                \
    XX(NO_KEY_HERE, 70016,                                                     \
       "no key for this SDKAppID in this data centre, check the region")

enum tim_error_code {
#define TIM_ERROR_ENUM(name, code, text) TIM_ERR_##name = code,
    TIM_ERRORS(TIM_ERROR_ENUM)
#undef TIM_ERROR_ENUM
};

/*
 * tim_error_text: the ErrorInfo text for a code.  Codes outside the table
 * (a fault rule may use any code) get a generic text.  Never NULL; the
 * string is static.  Thread-safe.
 */
const char *tim_error_text(int code);

/* tim_error_known: 1 if the code is in the table, else 0.  Thread-safe. */
int tim_error_known(int code);

#endif
