/* cmd_registry.c — `kiln registry migrate`: move a data directory's SQLite
 * registry into PostgreSQL for a cluster (docs/cluster.md). Runs on the
 * machine that holds the data directory, with no server running on it. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/platform/client.h"
#include "platform/migrate.h"
#include "platform/server.h"

static const char help[] =
    "NAME\n"
    "    kiln registry - move a registry from SQLite to PostgreSQL\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln registry migrate --data DIR --to postgresql://USER@HOST:PORT/DB\n"
    "\n"
    "DESCRIPTION\n"
    "    Copies DIR's registry.db (modules, versions with their configuration,\n"
    "    aliases and pins, history, trap reports, usage, policies, rollouts,\n"
    "    routes) and its module binaries (DIR/blobs, each checked against its\n"
    "    sha256) into an empty PostgreSQL database, keeping every id, in one\n"
    "    transaction: it copies everything or nothing. Then start the nodes\n"
    "    with kiln serve --registry URL (docs/cluster.md); kiln history and\n"
    "    kiln cost print what they printed before. DIR is only read (its\n"
    "    schema is brought up to date first, as kiln serve would); no server\n"
    "    may run on it meanwhile.\n"
    "\n"
    "OPTIONS\n"
    "    --data DIR     the data directory (KILN_DATA; default ./kiln-data)\n"
    "    --to URL       the PostgreSQL database\n"
    "\n"
    "EXIT STATUS\n"
    "    0 on success; 1 when a server runs on DIR, the database cannot be\n"
    "    reached or is not empty, or a binary is missing or corrupt.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln registry migrate --data ./kiln-data --to postgresql://kiln@db:5432/kiln\n";

int cmd_registry(int argc, char **argv) {
    const char *to = NULL;
    client_flag flags[] = {{"--to", true, &to, NULL}};
    const char *pos[1];
    int npos;
    client_opts o;
    int rc = client_parse("registry", help, "kiln registry migrate --data DIR --to URL", argc, argv, flags,
                          sizeof flags / sizeof flags[0], pos, 1, 1, &npos, &o);
    if (rc >= 0) return rc;
    if (strcmp(pos[0], "migrate")) return cli_fail("registry", "unknown subcommand '%s': want migrate", pos[0]);
    if (!to) return cli_fail("registry", "migrate needs --to postgresql://USER@HOST:PORT/DB");
    if (access(o.data_dir, F_OK)) return cli_fail("registry", "no data directory %s (--data DIR)", o.data_dir);
    perr e = {0};
    int lock = datadir_lock(o.data_dir, &e); /* no server on it while we read */
    if (lock < 0) return cli_fail("registry", "%s", e.message);
    bool ok = reg_migrate(o.data_dir, to, stdout, &e);
    close(lock);
    if (!ok) return cli_fail("registry", "migrate: %s", e.message);
    printf("registry migrate: done; start the nodes with: kiln serve --registry URL\n");
    return 0;
}
