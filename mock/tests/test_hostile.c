/*
 * Hostile input: the real timock on 127.0.0.1, a free port, and raw
 * sockets.  Each row of `rows` is one malformed or hostile exchange (the
 * exact bytes sent, how they are sent, and every answer expected back, in
 * order), and after each row a normal API call on a fresh connection must
 * still get ErrorCode 0: nothing a client sends may crash, hang or confuse
 * the server for the next client.
 *
 * The bytes of a row are a template: @Q@ is a valid query (sdkappid,
 * identifier, usersig, random, contenttype), @S@ the valid UserSig alone,
 * @P@ the server's port, @B@ a generated text (the row's body, or its
 * `fill` parts repeated), and @N@ the length of @B@.
 *
 * A row whose `pending` names a change still to land in the mock is run in
 * full, but a mismatch in its answers is only printed; the normal call after
 * it is checked all the same.  When the change lands, its rows print "passes
 * now" and their `pending` is removed.  `envelope_pending` does the same for
 * the exact form of every error answer (key order, the 60002 text).
 *
 * Every socket has a receive timeout, so no row can hang the test.  The rows
 * run in one process against one timock, in order (CK_NOFORK); if a row kills
 * the server, that row fails and the next row starts a fresh one.
 */
#include <arpa/inet.h>
#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

/*
 * The exact form of error answers that the fidelity work (issue 8) brings:
 * keys in the order ActionStatus, ErrorCode, ErrorInfo, and 60002's text
 * "HTTP parse Error".  Set to NULL when it lands: every error answer of every
 * row is then held to that form.
 */
static const char *const envelope_pending = NULL;

/* Reasons a row is pending, one per change still to land. */

#define FIXTURE                                                                \
    "{\"apps\":[{\"sdkappid\":1400000000,\"region\":\"singapore\","            \
    "\"admins\":[\"administrator\"],\"identifiers\":[\"user1\"],"              \
    "\"key\":\"" TU_KEY "\","                                                  \
    "\"generate\":{\"seed\":1,\"counts\":{\"Public\":2,\"Private\":1}}}]}"

/* What comes back for one request. */
enum {
    NOT_ENVELOPE = -1, /* status only (CivetWeb's pages, the admin API) */
    NO_BODY = -2,      /* an answer with no body at all (HEAD) */
};

struct want {
    int status; /* HTTP status; 0 ends the list */
    int code;   /* the envelope's ErrorCode, or NOT_ENVELOPE, NO_BODY */
};

/* What the connection does after the answers. */
enum after {
    OPEN,   /* it stays open and serves a normal call next, in sync */
    CLOSED, /* the server closes it */
    EITHER, /* not checked */
};

/* How the bytes go out. */
enum how {
    WHOLE,   /* in one send */
    SLOW,    /* one byte at a time, 1 ms apart */
    HALF,    /* in one send, then shutdown(SHUT_WR) */
    ABORT,   /* in one send, then close: no answer is read */
    RESET,   /* in one send, then an RST (SO_LINGER 0): no answer read */
    EXPECT1, /* the headers; a "100 Continue" must come; then the rest */
    STALL,   /* in one send, then silence: the answer may take the
                server's 10 s request timeout, and is read for 15 s */
};

struct fill {
    const char *unit;
    size_t times;
};

struct row {
    const char *name;
    const char *send; /* the template */
    size_t send_len;  /* 0: strlen(send) */
    const char *body; /* @B@; NULL: the fill parts */
    size_t body_len;  /* 0: strlen(body) */
    struct fill fill[4];
    enum how how;
    struct want want[5]; /* every answer, in order; none: no answer, closed */
    const char *has;     /* a text the first answer's body must hold */
    int or_4xx;          /* CivetWeb's 4xx and a close is also right */
    enum after after;
    const char *pending; /* the change this row waits for, or NULL */
};

#define API   "/v4/group_open_http_svc/get_appid_group_list"
#define HOST  "Host: 127.0.0.1\r\n"
#define CTYPE "Content-Type: application/json\r\n"
/* A POST to the API with a valid query, the body @B@ and its length. */
#define POST_B                                                                 \
    "POST " API "?@Q@ HTTP/1.1\r\n" HOST CTYPE "Content-Length: "              \
    "@N@\r\n\r\n@B@"
/* The same, with a query given in full. */
#define POST_QB(q)                                                             \
    "POST " API "?" q " HTTP/1.1\r\n" HOST CTYPE                               \
    "Content-Length: @N@\r\n\r\n@B@"
/* Bytes that hold NUL: template and length. */
#define BYTES(s) .send = s, .send_len = sizeof s - 1
/* A valid call with the body b, as one piece of a pipelined row. */
#define CALL(len, b)                                                           \
    "POST " API "?@Q@ HTTP/1.1\r\n" HOST CTYPE "Content-Length: " len          \
    "\r\n\r\n" b
#define SIG_Q(id) "sdkappid=1400000000&identifier=" id "&usersig=@S@"

#define OK0                                                                    \
    {                                                                          \
        {                                                                      \
            200, 0                                                             \
        }                                                                      \
    }
#define E(code)                                                                \
    {                                                                          \
        {                                                                      \
            200, code                                                          \
        }                                                                      \
    }
#define HTTP(st)                                                               \
    {                                                                          \
        {                                                                      \
            st, NOT_ENVELOPE                                                   \
        }                                                                      \
    }
#define MIB 1048576u

