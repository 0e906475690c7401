/*
 * new.cpp — operator new and delete, all twenty forms, replacing libc++abi's
 * (stdlib_new_delete: the linker takes these, as libkiln-cxx.a comes first,
 * and never both, as every symbol of that object is defined here).
 *
 * Debian's wasm32 libc++abi is built without exceptions: its operator new
 * returns null when memory runs out, where the standard says it calls the
 * new handler and otherwise throws std::bad_alloc. Here it throws, through
 * throw.cpp, referenced weakly so that a program that can neither throw nor
 * catch does not get exception handling for it; state.cpp (which every
 * catch clause links) holds the strong reference. Without it, running out
 * of memory is fatal, as it would be uncaught anyway.
 */
#include <stdlib.h>

#include <new>

extern "C" [[noreturn]] void __kiln_cxx_throw_bad_alloc(void) __attribute__((weak));

namespace {

[[noreturn]] void out_of_memory() {
    if (__kiln_cxx_throw_bad_alloc) __kiln_cxx_throw_bad_alloc();
    std::terminate();
}

/* One attempt after another while a new handler frees memory (or throws). */
void *get(size_t size, size_t align, bool nothrow) {
    if (size == 0) size = 1;
    for (;;) {
        void *p;
        if (align <= alignof(max_align_t)) {
            p = malloc(size);
        } else {
            size_t rounded = (size + align - 1) & ~(align - 1);
            p = rounded < size ? nullptr : aligned_alloc(align, rounded);
        }
        if (p) return p;
        std::new_handler h = std::get_new_handler();
        if (!h) {
            if (nothrow) return nullptr;
            out_of_memory();
        }
        h();
    }
}

} // namespace

void *operator new(size_t n) { return get(n, 0, false); }
void *operator new[](size_t n) { return get(n, 0, false); }
void *operator new(size_t n, const std::nothrow_t &) noexcept { return get(n, 0, true); }
void *operator new[](size_t n, const std::nothrow_t &) noexcept { return get(n, 0, true); }
void *operator new(size_t n, std::align_val_t a) { return get(n, (size_t)a, false); }
void *operator new[](size_t n, std::align_val_t a) { return get(n, (size_t)a, false); }
void *operator new(size_t n, std::align_val_t a, const std::nothrow_t &) noexcept { return get(n, (size_t)a, true); }
void *operator new[](size_t n, std::align_val_t a, const std::nothrow_t &) noexcept { return get(n, (size_t)a, true); }

void operator delete(void *p) noexcept { free(p); }
void operator delete[](void *p) noexcept { free(p); }
void operator delete(void *p, const std::nothrow_t &) noexcept { free(p); }
void operator delete[](void *p, const std::nothrow_t &) noexcept { free(p); }
void operator delete(void *p, size_t) noexcept { free(p); }
void operator delete[](void *p, size_t) noexcept { free(p); }
void operator delete(void *p, std::align_val_t) noexcept { free(p); }
void operator delete[](void *p, std::align_val_t) noexcept { free(p); }
void operator delete(void *p, std::align_val_t, const std::nothrow_t &) noexcept { free(p); }
void operator delete[](void *p, std::align_val_t, const std::nothrow_t &) noexcept { free(p); }
void operator delete(void *p, size_t, std::align_val_t) noexcept { free(p); }
void operator delete[](void *p, size_t, std::align_val_t) noexcept { free(p); }
