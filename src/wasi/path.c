/* path.c — resolving guest paths beneath a directory without escaping it.
 *
 * The kernel does the work where it can: openat2(2) with RESOLVE_BENEATH
 * refuses absolute paths, ".." above the starting directory and symlinks
 * (absolute, or relative ones that climb out) anywhere along the walk, and
 * RESOLVE_NO_MAGICLINKS refuses /proc-style links. Where openat2 is missing
 * (ENOSYS: kernels before 5.6), an equally strict resolver walks the path one
 * component at a time with O_NOFOLLOW, expanding symlinks itself and keeping
 * a stack of the directories it went through, so ".." can never pop past the
 * starting point.
 *
 * Operations on a name (unlink, mkdir, rename, ...) resolve the parent
 * directory this way and then act on the last component with the *at()
 * calls: a bare name with no '/' cannot lead anywhere else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasi/wasi_impl.h"

#define MAX_SYMLINKS 40 /* Linux's own limit on links followed in one walk */

static uint16_t err_of(int e) {
    /* From RESOLVE_BENEATH, EXDEV means "this would leave the directory". */
    return e == EXDEV ? WASI_ENOTCAPABLE : wasi_errno_from_host(e);
}

static int fallback_open(int dirfd, const char *path, int flags, unsigned mode, uint16_t *err);

int wasi_open_beneath(kiln_wasi *w, int dirfd, const char *path, int flags,
                      unsigned mode, uint16_t *err) {
    if (!*path) { *err = WASI_ENOENT; return -1; }
    if (path[0] == '/') { *err = WASI_ENOTCAPABLE; return -1; }
    if (!w->force_fallback_resolver) {
        struct open_how how = {
            .flags = (uint64_t)(flags | O_CLOEXEC),
            .mode = (flags & O_CREAT) ? mode : 0,
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
        };
        for (int tries = 0;; tries++) {
            int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
            if (fd >= 0) return fd;
            /* EAGAIN: a concurrent rename raced a ".." check; try again. */
            if ((errno == EINTR || errno == EAGAIN) && tries < 16) continue;
            if (errno != ENOSYS) { *err = err_of(errno); return -1; }
            break;
        }
    }
    return fallback_open(dirfd, path, flags, mode, err);
}

/* ---------------------------------------------------------------- the fallback walker */

typedef struct walk {
    int *fds;       /* fds[0] is the starting dirfd (borrowed), the rest owned */
    size_t depth, cap;
} walk;

static int walk_cur(const walk *k) { return k->fds[k->depth]; }

static bool walk_push(walk *k, int fd) {
    if (k->depth + 1 == k->cap) {
        size_t n = k->cap * 2;
        int *nf = realloc(k->fds, n * sizeof *nf);
        if (!nf) return false;
        k->fds = nf;
        k->cap = n;
    }
    k->fds[++k->depth] = fd;
    return true;
}

static void walk_free(walk *k) {
    while (k->depth > 0) close(k->fds[k->depth--]);
    free(k->fds);
}

/* Replaces the walk's remaining text by target + "/" + rest. */
static char *splice_link(const char *target, const char *rest, bool slash) {
    size_t tl = strlen(target), rl = strlen(rest);
    char *s = malloc(tl + rl + 2);
    if (!s) return NULL;
    memcpy(s, target, tl);
    size_t n = tl;
    if (rl || slash) s[n++] = '/';
    memcpy(s + n, rest, rl + 1);
    return s;
}