static const struct row rows[] = {
    /* the request line */
    {"garbage line", "hello world\r\n\r\n", .want = E(60002), .after = CLOSED},
    {"no HTTP version", "GET /\r\n\r\n", .want = E(60002), .after = CLOSED},
    {"HTTP/0.9 request", "GET /\r\n", .how = HALF, .want = E(60002),
     .after = CLOSED},
    {"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", .want = E(60002),
     .after = CLOSED},
    {"HTTP/1.2", "GET / HTTP/1.2\r\n" HOST "\r\n", .want = E(60002),
     .after = CLOSED},
    {"HTTP/9.9", "GET / HTTP/9.9\r\n" HOST "\r\n", .want = E(60002),
     .after = CLOSED},
    {"method in lower case",
     "post " API "?@Q@ HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\n{}",
     .want = E(60002), .after = CLOSED},
    {"blank lines only", "\r\n\r\n", .want = E(60002), .after = CLOSED},
    {"TLS ClientHello", BYTES("\x16\x03\x01\x00\x05hello\r\n\r\n"),
     .want = E(60002), .after = CLOSED},
    {"NUL in the request line",
     BYTES("POST " API "?sdkappid=1400000000&identifier=admin\0istrator "
           "HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\n{}"),
     .want = E(60002), .after = CLOSED},
    {"control byte in the URI",
     "POST " API "?@Q@\x01 HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\n{}",
     .want = E(60002), .after = CLOSED},
    {"raw 0xff in the path",
     "POST /v4/\xff HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\n{}",
     .want = E(60002), .after = CLOSED},
    {"raw invalid UTF-8 in the query",
     "POST " API "?@Q@&x=\xff\xfe HTTP/1.1\r\n" HOST
     "Content-Length: 2\r\n\r\n{}",
     .want = E(60002), .after = CLOSED},
    {"empty line before the request", "\r\n" POST_B, .body = "{}", .want = OK0,
     .after = OPEN},
    {"URI of 20,000 bytes", "GET /@B@ HTTP/1.1\r\n" HOST "\r\n",
     .fill = {{"a", 20000}}, .want = E(60002), .after = CLOSED},
    {"query of 8,000 bytes",
     "POST " API "?@Q@&pad=@B@ HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\n{}",
     .fill = {{"a", 8000}}, .want = OK0, .after = OPEN},
    /* CivetWeb closes on the absolute form without answering */
    {"absolute-form URI",
     "POST http://127.0.0.1" API "?@Q@ HTTP/1.1\r\n" HOST
     "Content-Length: 2\r\n\r\n{}",
     .after = CLOSED},
    {"HTTP/1.0 call",
     "POST " API "?@Q@ HTTP/1.0\r\n" HOST "Content-Length: 2\r\n\r\n{}",
     .want = OK0, .after = CLOSED},

    /* methods */
    {"FOO on the API", "FOO " API "?@Q@ HTTP/1.1\r\n" HOST "\r\n",
     .want = E(60002), .or_4xx = 1, .after = EITHER},
    {"FOO on /", "FOO / HTTP/1.1\r\n" HOST "\r\n", .want = E(60002),
     .or_4xx = 1, .after = EITHER},
    {"TRACE on the API", "TRACE " API "?@Q@ HTTP/1.1\r\n" HOST "\r\n",
     .want = E(60002), .or_4xx = 1, .after = EITHER},
    {"CONNECT", "CONNECT 127.0.0.1:80 HTTP/1.1\r\n" HOST "\r\n",
     .want = E(60002), .or_4xx = 1, .after = EITHER},
    {"PUT on the API",
     "PUT " API "?@Q@ HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\n{}",
     .want = E(60002), .after = OPEN},
    {"DELETE on the API", "DELETE " API "?@Q@ HTTP/1.1\r\n" HOST "\r\n",
     .want = E(60002), .after = OPEN},
    {"OPTIONS on the API", "OPTIONS " API "?@Q@ HTTP/1.1\r\n" HOST "\r\n",
     .want = E(60002), .after = OPEN},
    {"PATCH on the API",
     "PATCH " API "?@Q@ HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\n{}",
     .want = E(60002), .after = OPEN},
    {"GET on the API", "GET " API "?@Q@ HTTP/1.1\r\n" HOST "\r\n",
     .want = E(60002), .after = OPEN},
    {"GET with a body",
     "GET " API "?@Q@ HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\n{}",
     .want = E(60002), .after = OPEN},
    {"GET with an undecodable UserSig",
     "GET " API "?sdkappid=1400000000&identifier=administrator&usersig=xx "
     "HTTP/1.1\r\n" HOST "\r\n",
     .want = E(70003), .after = OPEN},
    {"GET with another identifier's UserSig",
     "GET " API "?" SIG_Q("user1") " HTTP/1.1\r\n" HOST "\r\n",
     .want = E(70013), .after = OPEN},
    {"HEAD on the API", "HEAD " API "?@Q@ HTTP/1.1\r\n" HOST "\r\n",
     .want = {{200, NO_BODY}}, .after = OPEN},
    {"HEAD on /", "HEAD / HTTP/1.1\r\n" HOST "\r\n", .want = {{200, NO_BODY}},
     .after = OPEN},
    {"HEAD under /v4/", "HEAD /v4/x HTTP/1.1\r\n" HOST "\r\n",
     .want = {{200, NO_BODY}}, .after = OPEN},

    /* paths */
    {"GET /", "GET / HTTP/1.1\r\n" HOST "\r\n", .want = E(60002),
     .after = OPEN},
    {"POST /", "POST /?@Q@ HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\n{}",
     .want = E(60002), .after = OPEN},
    {"GET /favicon.ico", "GET /favicon.ico HTTP/1.1\r\n" HOST "\r\n",
     .want = E(60002), .after = OPEN},
    {"POST /v4 without its slash",
     "POST /v4?@Q@ HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\n{}",
     .want = E(60002), .after = OPEN},
    {"GET an unknown command under /v4/", "GET /v4/x HTTP/1.1\r\n" HOST "\r\n",
     .want = E(60009), .after = OPEN},
    {"another command",
     "POST /v4/group_open_http_svc/get_group_info?@Q@ HTTP/1.1\r\n" HOST
     "Content-Length: 2\r\n\r\n{}",
     .want = E(60009), .after = OPEN},
    {"the API path with a trailing slash",
     "POST " API "/?@Q@ HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\n{}",
     .want = E(60009), .after = OPEN},
    {"traversal to /etc/passwd",
     "GET /../../etc/passwd HTTP/1.1\r\n" HOST "\r\n", .want = E(60002),
     .after = OPEN},
    /* dot segments are removed before decoding: encoded ones stay a path
     * under /v4/ */
    {"encoded traversal to /etc/passwd",
     "GET /v4/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n" HOST "\r\n",
     .want = E(60009), .after = OPEN},
    {"traversal back into the API",
     "POST /v4/group_open_http_svc/../group_open_http_svc/"
     "get_appid_group_list?@Q@ HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\n{}",
     .want = OK0, .after = OPEN},
    {"traversal out of the API",
     "POST " API "/../../x?@Q@ HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\n{}",
     .want = E(60009), .after = OPEN},

    /* percent-encoding */
    {"encoded letter in the path",
     "POST /v4/group_open_http_svc/get_appid_group_lis%74?@Q@ HTTP/1.1\r\n" HOST
     "Content-Length: 2\r\n\r\n{}",
     .want = OK0, .after = OPEN},
    {"%zz in the path",
     "POST /v4/group_open_http_svc/get_appid_group_lis%zz?@Q@ HTTP/1.1\r\n" HOST
     "Content-Length: 2\r\n\r\n{}",
     .want = E(60009), .after = OPEN},
    {"truncated % at the path's end",
     "POST " API "% HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\n{}",
     .want = E(60009), .after = OPEN},
    {"%00 at the path's end",
     "POST " API "%00?@Q@ HTTP/1.1\r\n" HOST "Content-Length: 2\r\n\r\n{}",
     .want = E(60009), .after = OPEN},
    {"encoded letter in the identifier",
     POST_QB("sdkappid=1400000000&identifier=%61dministrator&usersig=@S@"),
     .body = "{}", .want = OK0, .after = OPEN},
    {"double-encoded identifier",
     POST_QB("sdkappid=1400000000&identifier=%2561dministrator&usersig=@S@"),
     .body = "{}", .want = E(70013), .after = OPEN},
    {"%00 inside the identifier", POST_QB(SIG_Q("administrator%00x")),
     .body = "{}", .want = E(70013), .after = OPEN},
    {"%00 after the sdkappid",
     POST_QB("sdkappid=1400000000%00&identifier=administrator&usersig=@S@"),
     .body = "{}", .want = E(60006), .after = OPEN},
    {"%zz in the UserSig", POST_QB(SIG_Q("administrator") "%zz"), .body = "{}",
     .want = E(70003), .after = OPEN},
    {"truncated % in the UserSig", POST_QB(SIG_Q("administrator") "%"),
     .body = "{}", .want = E(70003), .after = OPEN},
    {"encoded sdkappid",
     POST_QB("sdkappid=%31400000000&identifier="
             "administrator&usersig=@S@"),
     .body = "{}", .want = OK0, .after = OPEN},
    {"encoded invalid UTF-8 identifier", POST_QB(SIG_Q("%ff%fe")), .body = "{}",
     .want = E(70013), .after = OPEN},

    /* the query's parameters */
    {"no sdkappid", POST_QB("identifier=administrator&usersig=@S@"),
     .body = "{}", .want = E(60012), .after = OPEN},
    {"sdkappid in capitals",
     POST_QB("SDKAPPID=1400000000&identifier=administrator&usersig=@S@"),
     .body = "{}", .want = E(60012), .after = OPEN},
    {"unknown sdkappid",
     POST_QB("sdkappid=1400000099&identifier=administrator&usersig=@S@"),
     .body = "{}", .want = E(60006), .after = OPEN},
    {"sdkappid 14e8",
     POST_QB("sdkappid=14e8&identifier=administrator&"
             "usersig=@S@"),
     .body = "{}", .want = E(60006), .after = OPEN},
    {"sdkappid past 2^64",
     POST_QB("sdkappid=99999999999999999999999&"
             "identifier=administrator&usersig=@S@"),
     .body = "{}", .want = E(60006), .after = OPEN},
    {"no identifier", POST_QB("sdkappid=1400000000&usersig=@S@"), .body = "{}",
     .want = E(60004), .after = OPEN},
    {"no UserSig", POST_QB("sdkappid=1400000000&identifier=administrator"),
     .body = "{}", .want = E(70002), .after = OPEN},
    {"empty UserSig",
     POST_QB("sdkappid=1400000000&identifier=administrator&usersig="),
     .body = "{}", .want = E(70002), .after = OPEN},
    {"duplicate sdkappid, the first valid", POST_QB("@Q@&sdkappid=1"),
     .body = "{}", .want = OK0, .after = OPEN},
    {"duplicate sdkappid, the first unknown", POST_QB("sdkappid=1&@Q@"),
     .body = "{}", .want = E(60006), .after = OPEN},
    {"duplicate sdkappid, the first empty", POST_QB("sdkappid=&@Q@"),
     .body = "{}", .want = E(60012), .after = OPEN},
    {"duplicate identifier", POST_QB("@Q@&identifier=user1"), .body = "{}",
     .want = OK0, .after = OPEN},

    /* the region, by Host */
    {"Host of the app's region",
     "POST " API "?@Q@ HTTP/1.1\r\nHost: adminapisgp.im.qcloud.com\r\n"
     "Content-Length: 2\r\n\r\n{}",
     .want = OK0, .after = OPEN},
    {"Host of another region",
     "POST " API "?@Q@ HTTP/1.1\r\nHost: adminapijpn.im.qcloud.com\r\n"
     "Content-Length: 2\r\n\r\n{}",
     .want = E(70016), .after = OPEN},
    {"Host of another region in capitals",
     "POST " API "?@Q@ HTTP/1.1\r\nHost: ADMINAPIJPN.IM.QCLOUD.COM\r\n"
     "Content-Length: 2\r\n\r\n{}",
     .want = E(70016), .after = OPEN},
    {"Host of another region with a port",
     "POST " API "?@Q@ HTTP/1.1\r\nHost: adminapijpn.im.qcloud.com:443\r\n"
     "Content-Length: 2\r\n\r\n{}",
     .want = E(70016), .after = OPEN},
    {"Host of another region with a trailing dot",
     "POST " API "?@Q@ HTTP/1.1\r\nHost: adminapijpn.im.qcloud.com.\r\n"
     "Content-Length: 2\r\n\r\n{}",
     .want = E(70016), .after = OPEN},
    {"two Hosts, another region's first",
     "POST " API "?@Q@ HTTP/1.1\r\nHost: adminapijpn.im.qcloud.com\r\n"
     "Host: adminapisgp.im.qcloud.com\r\nContent-Length: 2\r\n\r\n{}",
     .want = E(70016), .after = OPEN},
    {"no Host", "POST " API "?@Q@ HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
     .want = OK0, .after = OPEN},

    /* the body */
    {"empty body", POST_B, .body = "", .want = E(60003), .after = OPEN},
    {"POST without Content-Length", "POST " API "?@Q@ HTTP/1.1\r\n" HOST "\r\n",
     .want = E(60003), .after = OPEN},
    {"body null", POST_B, .body = "null", .want = E(60003), .after = OPEN},
    {"body an array", POST_B, .body = "[]", .want = E(60003), .after = OPEN},
    {"body a string", POST_B, .body = "\"{}\"", .want = E(60003),
     .after = OPEN},
    {"body cut short", POST_B, .body = "{\"Limit\":", .want = E(60003),
     .after = OPEN},
    {"bytes after the object", POST_B, .body = "{}x", .want = E(60003),
     .after = OPEN},
    {"two objects", POST_B, .body = "{}{}", .want = E(60003), .after = OPEN},
    {"space after the object", POST_B, .body = "{} \r\n\t", .want = OK0,
     .after = OPEN},
    {"tab, CR, LF between tokens", POST_B,
     .body = "{\t\"Limit\"\r:\n1 ,\"Next\":0}", .want = OK0, .after = OPEN},
    {"NUL after the object", POST_B, .body = "{\"Limit\":1}\0", .body_len = 12,
     .want = E(60003), .after = OPEN},
    {"NUL inside a string", POST_B, .body = "{\"GroupType\":\"Pub\0lic\"}",
     .body_len = 23, .want = E(60003), .after = OPEN},
    {"escaped NUL in GroupType", POST_B,
     .body = "{\"GroupType\":\"Public\\u0000x\"}", .want = E(10004),
     .after = OPEN},
    {"invalid UTF-8 in GroupType", POST_B,
     .body = "{\"GroupType\":\"\xff\xfe\"}", .want = E(10004), .after = OPEN},
    {"invalid UTF-8 in an unknown name", POST_B, .body = "{\"\xc3\x28\":1}",
     .want = OK0, .after = OPEN},
    {"UTF-8 BOM before the body", POST_B,
     .body = "\xef\xbb\xbf{\"Limit\":1,\"Next\":0}", .want = OK0,
     .after = OPEN},
    {"UTF-8 BOM alone", POST_B, .body = "\xef\xbb\xbf", .want = E(60003),
     .after = OPEN},
    {"form feed between tokens", POST_B,
     .body = "{\"Limit\":2,\x0c\"Next\":4454690250}", .want = E(60003),
     .after = OPEN},
    {"0x1a between tokens", POST_B, .body = "{\"Limit\":2,\x1a\"Next\":\"\"}",
     .want = E(60003), .after = OPEN},
    {"vertical tab before the object", POST_B, .body = "\x0b{}",
     .want = E(60003), .after = OPEN},
    {"Limit null", POST_B, .body = "{\"Limit\":null}", .want = OK0,
     .after = OPEN},
    {"Next null", POST_B, .body = "{\"Next\":null}", .want = OK0,
     .after = OPEN},
    {"GroupType null", POST_B, .body = "{\"GroupType\":null}", .want = OK0,
     .after = OPEN},
    {"GroupType empty", POST_B, .body = "{\"GroupType\":\"\"}", .want = OK0,
     .after = OPEN},
    {"Limit 0", POST_B, .body = "{\"Limit\":0}", .want = E(10004),
     .after = OPEN},
    {"Limit -1", POST_B, .body = "{\"Limit\":-1}", .want = E(10004),
     .after = OPEN},
    {"Limit 10001", POST_B, .body = "{\"Limit\":10001}", .want = E(10004),
     .after = OPEN},
    {"Limit a string", POST_B, .body = "{\"Limit\":\"1\"}", .want = E(10004),
     .after = OPEN},
    {"Limit 1.0", POST_B, .body = "{\"Limit\":1.0}", .want = E(10004),
     .after = OPEN},
    {"Limit 1e3", POST_B, .body = "{\"Limit\":1e3}", .want = E(10004),
     .after = OPEN},
    {"Limit true", POST_B, .body = "{\"Limit\":true}", .want = E(10004),
     .after = OPEN},
    {"Limit an object", POST_B, .body = "{\"Limit\":{}}", .want = E(10004),
     .after = OPEN},
    {"Limit past 2^64", POST_B, .body = "{\"Limit\":99999999999999999999999}",
     .want = E(10004), .after = OPEN},
    {"Next -1", POST_B, .body = "{\"Next\":-1}", .want = E(10004),
     .after = OPEN},
    {"Next 2^64", POST_B, .body = "{\"Next\":18446744073709551616}",
     .want = E(10004), .after = OPEN},
    {"Next 2^64-1", POST_B, .body = "{\"Next\":18446744073709551615}",
     .want = OK0, .after = OPEN},
    {"Next a string", POST_B, .body = "{\"Next\":\"0\"}", .want = E(10004),
     .after = OPEN},
    {"GroupType in lower case", POST_B, .body = "{\"GroupType\":\"public\"}",
     .want = E(10004), .after = OPEN},
    {"GroupType a number", POST_B, .body = "{\"GroupType\":1}",
     .want = E(10004), .after = OPEN},
    {"GroupType Work", POST_B, .body = "{\"GroupType\":\"Work\"}",
     .want = E(10004), .after = OPEN},
    {"duplicate Limit, the first valid", POST_B,
     .body = "{\"Limit\":1,\"Limit\":0}", .want = OK0, .after = OPEN},
    {"duplicate Limit, the first bad", POST_B,
     .body = "{\"Limit\":0,\"Limit\":1}", .want = E(10004), .after = OPEN},
    {"duplicate GroupType, the first valid", POST_B,
     .body = "{\"GroupType\":\"Public\",\"GroupType\":\"x\"}", .want = OK0,
     .after = OPEN},
    {"duplicate GroupType, the first bad", POST_B,
     .body = "{\"GroupType\":\"x\",\"GroupType\":\"Public\"}", .want = E(10004),
     .after = OPEN},
    {"unknown fields", POST_B, .body = "{\"Offset\":5,\"Type\":\"Public\"}",
     .want = OK0, .after = OPEN},
    {"10,000 unknown members", POST_B,
     .fill = {{"{\"a\":0", 1}, {",\"a\":0", 9999}, {"}", 1}}, .want = OK0,
     .after = OPEN},

    /* nesting */
    {"nesting 32 deep", POST_B, .fill = {{"{\"x\":", 32}, {"1", 1}, {"}", 32}},
     .want = OK0, .after = OPEN},
    {"nesting 33 deep", POST_B, .fill = {{"{\"x\":", 33}, {"1", 1}, {"}", 33}},
     .want = E(60003), .after = OPEN},
    {"810 arrays", POST_B, .fill = {{"[", 810}, {"]", 810}}, .want = E(60003),
     .after = OPEN},
    {"810 objects", POST_B, .fill = {{"{\"a\":", 810}, {"1", 1}, {"}", 810}},
     .want = E(60003), .after = OPEN},
    {"810 arrays inside a member", POST_B,
     .fill = {{"{\"Limit\":1,\"x\":", 1}, {"[", 810}, {"]", 810}, {"}", 1}},
     .want = E(60003), .after = OPEN},
    {"5,000 unclosed arrays", POST_B, .fill = {{"{\"x\":", 1}, {"[", 5000}},
     .want = E(60003), .after = OPEN},

    /* sizes */
    {"body of exactly 1 MiB", POST_B,
     .fill = {{"{", 1}, {" ", MIB - 2}, {"}", 1}}, .want = OK0, .after = OPEN},
    {"body of 1 MiB and 1 byte", POST_B,
     .fill = {{"{", 1}, {" ", MIB - 1}, {"}", 1}}, .want = E(60002),
     .after = CLOSED},
    {"Content-Length 2 MiB, 2 bytes sent",
     .send = "POST " API "?@Q@ HTTP/1.1\r\n" HOST
             "Content-Length: 2097152\r\n\r\n{}",
     .want = E(60002), .after = CLOSED},
    {"Content-Length past 2^64",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "Content-Length: 99999999999999999999\r\n\r\n"
     "{}",
     .want = E(60002), .after = CLOSED},
    {"chunked body of exactly 1 MiB",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked\r\n\r\n"
     "100000\r\n@B@\r\n0\r\n\r\n",
     .fill = {{"{", 1}, {" ", MIB - 2}, {"}", 1}}, .want = OK0, .after = OPEN},
    {"chunked body of 1 MiB and 1 byte",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked\r\n\r\n"
     "100001\r\n@B@\r\n0\r\n\r\n",
     .fill = {{"{", 1}, {" ", MIB - 1}, {"}", 1}}, .want = E(60002),
     .after = CLOSED},

    /* Content-Length */
    {"Content-Length -1",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Content-Length: -1\r\n\r\n{}",
     .want = E(60002), .after = CLOSED},
    {"Content-Length abc",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Content-Length: abc\r\n\r\n{}",
     .want = E(60002), .after = CLOSED},
    {"Content-Length empty",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Content-Length: \r\n\r\n{}",
     .want = E(60002), .after = CLOSED},
    {"Content-Length 0x2",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Content-Length: 0x2\r\n\r\n{}",
     .want = E(60002), .after = CLOSED},
    {"Content-Length +2",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Content-Length: +2\r\n\r\n{}",
     .want = E(60002), .after = CLOSED},
    {"Content-Length 02",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Content-Length: 02\r\n\r\n{}",
     .want = OK0, .after = OPEN},
    {"two different Content-Lengths",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "Content-Length: 11\r\nContent-Length: 2\r\n\r\n{\"Limit\":1}",
     .want = E(60002), .after = CLOSED},
    {"two Content-Lengths of as many digits",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "Content-Length: 11\r\nContent-Length: 12\r\n\r\n{\"Limit\":1}",
     .want = E(60002), .after = CLOSED},
    {"two equal Content-Lengths",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
     .want = OK0, .after = OPEN},
    {"Content-Length over the body, then closed",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Content-Length: 100\r\n\r\n{}",
     .how = ABORT},
    /* a body that ends early must not be answered as if whole */
    {"Content-Length over the body, then half-closed",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "Content-Length: 13\r\n\r\n{\"Limit\":1}",
     .how = HALF, .want = E(60002), .after = CLOSED},
    /* mg_read ends on the server's request timeout with no error: a body
     * still short then must not be answered as if whole */
    {"Content-Length over the body, then silence",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "Content-Length: 13\r\n\r\n{\"Limit\":1}",
     .how = STALL, .want = E(60002), .after = CLOSED},
    {"Content-Length under the body",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "Content-Length: 2\r\n\r\n{}xyz\r\n\r\n",
     .want = {{200, 0}, {200, 60002}}, .after = CLOSED},

    /* chunked bodies */
    {"one chunk",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
     .want = OK0, .after = OPEN},
    {"two chunks",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked\r\n\r\n"
     "5\r\n{\"Lim\r\n6\r\nit\":1}\r\n0\r\n\r\n",
     .want = OK0, .after = OPEN},
    {"chunked in other case",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Transfer-Encoding: Chunked\r\n\r\n"
     "2\r\n{}\r\n0\r\n\r\n",
     .want = OK0, .after = OPEN},
    {"chunked with a trailer",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked\r\n\r\n"
     "2\r\n{}\r\n0\r\nX-T: 1\r\n\r\n",
     .want = OK0, .after = EITHER},
    {"chunked and a Content-Length",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
     "2\r\n{}\r\n0\r\n\r\n",
     .want = OK0, .after = EITHER},
    {"a call pipelined after a chunked body",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked\r\n\r\n"
     "2\r\n{}\r\n0\r\n\r\n" CALL("11", "{\"Limit\":0}"),
     .want = {{200, 0}, {200, 10004}}, .after = OPEN},
    /* CivetWeb refuses a malformed chunk: the handler gets no body */
    {"chunk size zz",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
     .want = E(60002), .after = CLOSED},
    {"chunk size -2",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "Transfer-Encoding: chunked\r\n\r\n-2\r\n{}\r\n0\r\n\r\n",
     .want = E(60002), .after = CLOSED},
    {"chunk size past 2^64",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked\r\n\r\n"
     "ffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
     .want = E(60002), .after = CLOSED},
    {"chunk without its CRLF",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked\r\n\r\n"
     "2\r\n{}XX0\r\n\r\n",
     .want = E(60002), .after = CLOSED},
    {"chunk longer than sent, half-closed",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked\r\n\r\n"
     "9\r\n{}\r\n0\r\n\r\n",
     .how = HALF, .want = E(60002), .after = CLOSED},
    {"Transfer-Encoding gzip",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Transfer-Encoding: gzip\r\n\r\n{}",
     .want = E(60002), .after = CLOSED},
    {"Transfer-Encoding gzip, chunked",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
     .want = E(60002), .after = CLOSED},

    /* headers */
    {"a header of 20,000 bytes", "GET / HTTP/1.1\r\n" HOST "X-Big: @B@\r\n\r\n",
     .fill = {{"a", 20000}}, .want = E(60002), .after = CLOSED},
    {"a header of 8,000 bytes",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "X-Big: @B@\r\nContent-Length: 2\r\n\r\n{}",
     .fill = {{"a", 8000}}, .want = OK0, .after = OPEN},
    /* a request that fills CivetWeb's table of headers may have lost some:
     * refused wherever its Content-Length stands */
    {"100 headers after Content-Length",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "Content-Length: 11\r\n@B@\r\n{\"Limit\":1}",
     .fill = {{"X-A: b\r\n", 100}}, .want = E(60002), .after = CLOSED},
    {"100 headers before Content-Length",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "@B@Content-Length: 11\r\n\r\n{\"Limit\":1}",
     .fill = {{"X-A: b\r\n", 100}}, .want = E(60002), .after = CLOSED},
    {"3,000 headers", "GET / HTTP/1.1\r\n" HOST "@B@\r\n",
     .fill = {{"X-A: b\r\n", 3000}}, .want = E(60002), .after = CLOSED},
    {"NUL in a header",
     BYTES("POST " API "?sdkappid=1 HTTP/1.1\r\n" HOST
           "X-A: a\0b\r\nContent-Length: 2\r\n\r\n{}"),
     .want = E(60002), .after = CLOSED},

    /* pipelining */
    {"four calls in one send",
     CALL("11", "{\"Limit\":1}") CALL("11", "{\"Limit\":0}") CALL("1", "{")
         CALL("2", "{}"),
     .want = {{200, 0}, {200, 10004}, {200, 60003}, {200, 0}}, .after = OPEN},
    {"a call, a GET, a call",
     CALL("2", "{}") "GET " API "?@Q@ HTTP/1.1\r\n" HOST "\r\n" CALL("2", "{}"),
     .want = {{200, 0}, {200, 60002}, {200, 0}}, .after = OPEN},
    {"a call, then garbage", CALL("2", "{}") "hello\r\n\r\n",
     .want = {{200, 0}, {200, 60002}}, .after = CLOSED},
    {"an oversized call, then a call",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Content-Length: 2097152\r\n\r\n"
     "{}" CALL("2", "{}"),
     .want = E(60002), .after = CLOSED},

    /* Expect */
    {"Expect: 100-continue, body at once",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
     .want = OK0, .after = OPEN},
    {"Expect: 100-continue, waiting for it",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
     .how = EXPECT1, .want = OK0, .after = OPEN},

    /* slow and vanishing clients */
    {"a call one byte at a time", POST_B, .body = "{\"Limit\":1}", .how = SLOW,
     .want = OK0, .after = OPEN},
    {"garbage one byte at a time", "hello world\r\n\r\n", .how = SLOW,
     .want = E(60002), .after = CLOSED},
    {"closed in the request line", "POST /v4/group_open", .how = ABORT},
    {"closed in the headers", "POST " API "?@Q@ HTTP/1.1\r\nHo", .how = ABORT},
    {"closed in the body",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Content-Length: 11\r\n\r\n{\"Lim",
     .how = ABORT},
    {"reset in the body",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST "Content-Length: 11\r\n\r\n{\"Lim",
     .how = RESET},
    {"closed in a chunk",
     "POST " API "?@Q@ HTTP/1.1\r\n" HOST
     "Transfer-Encoding: chunked\r\n\r\n9\r\n{\"L",
     .how = ABORT},
    {"nothing sent", "", .how = ABORT},

    /* the admin API */
    {"admin from loopback", "GET /__admin/apps HTTP/1.1\r\n" HOST "\r\n",
     .want = HTTP(200), .has = "{\"apps\":[", .after = OPEN},
    {"admin as localhost",
     "GET /__admin/apps HTTP/1.1\r\nHost: localhost:@P@\r\n\r\n",
     .want = HTTP(200), .has = "{\"apps\":[", .after = OPEN},
    {"admin with a foreign Host",
     "GET /__admin/apps HTTP/1.1\r\nHost: evil.example\r\n\r\n",
     .want = HTTP(403), .after = EITHER},
    {"admin with a Host that starts 127.0.0.1",
     "GET /__admin/apps HTTP/1.1\r\nHost: 127.0.0.1.evil.example\r\n\r\n",
     .want = HTTP(403), .after = EITHER},
    {"admin with a Host that starts localhost",
     "GET /__admin/apps HTTP/1.1\r\nHost: localhost.evil.example:@P@\r\n\r\n",
     .want = HTTP(403), .after = EITHER},
    {"admin with a foreign Origin",
     "GET /__admin/apps HTTP/1.1\r\n" HOST
     "Origin: http://evil.example\r\n\r\n",
     .want = HTTP(403), .after = EITHER},
    {"admin with an Origin that starts 127.0.0.1",
     "GET /__admin/apps HTTP/1.1\r\n" HOST
     "Origin: http://127.0.0.1.evil.example\r\n\r\n",
     .want = HTTP(403), .after = EITHER},
    {"admin with its own Origin",
     "GET /__admin/apps HTTP/1.1\r\nHost: 127.0.0.1:@P@\r\n"
     "Origin: http://127.0.0.1:@P@\r\n\r\n",
     .want = HTTP(200), .has = "{\"apps\":[", .after = OPEN},
    {"admin body as text/plain",
     "POST /__admin/verify HTTP/1.1\r\n" HOST
     "Content-Type: text/plain\r\nContent-Length: @N@\r\n\r\n@B@",
     .body = "{\"sdkappid\":1400000000,\"expect\":[{\"followed_next\":true}]}",
     .want = HTTP(415), .after = EITHER},
    {"admin body as JSON with a charset",
     "POST /__admin/verify HTTP/1.1\r\n" HOST
     "Content-Type: application/json; charset=utf-8\r\n"
     "Content-Length: @N@\r\n\r\n@B@",
     .body = "{\"sdkappid\":1400000000,\"expect\":[{\"followed_next\":true}]}",
     .want = HTTP(200), .after = OPEN},
    {"admin body nested 40 deep",
     "POST /__admin/verify HTTP/1.1\r\n" HOST CTYPE
     "Content-Length: @N@\r\n\r\n@B@",
     .fill = {{"{\"sdkappid\":1400000000,\"expect\":[{\"followed_next\":true}],"
               "\"x\":",
               1},
              {"[", 40},
              {"]", 40},
              {"}", 1}},
     .want = HTTP(400), .after = EITHER},
    {"admin body of 810 arrays",
     "POST /__admin/faults HTTP/1.1\r\n" HOST CTYPE
     "Content-Length: @N@\r\n\r\n@B@",
     .fill = {{"[", 810}, {"]", 810}}, .want = HTTP(400), .after = EITHER},
    {"admin reached by traversal",
     "GET /v4/../__admin/apps HTTP/1.1\r\n" HOST "\r\n", .want = HTTP(200),
     .has = "{\"apps\":[", .after = OPEN},
    {"admin by encoded traversal with a foreign Host: not the admin API",
     "GET /v4/%2e%2e/__admin/apps HTTP/1.1\r\nHost: evil.example\r\n\r\n",
     .want = E(60009), .after = EITHER},
    {"admin with FOO", "FOO /__admin/apps HTTP/1.1\r\n" HOST "\r\n",
     .want = E(60002), .after = CLOSED},
    {"admin unknown call", "GET /__admin/nope HTTP/1.1\r\n" HOST "\r\n",
     .want = HTTP(404), .after = OPEN},
};

/* The server, the valid query, and buffers reused by every row. */
static struct tu_timock server;
static int server_up;
static const char *fixture_path;
static char *sig, *query;
static struct buf out, body, in;
static size_t in_off; /* bytes of `in` already consumed */
static int pending_differs, pending_passes;

static void server_start(void)
{
    const char *args[] = {"--fixture", fixture_path, "--clock", "1750000000",
                          NULL};
    tu_timock_start(&server, args);
    server_up = 1;
}

/* 1 when timock has exited, waiting up to ms for it; its wait status in
 * *status. */
static int server_died(int *status, int ms)
{
    struct timespec tick = {0, 10000000};
    for (int waited = 0; server_up; waited += 10) {
        if (waitpid(server.pid, status, WNOHANG) == server.pid) {
            server_up = 0;
            return 1;
        }
        if (waited >= ms)
            break;
        nanosleep(&tick, NULL);
    }
    return 0;
}

static void expand_body(const struct row *r)
{
    buf_reset(&body);
    if (r->body) {
        size_t n = r->body_len ? r->body_len : strlen(r->body);
        ck_assert_int_eq(buf_append(&body, r->body, n), 0);
        return;
    }
    int rc = 0;
    for (int i = 0; i < 4 && r->fill[i].unit; i++)
        for (size_t k = 0; k < r->fill[i].times; k++)
            rc |= buf_puts(&body, r->fill[i].unit);
    ck_assert_int_eq(rc, 0); /* once: each check costs a write in Check */
}

/* The row's bytes, its template's tokens replaced, into `out`. */
static void expand(const struct row *r)
{
    size_t n = r->send_len ? r->send_len : strlen(r->send);
    expand_body(r);
    buf_reset(&out);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t = r->send + i;
        if (i + 3 <= n && t[0] == '@' && t[2] == '@' && strchr("QSPBN", t[1])) {
            switch (t[1]) {
            case 'Q':
                rc |= buf_puts(&out, query);
                break;
            case 'S':
                rc |= buf_puts(&out, sig);
                break;
            case 'P':
                rc |= buf_printf(&out, "%d", server.port);
                break;
            case 'B':
                rc |= buf_append(&out, body.data ? body.data : "", body.len);
                break;
            default:
                rc |= buf_printf(&out, "%zu", body.len);
                break;
            }
            i += 2;
        } else {
            rc |= buf_append(&out, t, 1);
        }
    }
    ck_assert_int_eq(rc, 0);
}

