/* libFuzzer harness: the YAML configuration loader, --set and the settings
 * that turn the tree into the engine's configuration.
 *
 * Input: byte 0 selects what else is done with the text after it:
 *   bit 0: the text is one --set assignment per line instead of YAML
 *   bit 1: also apply the tree to an engine configuration (settings_apply)
 *   bit 2: also print the tree (cfg_dump to /dev/null)
 * Includes are not followed to real files in a useful way (relative names are
 * looked up in the working directory; a missing one is a warning). */
#include "common/log.h"
#include "config/config.h"
#include "engine/engine.h"
#include "engine/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    rb_log_verbosity = -1; /* warnings about odd keys are expected */
    uint8_t o = data[0];
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    rb_config *c = cfg_new();
    if (!c) {
        free(text);
        return 0;
    }
    char err[512];
    if (o & 1) {
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            (void)cfg_set(c, line);
    } else {
        (void)cfg_load_string(c, text, err, sizeof err);
    }
    /* lookups of the shapes the engine uses */
    (void)cfg_get_size(c, "flow.memcap", 1);
    (void)cfg_get_bool(c, "stream.midstream", 0);
    (void)cfg_get_int(c, "threading.worker-threads", 0);
    (void)cfg_get_double(c, "x.y", 0.5);
    (void)cfg_find(c, "outputs.eve-log.types");
    if (o & 2) {
        rb_engine_config ec;
        engine_config_default(&ec);
        settings_warn_unknown(c);
        (void)settings_apply(c, true, &ec, err, sizeof err);
        settings_free(&ec);
    }
    if (o & 4) {
        FILE *f = fopen("/dev/null", "w");
        if (f) {
            cfg_dump(c, f);
            fclose(f);
        }
    }
    cfg_free(c);
    free(text);
    return 0;
}
