/* cmd_promote.c — `kiln promote`: move an alias (live by default) to a version */
#include <stdbool.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln promote - move an alias (live by default) to a version\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln promote NAME VERSION [--alias ALIAS] [--reason R] [--force]\n"
    "\n"
    "DESCRIPTION\n"
    "    Points NAME's live alias (or --alias ALIAS, e.g. canary) at\n"
    "    VERSION (v3 or 3). The next request to /run/NAME is served by it; no\n"
    "    restart. The change is recorded in the history with who and why.\n"
    "\n"
    "    If the alias is pinned, the promote is refused with a message\n"
    "    naming who pinned it, when and why; --force promotes anyway and\n"
    "    releases the pin.\n"
    "\n"
    "OPTIONS\n"
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
    "    kiln promote hello v3 --reason \"fixes #12\"\n"
    "    kiln promote hello v4 --alias canary\n";

int cmd_promote(int argc, char **argv) {
    return client_alias_command("promote", help, "kiln promote NAME VERSION [--alias ALIAS] [--reason R] [--force]", argc, argv, true, false, true);
}