static void set_timeout(int fd, int opt, long ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof tv), 0);
}

/* A connection to the server, or -1; every read waits at most 2 s. */
static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    set_timeout(fd, SO_RCVTIMEO, 2000);
    set_timeout(fd, SO_SNDTIMEO, 5000);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)server.port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    buf_reset(&in);
    in_off = 0;
    return fd;
}

/* Sends n bytes; stops quietly when the server has gone (its answer may
 * still be there to read). */
static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0)
            return;
        p += k;
        n -= (size_t)k;
    }
}

/* Reads what arrives into `in`: >0 bytes, 0 at the end, -1 after the
 * timeout, -2 on a reset. */
static int read_more(int fd)
{
    char chunk[65536];
    ssize_t k = recv(fd, chunk, sizeof chunk, 0);
    if (k > 0) {
        ck_assert_int_eq(buf_append(&in, chunk, (size_t)k), 0);
        return (int)k;
    }
    if (k == 0)
        return 0;
    return errno == ECONNRESET ? -2 : -1;
}

/* The value of header name in head (len bytes), or NULL. */
static const char *header(const char *head, size_t len, const char *name,
                          char *val, size_t vlen)
{
    size_t nl = strlen(name);
    for (const char *p = memchr(head, '\n', len); p && p < head + len;
         p = memchr(p, '\n', (size_t)(head + len - p))) {
        p++;
        if ((size_t)(head + len - p) > nl && strncasecmp(p, name, nl) == 0 &&
            p[nl] == ':') {
            const char *v = p + nl + 1 + strspn(p + nl + 1, " \t");
            size_t n = strcspn(v, "\r\n");
            snprintf(val, vlen, "%.*s", (int)n, v);
            return val;
        }
    }
    return NULL;
}

