/*
 * exception.h — the C++ exception runtime's objects and state, shared by its
 * files (rt/cxx/). Written for kiln from the Itanium C++ ABI's exception
 * handling chapter and WebAssembly's exception-handling design (see
 * docs/toolchain.md, "C++ exceptions"); the layout below is ours: only
 * this runtime reads it. What the compiler and libc++ see is the ABI's
 * functions (__cxa_*), the personality's interface (__wasm_lpad_context,
 * _Unwind_CallPersonality) and a pointer to a `kx_throw` as the payload of
 * a WebAssembly exception with the tag __cpp_exception.
 *
 * A thrown object lives in a block that starts with its `kx_primary`
 * (type, destructor, reference count): __cxa_allocate_exception returns
 * the address just past it. Each throw of it is a `kx_throw`: the
 * primary's own for `throw x;` and `throw;`, a separate (dependent) one
 * for std::rethrow_exception, so that an exception_ptr can be rethrown
 * while the same object is still being handled.
 *
 * State is a few statics: WASI preview 1 has no threads.
 */
#ifndef KILN_RT_CXX_EXCEPTION_H
#define KILN_RT_CXX_EXCEPTION_H

#include <stddef.h>
#include <stdint.h>
#include <typeinfo>

namespace kiln_cxx {

enum : uint32_t {
    THROW_MAGIC = 0x4b4c4e2b, /* "KLN+": the payload is one of ours */
};

struct kx_primary;

struct kx_throw {
    uint32_t magic;
    bool dependent;          /* a separate block (rethrow_exception), freed when handled */
    int handlers;            /* catch clauses handling it; negative while rethrown */
    kx_primary *primary;
    kx_throw *next_caught;   /* the caught stack (most recent first) */
    kx_throw *next_flying;   /* thrown and not yet caught (most recent first) */
    void *adjusted;          /* what the matching catch clause receives */
};

struct alignas(16) kx_primary {
    uint32_t refs;           /* the throw, and each exception_ptr */
    const std::type_info *type;
    void *(*dtor)(void *);   /* WebAssembly's C++ ABI: destructors return `this` */
    kx_throw own;
};
/* The thrown object follows its header, aligned as malloc aligns. */
static_assert(sizeof(kx_primary) % 16 == 0, "the thrown object stays aligned");

inline void *object_of(kx_primary *p) { return p + 1; }
inline kx_primary *primary_of(void *obj) { return static_cast<kx_primary *>(obj) - 1; }

/* state.cpp */
extern kx_throw *caught;      /* top of the caught stack */
extern kx_throw *flying;      /* the most recent throw not yet caught */
extern unsigned uncaught;     /* std::uncaught_exceptions() */
void fly(kx_throw *t);        /* a throw starts: counted, on the flying list */
kx_throw *as_throw(void *payload); /* the payload as ours, or terminate */

/* The catch clause's type against the thrown one, through libc++abi's
 * type_info classes (personality.cpp). *adjusted: in, the thrown object;
 * out, what the clause receives (a base subobject, a pointer's value). */
bool can_catch(const std::type_info *clause, const std::type_info *thrown, void **adjusted);

/* throw.cpp: throws the WebAssembly exception; never returns. */
[[noreturn]] void raise(kx_throw *t);

} // namespace kiln_cxx

#endif
