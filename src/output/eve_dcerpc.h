/* eve_dcerpc.h -- EVE JSON for DCE/RPC transactions, as Suricata 7 writes them:
 *   "dcerpc": {"request": "BIND", "interfaces": [{"uuid": "...", "version": "3.0",
 *              "ack_result": 0}], "response": "BINDACK", "call_id": 2, "rpc_version": "5.0"}
 *   "dcerpc": {"request": "REQUEST", "req": {"opnum": 0, "frag_cnt": 1, "stub_data_size": 12},
 *              "response": "RESPONSE", "res": {"frag_cnt": 1, "stub_data_size": 20}, ...}
 * Connectionless (UDP) calls carry "activityuuid" and "seqnum" instead of
 * call_id and rpc_version.
 * A side not seen is "REQUEST_LOST" / "UNREPLIED". ack_result is left out for
 * an interface whose BIND_ACK was not seen (Suricata writes 0). */
#ifndef RIBAT_EVE_DCERPC_H
#define RIBAT_EVE_DCERPC_H

#include "applayer/dcerpc.h"
#include "common/jbuf.h"

/* writes the "dcerpc" key and object */
void eve_dcerpc_object(jbuf *jb, const dcerpc_state *s, const dcerpc_tx *tx);

#endif
