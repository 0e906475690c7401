/* main.c — kiln-platform: the server and its client commands, run by
 * `kiln` (see commands.h); argv[1] is the subcommand. */
#include <stdio.h>
#include <string.h>

#include "kiln.h"
#include "cli/cli.h"
#include "cli/platform/commands.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
};

#define ENTRY(name, fn, summary) {name, fn},
static const struct command commands[] = {PLATFORM_COMMANDS(ENTRY)};
#undef ENTRY

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "kiln-platform: run it through kiln, e.g. 'kiln serve --help'\n");
        return 1;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "kiln-platform: unknown command '%s'\n", argv[1]);
    return 1;
}
