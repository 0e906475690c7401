/*
 * emptypath.c — the empty path names no file (POSIX: ENOENT), for every
 * call that takes a path, before and after chdir; other paths resolve as
 * before. Lua's package.searchpath tries an empty template and must not
 * find "" (its test suite, attrib.lua). Run in a scratch directory that is
 * preopened as "."; prints what native prints.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *what, int r)
{
    printf("%-24s %s\n", what, r == 0 ? "ok" : strerror(errno));
    errno = 0;
}

static void empty_paths(const char *when)
{
    struct stat st;
    printf("-- %s\n", when);
    FILE *f = fopen("", "r");
    show("fopen(\"\")", f ? 0 : -1);
    if (f) fclose(f);
    int fd = open("", O_RDONLY);
    show("open(\"\")", fd >= 0 ? 0 : -1);
    if (fd >= 0) close(fd);
    show("stat(\"\")", stat("", &st));
    show("access(\"\")", access("", F_OK));
    DIR *d = opendir("");
    show("opendir(\"\")", d ? 0 : -1);
    if (d) closedir(d);
    show("mkdir(\"\")", mkdir("", 0755));
    show("chdir(\"\")", chdir(""));
    show("stat(\".\")", stat(".", &st));
}

int main(void)
{
    empty_paths("at the start");
    show("mkdir(sub)", mkdir("sub", 0755));
    FILE *f = fopen("file", "w");
    show("fopen(file, w)", f ? 0 : -1);
    if (f) fclose(f);
    show("chdir(file)", chdir("file"));
    show("chdir(missing)", chdir("missing"));
    show("chdir(sub)", chdir("sub"));
    empty_paths("in sub");
    struct stat st;
    show("stat(../file)", stat("../file", &st));
    f = fopen("inner", "w");
    show("fopen(inner, w)", f ? 0 : -1);
    if (f) fclose(f);
    char cwd[256];
    printf("getcwd in sub ends in /sub: %d\n", getcwd(cwd, sizeof cwd) && strlen(cwd) >= 4 &&
                                                     !strcmp(cwd + strlen(cwd) - 4, "/sub"));
    show("chdir(./../sub/.)", chdir("./../sub/."));
    show("stat(inner)", stat("inner", &st));
    show("chdir(..)", chdir(".."));
    show("stat(sub/inner)", stat("sub/inner", &st));
    show("unlink(sub/inner)", unlink("sub/inner"));
    show("rmdir(sub)", rmdir("sub"));
    show("unlink(file)", unlink("file"));
    return 0;
}