struct answer {
    int status; /* 0: the connection closed before any byte */
    const char *body;
    size_t body_len;
    int seen_100;
};

/* Reads one answer (skipping interim 1xx answers) from `in` and fd.
 * Returns NULL, or what went wrong. */
static const char *read_answer(int fd, int head_only, struct answer *a)
{
    memset(a, 0, sizeof *a);
    for (;;) {
        const char *start, *end;
        int rc;
        while (!(start = in.data ? in.data + in_off : NULL) ||
               !(end = memmem(start, in.len - in_off, "\r\n\r\n", 4))) {
            rc = read_more(fd);
            if (rc > 0)
                continue;
            if (in.len == in_off && rc != -1)
                return NULL; /* closed (or reset) before any byte */
            return rc == -1 ? "no whole answer within 2 s"
                            : "the connection closed in an answer's head";
        }
        size_t head_len = (size_t)(end - start) + 4;
        if (sscanf(start, "HTTP/%*d.%*d %d", &a->status) != 1 ||
            a->status < 100)
            return "an answer that does not start with an HTTP status line";
        if (a->status < 200) {
            a->seen_100 = a->status == 100;
            in_off += head_len;
            continue;
        }
        char val[64];
        size_t want = 0;
        int to_eof = 0;
        if (head_only)
            want = 0;
        else if (header(start, head_len, "Content-Length", val, sizeof val))
            want = strtoul(val, NULL, 10);
        else if (header(start, head_len, "Transfer-Encoding", val, sizeof val))
            return "a chunked answer";
        else
            to_eof = 1;
        size_t body_off = in_off + head_len;
        while (to_eof || in.len - body_off < want) {
            rc = read_more(fd);
            if (rc > 0)
                continue;
            if (to_eof && rc == 0) {
                want = in.len - body_off;
                break;
            }
            return rc == -1 ? "an answer's body did not come within 2 s"
                            : "the connection closed in an answer's body";
        }
        a->body = in.data + body_off;
        a->body_len = want;
        in_off = body_off + want;
        return NULL;
    }
}

