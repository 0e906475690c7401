/* datalock.c — one server per data directory. A registry has one writer
 * by design: the resolution cache, the deploy lock, the blob sweep at start
 * and the usage aggregation all assume that no other process changes the
 * directory under them (a second server's sweep would delete a blob the
 * first is between writing and committing). So a server holds an exclusive
 * flock on DATA/serve.lock for its whole life, with its PID inside for the
 * message the next one prints. The kernel drops the lock when the process
 * dies, however it dies: no stale lock to clean up after a kill -9. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "platform/server.h"

int datadir_lock(const char *data_dir, perr *e) {
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/serve.lock", data_dir) >= sizeof path) {
        perr_set(e, 500, "data directory path too long: %s", data_dir);
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        perr_set(e, 500, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        if (err != EWOULDBLOCK) {
            close(fd);
            perr_set(e, 500, "cannot lock %s: %s", path, strerror(err));
            return -1;
        }
        char buf[32] = "";
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        close(fd);
        buf[n > 0 ? n : 0] = 0;
        char *end;
        long pid = strtol(buf, &end, 10);
        if (pid > 0 && (*end == '\n' || !*end))
            perr_set(e, 409, "data directory %s is in use by another kiln serve (pid %ld): stop it first, or "
                             "give this server another --data", data_dir, pid);
        else
            perr_set(e, 409, "data directory %s is in use by another kiln serve (its pid is not recorded yet): "
                             "stop it first, or give this server another --data", data_dir);
        return -1;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        int err = errno;
        close(fd);
        perr_set(e, 500, "cannot write %s: %s", path, strerror(err));
        return -1;
    }
    return fd;
}
