/* project.c — kiln.toml (project.h): found upward from the current
 * directory, parsed by tomlplusplus (toml.h), checked against the key
 * table below; every message names the file, line and column. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kiln_meter.h"
#include "cli/cli.h"
#include "cli/project.h"
#include "diag/diag.h"

/* The one list of kiln.toml's keys. "*" is any NAME (an environment
 * variable's). kinds: s string, i integer, f float, b boolean, a array of
 * strings; the check below is written from it. */
const cli_project_key cli_project_keys[] = {
    {"module", "name", "s", "the service name (kiln deploy --name): letters, digits, '.', '_', '-'; required"},
    {"module", "wasm", "s", "the module the build writes, relative to kiln.toml (default NAME.wasm)"},
    {"build", "command", "s", "the build command, run by /bin/sh in kiln.toml's directory (kiln build)"},
    {"build", "watch", "a", "globs of the files kiln dev watches (default: every file but the module)"},
    {"limits", "fuel", "si", "fuel per request or run (kiln run/deploy --fuel)"},
    {"limits", "timeout", "s", "wall-clock limit: \"500ms\", \"2s\" (--timeout)"},
    {"limits", "max-memory", "s", "linear memory limit: \"64MiB\" (--max-memory)"},
    {"env", "*", "s", "NAME = \"VALUE\": the guest's environment (--env NAME=VALUE)"},
    {"secrets", "*", "s", "NAME = \"FILE\": a secret read from FILE at deploy (--secret NAME=@FILE)"},
    {"deploy", "promote", "b", "make each deploy live at once (default true; --promote)"},
    {"deploy", "routes", "a", "path prefixes that serve the module besides /run/NAME (kiln route add)"},
    {"policy", "auto-rollback", "s", "the auto-rollback rule, or \"off\" (kiln policy --auto-rollback)"},
    {"policy", "regression-threshold", "sif", "cost regression threshold in percent (--regression-threshold)"},
    {"policy", "budget", "sif", "daily cost budget, or \"off\" (--budget)"},
    {NULL, NULL, NULL, NULL},
};

int cli_project_find(const char *dir, char *out, size_t size) {
    char cwd[PATH_MAX];
    if (dir) snprintf(cwd, sizeof cwd, "%s", dir);
    else if (!getcwd(cwd, sizeof cwd)) return -1;
    /* In the current directory itself: plain "kiln.toml", as messages show it. */
    if (!dir && access(CLI_PROJECT_FILE, F_OK) == 0) {
        snprintf(out, size, "%s", CLI_PROJECT_FILE);
        return 0;
    }
    for (;;) {
        snprintf(out, size, "%s/%s", cwd, CLI_PROJECT_FILE);
        if (access(out, F_OK) == 0) return 0;
        char *slash = strrchr(cwd, '/');
        if (!slash || slash == cwd) break;
        *slash = 0;
    }
    snprintf(out, size, "%s/%s", cwd[0] == '/' && !cwd[1] ? "" : cwd, CLI_PROJECT_FILE);
    return -1;
}