/* How much of an answer's body to show in a message: its first line, at
 * most 200 bytes. */
static int shown(const char *p, size_t n)
{
    size_t k = 0;
    while (k < n && k < 200 && (unsigned char)p[k] >= 0x20)
        k++;
    return (int)k;
}

/* Checks an envelope answer's body against code; returns NULL or why. */
static const char *check_envelope(const struct answer *a, int code, char *why,
                                  size_t n)
{
    cJSON *j = cJSON_ParseWithLength(a->body, a->body_len);
    const char *status = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(j, "ActionStatus"));
    const cJSON *ec = cJSON_GetObjectItemCaseSensitive(j, "ErrorCode");
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(j, "ErrorInfo");
    int got = cJSON_IsNumber(ec) ? ec->valueint : -1;
    const char *bad = NULL;
    if (!cJSON_IsObject(j) || !status || !cJSON_IsString(info) || got < 0)
        bad = "not the JSON envelope";
    else if (got != code || strcmp(status, code ? "FAIL" : "OK") != 0)
        bad = "another ErrorCode";
    else if (code && !envelope_pending) {
        char head[64];
        snprintf(
            head, sizeof head,
            "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":%d,\"ErrorInfo\":", code);
        if (a->body_len < strlen(head) || memcmp(a->body, head, strlen(head)) ||
            cJSON_GetArraySize(j) != 3)
            bad = "not ActionStatus, ErrorCode, ErrorInfo and nothing else";
        else if (code == 60002 && strcmp(info->valuestring, "HTTP parse Error"))
            bad = "60002 without the text HTTP parse Error";
    }
    cJSON_Delete(j);
    if (!bad)
        return NULL;
    snprintf(why, n, "%s (want %d): %.*s", bad, code,
             shown(a->body, a->body_len), a->body);
    return why;
}

