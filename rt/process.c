/*
 * process.c — the process functions programs link against, on WASI preview
 * 1, which has no processes:
 *
 *   system, popen, pclose     fail with ENOSYS; system(NULL) returns 0
 *                             ("no command processor is available")
 *   wait, waitpid             fail with ECHILD: no child ever exists
 *
 * Each family of the libc supplement is a file of its own, so that a
 * program that defines one of these itself does not collide with another
 * it uses from here. docs/toolchain.md has the table for users.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

int system(const char *command)
{
    if (!command) return 0;
    errno = ENOSYS;
    return -1;
}

FILE *popen(const char *command, const char *mode)
{
    (void)command;
    (void)mode;
    errno = ENOSYS;
    return NULL;
}

int pclose(FILE *f)
{
    (void)f;
    errno = ENOSYS;
    return -1;
}

pid_t wait(int *status)
{
    (void)status;
    errno = ECHILD;
    return -1;
}

pid_t waitpid(pid_t pid, int *status, int options)
{
    (void)pid;
    (void)status;
    (void)options;
    errno = ECHILD;
    return -1;
}
