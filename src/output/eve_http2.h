/* eve_http2.h -- EVE JSON for HTTP/2 transactions, in Suricata 7.0.10's
 * shape: an "http" object with
 *   version "2", request_headers / response_headers (every field in wire
 *   order, pseudo-headers included, a dynamic table size update as
 *   {"table_size_update": N}; written whenever the side had a header block),
 *   http_method (:method), url (:path), hostname (a "host" field only, as
 *   Suricata), http_user_agent, status (:status), length (content-length,
 *   the response's if it has one), then
 *   "http2": {stream_id, request: {...}, response: {...}} where each side has
 *   settings [{settings_id "SETTINGS<NAME>", settings_value}], error_code
 *   (RST_STREAM: "NoError" style; GOAWAY: upper case), priority (weight) and
 *   has_multiple when a side had more than one error code or priority.
 * eve_http2_loggable: Suricata writes a transaction only when it has header
 * fields, settings, an error code or a priority. */
#ifndef RIBAT_EVE_HTTP2_H
#define RIBAT_EVE_HTTP2_H

#include "applayer/http2.h"
#include "common/jbuf.h"

#include <stdbool.h>

void eve_http2_object(jbuf *jb, const http2_tx *tx);
bool eve_http2_loggable(const http2_tx *tx);

#endif
