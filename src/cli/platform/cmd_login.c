/* cmd_login.c — `kiln login URL --token-file FILE`: remembers a server and
 * its admin token in the per-user client config (config.c), after checking
 * the token against the server. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/platform/client.h"

static const char help[] =
    "NAME\n"
    "    kiln login - remember a kiln server and its admin token for this user\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln login URL --token-file FILE [--no-verify]\n"
    "\n"
    "DESCRIPTION\n"
    "    Writes URL and the admin token read from FILE to the per-user client\n"
    "    config, $XDG_CONFIG_HOME/kiln/config (~/.config/kiln/config when\n"
    "    XDG_CONFIG_HOME is not set), with mode 0600. From then on every\n"
    "    client command (deploy, ls, promote, rollback, ...) talks to URL with\n"
    "    that token, from any shell and directory, with no KILN_SERVER or\n"
    "    KILN_DATA. kiln serve prints the login line for itself when it\n"
    "    starts. Logging in again replaces the server and token.\n"
    "\n"
    "    The server is --server, else KILN_SERVER, else the config's, else\n"
    "    http://127.0.0.1:8080. The token is KILN_TOKEN, else DIR/admin.token\n"
    "    when --data DIR or KILN_DATA is given, else the config's (only when\n"
    "    the server is the config's server: it is never sent to another),\n"
    "    else ./kiln-data/admin.token.\n"
    "\n"
    "    The config holds a credential. kiln login refuses to write it when\n"
    "    the file exists and others can read it, or others can write its\n"
    "    directory; a config readable by others is ignored, with a warning.\n"
    "\n"
    "OPTIONS\n"
    "    --token-file FILE  the file holding the admin token: DATA/admin.token\n"
    "                       on the server's machine, or '-' for standard input\n"
    "    --no-verify        write the config without asking the server whether\n"
    "                       the token is right (by default, login checks it\n"
    "                       with one admin request and refuses a wrong one)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 when the config was written; 1 otherwise (the reason is printed).\n"
    "\n"
    "EXAMPLES\n"
    "    kiln login http://127.0.0.1:8080 --token-file ./kiln-data/admin.token\n";

static const char synopsis[] = "kiln login URL --token-file FILE [--no-verify]";

/* Reads the token: the first line of the file, without surrounding blanks. */
static bool read_token(const char *file, char *out, size_t size) {
    FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
    if (!f) {
        cli_fail("login", "cannot read the token file '%s': %s", file, strerror(errno));
        return false;
    }
    char line[1024] = "";
    bool got = fgets(line, sizeof line, f) != NULL;
    if (f != stdin) fclose(f);
    char *t = line;
    while (isspace((unsigned char)*t)) t++;
    size_t n = strlen(t);
    while (n && isspace((unsigned char)t[n - 1])) t[--n] = 0;
    if (!got || !n) {
        cli_fail("login", "the token file '%s' is empty: it should hold the server's admin token (DATA/admin.token)",
                 file);
        return false;
    }
    if (n >= size) {
        cli_fail("login", "the token in '%s' is longer than %zu characters: is it the admin token?", file, size - 1);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (!isgraph((unsigned char)t[i])) {
            cli_fail("login", "the token in '%s' contains a space or a control character: is it the admin token?",
                     file);
            return false;
        }
    memcpy(out, t, n + 1);
    return true;
}

static bool url_ok(const char *u) {
    const char *rest = !strncmp(u, "http://", 7) ? u + 7 : !strncmp(u, "https://", 8) ? u + 8 : NULL;
    if (!rest || !*rest || *rest == '/') return false;
    for (const char *p = u; *p; p++)
        if (!isgraph((unsigned char)*p)) return false;
    return strlen(u) < sizeof ((client_config *)0)->server;
}

int cmd_login(int argc, char **argv) {
    const char *token_file = NULL;
    bool no_verify = false;
    client_flag flags[] = {
        {"--token-file", true, &token_file, NULL},
        {"--no-verify", false, NULL, &no_verify},
    };
    const char *pos[1];
    int npos;
    client_opts o;
    int rc = client_parse("login", help, synopsis, argc, argv, flags, sizeof flags / sizeof flags[0], pos, 1, 1,
                          &npos, &o);
    if (rc >= 0) return rc;
    const char *url = pos[0];
    if (!url_ok(url))
        return cli_fail("login", "'%s' is not a server URL: want http://HOST:PORT or https://HOST:PORT", url);
    if (!token_file) {
        fprintf(stderr, "kiln login: --token-file FILE is required (the server's DATA/admin.token; kiln serve prints "
                        "the whole line)\nUsage: %s\n", synopsis);
        return 1;
    }
    char token[257];
    if (!read_token(token_file, token, sizeof token)) return 1;

    if (!no_verify) {
        o.server = url;
        o.token = token;
        client_resp r;
        bool ok = client_call("login", &o, "GET", "/api/v1/modules", NULL, 0, NULL, &r);
        client_resp_free(&r);
        if (!ok) {
            fprintf(stderr, "kiln login: nothing written (--no-verify writes without asking the server)\n");
            return 1;
        }
    }
    char path[PATH_MAX], err[PATH_MAX + 256];
    if (!client_config_write(url, token, path, sizeof path, err, sizeof err)) return cli_fail("login", "%s", err);
    printf("logged in to %s%s; wrote %s (mode 0600)\n", url, no_verify ? " (not verified)" : "", path);
    if (getenv("KILN_SERVER") && *getenv("KILN_SERVER"))
        printf("note: KILN_SERVER is set in this shell and still overrides it\n");
    if (getenv("KILN_TOKEN") && *getenv("KILN_TOKEN"))
        printf("note: KILN_TOKEN is set in this shell and still overrides it\n");
    if (getenv("KILN_DATA") && *getenv("KILN_DATA"))
        printf("note: KILN_DATA is set in this shell: its admin.token is used before the config's\n");
    return 0;
}
