/*
 * tmp.c — temporary files: tmpfile, tmpnam, tempnam, mktemp, mkstemp,
 * mkostemp, mkstemps, mkostemps, mkdtemp.
 *
 * WASI preview 1 has no temporary directory of its own: a program reaches
 * only the directories its runtime preopened. wasi-libc therefore leaves
 * these functions out. Here they work where a native program would put the
 * file, provided that place is preopened:
 *   - tmpfile and tempnam use $TMPDIR, else P_tmpdir ("/tmp");
 *     tmpnam uses P_tmpdir, as glibc's does;
 *   - the mk*temp functions use the directory in their template.
 * When the directory is not preopened, they fail with the errno wasi-libc
 * gives for a path outside every preopen, ENOTCAPABLE ("Capabilities
 * insufficient"), rather than pretend: `kiln run --dir /tmp ...` (or
 * --env TMPDIR=... with a --dir for it) makes them work.
 *
 * Names get six characters from [A-Za-z0-9], from WASI's random_get, and
 * files are created with O_EXCL, so two programs sharing the directory
 * never get the same file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Attempts before giving up with EEXIST, as glibc's TMP_MAX-bounded loop. */
#define ATTEMPTS 100

static void fill_random(char *p, size_t n)
{
    static const char alphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char r[16];
    if (n > sizeof r) n = sizeof r;
    arc4random_buf(r, n);
    for (size_t i = 0; i < n; i++) p[i] = alphabet[r[i] % (sizeof alphabet - 1)];
}

/* The six X's of a template that ends with XXXXXX and then `suffix` more
 * characters; NULL (EINVAL) when it does not. */
static char *template_xs(char *tmpl, int suffix)
{
    size_t len = strlen(tmpl);
    if (suffix < 0 || len < 6 || (size_t)suffix > len - 6) {
        errno = EINVAL;
        return NULL;
    }
    char *x = tmpl + len - (size_t)suffix - 6;
    if (memcmp(x, "XXXXXX", 6) != 0) {
        errno = EINVAL;
        return NULL;
    }
    return x;
}

/* O_CREAT|O_EXCL until a name is free. */
static int create_from(char *tmpl, int suffix, int flags)
{
    char *x = template_xs(tmpl, suffix);
    if (!x) return -1;
    int e = EEXIST;
    for (int i = 0; i < ATTEMPTS; i++) {
        fill_random(x, 6);
        int fd = open(tmpl, O_RDWR | O_CREAT | O_EXCL | flags, 0600);
        if (fd >= 0) return fd;
        if ((e = errno) != EEXIST) break;
    }
    /* The template as it was, so that a caller can report it. */
    memcpy(x, "XXXXXX", 6);
    errno = e;
    return -1;
}

int mkostemps(char *tmpl, int suffix, int flags)
{
    /* The access mode is ours; O_APPEND, O_SYNC, O_DSYNC and O_CLOEXEC (0
     * in WASI) are the caller's to add. */
    return create_from(tmpl, suffix, flags & ~O_ACCMODE);
}

int mkstemps(char *tmpl, int suffix) { return mkostemps(tmpl, suffix, 0); }
int mkostemp(char *tmpl, int flags) { return mkostemps(tmpl, 0, flags); }
int mkstemp(char *tmpl) { return mkostemps(tmpl, 0, 0); }

char *mkdtemp(char *tmpl)
{
    char *x = template_xs(tmpl, 0);
    if (!x) return NULL;
    int e = EEXIST;
    for (int i = 0; i < ATTEMPTS; i++) {
        fill_random(x, 6);
        if (mkdir(tmpl, 0700) == 0) return tmpl;
        if ((e = errno) != EEXIST) break;
    }
    memcpy(x, "XXXXXX", 6);
    errno = e;
    return NULL;
}

/* A name that did not exist when it was made; the race is the caller's, as
 * with every mktemp (the linker of a native program warns about it too). */
char *mktemp(char *tmpl)
{
    char *x = template_xs(tmpl, 0);
    if (!x) return tmpl[0] = '\0', tmpl;
    struct stat st;
    for (int i = 0; i < ATTEMPTS; i++) {
        fill_random(x, 6);
        if (lstat(tmpl, &st) != 0) {
            if (errno == ENOENT) return tmpl;
            break;
        }
    }
    tmpl[0] = '\0';
    return tmpl;
}

static int is_dir(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return 0;
    }
    return 1;
}

static const char *tmp_dir(void)
{
    const char *d = getenv("TMPDIR");
    return d && *d ? d : P_tmpdir;
}

/* dir + "/" + prefix + XXXXXX into a new malloc'd string. */
static char *join_template(const char *dir, const char *prefix)
{
    size_t dl = strlen(dir), pl = strlen(prefix);
    while (dl > 1 && dir[dl - 1] == '/') dl--;
    char *s = malloc(dl + 1 + pl + 7);
    if (!s) return NULL;
    memcpy(s, dir, dl);
    s[dl] = '/';
    memcpy(s + dl + 1, prefix, pl);
    memcpy(s + dl + 1 + pl, "XXXXXX", 7);
    return s;
}

FILE *tmpfile(void)
{
    const char *dir = tmp_dir();
    if (!is_dir(dir)) return NULL;
    char *name = join_template(dir, "tmpf");
    if (!name) return NULL;
    int fd = mkstemp(name);
    if (fd < 0) {
        free(name);
        return NULL;
    }
    /* Nameless from here on, as natively: the file goes when it is closed
     * (unless the runtime's host refuses to unlink an open file, in which
     * case it stays behind under its name). */
    unlink(name);
    free(name);
    FILE *f = fdopen(fd, "w+");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

char *tmpnam(char *buf)
{
    static char own[L_tmpnam];
    char *out = buf ? buf : own;
    if (!is_dir(P_tmpdir)) return NULL;
    /* "/tmp/tmp" + 6 characters fits L_tmpnam (20). */
    char name[] = P_tmpdir "/tmpXXXXXX";
    _Static_assert(sizeof name <= L_tmpnam, "tmpnam's name must fit L_tmpnam");
    if (!mktemp(name)[0]) return NULL;
    memcpy(out, name, sizeof name);
    return out;
}

char *tempnam(const char *dir, const char *prefix)
{
    /* glibc's order: $TMPDIR, then the argument, then P_tmpdir. */
    const char *env = getenv("TMPDIR");
    const char *use = NULL;
    if (env && *env && is_dir(env))
        use = env;
    else if (dir && *dir && is_dir(dir))
        use = dir;
    else if (is_dir(P_tmpdir))
        use = P_tmpdir;
    if (!use) return NULL;
    char pre[6] = "file";
    if (prefix) {
        strncpy(pre, prefix, 5);
        pre[5] = '\0';
    }
    char *name = join_template(use, pre);
    if (!name) return NULL;
    if (!mktemp(name)[0]) {
        free(name);
        return NULL;
    }
    return name;
}