/* One message: "kiln CMD: PATH:LINE:COLUMN: ..." */
static bool say(const char *cmd, const char *path, int line, int col, const char *fmt, va_list ap) {
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    cli_fail(cmd, "%s:%d:%d: %s", path, line, col, msg);
    return false;
}
/* About a value, at the value. */
static bool bad(const char *cmd, const char *path, const cli_toml *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool bad(const char *cmd, const char *path, const cli_toml *n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    say(cmd, path, n->line, n->column, fmt, ap);
    va_end(ap);
    return false;
}
/* About a key, at the key. */
static bool bad_key(const char *cmd, const char *path, const cli_toml *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool bad_key(const char *cmd, const char *path, const cli_toml *n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    say(cmd, path, n->key_line ? n->key_line : n->line, n->key_line ? n->key_column : n->column, fmt, ap);
    va_end(ap);
    return false;
}

static const char *kind_words(const char *kind) {
    if (!strcmp(kind, "s")) return "a string";
    if (!strcmp(kind, "si")) return "an integer or a string";
    if (!strcmp(kind, "sif")) return "a number or a string";
    if (!strcmp(kind, "b")) return "true or false";
    return "an array of strings";
}

static bool kind_ok(const char *kind, const cli_toml *v) {
    switch (v->type) {
    case CLI_TOML_STRING: return strchr(kind, 's') != NULL;
    case CLI_TOML_INT: return strchr(kind, 'i') || strchr(kind, 'f');
    case CLI_TOML_FLOAT: return strchr(kind, 'f') != NULL;
    case CLI_TOML_BOOL: return strchr(kind, 'b') != NULL;
    case CLI_TOML_ARRAY:
        if (!strchr(kind, 'a')) return false;
        for (size_t i = 0; i < v->nitems; i++)
            if (v->items[i].type != CLI_TOML_STRING) return false;
        return true;
    default: return false;
    }
}

/* A value as text, for the flags it turns into. */
static void as_text(const cli_toml *v, char *out, size_t size) {
    if (v->type == CLI_TOML_INT) snprintf(out, size, "%lld", (long long)v->i);
    else if (v->type == CLI_TOML_FLOAT) snprintf(out, size, "%g", v->f);
    else snprintf(out, size, "%s", v->str);
}

static bool env_name_ok(const char *s) {
    if (!*s || (*s >= '0' && *s <= '9')) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

static bool module_name_ok(const char *s) {
    if (!*s || strlen(s) > 128) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

/* "NAME=VALUE" (or "NAME=@FILE") into a new string. */
static char *join(const char *name, const char *mid, const char *value) {
    size_t n = strlen(name) + strlen(mid) + strlen(value) + 1;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s%s%s", name, mid, value);
    return s;
}

static bool strings(const cli_toml *v, const char ***out, size_t *n) {
    *out = calloc(v->nitems ? v->nitems : 1, sizeof **out);
    if (!*out) return false;
    for (size_t i = 0; i < v->nitems; i++) (*out)[i] = v->items[i].str;
    *n = v->nitems;
    return true;
}

/* One value of a known key: checked, then stored. */
static bool take(const char *cmd, cli_project *p, const char *sec, const cli_toml *v) {
    const char *path = p->path, *k = v->key;
    kiln_error err = {0};
    uint64_t u;
    if (!strcmp(sec, "module") && !strcmp(k, "name")) {
        if (!module_name_ok(v->str))
            return bad(cmd, path, v, "[module] name '%s': use letters, digits, '.', '_' and '-'", v->str);
        p->name = v->str;
    } else if (!strcmp(sec, "module") && !strcmp(k, "wasm")) {
        if (!*v->str) return bad(cmd, path, v, "[module] wasm is empty: name the file the build writes");
        p->wasm = v->str;
    } else if (!strcmp(sec, "build") && !strcmp(k, "command")) {
        p->build = *v->str ? v->str : NULL;
    } else if (!strcmp(sec, "build") && !strcmp(k, "watch")) {
        if (!strings(v, &p->watch, &p->nwatch)) return bad(cmd, path, v, "out of memory");
    } else if (!strcmp(sec, "limits") && !strcmp(k, "fuel")) {
        as_text(v, p->fuel, sizeof p->fuel);
        if (!kiln_parse_fuel(p->fuel, true, &u, &err)) return bad(cmd, path, v, "[limits] fuel: %s", err.message);
    } else if (!strcmp(sec, "limits") && !strcmp(k, "timeout")) {
        if (!kiln_parse_duration(v->str, &u, &err)) return bad(cmd, path, v, "[limits] timeout: %s", err.message);
        p->timeout = v->str;
    } else if (!strcmp(sec, "limits") && !strcmp(k, "max-memory")) {
        if (!kiln_parse_size(v->str, &u, &err)) return bad(cmd, path, v, "[limits] max-memory: %s", err.message);
        p->max_memory = v->str;
    } else if (!strcmp(sec, "env") || !strcmp(sec, "secrets")) {
        if (!env_name_ok(k))
            return bad_key(cmd, path, v, "[%s] '%s' is not a variable name: letters, digits and '_', not starting with a digit",
                       sec, k);
        bool env = !strcmp(sec, "env");
        if (!env && !*v->str) return bad(cmd, path, v, "[secrets] %s: name the file that holds the secret", k);
        /* A secret's file is relative to kiln.toml, whatever the current directory. */
        char file[PATH_MAX * 2 + 2];
        if (!env) snprintf(file, sizeof file, "%s%s%s", v->str[0] == '/' ? "" : p->dir, v->str[0] == '/' ? "" : "/", v->str);
        char *s = join(k, env ? "=" : "=@", env ? v->str : file);
        char ***list = env ? &p->env : &p->secrets;
        size_t *n = env ? &p->nenv : &p->nsecrets;
        char **nl = s ? realloc(*list, (*n + 1) * sizeof *nl) : NULL;
        if (!nl) { free(s); return bad(cmd, path, v, "out of memory"); }
        *list = nl;
        nl[(*n)++] = s;
    } else if (!strcmp(sec, "deploy") && !strcmp(k, "promote")) {
        p->promote = v->b;
    } else if (!strcmp(sec, "deploy") && !strcmp(k, "routes")) {
        for (size_t i = 0; i < v->nitems; i++)
            if (v->items[i].str[0] != '/')
                return bad(cmd, path, &v->items[i], "[deploy] routes: '%s' does not start with '/'", v->items[i].str);
        if (!strings(v, &p->routes, &p->nroutes)) return bad(cmd, path, v, "out of memory");
    } else if (!strcmp(sec, "policy") && !strcmp(k, "auto-rollback")) {
        p->auto_rollback = v->str;
    } else if (!strcmp(sec, "policy") && !strcmp(k, "regression-threshold")) {
        as_text(v, p->regression_threshold, sizeof p->regression_threshold);
    } else if (!strcmp(sec, "policy") && !strcmp(k, "budget")) {
        as_text(v, p->budget, sizeof p->budget);
    }
    return true;
}

/* A key that is not in the table: say which one it most likely meant. */
static bool unknown(const char *cmd, const cli_project *p, const char *sec, const cli_toml *v) {
    const char *cands[32];
    size_t n = 0;
    for (const cli_project_key *r = cli_project_keys; r->section && n < 32; r++) {
        if (!sec && (n == 0 || strcmp(cands[n - 1], r->section))) cands[n++] = r->section;
        else if (sec && !strcmp(r->section, sec)) cands[n++] = r->key;
    }
    const char *guess = NULL;
    diag_nearest_names(v->key, cands, n, &guess, 1);
    char list[512] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", cands[i]);
    char what[160];
    if (sec) snprintf(what, sizeof what, "unknown key '%s' in [%s]", v->key, sec);
    else snprintf(what, sizeof what, "unknown %s '%s'", v->type == CLI_TOML_TABLE ? "section" : "key", v->key);
    if (guess) return bad_key(cmd, p->path, v, "%s: did you mean '%s'?", what, guess);
    return bad_key(cmd, p->path, v, "%s (%s: %s)", what, sec ? "its keys" : "the sections", list);
}

static bool check(const char *cmd, cli_project *p) {
    const cli_toml *doc = p->doc;
    for (size_t i = 0; i < doc->nitems; i++) {
        const cli_toml *s = &doc->items[i];
        bool known = false;
        for (const cli_project_key *r = cli_project_keys; r->section && !known; r++) known = !strcmp(r->section, s->key);
        if (!known) return unknown(cmd, p, NULL, s);
        if (s->type != CLI_TOML_TABLE)
            return bad_key(cmd, p->path, s, "'%s' is a section: write [%s] and its keys below it", s->key, s->key);
        for (size_t j = 0; j < s->nitems; j++) {
            const cli_toml *v = &s->items[j];
            const cli_project_key *row = NULL;
            for (const cli_project_key *r = cli_project_keys; r->section && !row; r++)
                if (!strcmp(r->section, s->key) && (!strcmp(r->key, v->key) || !strcmp(r->key, "*"))) row = r;
            if (!row) return unknown(cmd, p, s->key, v);
            if (!kind_ok(row->kind, v))
                return bad(cmd, p->path, v, "[%s] %s is %s: want %s", s->key, v->key, cli_toml_type_name(v->type),
                           kind_words(row->kind));
            if (!take(cmd, p, s->key, v)) return false;
        }
    }
    if (!p->name) {
        const cli_toml *m = cli_toml_get(doc, "module");
        return bad(cmd, p->path, m ? m : doc, "no [module] name: add name = \"...\" under [module]");
    }
    return true;
}

bool cli_project_load(const char *cmd, const char *path, cli_project *p) {
    memset(p, 0, sizeof *p);
    p->promote = true;
    snprintf(p->path, sizeof p->path, "%s", path);
    snprintf(p->dir, sizeof p->dir, "%s", path);
    char *slash = strrchr(p->dir, '/');
    if (!slash) snprintf(p->dir, sizeof p->dir, ".");
    else if (slash == p->dir) slash[1] = 0;
    else *slash = 0;
    size_t len;
    unsigned char *text = cli_read_file(path, &len);
    if (!text) { cli_fail(cmd, "cannot read %s: %s", path, strerror(errno)); return false; }
    char err[1024];
    p->doc = cli_toml_parse(path, (const char *)text, len, err, sizeof err);
    free(text);
    if (!p->doc) { cli_fail(cmd, "%s", err); return false; }
    if (!check(cmd, p)) { cli_project_free(p); return false; }
    return true;
}

void cli_project_free(cli_project *p) {
    for (size_t i = 0; i < p->nenv; i++) free(p->env[i]);
    for (size_t i = 0; i < p->nsecrets; i++) free(p->secrets[i]);
    free(p->env);
    free(p->secrets);
    free(p->watch);
    free(p->routes);
    cli_toml_free(p->doc);
    memset(p, 0, sizeof *p);
}

void cli_project_wasm_path(const cli_project *p, char *out, size_t size) {
    if (p->wasm && p->wasm[0] == '/') snprintf(out, size, "%s", p->wasm);
    else if (p->wasm) snprintf(out, size, "%s/%s", p->dir, p->wasm);
    else snprintf(out, size, "%s/%s.wasm", p->dir, p->name);
}

/* ---------------------------------------------------------------- build */

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
            /* kiln dev blocks the signals it reads from a signalfd: the build gets them all. */
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, NULL);
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
