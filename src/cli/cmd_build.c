/* cmd_build.c — `kiln build`: runs kiln.toml's build command in the
 * project's directory and reports the module it wrote. kiln dev builds
 * through cli_project_build too. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
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

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_project_build(const char *cmd, const cli_project *p, bool quiet) {
    char wasm[PATH_MAX * 2];
    cli_project_wasm_path(p, wasm, sizeof wasm);
    double t0 = now_s();
    if (p->build) {
        if (!quiet) printf("kiln %s: %s (in %s)\n", cmd, p->build, p->dir);
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) return cli_fail(cmd, "cannot start the build: %s", strerror(errno));
        if (pid == 0) {
            if (chdir(p->dir) != 0) { fprintf(stderr, "kiln %s: cannot enter %s: %s\n", cmd, p->dir, strerror(errno)); _exit(1); }
            execl("/bin/sh", "sh", "-c", p->build, (char *)NULL);
            fprintf(stderr, "kiln %s: cannot run /bin/sh: %s\n", cmd, strerror(errno));
            _exit(127);
        }
        int st;
        while (waitpid(pid, &st, 0) < 0)
            if (errno != EINTR) return cli_fail(cmd, "cannot wait for the build: %s", strerror(errno));
        if (WIFSIGNALED(st)) {
            cli_fail(cmd, "the build command was killed by signal %d", WTERMSIG(st));
            return 128 + WTERMSIG(st);
        }
        if (WEXITSTATUS(st) != 0) {
            cli_fail(cmd, "the build command '%s' failed (exit status %d)", p->build, WEXITSTATUS(st));
            return WEXITSTATUS(st);
        }
    }
    struct stat sb;
    if (stat(wasm, &sb) != 0)
        return cli_fail(cmd, "%s: %s%s", wasm, strerror(errno),
                        p->build ? ": the build wrote no module there (kiln.toml's [module] wasm names it)"
                                 : " (kiln.toml has no [build] command)");
    if (!quiet) printf("kiln %s: built %s (%lld bytes) in %.2f s\n", cmd, wasm, (long long)sb.st_size, now_s() - t0);
    return 0;
}

int cmd_build(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) { fputs(help, stdout); return 0; }
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
