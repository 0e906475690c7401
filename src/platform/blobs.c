/* blobs.c — the content-addressed blob store (see blobs.h for the layout and
 * the crash-safety argument). */
#define _GNU_SOURCE /* mkostemp */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/blobs.h"
#include "platform/sha256.h"

struct blobstore {
    char root[3072]; /* DATA/blobs/sha256; short enough that every
                        path below it fits PATH_MAX */
    blobs_remote_put *rput; /* a shared registry's copy (blobs_set_remote) */
    blobs_remote_get *rget;
    void *rctx;
};

void blobs_set_remote(blobstore *b, blobs_remote_put *put, blobs_remote_get *get, void *ctx) {
    b->rput = put;
    b->rget = get;
    b->rctx = ctx;
}

/* Temporary files carry this prefix so the sweep can tell them from blobs. */
#define TMP_PREFIX ".tmp-"

static bool mkdir_p(const char *path, perr *e) {
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return perr_set(e, 500, "path too long: %s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0755) && errno != EEXIST) return perr_set(e, 500, "cannot create %s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0755) && errno != EEXIST) return perr_set(e, 500, "cannot create %s: %s", buf, strerror(errno));
    return true;
}

/* A rename is durable only once the directory holding it is synced. */
static bool fsync_dir(const char *dir, perr *e) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return perr_set(e, 500, "cannot open %s: %s", dir, strerror(errno));
    int r = fsync(fd);
    int saved = errno;
    close(fd);
    if (r) return perr_set(e, 500, "cannot sync %s: %s", dir, strerror(saved));
    return true;
}

blobstore *blobs_open(const char *data_dir, perr *e) {
    blobstore *b = calloc(1, sizeof *b);
    if (!b) { perr_set(e, 503, "out of memory"); return NULL; }
    if (snprintf(b->root, sizeof b->root, "%s/blobs/sha256", data_dir) >= (int)sizeof b->root) {
        perr_set(e, 500, "data directory path too long");
        free(b);
        return NULL;
    }
    if (!mkdir_p(b->root, e)) { free(b); return NULL; }
    return b;
}

void blobs_close(blobstore *b) { free(b); }

static void blob_paths(const blobstore *b, const char *digest, char dir[PATH_MAX], char file[PATH_MAX]) {
    snprintf(dir, PATH_MAX, "%s/%c%c", b->root, digest[0], digest[1]);
    snprintf(file, PATH_MAX, "%s/%c%c/%.62s", b->root, digest[0], digest[1], digest + 2);
}

bool blobs_exists(blobstore *b, const char *digest) {
    if (!sha256_is_hex(digest)) return false;
    char dir[PATH_MAX], file[PATH_MAX];
    blob_paths(b, digest, dir, file);
    struct stat st;
    return stat(file, &st) == 0 && S_ISREG(st.st_mode);
}

bool blobs_remove(blobstore *b, const char *digest) {
    if (!sha256_is_hex(digest)) return false;
    char dir[PATH_MAX], file[PATH_MAX];
    blob_paths(b, digest, dir, file);
    if (unlink(file)) return false;
    fsync_dir(dir, NULL);
    return true;
}

static bool write_all(int fd, const uint8_t *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool put_local(blobstore *b, const char *digest, const uint8_t *data, size_t len, perr *e);

bool blobs_put(blobstore *b, const char *digest, const uint8_t *data, size_t len, perr *e) {
    if (!put_local(b, digest, data, len, e)) return false;
    return !b->rput || b->rput(b->rctx, digest, data, len, e);
}

static bool put_local(blobstore *b, const char *digest, const uint8_t *data, size_t len, perr *e) {
    if (!sha256_is_hex(digest)) return perr_set(e, 500, "bad digest '%s'", digest);
    char dir[PATH_MAX], file[PATH_MAX], tmp[PATH_MAX];
    blob_paths(b, digest, dir, file);
    if (blobs_exists(b, digest)) return true;
    if (!mkdir_p(dir, e)) return false;
    if (snprintf(tmp, sizeof tmp, "%s/" TMP_PREFIX "XXXXXX", dir) >= (int)sizeof tmp)
        return perr_set(e, 500, "path too long");
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) return perr_set(e, 500, "cannot create a file in %s: %s", dir, strerror(errno));
    if (!write_all(fd, data, len) || fsync(fd)) {
        int saved = errno;
        close(fd);
        unlink(tmp);
        return perr_set(e, 500, "cannot write blob %s: %s", digest, strerror(saved));
    }
    /* Blobs are immutable: read-only on disk says so. */
    if (fchmod(fd, 0444)) { /* not fatal */ }
    close(fd);
    if (rename(tmp, file)) {
        int saved = errno;
        unlink(tmp);
        return perr_set(e, 500, "cannot rename blob %s into place: %s", digest, strerror(saved));
    }
    return fsync_dir(dir, e);
}

