/* cmd_new.c — `kiln new NAME --template T`: writes a small project (source,
 * a Makefile using kiln-cc, a README) from the template directory T, with
 * __NAME__ replaced by NAME in every file. Templates live in templates/ of the
 * source tree and in PREFIX/share/kiln/templates when installed; the list
 * below is the one source of their names (help, errors, completion). */
#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"

const struct cli_template cli_templates[] = {
    {"command-c", "a WASI command in C: make run"},
    {"command-cpp", "a WASI command in C++: make run"},
    {"wagi-c", "an HTTP handler in C for kiln serve (WAGI): make deploy"},
    {"wagi-cpp", "an HTTP handler in C++ for kiln serve (WAGI): make deploy"},
};
const size_t cli_ntemplates = sizeof cli_templates / sizeof cli_templates[0];

static void help(void) {
    printf("NAME\n"
           "    kiln new - start a project from a template\n"
           "\n"
           "SYNOPSIS\n"
           "    kiln new NAME [--template TEMPLATE]\n"
           "\n"
           "DESCRIPTION\n"
           "    Makes the directory NAME holding a small project that builds with no\n"
           "    edits: its source, a Makefile that compiles it to NAME.wasm with\n"
           "    kiln-cc (or kiln-c++), a kiln.toml (kiln build, kiln run, kiln dev\n"
           "    and kiln deploy read it: docs/project.md), and a README. NAME is letters, digits, '-'\n"
           "    and '_', starting with a letter; the directory must not exist.\n"
           "\n"
           "OPTIONS\n"
           "    -t, --template TEMPLATE   one of (default command-c):\n");
    for (size_t i = 0; i < cli_ntemplates; i++)
        printf("        %-12s %s\n", cli_templates[i].name, cli_templates[i].summary);
    printf("\n"
           "ENVIRONMENT\n"
           "    KILN_TEMPLATES   the directory holding the templates. Default:\n"
           "                     PREFIX/share/kiln/templates for an installed kiln,\n"
           "                     templates/ of the source tree for a built one.\n"
           "\n"
           "EXAMPLE\n"
           "    kiln new hello --template wagi-c && cd hello && kiln build && kiln dev\n"
           "\n"
           "EXIT STATUS\n"
           "    0; 1 for a bad name, an existing directory or an unknown template.\n");
}

static int valid_name(const char *s) {
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) return 0;
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return n <= 64;
}

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The templates directory: KILN_TEMPLATES, else relative to the program. */
static int find_templates(char *out, size_t size) {
    const char *e = getenv("KILN_TEMPLATES");
    if (e && *e) {
        snprintf(out, size, "%s", e);
        return is_dir(out) ? 0 : -1;
    }
    char self[PATH_MAX - 64];
    if (cli_exe_dir(self, sizeof self) != 0) return -1;
    static const char *const rel[] = {"../share/kiln/templates", "../templates"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        snprintf(out, size, "%s/%s", self, rel[i]);
        if (is_dir(out)) return 0;
    }
    snprintf(out, size, "%s/../share/kiln/templates", self);
    return -1;
}

/* Copies one file, replacing every __NAME__ by name. */
static int copy_file(const char *from, const char *to, const char *name, mode_t mode) {
    size_t len;
    unsigned char *b = cli_read_file(from, &len);
    if (!b) return cli_fail("new", "cannot read %s: %s", from, strerror(errno));
    FILE *f = fopen(to, "wx");
    if (!f) { free(b); return cli_fail("new", "cannot create %s: %s", to, strerror(errno)); }
    static const char key[] = "__NAME__";
    size_t k = sizeof key - 1;
    for (size_t i = 0; i < len;) {
        if (len - i >= k && !memcmp(b + i, key, k)) { fputs(name, f); i += k; }
        else fputc(b[i++], f);
    }
    free(b);
    if (fclose(f) != 0) return cli_fail("new", "cannot write %s: %s", to, strerror(errno));
    chmod(to, mode & 0777);
    return 0;
}

/* Copies a template directory (regular files and subdirectories). */
static int copy_tree(const char *from, const char *to, const char *name) {
    DIR *d = opendir(from);
    if (!d) return cli_fail("new", "cannot read the template %s: %s", from, strerror(errno));
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char src[PATH_MAX], dst[PATH_MAX];
        snprintf(src, sizeof src, "%s/%s", from, de->d_name);
        snprintf(dst, sizeof dst, "%s/%s", to, de->d_name);
        struct stat st;
        if (stat(src, &st) != 0) { rc = cli_fail("new", "cannot read %s: %s", src, strerror(errno)); break; }
        if (S_ISDIR(st.st_mode)) {
            if (mkdir(dst, 0777) != 0) rc = cli_fail("new", "cannot create %s: %s", dst, strerror(errno));
            else rc = copy_tree(src, dst, name);
        } else if (S_ISREG(st.st_mode)) {
            rc = copy_file(src, dst, name, st.st_mode);
        }
    }
    closedir(d);
    return rc;
}

int cmd_new(int argc, char **argv) {
    const char *name = NULL, *tmpl = "command-c";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { help(); return 0; }
        if (!strcmp(a, "--template") || !strcmp(a, "-t")) {
            if (i + 1 >= argc) return cli_fail("new", "%s needs a template name (see kiln new --help)", a);
            tmpl = argv[++i];
        } else if (!strncmp(a, "--template=", 11)) {
            tmpl = a + 11;
        } else if (a[0] == '-') {
            return cli_unknown_option("new", a);
        } else if (!name) {
            name = a;
        } else {
            return cli_fail("new", "one project at a time: '%s' after '%s'", a, name);
        }
    }
    if (!name) return cli_fail("new", "name the project: kiln new NAME [--template TEMPLATE]");
    if (!valid_name(name))
        return cli_fail("new", "bad project name '%s': use letters, digits, '-' and '_', starting with a letter (at most 64)", name);
    size_t t = 0;
    while (t < cli_ntemplates && strcmp(cli_templates[t].name, tmpl)) t++;
    if (t == cli_ntemplates) {
        char list[256] = "";
        for (size_t i = 0; i < cli_ntemplates; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", cli_templates[i].name);
        return cli_fail("new", "unknown template '%s': choose one of %s", tmpl, list);
    }
    struct stat st;
    if (lstat(name, &st) == 0) return cli_fail("new", "'%s' already exists: choose another name or remove it", name);
    char dir[PATH_MAX], src[PATH_MAX + 64];
    if (find_templates(dir, sizeof dir) != 0)
        return cli_fail("new", "the templates are not found (looked in %s): reinstall kiln, or set KILN_TEMPLATES", dir);
    snprintf(src, sizeof src, "%s/%s", dir, tmpl);
    if (!is_dir(src)) return cli_fail("new", "the template directory %s is missing: reinstall kiln, or set KILN_TEMPLATES", src);
    if (mkdir(name, 0777) != 0) return cli_fail("new", "cannot create %s: %s", name, strerror(errno));
    if (copy_tree(src, name, name) != 0) return 1;
    printf("created %s (template %s)\n", name, tmpl);
    if (!strncmp(tmpl, "wagi-", 5))
        printf("next: cd %s && kiln build && kiln dev     (then: kiln deploy, to a server)\n", name);
    else
        printf("next: cd %s && kiln build && kiln run\n", name);
    return 0;
}
