/* events.c -- see events.h */
#include "decode/events.h"

static const char *const names[RB_EV_MAX] = {
#define X(id, name, type) [RB_EV_##id] = name,
    RB_EVENT_LIST(X)
#undef X
};

static const unsigned char types[RB_EV_MAX] = {
#define X(id, name, type) [RB_EV_##id] = RB_EVTYPE_##type,
    RB_EVENT_LIST(X)
#undef X
};

const char *rb_event_name(int id)
{
    return (id >= 0 && id < RB_EV_MAX) ? names[id] : "unknown";
}

enum rb_event_type rb_event_type_of(int id)
{
    return (id >= 0 && id < RB_EV_MAX) ? (enum rb_event_type)types[id] : RB_EVTYPE_DECODE;
}

const char *rb_event_type_name(enum rb_event_type t)
{
    switch (t) {
    case RB_EVTYPE_STREAM: return "stream";
    case RB_EVTYPE_APPLAYER: return "applayer";
    default: return "decode";
    }
}
