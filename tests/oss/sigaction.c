/*
 * sigaction.c — sigaction and signal sets as POSIX describes them, for the
 * signals a program raises itself (the only ones a WASI program gets).
 * Lua's interpreter, built with LUA_USE_POSIX, installs its SIGINT handler
 * with sigaction. Prints what native prints.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t hits[3];

static void on_int(int sig) { hits[0]++; (void)sig; }
static void on_usr1(int sig) { hits[1]++; (void)sig; }

int main(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_int;
    sigemptyset(&sa.sa_mask);
    printf("sigaction(SIGINT) %d\n", sigaction(SIGINT, &sa, &old));
    printf("previous handler is SIG_DFL: %d\n", old.sa_handler == SIG_DFL);
    raise(SIGINT);
    raise(SIGINT);
    printf("SIGINT handled %d times\n", (int)hits[0]);
    int q = sigaction(SIGINT, NULL, &old);
    printf("query %d, handler is on_int: %d\n", q, old.sa_handler == on_int);

    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR1, &sa, NULL);
    q = sigaction(SIGUSR1, NULL, &old);
    printf("query SIGUSR1: on_usr1 %d, SA_RESETHAND %d\n", q == 0 && old.sa_handler == on_usr1,
           (old.sa_flags & SA_RESETHAND) != 0);
    raise(SIGUSR1);
    sigaction(SIGUSR1, NULL, &old);
    printf("after one SIGUSR1: handled %d, handler reset to SIG_DFL %d\n", (int)hits[1],
           old.sa_handler == SIG_DFL);

    sa.sa_handler = SIG_IGN;
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, &old);
    printf("old is on_int: %d\n", old.sa_handler == on_int);
    raise(SIGINT);
    printf("ignored SIGINT: handled still %d\n", (int)hits[0]);

    errno = 0;
    int r = sigaction(0, &sa, NULL);
    printf("sigaction(0) %d %s\n", r, strerror(errno));
    errno = 0;
    r = sigaction(SIGKILL, &sa, NULL);
    printf("sigaction(SIGKILL) %d %s\n", r, strerror(errno));

    sigset_t set;
    sigemptyset(&set);
    printf("empty: INT %d\n", sigismember(&set, SIGINT));
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, 64);
    printf("added: INT %d TERM %d 64 %d USR1 %d\n", sigismember(&set, SIGINT), sigismember(&set, SIGTERM),
           sigismember(&set, 64), sigismember(&set, SIGUSR1));
    sigdelset(&set, SIGINT);
    printf("deleted INT: %d\n", sigismember(&set, SIGINT));
    sigfillset(&set);
    printf("full: USR2 %d\n", sigismember(&set, SIGUSR2));
    errno = 0;
    r = sigaddset(&set, 0);
    printf("sigaddset(0) %d %s\n", r, strerror(errno));
    return 0;
}
