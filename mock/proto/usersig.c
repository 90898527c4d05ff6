/*
 * usersig: making and checking TLSSigAPIv2 UserSigs.  See usersig.h for the
 * contracts.  Layout of this file: base64, the signed content and its HMAC,
 * the JSON document (reading and writing), zlib, then the public functions.
 */
#define ZLIB_CONST
#include "usersig.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include "errors.h"
#include "jsonget.h"

/* cJSON numbers are doubles: integers are exact only up to 2^53. */
#define JSON_INT_MAX JSONGET_INT_MAX
#define HMAC_LEN     32
/* base64 of HMAC_LEN bytes, plus the NUL */
#define SIG_TEXT_LEN 45

#define IDENTIFIER_CAP sizeof(((struct usersig_doc *)0)->identifier)
#define SIG_CAP        sizeof(((struct usersig_doc *)0)->sig)
#define USERBUF_CAP    sizeof(((struct usersig_doc *)0)->userbuf)

/* ------------------------------------------------------------------------ */
/* base64, standard alphabet, with '=' padding                               */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The encoded length of n bytes, without the NUL; n must be small. */
#define B64_LEN(n) (((n) + 2) / 3 * 4)

/* Writes the base64 text of in[0..n) and a NUL into out, which must hold
 * B64_LEN(n) + 1 bytes. */
static void b64_encode(const unsigned char *in, size_t n, char *out)
{
    size_t i;
    unsigned long v;

    for (i = 0; i + 2 < n; i += 3) {
        v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 |
            in[i + 2];
        *out++ = b64_alphabet[v >> 18 & 63];
        *out++ = b64_alphabet[v >> 12 & 63];
        *out++ = b64_alphabet[v >> 6 & 63];
        *out++ = b64_alphabet[v & 63];
    }
    if (n - i == 1) {
        v = (unsigned long)in[i] << 16;
        *out++ = b64_alphabet[v >> 18 & 63];
        *out++ = b64_alphabet[v >> 12 & 63];
        *out++ = '=';
        *out++ = '=';
    } else if (n - i == 2) {
        v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8;
        *out++ = b64_alphabet[v >> 18 & 63];
        *out++ = b64_alphabet[v >> 12 & 63];
        *out++ = b64_alphabet[v >> 6 & 63];
        *out++ = '=';
    }
    *out = '\0';
}

/* The value of a base64 character, 64 for the pad '=', -1 for anything
 * else.  With vendor set, '*' '-' '_' stand for '+' '/' '=' (the UserSig
 * mapping); the standard characters are accepted too, as the vendor's own
 * decoders do (they map, then decode). */
static int b64_value(char c, int vendor)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || (vendor && c == '*'))
        return 62;
    if (c == '/' || (vendor && c == '-'))
        return 63;
    if (c == '=' || (vendor && c == '_'))
        return 64;
    return -1;
}

/*
 * Strictly decodes in[0..len) into out (room for cap bytes) and stores the
 * byte count in *outlen.  The length must be a multiple of 4, padding may
 * only end the text, and the unused bits before padding must be zero, so
 * each byte string has exactly one accepted text.  Returns 0, or -1 with
 * *outlen untouched (out may have been written).
 */
