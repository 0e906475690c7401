/*
 * supplement.c — the documented behaviour of each function of kiln's libc
 * supplement (rt/, docs/toolchain.md), one line per check: "ok NAME" or
 * "FAIL NAME: why". tests/suites/toolchain runs it under each engine twice:
 * with the temporary directory preopened as /tmp (argv[1] = "preopened")
 * and with nothing preopened (argv[1] = "none"), where the temporary-file
 * functions must fail with ENOTCAPABLE instead of pretending.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(const char *name, int ok, const char *why)
{
    if (ok) {
        printf("ok %s\n", name);
    } else {
        printf("FAIL %s: %s (errno %d: %s)\n", name, why, errno, strerror(errno));
        failures++;
    }
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The temporary directory is preopened as /tmp. */
static void preopened(void)
{
    FILE *f = tmpfile();
    check("tmpfile returns a stream", f != NULL, "NULL");
    if (f) {
        char buf[16] = {0};
        int ok = fputs("round trip", f) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
                 fread(buf, 1, sizeof buf - 1, f) == 10 && !strcmp(buf, "round trip");
        check("tmpfile reads back what was written", ok, buf);
        fclose(f);
    }

    char name[L_tmpnam];
    char *n = tmpnam(name);
    check("tmpnam gives /tmp/tmp + 6 characters", n == name && !strncmp(name, "/tmp/tmp", 8) &&
          strlen(name) == 14, n ? n : "NULL");
    check("tmpnam's name does not exist", n && !exists(name), name);

    char *tn = tempnam(NULL, "pre");
    check("tempnam uses $TMPDIR and the prefix", tn && !strncmp(tn, "/tmp/pre", 8), tn ? tn : "NULL");
    free(tn);

    char t[] = "/tmp/sXXXXXX";
    int fd = mkstemp(t);
    check("mkstemp creates the file it names", fd >= 0 && strcmp(t, "/tmp/sXXXXXX") && exists(t), t);
    if (fd >= 0) {
        check("mkstemp's descriptor is open for writing", write(fd, "x", 1) == 1, "write");
        close(fd);
        unlink(t);
    }

    char ts[] = "/tmp/sXXXXXX.txt";
    fd = mkstemps(ts, 4);
    check("mkstemps keeps the suffix", fd >= 0 && !strcmp(ts + 12, ".txt") && memcmp(ts + 6, "XXXXXX", 6),
          ts);
    if (fd >= 0) {
        close(fd);
        unlink(ts);
    }

    char to[] = "/tmp/oXXXXXX";
    fd = mkostemp(to, O_APPEND);
    /* By its effect: a write after seeking to 0 still lands at the end. */
    struct stat ast;
    int appended = fd >= 0 && write(fd, "a", 1) == 1 && lseek(fd, 0, SEEK_SET) == 0 &&
                   write(fd, "b", 1) == 1 && fstat(fd, &ast) == 0 && ast.st_size == 2;
    check("mkostemp takes O_APPEND", appended, to);
    if (fd >= 0) {
        close(fd);
        unlink(to);
    }

    char d[] = "/tmp/dXXXXXX";
    struct stat st;
    check("mkdtemp creates a directory", mkdtemp(d) == d && stat(d, &st) == 0 && S_ISDIR(st.st_mode), d);
    rmdir(d);

    char bad[] = "/tmp/noXs";
    errno = 0;
    check("mkstemp rejects a template without XXXXXX (EINVAL)", mkstemp(bad) == -1 && errno == EINVAL, bad);

    /* chmod and friends: no-ops on files that exist, stat's error otherwise. */
    char c[] = "/tmp/cXXXXXX";
    fd = mkstemp(c);
    check("chmod on an existing file succeeds", fd >= 0 && chmod(c, 0644) == 0, c);
    check("fchmod succeeds", fchmod(fd, 0600) == 0, "fchmod");
    check("fchmodat succeeds", fchmodat(AT_FDCWD, c, 0600, 0) == 0, "fchmodat");
    check("chown succeeds", chown(c, 1000, 1000) == 0, "chown");
    check("fchown succeeds", fchown(fd, 0, 0) == 0, "fchown");
    check("lchown succeeds", lchown(c, 0, 0) == 0, "lchown");
    check("fchownat succeeds", fchownat(AT_FDCWD, c, 0, 0, 0) == 0, "fchownat");
    close(fd);
    unlink(c);
    errno = 0;
    check("chmod on a missing file fails with ENOENT", chmod("/tmp/no-such-file", 0644) == -1 && errno == ENOENT,
          "chmod");
    errno = 0;
    check("chown on a missing file fails with ENOENT", chown("/tmp/no-such-file", 0, 0) == -1 && errno == ENOENT,
          "chown");
}

