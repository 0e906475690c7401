/* main.c — the kiln program: finds the subcommand and hands over. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <limits.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "kiln.h"
#include "cli/cli.h"
#include "cli/platform/commands.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"run", cmd_run, "run a WebAssembly module (WASI command or --invoke FUNC)"},
    {"compile", cmd_compile, "compile a module to native code ahead of time (the artifact cache)"},
    {"inspect", cmd_inspect, "show a module's sections, imports, exports, features and debug info"},
    {"coredump", cmd_coredump, "list a Wasm coredump (kiln run --coredump): frames, locals, memory, globals"},
    {"spectest", cmd_spectest, "run spec test scripts converted by wast2json"},
    {"new", cmd_new, "start a project from a template (kiln new NAME --template wagi-c)"},
    {"build", cmd_build, "run kiln.toml's build command and report the module it wrote"},
    {"completion", cmd_completion, "print a bash, zsh or fish completion script"},
#define ENTRY(name, fn, summary) {name, NULL, summary}, /* in kiln-platform */
    PLATFORM_COMMANDS(ENTRY)
#undef ENTRY
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

const char *cli_command_name(size_t i) { return i < NCOMMANDS ? commands[i].name : NULL; }

/* From the table of error kinds (src/engine/errkind.c), so that help, man
 * page (scripts/man.sh) and the statuses cannot disagree. */
static void exit_statuses(FILE *f) {
    fprintf(f, "\nEXIT STATUS\n"
               "    0    success\n"
               "    1    a command-line mistake (an unknown option, a bad value)\n"
               "    134  the guest trapped (kiln run)\n"
               "    kiln run passes on the guest's own exit code. kiln's own failures, by kind\n"
               "    (the kind also picks kiln serve's HTTP status):\n");
    for (int c = KILN_ERR_NONE + 1; c < KILN_ERR_COUNT_; c++) {
        const kiln_error_kind *k = kiln_error_kind_of((kiln_error_code)c);
        fprintf(f, "    %-4d %-15s HTTP %d  %s\n", k->exit_status, k->name, k->http_status, k->summary);
    }
}

static void usage(FILE *f) {
    fprintf(f,
            "kiln %s — a server-side WebAssembly runtime\n\n"
            "Usage: kiln <command> [options] [args...]\n\n"
            "Commands:\n",
            KILN_VERSION);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'kiln <command> --help' for a command's options.\n"
               "'kiln FILE.wasm [ARGS...]' is short for 'kiln run FILE.wasm [ARGS...]' (FILE.wat too).\n");
    exit_statuses(f);
}


/* Runs a platform command: kiln-platform, beside this program in a build
 * tree, in ../lib/kiln when installed (make install; mk/install.mk). */
static int exec_platform(char **argv) {
    char self[PATH_MAX], path[PATH_MAX + 32], alt[PATH_MAX + 32];
    if (cli_exe_dir(self, sizeof self) != 0)
        return cli_fail(argv[0], "cannot find kiln-platform: /proc/self/exe is unreadable");
    snprintf(path, sizeof path, "%s/kiln-platform", self);
    snprintf(alt, sizeof alt, "%s/../lib/kiln/kiln-platform", self);
    const char *use = access(path, X_OK) == 0 || access(alt, X_OK) != 0 ? path : alt;
    char *saved = argv[-1];
    argv[-1] = (char *)use;
    execv(use, argv - 1);
    argv[-1] = saved;
    return cli_fail(argv[0], "cannot run %s: %s (it is built beside kiln by 'make', installed in PREFIX/lib/kiln by 'make install')", use, strerror(errno));
}

int main(int argc, char **argv) {
    /* This program uses OpenSSL for SHA-256 alone (the native tier's cache
     * keys and artifacts) and speaks no TLS: its default start-up, the
     * system's openssl.cnf and every cipher in the legacy tables, was most of
     * what a run from the native cache spent in it (kiln serve, which does
     * speak TLS, is another program and keeps the default). */
    OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS,
                        NULL);
    if (argc < 2) { usage(stderr); return 1; }
    const char *c = argv[1];
    if (!strcmp(c, "--help") || !strcmp(c, "-h") || !strcmp(c, "help")) { usage(stdout); return 0; }
    if (!strcmp(c, "--version") || !strcmp(c, "-V")) { printf("kiln %s\n", KILN_VERSION); return 0; }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(c, commands[i].name)) return commands[i].fn ? commands[i].fn(argc - 1, argv + 1) : exec_platform(argv + 1);
    size_t l = strlen(c);
    if ((l > 5 && !strcmp(c + l - 5, ".wasm")) || (l > 4 && !strcmp(c + l - 4, ".wat")))
        return cmd_run(argc, argv); /* argv[0] plays "run" */
    fprintf(stderr, "kiln: unknown command '%s'\n", c);
    usage(stderr);
    return 1;
}
