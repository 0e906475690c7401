/*
 * trap.c — traps as values: making them, naming their kinds, walking the
 * call stack for a backtrace, and turning a fault inside linear memory into
 * a trap.
 *
 * The signal handler is the engine's one piece of process-wide state. It is
 * installed once (the first kiln_engine_new) for SIGSEGV and SIGBUS. A fault
 * is ours only when this thread is running wasm (kiln_tls_exec is set) and
 * the address lies inside the current instance's linear-memory reservation;
 * then the handler siglongjmps back to interp_call. Any other fault goes to
 * the handler that was installed before ours, or to the default action.
 */
#define _GNU_SOURCE /* REG_RIP */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

#include "engine/runtime.h"
#include "engine/errkind.h"

__thread exec *kiln_tls_exec;

static const struct {
    const char *message; /* plain words, for people */
    const char *spec;    /* what the spec testsuite calls it */
    const char *id;      /* for machines: JSON, metrics */
} kinds[] = {
    [KILN_TRAP_NONE] = {"no trap", "", "none"},
    [KILN_TRAP_UNREACHABLE] = {"unreachable code was reached", "unreachable", "unreachable"},
    [KILN_TRAP_MEMORY_OUT_OF_BOUNDS] = {"out-of-bounds memory access", "out of bounds memory access", "memory_out_of_bounds"},
    [KILN_TRAP_TABLE_OUT_OF_BOUNDS] = {"out-of-bounds table access", "out of bounds table access", "table_out_of_bounds"},
    [KILN_TRAP_INTEGER_OVERFLOW] = {"integer overflow", "integer overflow", "integer_overflow"},
    [KILN_TRAP_INTEGER_DIVIDE_BY_ZERO] = {"integer divide by zero", "integer divide by zero", "integer_divide_by_zero"},
    [KILN_TRAP_INVALID_CONVERSION] = {"invalid conversion to integer (NaN)", "invalid conversion to integer", "invalid_conversion"},
    [KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH] = {"indirect call signature mismatch", "indirect call type mismatch", "indirect_call_type_mismatch"},
    [KILN_TRAP_UNINITIALIZED_ELEMENT] = {"indirect call through a null table element", "uninitialized element", "uninitialized_element"},
    [KILN_TRAP_UNDEFINED_ELEMENT] = {"indirect call past the end of the table", "undefined element", "undefined_element"},
    [KILN_TRAP_CALL_STACK_EXHAUSTED] = {"call stack exhausted", "call stack exhausted", "call_stack_exhausted"},
    [KILN_TRAP_OUT_OF_FUEL] = {"out of fuel", "out of fuel", "out_of_fuel"},
    [KILN_TRAP_TIMEOUT] = {"deadline exceeded (timeout)", "timeout", "timeout"},
    [KILN_TRAP_HOST] = {"host function failed", "host error", "host"},
    [KILN_TRAP_EXIT] = {"the guest exited", "exit", "exit"},
    [KILN_TRAP_EXCEPTION] = {"uncaught wasm exception", "uncaught exception", "exception"},
    [KILN_TRAP_NULL_EXNREF] = {"throw_ref of a null exception reference", "null exception reference", "null_exnref"},
};

_Static_assert(sizeof kinds / sizeof kinds[0] == KILN_TRAP_NULL_EXNREF + 1, "one row per trap kind");

const char *kiln_trap_kind_id(kiln_trap_kind k) {
    return (unsigned)k < sizeof kinds / sizeof kinds[0] ? kinds[k].id : "trap";
}

const char *kiln_trap_kind_message(kiln_trap_kind k) {
    return (unsigned)k < sizeof kinds / sizeof kinds[0] ? kinds[k].message : "unknown trap";
}

const char *kiln_trap_kind_spec_text(kiln_trap_kind k) {
    return (unsigned)k < sizeof kinds / sizeof kinds[0] ? kinds[k].spec : "";
}

kiln_trap *trap_make(kiln_trap_kind kind) {
    kiln_trap *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->kind = kind;
    snprintf(t->message, sizeof t->message, "%s", kiln_trap_kind_message(kind));
    return t;
}

kiln_trap *kiln_trap_new(kiln_trap_kind kind, const char *fmt, ...) {
    kiln_trap *t = trap_make(kind);
    if (t && fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->detail, sizeof t->detail, fmt, ap);
        va_end(ap);
    }
    return t;
}

kiln_trap *kiln_trap_exit(int code) {
    kiln_trap *t = trap_make(KILN_TRAP_EXIT);
    if (t) {
        t->exit_code = code;
        snprintf(t->detail, sizeof t->detail, "exit status %d", code);
    }
    return t;
}

void kiln_trap_free(kiln_trap *t) {
    if (!t) return;
    free(t->exn_slots);
    for (uint32_t i = 0; i < t->nframes; i++) free(t->frames[i].locals);
    free(t->frames);
    free(t);
}

uint32_t funcdef_wasm_offset(const funcdef *f, const uint32_t *pc) {
    if (!f->npcmap) return f->body_offset;
    uint32_t at = (uint32_t)(pc - f->code);
    uint32_t lo = 0, hi = f->npcmap; /* find the last entry with .pc <= at */
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (f->pcmap[mid].pc <= at) lo = mid;
        else hi = mid;
    }
    return f->pcmap[lo].pc <= at ? f->pcmap[lo].wasm_offset : f->body_offset;
}

