/* http_util.c -- HTTP helpers: event names, URI path normalisation,
 * form decoding, Content-Disposition parsing. See http.h. */
#include "applayer/http.h"

#include <string.h>

static const char *const event_names[HTTP_EV_COUNT] = {
    [HTTP_EV_UNKNOWN_ERROR] = "http.unknown_error",
    [HTTP_EV_GZIP_DECOMPRESSION_FAILED] = "http.gzip_decompression_failed",
    [HTTP_EV_REQUEST_FIELD_MISSING_COLON] = "http.request_field_missing_colon",
    [HTTP_EV_RESPONSE_FIELD_MISSING_COLON] = "http.response_field_missing_colon",
    [HTTP_EV_INVALID_REQUEST_CHUNK_LEN] = "http.invalid_request_chunk_len",
    [HTTP_EV_INVALID_RESPONSE_CHUNK_LEN] = "http.invalid_response_chunk_len",
    [HTTP_EV_INVALID_TRANSFER_ENCODING_VALUE_IN_REQUEST] = "http.invalid_transfer_encoding_value_in_request",
    [HTTP_EV_INVALID_TRANSFER_ENCODING_VALUE_IN_RESPONSE] = "http.invalid_transfer_encoding_value_in_response",
    [HTTP_EV_INVALID_CONTENT_LENGTH_FIELD_IN_REQUEST] = "http.invalid_content_length_field_in_request",
    [HTTP_EV_INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE] = "http.invalid_content_length_field_in_response",
    [HTTP_EV_100_CONTINUE_ALREADY_SEEN] = "http.100_continue_already_seen",
    [HTTP_EV_UNABLE_TO_MATCH_RESPONSE_TO_REQUEST] = "http.unable_to_match_response_to_request",
    [HTTP_EV_INVALID_SERVER_PORT_IN_REQUEST] = "http.invalid_server_port_in_request",
    [HTTP_EV_INVALID_AUTHORITY_PORT] = "http.invalid_authority_port",
    [HTTP_EV_REQUEST_HEADER_INVALID] = "http.request_header_invalid",
    [HTTP_EV_RESPONSE_HEADER_INVALID] = "http.response_header_invalid",
    [HTTP_EV_MISSING_HOST_HEADER] = "http.missing_host_header",
    [HTTP_EV_HOST_HEADER_AMBIGUOUS] = "http.host_header_ambiguous",
    [HTTP_EV_INVALID_REQUEST_FIELD_FOLDING] = "http.invalid_request_field_folding",
    [HTTP_EV_INVALID_RESPONSE_FIELD_FOLDING] = "http.invalid_response_field_folding",
    [HTTP_EV_REQUEST_FIELD_TOO_LONG] = "http.request_field_too_long",
    [HTTP_EV_RESPONSE_FIELD_TOO_LONG] = "http.response_field_too_long",
    [HTTP_EV_MULTIPART_GENERIC_ERROR] = "http.multipart_generic_error",
    [HTTP_EV_MULTIPART_NO_FILEDATA] = "http.multipart_no_filedata",
    [HTTP_EV_MULTIPART_INVALID_HEADER] = "http.multipart_invalid_header",
    [HTTP_EV_REQUEST_URI_HOST_INVALID] = "http.request_uri_host_invalid",
    [HTTP_EV_REQUEST_HEADER_HOST_INVALID] = "http.request_header_host_invalid",
    [HTTP_EV_URI_DELIM_NON_COMPLIANT] = "http.uri_delim_non_compliant",
    [HTTP_EV_METHOD_DELIM_NON_COMPLIANT] = "http.method_delim_non_compliant",
    [HTTP_EV_REQUEST_LINE_LEADING_WHITESPACE] = "http.request_line_leading_whitespace",
    [HTTP_EV_TOO_MANY_ENCODING_LAYERS] = "http.too_many_encoding_layers",
    [HTTP_EV_ABNORMAL_CE_HEADER] = "http.abnormal_ce_header",
    [HTTP_EV_REQUEST_HEADER_REPETITION] = "http.request_header_repetition",
    [HTTP_EV_RESPONSE_HEADER_REPETITION] = "http.response_header_repetition",
    [HTTP_EV_RESPONSE_MULTIPART_BYTERANGES] = "http.response_multipart_byteranges",
    [HTTP_EV_RESPONSE_ABNORMAL_TRANSFER_ENCODING] = "http.response_abnormal_transfer_encoding",
    [HTTP_EV_RESPONSE_CHUNKED_OLD_PROTO] = "http.response_chunked_old_proto",
    [HTTP_EV_RESPONSE_INVALID_PROTOCOL] = "http.response_invalid_protocol",
    [HTTP_EV_RESPONSE_INVALID_STATUS] = "http.response_invalid_status",
    [HTTP_EV_REQUEST_LINE_INCOMPLETE] = "http.request_line_incomplete",
    [HTTP_EV_DOUBLE_ENCODED_URI] = "http.double_encoded_uri",
    [HTTP_EV_REQUEST_LINE_INVALID] = "http.request_line_invalid",
    [HTTP_EV_REQUEST_BODY_UNEXPECTED] = "http.request_body_unexpected",
    [HTTP_EV_DUPLICATE_CONTENT_LENGTH_FIELD_IN_REQUEST] = "http.duplicate_content_length_field_in_request",
    [HTTP_EV_DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE] = "http.duplicate_content_length_field_in_response",
    [HTTP_EV_COMPRESSION_BOMB] = "http.compression_bomb",
    [HTTP_EV_RANGE_INVALID] = "http.range_invalid",
    [HTTP_EV_FILE_NAME_TOO_LONG] = "http.file_name_too_long",
    [HTTP_EV_REQUEST_CHUNK_EXTENSION] = "http.request_chunk_extension",
    [HTTP_EV_REQUEST_LINE_MISSING_PROTOCOL] = "http.request_line_missing_protocol",
    [HTTP_EV_REQUEST_TOO_MANY_HEADERS] = "http.request_too_many_headers",
    [HTTP_EV_RESPONSE_TOO_MANY_HEADERS] = "http.response_too_many_headers",
    [HTTP_EV_AUTH_UNRECOGNIZED] = "http.request_auth_unrecognized",
    [HTTP_EV_FAILED_PROTOCOL_CHANGE] = "http.failed_protocol_change",
    [HTTP_EV_REQUEST_SMUGGLING] = "http.request_smuggling",
    [HTTP_EV_REQUEST_HEADER_TOO_LARGE] = "http.request_header_too_large",
    [HTTP_EV_RESPONSE_HEADER_TOO_LARGE] = "http.response_header_too_large",
    [HTTP_EV_BODY_GAP] = "http.body_gap",
    [HTTP_EV_MEMCAP] = "http.memcap",
};

