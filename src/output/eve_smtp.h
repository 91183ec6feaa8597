/* eve_smtp.h -- EVE JSON for SMTP transactions, in Suricata 7.0.10's shape
 * with its default configuration (smtp type not extended):
 *   "smtp":  {"helo": "...", "mail_from": "<...>", "rcpt_to": ["<...>", ...]}
 *   "email": {"status": "PARSE_DONE", "from": "...", "to": [...], "cc": [...],
 *             "subject": "..." (extended only), "attachment": [names],
 *             "url": [...]}
 * Absent values are left out; "email" only when the mail had a message.
 * The object of `smtp` records and of the `fileinfo` and `alert` records of
 * a transaction. Writes keyed members into the object open in jb. */
#ifndef RIBAT_EVE_SMTP_H
#define RIBAT_EVE_SMTP_H

#include "applayer/smtp.h"
#include "common/jbuf.h"

void eve_smtp_object(jbuf *jb, const smtp_tx *tx, bool extended);

#endif
