/* cmd_spectest.c — `kiln spectest`: placeholder until the engine lands. */
#include "cli/cli.h"
int cmd_spectest(int argc, char **argv) { (void)argc; (void)argv; return cli_fail("spectest", "the engine is not built yet"); }
