/*
 * throw.cpp — the throws: `throw x;` (__cxa_throw), `throw;`
 * (__cxa_rethrow), std::rethrow_exception (__cxa_rethrow_primary_exception),
 * and the guard around main that turns an exception nobody catches into
 * std::terminate, as natively.
 *
 * A throw is a WebAssembly `throw` with the tag __cpp_exception (index 0
 * of __builtin_wasm_throw; the compiler defines the tag, weakly, in every
 * object that uses it) and one i32: the kx_throw. The engine unwinds to the
 * nearest landing pad; nothing here returns. This is the only file of the
 * runtime compiled with exception handling on (mk/rt.mk): a module without
 * throws does not link it.
 */
#include <stdlib.h>

#include <exception>
#include <new>
#include <typeinfo>

#include "exception.h"

using namespace kiln_cxx;

extern "C" {

void *__cxa_begin_catch(void *payload) noexcept;
[[noreturn]] void __cxa_throw(void *obj, std::type_info *type, void *(*dtor)(void *));
[[noreturn]] void __cxa_rethrow(void);
void __cxa_rethrow_primary_exception(void *obj);
[[noreturn]] void __cxa_call_unexpected(void *payload);
int _Unwind_RaiseException(void *payload);
int __kiln_cxx_guard_main(int (*main_fn)(int, char **), int argc, char **argv);
[[noreturn]] void __kiln_cxx_throw_bad_alloc(void);
[[noreturn]] void __cxa_bad_cast(void);
[[noreturn]] void __cxa_bad_typeid(void);
[[noreturn]] void __cxa_throw_bad_array_new_length(void);

/* The unwinder's entry in the ABI; here it is one instruction. */
int _Unwind_RaiseException(void *payload) {
    __builtin_wasm_throw(0, payload);
}

void __cxa_throw(void *obj, std::type_info *type, void *(*dtor)(void *)) {
    kx_primary *p = primary_of(obj);
    p->refs = 1;
    p->type = type;
    p->dtor = dtor;
    p->own.magic = THROW_MAGIC;
    p->own.primary = p;
    raise(&p->own);
}

/* `throw;`: the exception being handled goes on. Without one, the ABI
 * says std::terminate. */
void __cxa_rethrow(void) {
    kx_throw *t = caught;
    if (!t) std::terminate();
    t->handlers = -t->handlers;
    raise(t);
}

/* std::rethrow_exception: a throw record of its own, the object shared. */
void __cxa_rethrow_primary_exception(void *obj) {
    if (!obj) return; /* libc++ then calls std::terminate */
    kx_throw *t = static_cast<kx_throw *>(calloc(1, sizeof *t));
    if (!t) std::terminate();
    kx_primary *p = primary_of(obj);
    p->refs++;
    t->magic = THROW_MAGIC;
    t->dependent = true;
    t->primary = p;
    raise(t);
}

/* An exception specification (throw(A, B)) that did not allow it. */
void __cxa_call_unexpected(void *payload) {
    __cxa_begin_catch(payload);
    std::terminate();
}

/* What the language and operator new throw (libc++abi's versions, in its
 * cxa_aux_runtime, call std::terminate: built without exceptions). The
 * classes and their type_info are libc++abi's. */
void __kiln_cxx_throw_bad_alloc(void) { throw std::bad_alloc(); }
void __cxa_bad_cast(void) { throw std::bad_cast(); }
void __cxa_bad_typeid(void) { throw std::bad_typeid(); }
void __cxa_throw_bad_array_new_length(void) { throw std::bad_array_new_length(); }

/* Calls main (rt/cxx/main.c's __main_void calls this when it is linked):
 * an exception that leaves main is caught here and std::terminate reports
 * it ("terminate called after throwing an instance of ..."), as a native
 * program does. WebAssembly has no search phase, so destructors between
 * the throw and here have already run. */
int __kiln_cxx_guard_main(int (*main_fn)(int, char **), int argc, char **argv) {
    try {
        return main_fn(argc, argv);
    } catch (...) {
        std::terminate();
    }
}

} // extern "C"

void kiln_cxx::raise(kx_throw *t) {
    fly(t);
    t->adjusted = object_of(t->primary);
    _Unwind_RaiseException(t);
    std::terminate(); /* not reached: a wasm throw does not return */
}
