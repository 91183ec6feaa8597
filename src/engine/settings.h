/* settings.h -- from a loaded configuration (YAML file + --set) to the
 * engine's settings. The one place that knows configuration key names. */
#ifndef RIBAT_SETTINGS_H
#define RIBAT_SETTINGS_H

#include "config/config.h"
#include "engine/engine.h"

/* Warn once about each top-level section ribat does not know. */
void settings_warn_unknown(const rb_config *cfg);

/* Fill ec from the configuration. Returns -1 with a message on a fatal error. */
int settings_apply(const rb_config *cfg, bool have_config_file, rb_engine_config *ec, char *err, size_t errlen);

void settings_free(rb_engine_config *ec);

/* No configuration file, but --set keys under outputs: Suricata applies them to
 * its shipped suricata.yaml, so outputs.1 is the eve-log and its types.2 the
 * anomaly type. Load that outputs section (in Suricata 7's order, ribat's own
 * types last) into cfg before the --set keys, so that they address the same
 * items and the other types stay logged. Returns -1 with a message on error. */
int settings_default_outputs(rb_config *cfg, char *err, size_t errlen);

#endif
