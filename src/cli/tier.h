/* tier.h — the execution-tier options shared by kiln run, kiln spectest and
 * kiln compile (--tier, --cache, --no-cache, --cc), and what they do to a
 * module before it is instantiated. */
#ifndef KILN_CLI_TIER_H
#define KILN_CLI_TIER_H

#include <stdbool.h>

#include "kiln.h"

enum { TIER_AUTO, TIER_INTERP, TIER_NATIVE };

typedef struct cli_tier {
    int tier;               /* TIER_*; default auto */
    bool set;               /* --tier given (else $KILN_TIER may choose) */
    const char *cache;      /* --cache DIR; NULL: the per-user default */
    bool no_cache;          /* --no-cache */
    const char *cc;         /* --cc COMPILER */
    bool no_meter;          /* KILN_NATIVE_NO_METER=1 (benchmarks) */
    /* auto: the background compile */
    void *thread;
    kiln_module *module;
    kiln_instance *instance;
} cli_tier;

#define CLI_TIER_OPTIONS "--tier", "--cache", "--no-cache", "--cc"
#define CLI_TIER_HELP                                                                 \
    "    --tier auto|interp|native\n"                                                 \
    "        Which engine runs the code. interp: the interpreter, which starts at\n"   \
    "        once. native: the module compiled to machine code by the system's C\n"    \
    "        compiler (gcc; see --cc), from the artifact cache when it is there;\n"    \
    "        compiling takes seconds, once. auto (the default): native code when\n"    \
    "        the cache has it; otherwise start in the interpreter and compile in\n"    \
    "        the background, switching to native code at the next call once it is\n"  \
    "        ready (and caching it for the next run). Results, traps, fuel counts\n"   \
    "        and backtraces are the same on every tier. $KILN_TIER sets the\n"        \
    "        default; KILN_TIER_VERBOSE=1 says which tier ran. --coredump runs\n"     \
    "        the interpreter (a coredump records locals that native code keeps\n"    \
    "        in registers).\n"                                                        \
    "\n"                                                                               \
    "    --cache DIR\n"                                                                \
    "        Where native artifacts are kept (default: $XDG_CACHE_HOME/kiln, or\n"     \
    "        ~/.cache/kiln). Refused when another user can write to it.\n"             \
    "\n"                                                                               \
    "    --no-cache\n"                                                                 \
    "        Neither read nor write the artifact cache (native compiles anew).\n"      \
    "\n"                                                                               \
    "    --cc COMPILER\n"                                                              \
    "        The C compiler for the native tier (default: $KILN_CC, else gcc;\n"       \
    "        clang-16 works too).\n"                                                   \
    "\n"

/* If argv[*i] is a tier option, consumes it (and its value) and returns 0 on
 * success, 1 after printing an error; returns -1 when it is not one. */
int cli_tier_parse(cli_tier *t, const char *cmd, int argc, char **argv, int *i);
/* Before instantiation: interp does nothing; native compiles or loads (an
 * error is printed and false returned when it cannot); auto loads from the
 * cache or starts a background compile. */
bool cli_tier_prepare(cli_tier *t, const char *cmd, kiln_module *m);
/* After instantiation: lets the background compile switch this instance. */
void cli_tier_attach(cli_tier *t, kiln_instance *inst);
/* Waits for the background compile (so its artifact is cached). */
void cli_tier_finish(cli_tier *t);
/* The options for the library, from t. */
void cli_tier_native_options(const cli_tier *t, kiln_native_options *o, char *cache_buf, size_t n);

#endif
