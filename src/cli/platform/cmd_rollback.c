/* cmd_rollback.c — `kiln rollback`: return an alias (live by default) to its previous version */
#include <stdbool.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln rollback - return an alias (live by default) to its previous version\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln rollback NAME [--to VERSION] [--alias ALIAS] [--reason R] [--force]\n"
    "\n"
    "DESCRIPTION\n"
    "    Moves NAME's live alias (or --alias ALIAS) back to the version it\n"
    "    had before its last change, in one transaction; the next request is\n"
    "    served by it, with no restart. A second rollback undoes the first.\n"
    "    --to VERSION goes to that version instead. A pinned alias refuses\n"
    "    (naming who pinned it, when and why) unless --force.\n"
    "\n"
    "OPTIONS\n"
    "    --to VERSION   the version to return to (default: the one before\n"
    "                   the last change)\n"
    "    --alias ALIAS  the alias to move (default live)\n"
    "    --force        override a pin (and release it)\n"
    "    --reason R     why; recorded in the history\n"
    CLIENT_COMMON_HELP
    "\n"
    "EXIT STATUS\n"
    "    0 when done (or nothing needed doing); 1 otherwise, with the server's\n"
    "    reason (unknown module or version, a pin in the way, ...).\n"
    "\n"
    "EXAMPLES\n"
    "    kiln rollback hello --reason \"v3 returns 500s\"\n"
    "    kiln rollback hello --to v1\n";

int cmd_rollback(int argc, char **argv) {
    return client_alias_command("rollback", help, "kiln rollback NAME [--to VERSION] [--alias ALIAS] [--reason R] [--force]", argc, argv, false, true, true);
}