static int fallback_open(int dirfd, const char *path, int flags, unsigned mode, uint16_t *err) {
    walk k = {.fds = malloc(8 * sizeof(int)), .cap = 8};
    char *buf = strdup(path);
    int result = -1;
    int links = 0;
    if (!k.fds || !buf) { *err = WASI_ENOMEM; goto out; }
    k.fds[0] = dirfd;
    char *p = buf;
    char name[NAME_MAX + 1];
    for (;;) {
        while (*p == '/') p++;
        if (!*p) {
            /* The walk ends on a directory (path "." or "x/" or "a/.."). */
            result = openat(walk_cur(&k), ".", (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC);
            if (result < 0) *err = wasi_errno_from_host(errno);
            else if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
                close(result);
                result = -1;
                *err = WASI_EEXIST;
            }
            goto out;
        }
        char *q = p;
        while (*q && *q != '/') q++;
        size_t len = (size_t)(q - p);
        if (len > NAME_MAX) { *err = WASI_ENAMETOOLONG; goto out; }
        memcpy(name, p, len);
        name[len] = 0;
        char *rest = q;
        while (*rest == '/') rest++;
        bool slash = *q == '/';
        bool last = !*rest;
        if (!strcmp(name, ".")) { p = q; continue; }
        if (!strcmp(name, "..")) {
            if (k.depth == 0) { *err = WASI_ENOTCAPABLE; goto out; }
            close(k.fds[k.depth--]);
            p = q;
            continue;
        }
        bool final = last && !slash;
        /* Look at the component itself, never through it. */
        int fd = openat(walk_cur(&k), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT && final) goto open_final; /* maybe O_CREAT */
            *err = wasi_errno_from_host(errno);
            goto out;
        }
        struct stat st;
        if (fstat(fd, &st) != 0) { *err = wasi_errno_from_host(errno); close(fd); goto out; }
        if (S_ISLNK(st.st_mode) && (!final || !(flags & O_NOFOLLOW)) &&
            !(final && (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))) {
            if (++links > MAX_SYMLINKS) { *err = WASI_ELOOP; close(fd); goto out; }
            char target[PATH_MAX];
            ssize_t n = readlinkat(fd, "", target, sizeof target - 1);
            close(fd);
            if (n < 0) { *err = wasi_errno_from_host(errno); goto out; }
            target[n] = 0;
            if (n == 0) { *err = WASI_ENOENT; goto out; }
            if (target[0] == '/') { *err = WASI_ENOTCAPABLE; goto out; }
            char *nb = splice_link(target, rest, slash);
            if (!nb) { *err = WASI_ENOMEM; goto out; }
            free(buf);
            p = buf = nb;
            continue;
        }
        if (final) {
            close(fd);
            goto open_final;
        }
        if (!S_ISDIR(st.st_mode)) { *err = WASI_ENOTDIR; close(fd); goto out; }
        if (!walk_push(&k, fd)) { close(fd); *err = WASI_ENOMEM; goto out; }
        p = q;
        continue;
    open_final:
        /* Symlinks at this point were expanded above, so O_NOFOLLOW here
         * only closes the race with someone swapping one in. */
        result = openat(walk_cur(&k), name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
        if (result < 0) *err = wasi_errno_from_host(errno);
        goto out;
    }
out:
    free(buf);
    walk_free(&k);
    return result;
}

/* ---------------------------------------------------------------- parents */

uint32_t wasi_resolve_parent(kiln_wasi *w, int dirfd, const char *path, wasi_parent *out) {
    *out = (wasi_parent){.fd = -1};
    if (!*path) return WASI_ENOENT;
    if (path[0] == '/') return WASI_ENOTCAPABLE;
    char *s = strdup(path);
    if (!s) return WASI_ENOMEM;
    size_t n = strlen(s);
    while (n > 1 && s[n - 1] == '/') { s[--n] = 0; out->trailing_slash = true; }
    char *slash = strrchr(s, '/');
    const char *base = slash ? slash + 1 : s;
    uint16_t err = 0;
    int fd;
    if (!strcmp(base, ".") || !strcmp(base, "..")) {
        /* The directory itself: resolve all of it, act on ".". */
        fd = wasi_open_beneath(w, dirfd, s, O_PATH | O_DIRECTORY, 0, &err);
        base = ".";
    } else if (slash) {
        *slash = 0;
        fd = wasi_open_beneath(w, dirfd, *s ? s : ".", O_PATH | O_DIRECTORY, 0, &err);
    } else {
        fd = wasi_open_beneath(w, dirfd, ".", O_PATH | O_DIRECTORY, 0, &err);
    }
    if (fd < 0) { free(s); return err; }
    out->fd = fd;
    out->name = strdup(base);
    free(s);
    if (!out->name) { wasi_parent_free(out); return WASI_ENOMEM; }
    return 0;
}

void wasi_parent_free(wasi_parent *p) {
    if (p->fd >= 0) close(p->fd);
    free(p->name);
    *p = (wasi_parent){.fd = -1};
}
