/*
 * path.c — how wasi-libc turns a path into (preopened directory, relative
 * path), with one correction: the empty path names no file.
 *
 * POSIX says open(""), stat("") and the rest fail with ENOENT; glibc does.
 * wasi-libc (2022, and upstream since) maps "" to the current directory, so
 * fopen("", "r") opened the directory and a search along a path list with
 * an empty template (Lua's package.searchpath, PATH-like lookups) "found"
 * a file that does not exist. wasi-libc resolves every path through
 * __wasilibc_find_relpath_alloc when a program defines it (a weak symbol,
 * normally chdir's); kiln-cc makes the linker take this one (-u), so the
 * correction covers every function that takes a path. chdir is here too:
 * wasi-libc's sits in one object with its own weak definition, which the
 * linker would otherwise prefer once a program calls chdir (it loads that
 * object before it looks at -u). For "" it returns
 * the directory the path would be relative to with "" as the rest, and the
 * runtime answers that with ENOENT, as a native kernel does.
 *
 * The rest is what wasi-libc does: relative paths are relative to the
 * directory chdir() set (__wasilibc_cwd, "/" until a chdir), and the
 * preopen whose name is the longest prefix holds the file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* wasi-libc's, from <wasi/libc-find-relpath.h>; not included, because it
 * declares the function below weak, and this definition must win over
 * chdir's weak one when a program links both. */
int __wasilibc_find_abspath(const char *abspath, const char **abs_prefix, const char **relative);
int __wasilibc_find_relpath_alloc(const char *path, const char **abs_prefix, char **relative,
                                  size_t *relative_len, int can_realloc);
extern char *__wasilibc_cwd;

/* The path as wasi-libc's chdir() would see it: joined to the current
 * directory once a chdir() moved it from "/". Until then a relative path is
 * given to the preopen lookup as it is, as wasi-libc does without chdir.
 * *joined receives what the caller must free. */
static const char *anchored(const char *path, char **joined)
{
    *joined = NULL;
    const char *cwd = __wasilibc_cwd;
    if (path[0] == '/' || !cwd || !strcmp(cwd, "/")) return path;
    if (!strcmp(path, ".") || !strcmp(path, "./")) return cwd;
    if (path[0] == '.' && path[1] == '/') path += 2;
    size_t n = strlen(cwd), m = strlen(path);
    int slash = cwd[n - 1] != '/';
    char *s = malloc(n + slash + m + 1);
    if (!s) return NULL;
    memcpy(s, cwd, n);
    if (slash) s[n] = '/';
    memcpy(s + n + slash, path, m + 1);
    *joined = s;
    return s;
}

int __wasilibc_find_relpath_alloc(const char *path, const char **abs_prefix, char **relative,
                                  size_t *relative_len, int can_realloc)
{
    int empty = path[0] == '\0';
    char *joined;
    const char *full = anchored(empty ? "." : path, &joined);
    if (!full) {
        errno = ENOMEM;
        return -1;
    }
    const char *rest;
    int fd = __wasilibc_find_abspath(full, abs_prefix, &rest);
    if (fd != -1) {
        if (empty) rest = "";
        size_t need = strlen(rest) + 1;
        if (*relative_len < need) {
            char *grown = can_realloc ? realloc(*relative, need) : NULL;
            if (!grown) {
                errno = can_realloc ? ENOMEM : ERANGE;
                fd = -1;
            } else {
                *relative = grown;
                *relative_len = need;
            }
        }
        if (fd != -1) memcpy(*relative, rest, need);
    }
    free(joined);
    return fd;
}

/* Drops "." and "" components and folds "name/.." in an absolute path, in
 * place. wasi-libc's chdir keeps "sub/.." in the current directory, and
 * every later relative path then walked through sub: once sub was removed,
 * nothing relative could be found (natively the directory is held, not its
 * name). Folding by name differs from the kernel only when "name" is a
 * symbolic link, which a WASI program can hardly tell either way. */
static void fold(char *path)
{
    char *out = path + 1; /* after the leading '/' */
    const char *in = path + 1;
    while (*in) {
        size_t n = strcspn(in, "/");
        if ((n == 1 && in[0] == '.') || n == 0) {
            /* nothing */
        } else if (n == 2 && in[0] == '.' && in[1] == '.') {
            while (out > path + 1 && out[-1] == '/') out--;
            while (out > path + 1 && out[-1] != '/') out--;
        } else {
            memmove(out, in, n);
            out += n;
            *out++ = '/';
        }
        in += n;
        while (*in == '/') in++;
    }
    if (out > path + 1) out--; /* the last component's '/' */
    *out = '\0';
}

/* The new current directory is "/" + the preopen's name + "/" + the rest,
 * the form wasi-libc's own chdir gives __wasilibc_cwd (getcwd returns it),
 * folded. */
int chdir(const char *path)
{
    char *rel = NULL;
    size_t rel_len = 0;
    const char *abs;
    int fd = __wasilibc_find_relpath_alloc(path, &abs, &rel, &rel_len, 1);
    if (fd == -1) return -1;
    struct stat st;
    int r = fstatat(fd, rel, &st, 0);
    if (r == 0 && !S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        r = -1;
    }
    char *cwd = NULL;
    if (r == 0) {
        int with_rel = strcmp(rel, ".") != 0;
        int mid = with_rel && abs[0];
        size_t a = strlen(abs), n = with_rel ? strlen(rel) : 0;
        cwd = malloc(1 + a + mid + n + 1);
        if (!cwd) {
            errno = ENOMEM;
            r = -1;
        } else {
            cwd[0] = '/';
            memcpy(cwd + 1, abs, a);
            if (mid) cwd[1 + a] = '/';
            memcpy(cwd + 1 + a + mid, with_rel ? rel : "", n + 1);
            fold(cwd);
        }
    }
    free(rel);
    if (r == 0) {
        /* The initial "/" is static; later ones are ours to free. */
        static char *ours;
        free(ours);
        ours = __wasilibc_cwd = cwd;
    }
    return r;
}
