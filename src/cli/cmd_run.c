/* cmd_run.c — `kiln run`: placeholder until the engine lands. */
#include "cli/cli.h"
int cmd_run(int argc, char **argv) { (void)argc; (void)argv; return cli_fail("run", "the engine is not built yet"); }
