/* cmd_build.c — `kiln build`: runs kiln.toml's build command in the
 * project's directory and reports the module it wrote (cli_project_build,
 * project.c, which kiln dev uses too). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/project.h"

static const char help[] =
    "NAME\n"
    "    kiln build - build the project's module (kiln.toml)\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln build\n"
    "\n"
    "DESCRIPTION\n"
    "    Finds kiln.toml in the current directory or the nearest one above\n"
    "    it, runs its [build] command with /bin/sh in kiln.toml's directory,\n"
    "    and reports the module it wrote ([module] wasm, default NAME.wasm):\n"
    "    its path and size. A project without a build command only has its\n"
    "    module checked. kiln.toml's keys: docs/project.md.\n"
    "\n"
    "OPTIONS\n"
    "    -h, --help\n"
    "        Show this help.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 when the module exists after the build; the build command's own\n"
    "    status when it fails; 1 for a missing or bad kiln.toml, or a build\n"
    "    that wrote no module.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln new hello --template wagi-c && cd hello && kiln build\n";

int cmd_build(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { fputs(help, stdout); return 0; }
        if (argv[i][0] == '-') return cli_unknown_option("build", argv[i]);
        return cli_fail("build", "%s '%s' (kiln build takes no arguments: it reads kiln.toml; see kiln build --help)",
                        argv[i][0] == '-' ? "unknown option" : "unexpected argument", argv[i]);
    }
    char path[PATH_MAX];
    if (cli_project_find(NULL, path, sizeof path) != 0)
        return cli_fail("build", "no kiln.toml here or above: start a project with kiln new NAME, or write one (docs/project.md)");
    cli_project p;
    if (!cli_project_load("build", path, &p)) return 1;
    int rc = cli_project_build("build", &p, false);
    cli_project_free(&p);
    return rc;
}
