/* config.c — the per-user client configuration that `kiln login` writes:
 * a server URL and its admin token, so that a shell needs neither
 * KILN_SERVER nor a data directory to read the token from.
 *
 *   $XDG_CONFIG_HOME/kiln/config, else ~/.config/kiln/config
 *
 *   # kiln client configuration (kiln login). Holds an admin token: mode 0600.
 *   server = http://127.0.0.1:8080
 *   token = 3f...
 *
 * It holds a credential, so it is treated like an ssh key: written with
 * mode 0600 by replacing the file (a temporary file renamed over it, never
 * rewritten in place), refused when the existing file is readable by others
 * or its directory writable by them, and ignored, with a warning, when it
 * is found readable by others. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/platform/client.h"

static const char *home_dir(void) {
    const char *h = getenv("HOME");
    if (h && *h) return h;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

bool client_config_path(char *buf, size_t size) {
    const char *xdg = getenv("XDG_CONFIG_HOME");
    int n;
    /* The XDG spec: a relative XDG_CONFIG_HOME is invalid and is ignored. */
    if (xdg && xdg[0] == '/') {
        n = snprintf(buf, size, "%s/kiln/config", xdg);
    } else {
        const char *h = home_dir();
        if (!h) return false;
        n = snprintf(buf, size, "%s/.config/kiln/config", h);
    }
    return n > 0 && (size_t)n < size;
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && strchr(" \t\r\n", s[n - 1])) s[--n] = 0;
    return s;
}

bool client_config_read(client_config *c) {
    memset(c, 0, sizeof *c);
    char path[PATH_MAX];
    if (!client_config_path(path, sizeof path)) return false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { close(fd); return false; }
    if (st.st_mode & 077) {
        fprintf(stderr, "kiln: ignoring %s: it holds an admin token and others can read it (mode %04o); "
                        "chmod 600 it\n", path, (unsigned)(st.st_mode & 07777));
        close(fd);
        return false;
    }
    FILE *f = fdopen(fd, "r");
    if (!f) { close(fd); return false; }
    char line[2048];
    while (fgets(line, sizeof line, f)) {
        char *l = trim(line);
        if (!*l || *l == '#') continue;
        char *eq = strchr(l, '=');
        if (!eq) continue;
        *eq = 0;
        char *key = trim(l), *value = trim(eq + 1);
        /* Unknown keys are left alone: a later kiln may write more. */
        if (!strcmp(key, "server")) snprintf(c->server, sizeof c->server, "%s", value);
        else if (!strcmp(key, "token")) snprintf(c->token, sizeof c->token, "%s", value);
    }
    fclose(f);
    snprintf(c->path, sizeof c->path, "%s", path);
    c->loaded = c->server[0] != 0;
    return c->loaded;
}

static bool fail(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return false;
}

/* mkdir -p of path's parent directories, new ones 0700. */
static bool make_parents(char *path, char *err, size_t size) {
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        bool ok = mkdir(path, 0700) == 0 || errno == EEXIST;
        int saved = errno;
        char shown[PATH_MAX];
        snprintf(shown, sizeof shown, "%s", path);
        *p = '/';
        if (!ok) return fail(err, size, "cannot create %s: %s", shown, strerror(saved));
    }
    return true;
}

bool client_config_write(const char *server, const char *token, char *path, size_t path_size, char *err,
                         size_t err_size) {
    if (!client_config_path(path, path_size))
        return fail(err, err_size, "no home directory to keep the config in: set HOME or XDG_CONFIG_HOME");
    if (!make_parents(path, err, err_size)) return false;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = 0;
    struct stat st;
    if (lstat(dir, &st) != 0) return fail(err, err_size, "cannot read %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return fail(err, err_size, "%s is not a directory", dir);
    /* Whoever may write the directory may swap the file for another. */
    if (st.st_uid != getuid() || (st.st_mode & 022))
        return fail(err, err_size, "%s is %s: a token kept there would not be private; chmod 700 it", dir,
                    st.st_uid != getuid() ? "owned by another user" : "writable by others");
    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode))
            return fail(err, err_size, "%s is not a regular file (a symbolic link?): remove it first", path);
        if (st.st_uid != getuid())
            return fail(err, err_size, "%s belongs to another user: remove it first", path);
        if (st.st_mode & 077)
            return fail(err, err_size, "%s is readable by others (mode %04o): kiln login will not put a token in "
                                       "it; chmod 600 it, or remove it, and log in again",
                        path, (unsigned)(st.st_mode & 07777));
    } else if (errno != ENOENT) {
        return fail(err, err_size, "cannot read %s: %s", path, strerror(errno));
    }

    char tmp[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp); /* 0600, O_EXCL */
    if (fd < 0) return fail(err, err_size, "cannot create a file in %s: %s", dir, strerror(errno));
    char body[2048];
    int n = snprintf(body, sizeof body,
                     "# kiln client configuration, written by kiln login. It holds an admin token:\n"
                     "# keep it mode 0600. KILN_SERVER and KILN_TOKEN override it.\n"
                     "server = %s\n"
                     "token = %s\n", server, token);
    bool ok = n > 0 && (size_t)n < sizeof body && fchmod(fd, 0600) == 0 && write(fd, body, (size_t)n) == n &&
              fsync(fd) == 0;
    int saved = errno;
    if (close(fd) != 0 && ok) { ok = false; saved = errno; }
    if (ok && rename(tmp, path) != 0) { ok = false; saved = errno; }
    if (!ok) {
        unlink(tmp);
        return fail(err, err_size, "cannot write %s: %s", path, strerror(saved));
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) { fsync(dfd); close(dfd); }
    return true;
}
