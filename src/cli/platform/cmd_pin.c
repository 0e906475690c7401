/* cmd_pin.c — `kiln pin`: hold an alias (live by default) at a version */
#include <stdbool.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln pin - hold an alias (live by default) at a version\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln pin NAME VERSION [--alias ALIAS] [--reason R] [--force]\n"
    "\n"
    "DESCRIPTION\n"
    "    Points NAME's live alias (or --alias ALIAS) at VERSION and holds it\n"
    "    there: promote, rollback and pins to other versions are refused,\n"
    "    naming who pinned it, when and why, until kiln unpin (or --force).\n"
    "    Pin a version while an incident is investigated, or during a freeze.\n"
    "\n"
    "OPTIONS\n"
    "    --alias ALIAS  the alias to pin (default live)\n"
    "    --force        move a pin held at another version\n"
    "    --reason R     why; recorded in the history\n"
    CLIENT_COMMON_HELP
    "\n"
    "EXIT STATUS\n"
    "    0 when done (or nothing needed doing); 1 otherwise, with the server's\n"
    "    reason (unknown module or version, a pin in the way, ...).\n"
    "\n"
    "EXAMPLES\n"
    "    kiln pin hello v2 --reason \"incident 42: hold v2 until fixed\"\n";

int cmd_pin(int argc, char **argv) {
    return client_alias_command("pin", help, "kiln pin NAME VERSION [--alias ALIAS] [--reason R] [--force]", argc, argv, true, false, true);
}
