/*
 * signal.c — sigaction and signal sets over wasi-libc's signal emulation.
 *
 * wasi-libc's signal() keeps a handler per signal and raise() calls it;
 * nothing else can deliver a signal to a WASI program. sigaction is that
 * same table seen through POSIX's interface, so code written for it (the
 * Lua interpreter's SIGINT handler, most daemons) builds and behaves as
 * natively for every signal the program raises itself. sa_mask and the
 * flags have nothing to act on (one thread, no asynchronous delivery),
 * except SA_RESETHAND, kept by calling the handler through a trampoline
 * that restores SIG_DFL first. Signal sets are plain bit sets.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#define NSIGNALS _NSIG

/* The handler a SA_RESETHAND trampoline stands for, per signal. */
static void (*reset_handler[NSIGNALS])(int);

static void reset_then_call(int sig)
{
    void (*h)(int) = reset_handler[sig];
    reset_handler[sig] = NULL;
    signal(sig, SIG_DFL);
    if (h) h(sig);
}

int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict old)
{
    if (sig <= 0 || sig >= NSIGNALS) {
        errno = EINVAL;
        return -1;
    }
    void (*prev)(int), (*was_reset)(int) = reset_handler[sig];
    if (act) {
        void (*h)(int) = act->sa_handler;
        int reset = (act->sa_flags & SA_RESETHAND) && h != SIG_DFL && h != SIG_IGN;
        prev = signal(sig, reset ? reset_then_call : h);
        if (prev == SIG_ERR) return -1; /* SIGKILL, SIGSTOP: signal() set errno */
        reset_handler[sig] = reset ? h : NULL;
    } else {
        /* Only a query: wasi-libc has no call that reads the table, so
         * swap the handler out and back. */
        prev = signal(sig, SIG_DFL);
        if (prev == SIG_ERR) return -1;
        signal(sig, prev);
    }
    if (old) {
        memset(old, 0, sizeof *old);
        old->sa_handler = prev == reset_then_call ? was_reset : prev;
        if (prev == reset_then_call) old->sa_flags = (int)SA_RESETHAND;
    }
    return 0;
}

static int bit(int sig, unsigned long *word, unsigned long *mask)
{
    if (sig <= 0 || sig >= NSIGNALS) {
        errno = EINVAL;
        return -1;
    }
    unsigned b = (unsigned)sig - 1, w = 8 * sizeof(unsigned long);
    *word = b / w;
    *mask = 1ul << (b % w);
    return 0;
}

int sigemptyset(sigset_t *set)
{
    memset(set, 0, sizeof *set);
    return 0;
}

int sigfillset(sigset_t *set)
{
    memset(set, 0xff, sizeof *set);
    return 0;
}

int sigaddset(sigset_t *set, int sig)
{
    unsigned long w, m;
    if (bit(sig, &w, &m)) return -1;
    set->__bits[w] |= m;
    return 0;
}

int sigdelset(sigset_t *set, int sig)
{
    unsigned long w, m;
    if (bit(sig, &w, &m)) return -1;
    set->__bits[w] &= ~m;
    return 0;
}

int sigismember(const sigset_t *set, int sig)
{
    unsigned long w, m;
    if (bit(sig, &w, &m)) return -1;
    return (set->__bits[w] & m) != 0;
}
