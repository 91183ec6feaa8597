/* eve_ssh.h -- EVE JSON for SSH, as Suricata 7.0.10 writes it (hassh off):
 *   "ssh": {"client": {"proto_version": "2.0", "software_version": "OpenSSH_9.0"},
 *           "server": {"proto_version": "2.0", "software_version": "..."}}
 * A side is left out when its banner was not seen; software_version is left
 * out when empty. Values longer than SSH_MAX_FIELD_LEN bytes are written as
 * their first SSH_MAX_FIELD_LEN bytes followed by "[truncated]"; bytes that
 * are not valid UTF-8 as \xNN. */
#ifndef RIBAT_EVE_SSH_H
#define RIBAT_EVE_SSH_H

#include "applayer/ssh.h"
#include "common/jbuf.h"

/* writes the "ssh" key and object */
void eve_ssh_object(jbuf *jb, const ssh_state *s);

#endif