static int b64_decode(const char *in, size_t len, unsigned char *out,
                      size_t cap, size_t *outlen, int vendor)
{
    size_t i, n = 0;
    int v[4], k;
    unsigned long bits;

    if (len % 4 != 0)
        return -1;
    for (i = 0; i < len; i += 4) {
        for (k = 0; k < 4; k++) {
            v[k] = b64_value(in[i + (size_t)k], vendor);
            if (v[k] < 0)
                return -1;
        }
        if (v[0] == 64 || v[1] == 64 || (v[2] == 64 && v[3] != 64))
            return -1;
        if ((v[2] == 64 || v[3] == 64) && i + 4 != len)
            return -1;
        bits = (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12;
        if (v[2] == 64) {
            if (bits & 0xffff || n + 1 > cap)
                return -1;
            out[n++] = (unsigned char)(bits >> 16);
            continue;
        }
        bits |= (unsigned long)v[2] << 6;
        if (v[3] == 64) {
            if (bits & 0xff || n + 2 > cap)
                return -1;
            out[n++] = (unsigned char)(bits >> 16);
            out[n++] = (unsigned char)(bits >> 8 & 0xff);
            continue;
        }
        bits |= (unsigned long)v[3];
        if (n + 3 > cap)
            return -1;
        out[n++] = (unsigned char)(bits >> 16);
        out[n++] = (unsigned char)(bits >> 8 & 0xff);
        out[n++] = (unsigned char)(bits & 0xff);
    }
    *outlen = n;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The signed content and its HMAC                                           */

/* Computes the raw HMAC-SHA256 of the content for fields into md.
 * Returns 0, or -1 on bad fields or an OpenSSL failure. */
static int sign_raw(const char *key, const struct usersig_doc *fields,
                    unsigned char md[HMAC_LEN])
{
    /* 15+255+1 + 13+20+1 + 9+20+1 + 11+20+1 + 12+344+1 < 1024 */
    char content[1024];
    char userbuf_b64[B64_LEN(USERBUF_CAP) + 1];
    unsigned int md_len = 0;
    size_t key_len;
    int n;

    if (memchr(fields->identifier, '\0', IDENTIFIER_CAP) == NULL)
        return -1;
    if (fields->has_userbuf && fields->userbuf_len > USERBUF_CAP)
        return -1;
    key_len = strlen(key);
    if (key_len > INT_MAX)
        return -1;

    n = snprintf(content, sizeof(content),
                 "TLS.identifier:%s\n"
                 "TLS.sdkappid:%" PRIu64 "\n"
                 "TLS.time:%" PRId64 "\n"
                 "TLS.expire:%" PRId64 "\n",
                 fields->identifier, fields->sdkappid, fields->time,
                 fields->expire);
    if (n < 0 || (size_t)n >= sizeof(content))
        return -1;
    if (fields->has_userbuf) {
        size_t used = (size_t)n;
        int m;

        b64_encode(fields->userbuf, fields->userbuf_len, userbuf_b64);
        m = snprintf(content + used, sizeof(content) - used, "TLS.userbuf:%s\n",
                     userbuf_b64);
        if (m < 0 || (size_t)m >= sizeof(content) - used)
            return -1;
        n += m;
    }

    if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)content,
             (size_t)n, md, &md_len) == NULL ||
        md_len != HMAC_LEN)
        return -1;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The JSON document                                                          */

/* The string value of member name, or NULL if absent or not a string. */
static const char *json_string(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

    if (!cJSON_IsString(item) || item->valuestring == NULL)
        return NULL;
    return item->valuestring;
}

/* Reads member name as an integer within lo..hi (|lo|, |hi| <= 2^53).
 * Returns 0, or -1 if absent, not a number, fractional or out of range. */
static int json_int(const cJSON *obj, const char *name, int64_t lo, int64_t hi,
                    int64_t *out)
{
    return jsonget_i64(cJSON_GetObjectItemCaseSensitive(obj, name), lo, hi,
                       out);
}

/* Parses and checks the inflated document text[0..len) into *d.
 * Returns 0, or -1 if it is not a well-formed version 2.0 document. */
