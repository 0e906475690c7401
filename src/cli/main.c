/* main.c — the kiln program: finds the subcommand and hands over. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"
#include "cli/cli.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"run", cmd_run, "run a WebAssembly module (WASI command or --invoke FUNC)"},
    {"inspect", cmd_inspect, "show a module's sections, imports, exports, features and debug info"},
    {"spectest", cmd_spectest, "run spec test scripts converted by wast2json"},
    {"serve", cmd_serve, "serve versioned modules over HTTP (WAGI), with an admin API"},
    {"deploy", cmd_deploy, "upload a module as a service's next version"},
    {"ls", cmd_ls, "list the modules on a server"},
    {"versions", cmd_versions, "list a module's versions"},
    {"history", cmd_history, "show a module's deploys and alias changes"},
    {"traps", cmd_traps, "show the trap reports of a module's failed requests"},
    {"promote", cmd_promote, "point live (or an alias) at a version"},
    {"pin", cmd_pin, "hold live (or an alias) at a version"},
    {"unpin", cmd_unpin, "release a pin"},
    {"rollback", cmd_rollback, "return live (or an alias) to its previous version"},
    {"completion", cmd_completion, "print a bash, zsh or fish completion script"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f) {
    fprintf(f,
            "kiln %s — a server-side WebAssembly runtime\n\n"
            "Usage: kiln <command> [options] [args...]\n\n"
            "Commands:\n",
            KILN_VERSION);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'kiln <command> --help' for a command's options.\n"
               "'kiln FILE.wasm [ARGS...]' is short for 'kiln run FILE.wasm [ARGS...]'.\n");
}

int cli_fail(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "kiln %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

unsigned char *cli_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    if (!buf) { fclose(f); errno = ENOMEM; return NULL; }
    for (;;) {
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap *= 2);
            if (!nb) { free(buf); fclose(f); errno = ENOMEM; return NULL; }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) { free(buf); errno = EIO; return NULL; }
    *len = n;
    return buf;
}

int main(int argc, char **argv) {
    if (argc < 2) { usage(stderr); return 1; }
    const char *c = argv[1];
    if (!strcmp(c, "--help") || !strcmp(c, "-h") || !strcmp(c, "help")) { usage(stdout); return 0; }
    if (!strcmp(c, "--version") || !strcmp(c, "-V")) { printf("kiln %s\n", KILN_VERSION); return 0; }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(c, commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    size_t l = strlen(c);
    if (l > 5 && !strcmp(c + l - 5, ".wasm")) return cmd_run(argc, argv); /* argv[0] plays "run" */
    fprintf(stderr, "kiln: unknown command '%s'\n", c);
    usage(stderr);
    return 1;
}
