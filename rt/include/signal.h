/*
 * kiln's <signal.h>: wasi-libc's (signal() and raise(), with kiln-cc's
 * default -D_WASI_EMULATED_SIGNAL), plus sigaction and the signal-set
 * functions from kiln's runtime (rt/signal.c). Programs install their
 * handlers with sigaction as often as with signal (Lua's interpreter with
 * LUA_USE_POSIX does); on WASI both reach the same table, and a handler runs
 * when the program raises its signal. No signal arrives from outside, there
 * is no SA_SIGINFO (no siginfo_t), no masks (sigprocmask) and no kill().
 */
#ifndef KILN_RT_SIGNAL_H
#define KILN_RT_SIGNAL_H

#include_next <signal.h>

#define __NEED_sigset_t
#include <bits/alltypes.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sigaction {
    void (*sa_handler)(int);
    sigset_t sa_mask;
    int sa_flags;
};

/* Linux's values. Accepted and without effect, but SA_RESETHAND, which
 * restores the default handler before the handler runs. */
#define SA_NOCLDSTOP 1
#define SA_NOCLDWAIT 2
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000

int sigaction(int, const struct sigaction *__restrict, struct sigaction *__restrict);
int sigemptyset(sigset_t *);
int sigfillset(sigset_t *);
int sigaddset(sigset_t *, int);
int sigdelset(sigset_t *, int);
int sigismember(const sigset_t *, int);

#ifdef __cplusplus
}
#endif

#endif
