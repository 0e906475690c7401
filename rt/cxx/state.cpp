/*
 * state.cpp — exception objects and the handlers' bookkeeping: allocation,
 * reference counts (std::exception_ptr), the stack of caught exceptions,
 * __cxa_begin_catch/__cxa_end_catch, and what std::uncaught_exceptions(),
 * std::current_exception() and the terminate handler ask.
 *
 * No WebAssembly exception instruction here (compiled with
 * -fno-exceptions): a program that only asks questions (libc++'s
 * exception_ptr, uncaught_exceptions) does not become a module with
 * exception handling. The throws are in throw.cpp.
 *
 * The rules are the Itanium C++ ABI's (2.5.3, 2.5.4): a catch clause
 * entered counts one handler and puts the exception on the caught stack;
 * leaving it uncounts it, and the last handler destroys it unless it was
 * rethrown (`throw;` makes the count negative: leaving the clause then
 * moves the count toward zero and takes the exception off the stack, and
 * the next catch clause that enters counts from there).
 */
#include <stdlib.h>
#include <string.h>

#include <exception>

#include "exception.h"

namespace kiln_cxx {

kx_throw *caught;
kx_throw *flying;
unsigned uncaught;

void fly(kx_throw *t) {
    t->next_flying = flying;
    flying = t;
    uncaught++;
}

/* Only this runtime's throws carry the tag __cpp_exception; anything else
 * (a module built with another runtime linked in) is no exception we can
 * handle: std::terminate says so. */
kx_throw *as_throw(void *payload) {
    kx_throw *t = static_cast<kx_throw *>(payload);
    if (!t || t->magic != THROW_MAGIC) std::terminate();
    return t;
}

static void land(kx_throw *t) {
    for (kx_throw **p = &flying; *p; p = &(*p)->next_flying)
        if (*p == t) {
            *p = t->next_flying;
            break;
        }
    t->next_flying = nullptr;
    if (uncaught) uncaught--;
}

} // namespace kiln_cxx

using namespace kiln_cxx;

/* A program that can catch can catch std::bad_alloc: operator new
 * (new.cpp) throws it through throw.cpp, which it references only weakly. */
extern "C" [[noreturn]] void __kiln_cxx_throw_bad_alloc(void);
__attribute__((used)) static void (*const keep_bad_alloc)(void) = __kiln_cxx_throw_bad_alloc;

extern "C" {

void *__cxa_allocate_exception(size_t size) noexcept;
void __cxa_free_exception(void *obj) noexcept;
void *__cxa_begin_catch(void *payload) noexcept;
void __cxa_end_catch(void);
void *__cxa_get_exception_ptr(void *payload) noexcept;
std::type_info *__cxa_current_exception_type(void);
int __cxa_uncaught_exceptions(void) noexcept;
bool __cxa_uncaught_exception(void) noexcept;
void __cxa_increment_exception_refcount(void *obj) noexcept;
void __cxa_decrement_exception_refcount(void *obj) noexcept;
void *__cxa_current_primary_exception(void) noexcept;

/* The ABI says: std::terminate when there is no memory for the exception. */
void *__cxa_allocate_exception(size_t size) noexcept {
    size_t total = sizeof(kx_primary) + size;
    if (total < size) std::terminate();
    kx_primary *p = static_cast<kx_primary *>(aligned_alloc(alignof(kx_primary),
        (total + alignof(kx_primary) - 1) & ~(alignof(kx_primary) - 1)));
    if (!p) std::terminate();
    memset(p, 0, sizeof *p);
    return object_of(p);
}

void __cxa_free_exception(void *obj) noexcept {
    if (obj) free(primary_of(obj));
}

void __cxa_increment_exception_refcount(void *obj) noexcept {
    if (obj) primary_of(obj)->refs++;
}

void __cxa_decrement_exception_refcount(void *obj) noexcept {
    if (!obj) return;
    kx_primary *p = primary_of(obj);
    if (--p->refs) return;
    if (p->dtor) p->dtor(obj);
    free(p);
}

void *__cxa_get_exception_ptr(void *payload) noexcept {
    return as_throw(payload)->adjusted;
}

void *__cxa_begin_catch(void *payload) noexcept {
    kx_throw *t = as_throw(payload);
    t->handlers = t->handlers < 0 ? -t->handlers + 1 : t->handlers + 1;
    if (t != caught) {
        t->next_caught = caught;
        caught = t;
    }
    land(t);
    return t->adjusted;
}

void __cxa_end_catch(void) {
    kx_throw *t = caught;
    if (!t) return;
    if (t->handlers < 0) { /* rethrown: it lives on */
        if (++t->handlers == 0) caught = t->next_caught;
        return;
    }
    if (--t->handlers) return;
    caught = t->next_caught;
    void *obj = object_of(t->primary);
    if (t->dependent) free(t);
    __cxa_decrement_exception_refcount(obj);
}

std::type_info *__cxa_current_exception_type(void) {
    return caught ? const_cast<std::type_info *>(caught->primary->type) : nullptr;
}

int __cxa_uncaught_exceptions(void) noexcept { return (int)uncaught; }
bool __cxa_uncaught_exception(void) noexcept { return uncaught != 0; }

/* std::current_exception(): the exception being handled, with one more
 * reference for the exception_ptr. */
void *__cxa_current_primary_exception(void) noexcept {
    if (!caught) return nullptr;
    void *obj = object_of(caught->primary);
    __cxa_increment_exception_refcount(obj);
    return obj;
}

} // extern "C"