/* The normal call on fd; NULL when it got ErrorCode 0, else why not. */
static const char *normal_call(int fd, char *why, size_t n)
{
    char req[2048];
    int len = snprintf(req, sizeof req,
                       "POST " API "?%s HTTP/1.1\r\n" HOST CTYPE
                       "Content-Length: 11\r\n\r\n{\"Limit\":1}",
                       query);
    struct answer a;
    send_all(fd, req, (size_t)len);
    const char *err = read_answer(fd, 0, &a);
    if (err)
        return err;
    if (a.status == 0)
        return "the connection closed without an answer";
    if (a.status != 200) {
        snprintf(why, n, "HTTP status %d", a.status);
        return why;
    }
    return check_envelope(&a, 0, why, n);
}

/* Sends the row's bytes as it says; then reads and checks every answer.
 * Returns NULL when all is as the row expects, else the first mismatch. */
static const char *exchange(const struct row *r, int fd, char *why, size_t n)
{
    const char *err;
    struct answer a;
    char sub[400];
    if (r->how == SLOW) {
        struct timespec ms = {0, 1000000};
        for (size_t i = 0; i < out.len; i++) {
            if (send(fd, out.data + i, 1, MSG_NOSIGNAL) != 1)
                break;
            nanosleep(&ms, NULL);
        }
    } else if (r->how == EXPECT1) {
        const char *end = memmem(out.data, out.len, "\r\n\r\n", 4);
        size_t head = (size_t)(end - out.data) + 4;
        send_all(fd, out.data, head);
        set_timeout(fd, SO_RCVTIMEO, 1000);
        int interim = 0;
        while (!memmem(in.data ? in.data : "", in.len, "\r\n\r\n", 4) &&
               read_more(fd) > 0)
            ;
        if (in.len >= 12 && memcmp(in.data, "HTTP/1.1 100", 12) == 0) {
            interim = 1;
            in_off = (size_t)((char *)memmem(in.data, in.len, "\r\n\r\n", 4) -
                              in.data) +
                     4;
        }
        set_timeout(fd, SO_RCVTIMEO, 2000);
        send_all(fd, out.data + head, out.len - head);
        if (!interim)
            snprintf(why, n, "no 100 Continue within 1 s");
    } else {
        send_all(fd, out.data ? out.data : "", out.len);
    }
    if (r->how == ABORT || r->how == RESET) {
        struct linger lg = {1, 0};
        if (r->how == RESET)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        return NULL;
    }
    if (r->how == HALF)
        shutdown(fd, SHUT_WR);
    if (r->how == STALL)
        set_timeout(fd, SO_RCVTIMEO, 15000);
    int closing = r->after == CLOSED;
    for (int i = 0; i < 5 && r->want[i].status; i++) {
        const struct want *w = &r->want[i];
        if ((err = read_answer(fd, w->code == NO_BODY, &a)) != NULL) {
            snprintf(why, n, "answer %d: %s", i + 1, err);
            return why;
        }
        if (a.status == 0) {
            snprintf(why, n, "answer %d: the connection closed instead", i + 1);
            return why;
        }
        if (r->or_4xx && i == 0 && a.status >= 400 && a.status < 500) {
            closing = 1; /* CivetWeb's refusal, then a close */
            break;
        }
        if (a.status != w->status) {
            snprintf(why, n, "answer %d: HTTP status %d, want %d: %.*s", i + 1,
                     a.status, w->status, shown(a.body, a.body_len), a.body);
            return why;
        }
        if (w->code >= 0 && check_envelope(&a, w->code, sub, sizeof sub)) {
            snprintf(why, n, "answer %d: %s", i + 1, sub);
            return why;
        }
        if (w->code == NO_BODY && a.body_len) {
            snprintf(why, n, "answer %d: a body", i + 1);
            return why;
        }
        if (i == 0 && r->has &&
            !memmem(a.body, a.body_len, r->has, strlen(r->has))) {
            snprintf(why, n, "answer 1 lacks %s: %.*s", r->has,
                     shown(a.body, a.body_len), a.body);
            return why;
        }
    }
    if (!r->want[0].status) {
        if ((err = read_answer(fd, 0, &a)) != NULL || a.status) {
            snprintf(why, n, "an answer (%d) or a wait, want a close: %s",
                     a.status, err ? err : "");
            return why;
        }
    } else if (closing) {
        int rc;
        while ((rc = read_more(fd)) > 0)
            ;
        if (rc == -1) {
            snprintf(why, n, "the connection stayed open");
            return why;
        }
        if (in.len > in_off) {
            snprintf(why, n, "%zu bytes more after the answers",
                     in.len - in_off);
            return why;
        }
    } else if (r->after == OPEN && (err = normal_call(fd, sub, sizeof sub))) {
        snprintf(why, n, "the same connection, a normal call next: %s", err);
        return why;
    }
    return why[0] ? why : NULL;
}

