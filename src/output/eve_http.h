/* eve_http.h -- EVE JSON for HTTP transactions and their files, as
 * Suricata 7.0.10 writes them with its default configuration (extended http
 * logging, no custom fields, no X-Forwarded-For).
 *
 * eve_http_object writes the "http" member of an `http` record (and of the
 * `fileinfo` and `alert` records of that transaction):
 *   hostname, http_port, url, http_user_agent, http_content_type,
 *   content_range{raw,start,end,size}, http_refer, http_method, protocol,
 *   status, redirect, length (the extended fields: left out when
 *   cfg->log_basic_only), then request_headers / response_headers
 *   arrays of {name,value} when cfg->log_request_headers /
 *   log_response_headers are set.
 * eve_fileinfo_object writes the "fileinfo" member of a `fileinfo` record:
 *   filename, gaps, state, md5, sha1, sha256 (when computed), stored, size,
 *   start, end (206 ranges), tx_id.
 * Both write a keyed member into the object currently open in jb. */
#ifndef RIBAT_EVE_HTTP_H
#define RIBAT_EVE_HTTP_H

#include "applayer/http.h"
#include "common/jbuf.h"

void eve_http_object(jbuf *jb, const http_tx *tx, const http_config *cfg);
void eve_fileinfo_object(jbuf *jb, const http_file *f, const http_config *cfg);
/* the same object under another key (NULL: an element of the alert's "files" array) */
void eve_file_object(jbuf *jb, const char *key, const http_file *f);
/* the same members without the enclosing object (alerts' "files" array) */
void eve_fileinfo_fields(jbuf *jb, const http_file *f, const http_config *cfg);

/* Suricata's fileinfo "state" string for a file state */
const char *eve_file_state_name(http_file_state st);

#endif