static int parse_doc(const char *text, size_t len, struct usersig_doc *d)
{
    cJSON *root = NULL;
    char why[128];
    const char *s;
    const cJSON *item;
    int64_t v;
    size_t n;
    int rc = -1;

    memset(d, 0, sizeof(*d));
    /* up to USERSIG_MAX_JSON bytes from anyone: jsonget refuses deep
     * nesting (which would exhaust the stack in cJSON), NUL bytes and
     * \u0000, and trailing text */
    root = jsonget_parse(text, len, why, sizeof(why));
    if (root == NULL || !cJSON_IsObject(root))
        goto out;

    s = json_string(root, "TLS.ver");
    if (s == NULL || strcmp(s, "2.0") != 0)
        goto out;

    s = json_string(root, "TLS.identifier");
    if (s == NULL || (n = strlen(s)) >= sizeof(d->identifier))
        goto out;
    memcpy(d->identifier, s, n + 1);

    if (json_int(root, "TLS.sdkappid", 0, JSON_INT_MAX, &v) != 0)
        goto out;
    d->sdkappid = (uint64_t)v;
    if (json_int(root, "TLS.time", -JSON_INT_MAX, JSON_INT_MAX, &d->time) != 0)
        goto out;
    if (json_int(root, "TLS.expire", 0, JSON_INT_MAX, &d->expire) != 0)
        goto out;

    s = json_string(root, "TLS.sig");
    if (s == NULL || (n = strlen(s)) >= sizeof(d->sig))
        goto out;
    memcpy(d->sig, s, n + 1);

    item = cJSON_GetObjectItemCaseSensitive(root, "TLS.userbuf");
    if (item != NULL) {
        s = json_string(root, "TLS.userbuf");
        if (s == NULL ||
            b64_decode(s, strlen(s), d->userbuf, sizeof(d->userbuf),
                       &d->userbuf_len, 0) != 0)
            goto out;
        d->has_userbuf = 1;
    }
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

/* Adds member name with the exact decimal text of an integer. */
static int json_add_int(cJSON *obj, const char *name, int64_t v)
{
    char text[24];
    int n = snprintf(text, sizeof(text), "%" PRId64, v);

    if (n < 0 || (size_t)n >= sizeof(text))
        return -1;
    return cJSON_AddRawToObject(obj, name, text) != NULL ? 0 : -1;
}

/* Writes the document for d (its sig included) as compact JSON text.
 * Returns a malloc'd string (cJSON's allocator: free with cJSON_free), or
 * NULL when out of memory. */
static char *print_doc(const struct usersig_doc *d)
{
    char userbuf_b64[B64_LEN(USERBUF_CAP) + 1];
    char sdkappid[24];
    cJSON *root;
    char *text = NULL;
    int n;

    n = snprintf(sdkappid, sizeof(sdkappid), "%" PRIu64, d->sdkappid);
    if (n < 0 || (size_t)n >= sizeof(sdkappid))
        return NULL;
    root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    /* The member order of the vendor's Python library. */
    if (cJSON_AddStringToObject(root, "TLS.ver", "2.0") == NULL ||
        cJSON_AddStringToObject(root, "TLS.identifier", d->identifier) ==
            NULL ||
        cJSON_AddRawToObject(root, "TLS.sdkappid", sdkappid) == NULL ||
        json_add_int(root, "TLS.expire", d->expire) != 0 ||
        json_add_int(root, "TLS.time", d->time) != 0 ||
        cJSON_AddStringToObject(root, "TLS.sig", d->sig) == NULL)
        goto out;
    if (d->has_userbuf) {
        b64_encode(d->userbuf, d->userbuf_len, userbuf_b64);
        if (cJSON_AddStringToObject(root, "TLS.userbuf", userbuf_b64) == NULL)
            goto out;
    }
    text = cJSON_PrintUnformatted(root);
out:
    cJSON_Delete(root);
    return text;
}

/* ------------------------------------------------------------------------ */
/* zlib                                                                       */

/* Inflates one complete zlib stream in[0..n) into out (room for cap bytes)
 * and stores the inflated size in *outlen.  Returns 0, or -1 if the stream
 * is bad, is followed by other bytes, or would inflate past cap. */
static int inflate_capped(const unsigned char *in, size_t n, unsigned char *out,
                          size_t cap, size_t *outlen)
{
    z_stream zs;
    int zr, rc = -1;

    if (n > UINT_MAX || cap > UINT_MAX)
        return -1;
    memset(&zs, 0, sizeof(zs));
    zs.next_in = in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    if (inflateInit(&zs) != Z_OK)
        return -1;
    zr = inflate(&zs, Z_FINISH);
    if (zr == Z_STREAM_END && zs.avail_in == 0) {
        *outlen = cap - zs.avail_out;
        rc = 0;
    }
    inflateEnd(&zs);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The public functions                                                       */

int usersig_make(const char *key, uint64_t sdkappid, const char *identifier,
                 int64_t time, int64_t expire, const unsigned char *userbuf,
                 size_t userbuf_len, int zlib_level, char **out)
{
    struct usersig_doc d;
    unsigned char md[HMAC_LEN];
    char *json = NULL;
    unsigned char *z = NULL;
    char *text = NULL;
    uLongf z_len;
    size_t id_len, json_len, i;
    int rc = -1;

    if (key == NULL || identifier == NULL || out == NULL)
        return -1;
    id_len = strlen(identifier);
    if (id_len >= sizeof(d.identifier))
        return -1;
    if (sdkappid > (uint64_t)JSON_INT_MAX || time < -JSON_INT_MAX ||
        time > JSON_INT_MAX || expire < 0 || expire > JSON_INT_MAX)
        return -1;
    if ((userbuf == NULL && userbuf_len != 0) || userbuf_len > USERBUF_CAP)
        return -1;
    if (zlib_level < -1 || zlib_level > 9)
        return -1;

    memset(&d, 0, sizeof(d));
    memcpy(d.identifier, identifier, id_len + 1);
    d.sdkappid = sdkappid;
    d.time = time;
    d.expire = expire;
    if (userbuf != NULL) {
        d.has_userbuf = 1;
        memcpy(d.userbuf, userbuf, userbuf_len);
        d.userbuf_len = userbuf_len;
    }
    if (sign_raw(key, &d, md) != 0)
        goto out;
    b64_encode(md, sizeof(md), d.sig);

    json = print_doc(&d);
    if (json == NULL)
        goto out;
    json_len = strlen(json);
    z_len = compressBound((uLong)json_len);
    z = malloc(z_len);
    if (z == NULL)
        goto out;
    if (compress2(z, &z_len, (const Bytef *)json, (uLong)json_len,
                  zlib_level) != Z_OK)
        goto out;
    text = malloc(B64_LEN((size_t)z_len) + 1);
    if (text == NULL)
        goto out;
    b64_encode(z, z_len, text);
    for (i = 0; text[i] != '\0'; i++) {
        if (text[i] == '+')
            text[i] = '*';
        else if (text[i] == '/')
            text[i] = '-';
        else if (text[i] == '=')
            text[i] = '_';
    }
    *out = text;
    text = NULL;
    rc = 0;
out:
    free(text);
    free(z);
    cJSON_free(json);
    OPENSSL_cleanse(md, sizeof(md));
    return rc;
}

/* Undoes the text encoding of a non-empty usersig: the mapping, base64 and
 * zlib, within the caps.  Returns the inflated document (malloc'd, *len
 * bytes), or NULL. */
static unsigned char *undo_text(const char *usersig, size_t *json_len)
{
    unsigned char z[USERSIG_MAX_LEN / 4 * 3];
    unsigned char *json = NULL;
    size_t len, z_len;

    for (len = 0; len <= USERSIG_MAX_LEN && usersig[len] != '\0'; len++)
        ;
    if (len > USERSIG_MAX_LEN ||
        b64_decode(usersig, len, z, sizeof(z), &z_len, 1) != 0)
        goto out;
    json = malloc(USERSIG_MAX_JSON);
    if (json != NULL &&
        inflate_capped(z, z_len, json, USERSIG_MAX_JSON, json_len) != 0) {
        free(json);
        json = NULL;
    }
out:
    return json;
}

int usersig_decode(const char *usersig, struct usersig_doc *doc)
{
    unsigned char *json = NULL;
    struct usersig_doc d;
    size_t json_len;
    int rc = TIM_ERR_SIG_DECODE;

    if (usersig == NULL || usersig[0] == '\0')
        return TIM_ERR_SIG_EMPTY;
    if (doc == NULL)
        return TIM_ERR_SIG_DECODE;
    json = undo_text(usersig, &json_len);
    if (json == NULL || parse_doc((const char *)json, json_len, &d) != 0)
        goto out;
    *doc = d;
    rc = TIM_ERR_OK;
out:
    free(json);
    return rc;
}

int usersig_holds_sig(const char *text)
{
    static const char member[] = "\"TLS.sig\"";
    size_t json_len;
    unsigned char *json;
    int found;

    if (text == NULL || text[0] == '\0' || !(json = undo_text(text, &json_len)))
        return 0;
    found = memmem(json, json_len, member, sizeof(member) - 1) != NULL;
    free(json);
    return found;
}

int usersig_sign(const char *key, const struct usersig_doc *fields,
                 char out[64])
{
    unsigned char md[HMAC_LEN];
    char text[SIG_TEXT_LEN];

    if (key == NULL || fields == NULL || out == NULL)
        return -1;
    if (sign_raw(key, fields, md) != 0)
        return -1;
    b64_encode(md, sizeof(md), text);
    memcpy(out, text, sizeof(text));
    return 0;
}

int usersig_verify(const char *usersig, const char *key, uint64_t sdkappid,
                   const char *identifier, int64_t now, struct usersig_doc *doc)
{
    struct usersig_doc d;
    unsigned char want[HMAC_LEN], got[SIG_CAP];
    size_t got_len;
    int rc;

    rc = usersig_decode(usersig, &d);
    if (rc != TIM_ERR_OK)
        return rc;
    if (doc != NULL)
        *doc = d;
    if (d.sdkappid != sdkappid)
        return TIM_ERR_SIG_SDKAPPID;
    if (identifier == NULL || strcmp(d.identifier, identifier) != 0)
        return TIM_ERR_SIG_IDENTIFIER;
    if (key == NULL || sign_raw(key, &d, want) != 0)
        return TIM_ERR_INTERNAL;
    if (b64_decode(d.sig, strlen(d.sig), got, sizeof(got), &got_len, 0) != 0 ||
        got_len != HMAC_LEN || CRYPTO_memcmp(got, want, HMAC_LEN) != 0)
        return TIM_ERR_SIG_MISMATCH;
    /* usersig_decode bounds time to +-2^53 and expire to 0..2^53, so the
     * sum cannot overflow an int64_t. */
    if (now > d.time + d.expire)
        return TIM_ERR_SIG_EXPIRED;
    return TIM_ERR_OK;
}