/* Nothing is preopened: the temporary-file functions must say so. */
static void none(void)
{
    errno = 0;
    check("tmpfile fails with ENOTCAPABLE", tmpfile() == NULL && errno == ENOTCAPABLE, "tmpfile");
    errno = 0;
    check("tmpnam fails with ENOTCAPABLE", tmpnam(NULL) == NULL && errno == ENOTCAPABLE, "tmpnam");
    errno = 0;
    check("tempnam fails with ENOTCAPABLE", tempnam(NULL, "x") == NULL && errno == ENOTCAPABLE, "tempnam");
    char t[] = "/tmp/sXXXXXX";
    errno = 0;
    check("mkstemp fails with ENOTCAPABLE and restores the template",
          mkstemp(t) == -1 && errno == ENOTCAPABLE && !strcmp(t, "/tmp/sXXXXXX"), t);
    char d[] = "/tmp/dXXXXXX";
    errno = 0;
    check("mkdtemp fails with ENOTCAPABLE", mkdtemp(d) == NULL && errno == ENOTCAPABLE, d);
    errno = 0;
    check("chmod outside the preopens fails with ENOTCAPABLE", chmod("/etc/passwd", 0644) == -1 &&
          errno == ENOTCAPABLE, "chmod");
}

static void always(void)
{
    check("system(NULL) is 0: no command processor", system(NULL) == 0, "system(NULL)");
    errno = 0;
    check("system fails with ENOSYS", system("echo hi") == -1 && errno == ENOSYS, "system");
    errno = 0;
    check("popen fails with ENOSYS", popen("echo hi", "r") == NULL && errno == ENOSYS, "popen");
    errno = 0;
    check("pclose fails with ENOSYS", pclose(stdout) == -1 && errno == ENOSYS, "pclose");
    errno = 0;
    check("fork fails with ENOSYS", fork() == -1 && errno == ENOSYS, "fork");
    char *const args[] = {"/bin/sh", NULL};
    errno = 0;
    check("execv fails with ENOSYS", execv("/bin/sh", args) == -1 && errno == ENOSYS, "execv");
    errno = 0;
    check("execvp fails with ENOSYS", execvp("sh", args) == -1 && errno == ENOSYS, "execvp");
    errno = 0;
    check("execl fails with ENOSYS", execl("/bin/sh", "sh", (char *)NULL) == -1 && errno == ENOSYS, "execl");
    int status = 0;
    errno = 0;
    check("wait fails with ECHILD", wait(&status) == -1 && errno == ECHILD, "wait");
    errno = 0;
    check("waitpid fails with ECHILD", waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD, "waitpid");
    check("WEXITSTATUS decodes Linux's layout", WIFEXITED(3 << 8) && WEXITSTATUS(3 << 8) == 3, "W*");
    check("umask returns the previous mask (022 first)", umask(077) == 022 && umask(022) == 077, "umask");
    flockfile(stdout);
    check("ftrylockfile gets the lock", ftrylockfile(stdout) == 0, "ftrylockfile");
    funlockfile(stdout);
    funlockfile(stdout);
    check("getpid returns a positive number", getpid() > 0, "getpid");
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    always();
    if (!strcmp(mode, "preopened"))
        preopened();
    else if (!strcmp(mode, "none"))
        none();
    else
        check("the mode argument is 'preopened' or 'none'", 0, mode);
    printf("%d failures\n", failures);
    return failures != 0;
}
