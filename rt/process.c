/*
 * process.c — the process functions programs link against, on WASI preview
 * 1, which has no processes:
 *
 *   system, popen, pclose     fail with ENOSYS; system(NULL) returns 0
 *                             ("no command processor is available")
 *   fork, vfork, execv, execve, execvp, execl, execle, execlp
 *                             fail with ENOSYS ("not supported on this
 *                             platform", as POSIX allows), so that a program
 *                             whose process features are optional (pcre2grep's
 *                             fork callouts, say) builds and takes its error
 *                             path instead of failing to link
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
#include <unistd.h>

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

pid_t fork(void)
{
    errno = ENOSYS;
    return -1;
}

pid_t vfork(void)
{
    errno = ENOSYS;
    return -1;
}

int execve(const char *path, char *const argv[], char *const envp[])
{
    (void)path;
    (void)argv;
    (void)envp;
    errno = ENOSYS;
    return -1;
}

int execv(const char *path, char *const argv[])
{
    (void)path;
    (void)argv;
    errno = ENOSYS;
    return -1;
}

int execvp(const char *file, char *const argv[])
{
    (void)file;
    (void)argv;
    errno = ENOSYS;
    return -1;
}

/* The list forms take their arguments as varargs, which need not be read
 * to fail. */
int execl(const char *path, const char *arg, ...)
{
    (void)path;
    (void)arg;
    errno = ENOSYS;
    return -1;
}

int execle(const char *path, const char *arg, ...)
{
    (void)path;
    (void)arg;
    errno = ENOSYS;
    return -1;
}

int execlp(const char *file, const char *arg, ...)
{
    (void)file;
    (void)arg;
    errno = ENOSYS;
    return -1;
}
