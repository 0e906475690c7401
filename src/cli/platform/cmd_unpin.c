/* cmd_unpin.c — `kiln unpin`: release a pinned alias */
#include <stdbool.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln unpin - release a pinned alias\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln unpin NAME [--alias ALIAS] [--reason R]\n"
    "\n"
    "DESCRIPTION\n"
    "    Releases the pin on NAME's live alias (or --alias ALIAS). What is\n"
    "    served does not change; promote and rollback work again.\n"
    "\n"
    "OPTIONS\n"
    "    --alias ALIAS  the alias to unpin (default live)\n"
    "    --reason R     why; recorded in the history\n"
    CLIENT_COMMON_HELP
    "\n"
    "EXIT STATUS\n"
    "    0 when done (or nothing needed doing); 1 otherwise, with the server's\n"
    "    reason (unknown module or version, a pin in the way, ...).\n"
    "\n"
    "EXAMPLES\n"
    "    kiln unpin hello --reason \"incident 42 closed\"\n";

int cmd_unpin(int argc, char **argv) {
    return client_alias_command("unpin", help, "kiln unpin NAME [--alias ALIAS] [--reason R]", argc, argv, false, false, false);
}
