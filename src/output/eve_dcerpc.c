/* eve_dcerpc.c -- see eve_dcerpc.h */
#include "output/eve_dcerpc.h"

#include <stdio.h>

void eve_dcerpc_object(jbuf *jb, const dcerpc_state *s, const dcerpc_tx *tx)
{
    char buf[40];
    jb_open_object(jb, "dcerpc");
    if (tx->req_type != DCERPC_TYPE_NONE) {
        jb_str(jb, "request", dcerpc_type_name(tx->req_type));
        if (tx->req_type == DCERPC_REQUEST) {
            jb_open_object(jb, "req");
            jb_u64(jb, "opnum", tx->opnum);
            jb_u64(jb, "frag_cnt", tx->frag_cnt[0]);
            jb_u64(jb, "stub_data_size", tx->stub_total[0]);
            jb_close_object(jb);
        } else if (tx->req_type == DCERPC_BIND) {
            uint32_t n;
            const dcerpc_iface *ifc = dcerpc_ifaces(s, &n);
            jb_open_array(jb, "interfaces");
            for (uint32_t i = 0; i < n; i++) {
                if (ifc[i].bind_call_id != tx->call_id)
                    continue;
                jb_open_object(jb, NULL);
                dcerpc_uuid_str(ifc[i].uuid, buf);
                jb_str(jb, "uuid", buf);
                snprintf(buf, sizeof buf, "%u.%u", ifc[i].ver_major, ifc[i].ver_minor);
                jb_str(jb, "version", buf);
                if (ifc[i].acked)
                    jb_u64(jb, "ack_result", ifc[i].ack_result);
                jb_close_object(jb);
            }
            jb_close_array(jb);
        }
    } else {
        jb_str(jb, "request", "REQUEST_LOST");
    }
    if (tx->resp_type != DCERPC_TYPE_NONE) {
        jb_str(jb, "response", dcerpc_type_name(tx->resp_type));
        if (tx->resp_type == DCERPC_RESPONSE) {
            jb_open_object(jb, "res");
            jb_u64(jb, "frag_cnt", tx->frag_cnt[1]);
            jb_u64(jb, "stub_data_size", tx->stub_total[1]);
            jb_close_object(jb);
        }
    } else {
        jb_str(jb, "response", "UNREPLIED");
    }
    if (tx->cl) {
        dcerpc_uuid_str(tx->act_id, buf);
        jb_str(jb, "activityuuid", buf);
        jb_u64(jb, "seqnum", tx->seqnum);
    } else {
        jb_u64(jb, "call_id", tx->call_id);
        snprintf(buf, sizeof buf, "%u.%u", tx->rpc_vers, tx->rpc_vers_minor);
        jb_str(jb, "rpc_version", buf);
    }
    jb_close_object(jb);
}