const char *http_event_name(http_event ev)
{
    if ((unsigned)ev >= HTTP_EV_COUNT || !event_names[ev])
        return "http.unknown_error";
    return event_names[ev];
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* %uXXXX best fit to one byte: ASCII/Latin-1 as is, full-width ASCII forms
 * to ASCII, anything else '?'. */
static uint8_t bestfit(unsigned cp)
{
    if (cp < 0x100)
        return (uint8_t)cp;
    if (cp >= 0xff01 && cp <= 0xff5e)
        return (uint8_t)(cp - 0xfee0);
    return '?';
}

/* UTF-8 in the path: a well-formed sequence (overlong forms accepted, as
 * libhtp's best-fit decoder does) becomes its ASCII code point, or '?' when
 * not ASCII; a malformed byte becomes '?'. Returns bytes consumed. */
static size_t utf8_bestfit(const uint8_t *p, size_t n, uint8_t *o)
{
    uint8_t c = p[0];
    size_t need;
    unsigned cp;
    if (c >= 0xc0 && c <= 0xdf) { need = 2; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { need = 3; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf7) { need = 4; cp = c & 0x07; }
    else { *o = '?'; return 1; }
    if (n < need) { *o = '?'; return 1; }
    for (size_t k = 1; k < need; k++) {
        if ((p[k] & 0xc0) != 0x80) { *o = '?'; return 1; }
        cp = cp << 6 | (p[k] & 0x3f);
    }
    *o = cp < 0x80 ? (uint8_t)cp : (cp >= 0xff01 && cp <= 0xff5e) ? (uint8_t)(cp - 0xfee0) : '?';
    return need;
}

size_t http_normalize_path(const uint8_t *in, size_t len, uint8_t *out, bool *double_enc)
{
    /* pass 1: decode %XX / %uXXXX, '\' -> '/', in place into out */
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint8_t c = in[i];
        if (c == '%') {
            if (i + 5 < len && (in[i + 1] == 'u' || in[i + 1] == 'U') && hexval(in[i + 2]) >= 0 &&
                hexval(in[i + 3]) >= 0 && hexval(in[i + 4]) >= 0 && hexval(in[i + 5]) >= 0) {
                unsigned cp = (unsigned)(hexval(in[i + 2]) << 12 | hexval(in[i + 3]) << 8 |
                                         hexval(in[i + 4]) << 4 | hexval(in[i + 5]));
                c = bestfit(cp);
                i += 6;
            } else if (i + 2 < len && hexval(in[i + 1]) >= 0 && hexval(in[i + 2]) >= 0) {
                c = (uint8_t)(hexval(in[i + 1]) << 4 | hexval(in[i + 2]));
                i += 3;
            } else {
                i++; /* invalid escape: keep the '%' */
                out[o++] = '%';
                continue;
            }
            if (c == '%' && double_enc && i + 1 < len && hexval(in[i]) >= 0 && hexval(in[i + 1]) >= 0)
                *double_enc = true;
        } else {
            i++;
        }
        if (c == '\\')
            c = '/';
        out[o++] = c;
    }
    /* pass 2: UTF-8 best fit, collapse "//" */
    size_t w = 0;
    for (size_t i = 0; i < o;) {
        uint8_t c = out[i];
        if (c >= 0x80) {
            uint8_t b;
            i += utf8_bestfit(out + i, o - i, &b);
            c = b;
        } else {
            i++;
        }
        if (c == '/' && w > 0 && out[w - 1] == '/')
            continue;
        out[w++] = c;
    }
    /* pass 3: remove dot segments (RFC 3986 5.2.4), iteratively */
    size_t r = 0, n = w;
    o = 0;
    uint8_t *b = out;
    while (r < n) {
        size_t rem = n - r;
        if (rem >= 3 && b[r] == '.' && b[r + 1] == '.' && b[r + 2] == '/') { r += 3; continue; }
        if (rem >= 2 && b[r] == '.' && b[r + 1] == '/') { r += 2; continue; }
        if (rem >= 3 && b[r] == '/' && b[r + 1] == '.' && b[r + 2] == '/') { r += 2; continue; }
        if (rem == 2 && b[r] == '/' && b[r + 1] == '.') { b[r + 1] = '/'; r += 1; continue; }
        if ((rem >= 4 && b[r] == '/' && b[r + 1] == '.' && b[r + 2] == '.' && b[r + 3] == '/') ||
            (rem == 3 && b[r] == '/' && b[r + 1] == '.' && b[r + 2] == '.')) {
            /* drop the last output segment */
            while (o > 0 && b[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            if (rem == 3) { b[r + 2] = '/'; r += 2; }
            else r += 3;
            continue;
        }
        if ((rem == 1 && b[r] == '.') || (rem == 2 && b[r] == '.' && b[r + 1] == '.')) { r = n; break; }
        /* move the first segment (with its leading '/') to the output */
        size_t start = r;
        if (b[r] == '/')
            r++;
        while (r < n && b[r] != '/')
            r++;
        memmove(b + o, b + start, r - start);
        o += r - start;
    }
    return o;
}

size_t http_query_decode(const uint8_t *in, size_t len, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (in[i] == '%' && i + 2 < len && hexval(in[i + 1]) >= 0 && hexval(in[i + 2]) >= 0) {
            out[o++] = (uint8_t)(hexval(in[i + 1]) << 4 | hexval(in[i + 2]));
            i += 3;
        } else {
            out[o++] = in[i++];
        }
    }
    return o;
}

size_t http_urldecode(const uint8_t *in, size_t len, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint8_t c = in[i];
        if (c == '+') {
            c = ' ';
            i++;
        } else if (c == '%' && i + 2 < len && hexval(in[i + 1]) >= 0 && hexval(in[i + 2]) >= 0) {
            c = (uint8_t)(hexval(in[i + 1]) << 4 | hexval(in[i + 2]));
            i += 3;
        } else if (c == '%' && i + 5 < len && (in[i + 1] == 'u' || in[i + 1] == 'U') &&
                   hexval(in[i + 2]) >= 0 && hexval(in[i + 3]) >= 0 && hexval(in[i + 4]) >= 0 &&
                   hexval(in[i + 5]) >= 0) {
            c = bestfit((unsigned)(hexval(in[i + 2]) << 12 | hexval(in[i + 3]) << 8 |
                                   hexval(in[i + 4]) << 4 | hexval(in[i + 5])));
            i += 6;
        } else {
            i++;
        }
        out[o++] = c;
    }
    return o;
}

static int lc(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Find parameter `name` (e.g. "filename") in a header value like
 * `form-data; name="a"; filename="b.txt"`. */
static bool cd_param(const uint8_t *v, size_t len, const char *name, const uint8_t **out, size_t *olen)
{
    size_t nl = strlen(name);
    size_t i = 0;
    /* skip the disposition type */
    while (i < len && v[i] != ';')
        i++;
    while (i < len) {
        i++; /* ';' */
        while (i < len && (v[i] == ' ' || v[i] == '\t'))
            i++;
        size_t ks = i;
        while (i < len && v[i] != '=' && v[i] != ';')
            i++;
        size_t ke = i;
        while (ke > ks && (v[ke - 1] == ' ' || v[ke - 1] == '\t'))
            ke--;
        if (i >= len || v[i] == ';')
            continue;
        i++; /* '=' */
        while (i < len && (v[i] == ' ' || v[i] == '\t'))
            i++;
        const uint8_t *val;
        size_t vl;
        if (i < len && v[i] == '"') {
            i++;
            size_t vs = i;
            while (i < len && v[i] != '"') {
                if (v[i] == '\\' && i + 1 < len)
                    i++;
                i++;
            }
            val = v + vs;
            vl = i - vs;
            if (i < len)
                i++;
            while (i < len && v[i] != ';')
                i++;
        } else {
            size_t vs = i;
            while (i < len && v[i] != ';')
                i++;
            size_t ve = i;
            while (ve > vs && (v[ve - 1] == ' ' || v[ve - 1] == '\t'))
                ve--;
            val = v + vs;
            vl = ve - vs;
        }
        bool match = ke - ks == nl;
        for (size_t k = 0; match && k < nl; k++)
            if (lc(v[ks + k]) != lc((unsigned char)name[k]))
                match = false;
        if (match) {
            *out = val;
            *olen = vl;
            return true;
        }
    }
    return false;
}

bool http_cd_filename(const uint8_t *v, size_t len, const uint8_t **fn, size_t *fnlen)
{
    return cd_param(v, len, "filename", fn, fnlen);
}

bool http_cd_name(const uint8_t *v, size_t len, const uint8_t **fn, size_t *fnlen)
{
    return cd_param(v, len, "name", fn, fnlen);
}
