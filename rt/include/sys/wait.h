/*
 * <sys/wait.h> for wasm32-wasi, from kiln's libc supplement: wasi-libc has
 * none, because WASI preview 1 has no processes. A program never has a
 * child, so wait() and waitpid() fail with ECHILD, which is what POSIX says
 * they do then. The status macros decode what system() would return.
 */
#ifndef KILN_RT_SYS_WAIT_H
#define KILN_RT_SYS_WAIT_H

#include <sys/types.h>
#include <stdlib.h> /* the W* macros, as in kiln's <stdlib.h> */

#ifndef WEXITSTATUS
#define WNOHANG 1
#define WUNTRACED 2
#define WEXITSTATUS(s) (((s) & 0xff00) >> 8)
#define WTERMSIG(s) ((s) & 0x7f)
#define WSTOPSIG(s) WEXITSTATUS(s)
#define WIFEXITED(s) (!WTERMSIG(s))
#define WIFSTOPPED(s) ((short)((((s) & 0xffff) * 0x10001) >> 8) > 0x7f00)
#define WIFSIGNALED(s) (((s) & 0xffff) - 1U < 0xffu)
#endif
#ifndef WCOREDUMP
#define WCOREDUMP(s) ((s) & 0x80)
#define WIFCONTINUED(s) ((s) == 0xffff)
#endif

#ifdef __cplusplus
extern "C" {
#endif

pid_t wait(int *);
pid_t waitpid(pid_t, int *, int);

#ifdef __cplusplus
}
#endif

#endif