START_TEST(hostile_row)
{
    const struct row *r = &rows[_i];
    char why[1024] = "", sub[400];
    const char *err, *then;
    int status;
    if (server_died(&status, 0))
        printf("timock had died before: %s\n", r->name);
    if (!server_up)
        server_start();
    expand(r);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int fd = dial();
    ck_assert_int_ge(fd, 0);
    err = exchange(r, fd, why, sizeof why);
    close(fd);

    /* whatever came before, a normal call on a new connection works */
    fd = dial();
    then = fd < 0 ? "cannot connect" : normal_call(fd, sub, sizeof sub);
    if (fd >= 0)
        close(fd);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double took = (double)(t1.tv_sec - t0.tv_sec) +
                  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (took > 0.3)
        printf("%.2f s: %s\n", took, r->name);
    if (server_died(&status, then ? 500 : 0))
        ck_abort_msg("%s: timock died (%s %d)", r->name,
                     WIFSIGNALED(status) ? "signal" : "exit status",
                     WIFSIGNALED(status) ? WTERMSIG(status)
                                         : WEXITSTATUS(status));
    if (r->pending && err) {
        pending_differs++;
        printf("pending, %s: %s: %s\n", r->pending, r->name, err);
    } else if (r->pending) {
        pending_passes++;
        printf("passes now, drop its pending (%s): %s\n", r->pending, r->name);
    }
    ck_assert_msg(r->pending || !err, "%s: %s", r->name, err);
    ck_assert_msg(!then, "%s: then a normal call: %s", r->name, then);
}
END_TEST

