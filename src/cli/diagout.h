/* diagout.h — what `kiln run` writes for post-mortem and performance work:
 * --coredump=FILE (a Wasm coredump when the run traps) and --profile=FILE
 * (the deterministic profile after the run). cmd_run.c calls these at four
 * points: option parsing, once the store exists, on every trap, and at the
 * end of the run. The formats live in src/diag (coredump.h, profile.h). */
#ifndef KILN_CLI_DIAGOUT_H
#define KILN_CLI_DIAGOUT_H

#include <stdbool.h>

#include "kiln.h"
#include "diag/diag.h"

typedef enum cli_profile_format {
    CLI_PROFILE_AUTO = 0,  /* by FILE's extension: .svg is SVG, else collapsed */
    CLI_PROFILE_COLLAPSED,
    CLI_PROFILE_TABLE,
    CLI_PROFILE_SVG,
} cli_profile_format;

typedef struct cli_diagout {
    /* options */
    const char *coredump_path;
    const char *profile_path;
    cli_profile_format profile_format;
    /* the run */
    kiln_store *store;
    const kiln_module *module;
    const char *module_path;
    kiln_instance *instance;   /* once instantiated; frames name theirs too */
    kiln_profile *profile;
    diag_symbols *syms;        /* built on first need */
    bool syms_tried;
    bool trapped;              /* the guest ran and stopped by a trap or exit */
} cli_diagout;

/* The option names, for the "did you mean" list. */
#define CLI_DIAGOUT_OPTIONS "--coredump", "--profile", "--profile-format"

/* Parses argv[*i] if it is one of our options (advancing *i past a
 * separate value). Returns 1 when it was, 0 when it is not ours, -1 after
 * printing a usage error. */
int cli_diagout_option(cli_diagout *d, int argc, char **argv, int *i);

/* Once the store exists, before instantiation: turns on locals capture
 * (--coredump) and attaches the profile (--profile). False (message
 * printed) when out of memory. */
bool cli_diagout_start(cli_diagout *d, kiln_store *s, const kiln_module *m, const char *module_path);

/* A run trapped: with --coredump, writes the coredump (not for proc_exit)
 * and says where on stderr. */
void cli_diagout_trap(cli_diagout *d, const kiln_trap *t);

/* The end of the run (after a return, a trap or proc_exit; before the store
 * is freed): writes the profile and its summary table, detaches and frees
 * everything. Returns false when a file could not be written. */
bool cli_diagout_finish(cli_diagout *d);

#endif /* KILN_CLI_DIAGOUT_H */