void trap_backtrace(kiln_trap *t, exec *ex, const uint32_t *pc) {
    if (!pc || !ex->fsp || ex->fsp < ex->frames) return;
    uint32_t n = 0;
    for (frame *f = ex->fsp; f >= ex->frames; f--) {
        n++;
        if (!f->ret_pc) break;
    }
    for (uint32_t i = 0; i < t->nframes; i++) free(t->frames[i].locals);
    free(t->frames);
    t->frames = calloc(n, sizeof *t->frames);
    if (!t->frames) { t->nframes = 0; return; }
    const uint32_t *at = pc;
    uint32_t i = 0;
    for (frame *f = ex->fsp; i < n; f--, i++) {
        const kiln_module *m = f->inst->module;
        kiln_frame *fr = &t->frames[i];
        fr->module = m;
        fr->func_index = f->fn->index;
        fr->module_offset = funcdef_wasm_offset(f->fn, at);
        fr->code_offset = fr->module_offset - m->code_section_offset;
        fr->instance = f->inst;
        uint32_t ns = f->fn->nlocal_slots;
        if (ex->capture_locals && (fr->locals = malloc((ns ? ns : 1) * sizeof *fr->locals))) {
            memcpy(fr->locals, f->fp, ns * sizeof *fr->locals);
            fr->nlocals = ns;
        }
        at = f->ret_pc ? f->ret_pc - 1 : NULL;
    }
    t->nframes = n;
}

uint64_t engine_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ signals */

static struct sigaction old_segv, old_bus;
static pthread_once_t signals_once = PTHREAD_ONCE_INIT;
static bool signals_ok;
static pthread_key_t altstack_key;

static void chain(int sig, siginfo_t *si, void *uc) {
    struct sigaction *old = sig == SIGBUS ? &old_bus : &old_segv;
    if (old->sa_flags & SA_SIGINFO) {
        if (old->sa_sigaction) { old->sa_sigaction(sig, si, uc); return; }
    } else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
        old->sa_handler(sig);
        return;
    }
    /* Default action: restore it and return; the fault happens again. */
    signal(sig, SIG_DFL);
}

/* The instruction that faulted and the registers it read: native code
 * finds its access, and the access's address, by them (native/rt.c). */
static void *fault_context(exec *ex, void *uc) {
#if defined(__x86_64__) && defined(__linux__)
    static const int order[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                  REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
    const greg_t *g = ((ucontext_t *)uc)->uc_mcontext.gregs;
    for (int i = 0; i < 16; i++) ex->fault_regs[i] = (uint64_t)g[order[i]];
    return (void *)g[REG_RIP];
#else
    (void)ex;
    (void)uc;
    return NULL;
#endif
}

static void on_fault(int sig, siginfo_t *si, void *uc) {
    exec *ex = kiln_tls_exec;
    if (ex && ex->jmp && ex->fsp && ex->fsp >= ex->frames) {
        kiln_memory *m = ex->fsp->inst->memory;
        uint8_t *a = si->si_addr;
        if (m && a >= m->base && a < m->base + m->reserved) {
            ex->fault_addr = a;
            ex->fault_pc = fault_context(ex, uc);
            siglongjmp(*ex->jmp, 1);
        }
    }
    chain(sig, si, uc);
}

static void free_altstack(void *p) {
    stack_t ss = {.ss_flags = SS_DISABLE};
    sigaltstack(&ss, NULL);
    free(p);
}

static void install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sigemptyset(&sa.sa_mask);
    /* SA_NODEFER: siglongjmp leaves the handler without restoring a mask,
     * so the signal must not be blocked while it runs. */
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    signals_ok = sigaction(SIGSEGV, &sa, &old_segv) == 0 && sigaction(SIGBUS, &sa, &old_bus) == 0;
}

/* The key that frees each thread's alternate stack when the thread ends:
 * created on its own, since an engine with explicit bounds checks installs
 * no handler but its threads still get a stack (a key never created is
 * some other library's: pthread_setspecific on key 0 overwrote OpenSSL's
 * per-thread state, and its exit handler crashed). */
static pthread_once_t altstack_once = PTHREAD_ONCE_INIT;
static bool altstack_key_ok;
static void altstack_key_init(void) { altstack_key_ok = pthread_key_create(&altstack_key, free_altstack) == 0; }

bool signals_install(kiln_error *err) {
    pthread_once(&signals_once, install);
    if (!signals_ok && err) error_set(err, KILN_ERR_INTERNAL, "cannot install the trap signal handler");
    return signals_ok;
}

/* Gives this thread an alternate signal stack, so a fault is handled even
 * when the thread's own stack is what ran out. */
void signals_thread_init(void) {
    static __thread bool done;
    if (done) return;
    done = true;
    stack_t old;
    if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE)) return; /* has one */
    pthread_once(&altstack_once, altstack_key_init);
    if (!altstack_key_ok) return; /* nothing would free it */
    size_t size = 64 * 1024;
    void *p = malloc(size);
    if (!p) return;
    stack_t ss = {.ss_sp = p, .ss_size = size, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) { free(p); return; }
    pthread_setspecific(altstack_key, p);
}