START_TEST(stops_cleanly)
{
    int status;
    if (server_died(&status, 0) || !server_up)
        server_start();
    server_up = 0;
    tu_timock_stop(&server);
}
END_TEST

static void setup(void)
{
    fixture_path = tu_write_fixture(FIXTURE);
    sig = tu_sig(TU_KEY, TU_APP, TU_ADMIN, TU_NOW);
    query = tu_query_at(TU_APP, TU_ADMIN, TU_NOW);
    buf_init(&out, 8u << 20);
    buf_init(&body, 8u << 20);
    buf_init(&in, 8u << 20);
}

static void teardown(void)
{
    if (server_up) {
        kill(server.pid, SIGTERM);
        waitpid(server.pid, NULL, 0);
        server_up = 0;
    }
    tu_remove_fixture(fixture_path);
    buf_release(&out);
    buf_release(&body);
    buf_release(&in);
    free(sig);
    free(query);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    Suite *s = suite_create("hostile");
    TCase *tc = tcase_create("hostile");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, hostile_row, 0, sizeof rows / sizeof rows[0]);
    tcase_add_test(tc, stops_cleanly);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    /* one process, in order: rows share the server, and a row that kills
     * it fails on its own while the next starts another */
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    printf("%zu rows; pending: %d still differ, %d pass now\n",
           sizeof rows / sizeof rows[0], pending_differs, pending_passes);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
