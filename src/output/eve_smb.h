/* eve_smb.h -- EVE JSON for SMB transactions, as Suricata 7.0.10 writes them:
 *   "smb": {"id": tx_id + 1, "dialect": "3.11", "command": "SMB2_COMMAND_CREATE",
 *           "status": "STATUS_SUCCESS", "status_code": "0x0",   (when a response was seen)
 *           "session_id": N, "tree_id": N,
 *           NEGOTIATE:     "client_dialects": [...], "client_guid", "server_guid",
 *                          "max_read_size", "max_write_size" (SMB2)
 *           SESSION_SETUP: "ntlmssp": {"domain", "user", "host", "version"},
 *                          "request" / "response": {"native_os", "native_lm"} (SMB1)
 *           TREE_CONNECT:  "share" or "named_pipe", "share_type" (SMB2),
 *                          "service": {"request", "response"} (SMB1)
 *           CREATE:        "filename", "disposition", "access", "created", "accessed",
 *                          "modified", "changed" (Unix seconds), "size", "fuid"
 *           READ / WRITE file transactions: "filename", "share", "fuid"}
 * Names are written as text (bytes that are not UTF-8 as \xNN). */
#ifndef RIBAT_EVE_SMB_H
#define RIBAT_EVE_SMB_H

#include "applayer/smb.h"
#include "common/jbuf.h"

/* writes the "smb" key and object; dialect as smb_dialect() gives it */
void eve_smb_object(jbuf *jb, const smb_tx *tx, const char *dialect);

#endif