/* A blob this node lacks, from the shared registry: checked against its
 * digest, then kept here (the node's cache of module bytes). */
static uint8_t *fetch_remote(blobstore *b, const char *digest, size_t *len, perr *e) {
    size_t n = 0;
    uint8_t *buf = b->rget(b->rctx, digest, &n, e);
    if (!buf) return NULL;
    char check[SHA256_HEX_LEN + 1];
    if (!sha256_hex(buf, n, check) || strcmp(check, digest)) {
        free(buf);
        perr_set(e, 500, "blob %s from the registry is corrupt (its content does not match its digest)", digest);
        return NULL;
    }
    perr ignored;
    put_local(b, digest, buf, n, &ignored); /* a cache: a failed write only costs a fetch next time */
    *len = n;
    return buf;
}

uint8_t *blobs_get(blobstore *b, const char *digest, size_t *len, perr *e) {
    if (!sha256_is_hex(digest)) { perr_set(e, 500, "bad digest '%s'", digest); return NULL; }
    char dir[PATH_MAX], file[PATH_MAX];
    blob_paths(b, digest, dir, file);
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && b->rget) return fetch_remote(b, digest, len, e);
    if (fd < 0) { perr_set(e, 500, "blob %s is missing: %s", digest, strerror(errno)); return NULL; }
    struct stat st;
    if (fstat(fd, &st)) { perr_set(e, 500, "cannot stat blob %s: %s", digest, strerror(errno)); close(fd); return NULL; }
    size_t n = (size_t)st.st_size, got = 0;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) { perr_set(e, 503, "out of memory reading blob %s", digest); close(fd); return NULL; }
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    char check[SHA256_HEX_LEN + 1];
    if (got != n || !sha256_hex(buf, n, check) || strcmp(check, digest)) {
        free(buf);
        perr_set(e, 500, "blob %s is corrupt (its content does not match its digest)", digest);
        return NULL;
    }
    *len = n;
    return buf;
}

long blobs_sweep(blobstore *b, bool (*keep)(void *ctx, const char *digest), void *ctx, perr *e) {
    DIR *top = opendir(b->root);
    if (!top) { perr_set(e, 500, "cannot read %s: %s", b->root, strerror(errno)); return -1; }
    long removed = 0;
    struct dirent *d;
    while ((d = readdir(top))) {
        if (strlen(d->d_name) != 2 || d->d_name[0] == '.') continue;
        char dir[3400];
        snprintf(dir, sizeof dir, "%s/%.2s", b->root, d->d_name);
        DIR *sub = opendir(dir);
        if (!sub) continue;
        struct dirent *f;
        bool changed = false;
        while ((f = readdir(sub))) {
            if (!strcmp(f->d_name, ".") || !strcmp(f->d_name, "..")) continue;
            char path[3400 + 260], digest[300];
            snprintf(path, sizeof path, "%s/%s", dir, f->d_name);
            snprintf(digest, sizeof digest, "%.2s%s", d->d_name, f->d_name);
            bool tmp = !strncmp(f->d_name, TMP_PREFIX, strlen(TMP_PREFIX));
            if (!tmp && sha256_is_hex(digest) && keep(ctx, digest)) continue;
            /* Only our own files: temporaries and digest-named blobs. */
            if (!tmp && !sha256_is_hex(digest)) continue;
            if (unlink(path) == 0) { removed++; changed = true; }
        }
        closedir(sub);
        if (changed) fsync_dir(dir, NULL);
        rmdir(dir); /* only succeeds when empty */
    }
    closedir(top);
    return removed;
}
