/* token.c — the bearer tokens: 32 bytes from getrandom(2), kept as hex
 * in DATA/admin.token (everything) and DATA/readonly.token (GET only: the
 * web UI's viewers, docs/ui.md), each with mode 0600 (only the server's
 * user, and whoever runs the CLI as that user, can read it). Created once;
 * an operator rotates one by deleting its file and restarting. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/server.h"

static bool read_token(const char *path, char out[65], perr *e) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return perr_set(e, 500, "cannot read %s: %s", path, strerror(errno));
    char buf[128];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) return perr_set(e, 500, "cannot read %s: %s", path, strerror(errno));
    buf[n] = 0;
    buf[strcspn(buf, "\r\n \t")] = 0;
    if (strlen(buf) < 16 || strlen(buf) > 64)
        return perr_set(e, 500, "%s does not hold a token (16 to 64 characters); delete it to make a new one", path);
    memcpy(out, buf, strlen(buf) + 1); /* at most 64 characters and the NUL: checked above */
    return true;
}

bool token_load_or_create(const char *data_dir, char out[65], perr *e) {
    return token_file_load_or_create(data_dir, "admin.token", out, e);
}

bool token_file_load_or_create(const char *data_dir, const char *file, char out[65], perr *e) {
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", data_dir, file) >= (int)sizeof path)
        return perr_set(e, 500, "data directory path too long");
    struct stat st;
    if (stat(path, &st) == 0) {
        if (st.st_mode & 077)
            return perr_set(e, 500, "%s is readable by others (mode %03o): chmod 600 it", path, st.st_mode & 0777);
        return read_token(path, out, e);
    }
    unsigned char raw[32];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return perr_set(e, 500, "getrandom: %s", strerror(errno));
        got += (size_t)n;
    }
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[64] = 0;
    /* O_EXCL: two servers starting at once must not both write a token. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return read_token(path, out, e);
        return perr_set(e, 500, "cannot create %s: %s", path, strerror(errno));
    }
    char line[66];
    snprintf(line, sizeof line, "%s\n", out);
    bool ok = write(fd, line, 65) == 65 && fsync(fd) == 0;
    close(fd);
    if (!ok) { unlink(path); return perr_set(e, 500, "cannot write %s", path); }
    return true;
}

bool token_equal(const char *presented, const char *real) {
    size_t n = strlen(real), m = strlen(presented);
    unsigned char diff = (unsigned char)(n != m);
    for (size_t i = 0; i < n; i++) diff |= (unsigned char)(real[i] ^ (i < m ? presented[i] : 0));
    return diff == 0;
}
