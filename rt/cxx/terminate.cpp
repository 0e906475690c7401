/*
 * terminate.cpp — std::terminate's handlers, and the default one, which
 * names the exception that ended the program as GCC's runtime does:
 *
 *     terminate called after throwing an instance of 'std::out_of_range'
 *       what():  vector
 *
 * then traps; kiln's trap report follows. Debian's wasm32 libc++abi has
 * std::terminate (it calls the handler) but a silent default handler and
 * no exceptions to name; this file replaces its handler variables and
 * setters (cxa_default_handlers) as a whole, so the linker takes these
 * (libkiln-cxx.a comes before libc++abi.a) and never both.
 *
 * The type's name is demangled by a small demangler of our own for the
 * names exceptions usually have (classes in namespaces, built-in types,
 * pointers, simple templates); others are printed mangled, as typeid's
 * name() gives them. libc++abi's __cxa_demangle would add tens of KB to
 * every module that can throw, for a message.
 */
#include <exception>
#include <new>

#include "exception.h"

extern "C" {
#include "../line.h"
}

using namespace kiln_cxx;

namespace {

/* ---- a demangler for type names (the Itanium ABI's <type>) ---------------------- */
struct out {
    char *buf;
    size_t len, cap;
    bool ok;
    void put(const char *s, size_t n) {
        if (len + n >= cap) { ok = false; return; }
        __builtin_memcpy(buf + len, s, n);
        len += n;
        buf[len] = 0;
    }
    void put(const char *s) { put(s, __builtin_strlen(s)); }
};

struct builtin {
    char code;
    const char *name;
};
const builtin builtins[] = {
    {'v', "void"}, {'b', "bool"}, {'c', "char"}, {'a', "signed char"}, {'h', "unsigned char"},
    {'s', "short"}, {'t', "unsigned short"}, {'i', "int"}, {'j', "unsigned int"}, {'l', "long"},
    {'m', "unsigned long"}, {'x', "long long"}, {'y', "unsigned long long"}, {'n', "__int128"},
    {'o', "unsigned __int128"}, {'f', "float"}, {'d', "double"}, {'e', "long double"},
    {'w', "wchar_t"}, {'z', "..."},
};

bool type(const char *&p, out &o);

/* <source-name>: a length and that many characters. */
bool source_name(const char *&p, out &o) {
    size_t n = 0;
    if (*p < '0' || *p > '9') return false;
    while (*p >= '0' && *p <= '9') n = n * 10 + (size_t)(*p++ - '0');
    for (size_t i = 0; i < n; i++)
        if (!p[i]) return false;
    o.put(p, n);
    p += n;
    return true;
}

/* I <template-arg>+ E: types and integer literals (L <type> <number> E). */
bool template_args(const char *&p, out &o) {
    p++; /* I */
    o.put("<");
    for (bool first = true; *p != 'E'; first = false) {
        if (!*p) return false;
        if (!first) o.put(", ");
        if (*p == 'L') {
            p++;
            bool is_bool = *p == 'b';
            out ignored = {nullptr, 0, 0, true};
            char tmp[64];
            ignored.buf = tmp;
            ignored.cap = sizeof tmp;
            if (!type(p, ignored)) return false;
            if (*p == 'n') { o.put("-"); p++; }
            const char *digits = p;
            while (*p >= '0' && *p <= '9') p++;
            if (*p != 'E' || p == digits) return false;
            if (is_bool) o.put(*digits == '0' ? "false" : "true");
            else o.put(digits, (size_t)(p - digits));
            p++;
        } else if (!type(p, o)) {
            return false;
        }
    }
    p++;
    if (o.len && o.buf[o.len - 1] == '>') o.put(" ");
    o.put(">");
    return true;
}

/* A name: St <source-name>, N <prefix> E, or a <source-name>; each with
 * optional template arguments. libc++'s inline namespace (std::__2) is left
 * out, as GCC's names have none. */
bool name(const char *&p, out &o) {
    if (p[0] == 'S' && p[1] == 't') {
        p += 2;
        o.put("std::");
        if (!source_name(p, o)) return false;
        return *p != 'I' || template_args(p, o);
    }
    if (*p != 'N') {
        if (!source_name(p, o)) return false;
        return *p != 'I' || template_args(p, o);
    }
    p++;
    bool first = true, in_std = false;
    if (p[0] == 'S' && p[1] == 't') {
        p += 2;
        o.put("std");
        first = false;
        in_std = true;
    }
    while (*p != 'E') {
        if (*p == 'I') {
            if (first || !template_args(p, o)) return false;
            continue;
        }
        if (p[0] == '3' && p[1] == '_' && p[2] == '_' && p[3] == '2' && in_std) {
            p += 4; /* std::__2:: */
            in_std = false;
            continue;
        }
        in_std = false;
        if (!first) o.put("::");
        if (!source_name(p, o)) return false;
        first = false;
    }
    p++;
    return !first;
}

bool type(const char *&p, out &o) {
    switch (*p) {
    case 'P': case 'R': case 'O': {
        const char *suffix = *p == 'P' ? "*" : *p == 'R' ? "&" : "&&";
        p++;
        if (!type(p, o)) return false;
        o.put(suffix);
        return true;
    }
    case 'K': case 'V': {
        const char *q = *p == 'K' ? " const" : " volatile";
        p++;
        if (!type(p, o)) return false;
        o.put(q);
        return true;
    }
    case 'D':
        if (p[1] == 'n') { p += 2; o.put("decltype(nullptr)"); return true; }
        if (p[1] == 's') { p += 2; o.put("char16_t"); return true; }
        if (p[1] == 'i') { p += 2; o.put("char32_t"); return true; }
        if (p[1] == 'u') { p += 2; o.put("char8_t"); return true; }
        return false;
    case 'N': case 'S':
        return name(p, o);
    }
    if (*p >= '0' && *p <= '9') return name(p, o);
    for (const builtin &b : builtins)
        if (b.code == *p) {
            p++;
            o.put(b.name);
            return true;
        }
    return false;
}

/* The readable name of a mangled type name, or the mangled name itself. */
const char *readable(const char *mangled, char *buf, size_t cap) {
    out o = {buf, 0, cap, true};
    buf[0] = 0;
    const char *p = mangled;
    if (type(p, o) && o.ok && *p == 0) return buf;
    return mangled;
}

/* ---- the handlers ------------------------------------------------------------------ */
bool terminating;

/* The exception std::terminate was called for: the one being handled
 * (a catch clause called terminate, or the guard around main caught it), or
 * else the one in flight (a noexcept function's landing pad calls
 * std::terminate without catching it). */
kx_throw *current(void) { return caught ? caught : flying; }

} // namespace

/* Named for kiln's trap report, which recognises the frame (src/diag/report.c). */
extern "C" [[noreturn]] void __kiln_terminate(void);
extern "C" void __kiln_terminate(void) {
    line l = {{0}, 0};
    if (terminating) {
        put(&l, "terminate called recursively");
        emit(&l);
        __builtin_trap();
    }
    terminating = true;
    kx_throw *t = current();
    if (!t) {
        put(&l, "terminate called without an active exception");
    } else {
        char name_buf[256];
        const std::type_info *ty = t->primary->type;
        put(&l, "terminate called after throwing an instance of '");
        put(&l, readable(ty->name(), name_buf, sizeof name_buf));
        put(&l, "'");
        void *obj = object_of(t->primary);
        if (can_catch(&typeid(std::exception), ty, &obj)) {
            put(&l, "\n  what():  ");
            put(&l, static_cast<std::exception *>(obj)->what());
        }
    }
    emit(&l);
    __builtin_trap();
}

[[noreturn]] static void default_unexpected(void) { std::terminate(); }

/* C++17 removed std::unexpected and its handler from the headers; the
 * library still has them (std::set_unexpected, for older code). */
namespace std {
typedef void (*unexpected_handler)();
unexpected_handler set_unexpected(unexpected_handler h) noexcept;
} // namespace std

/* libc++abi's std::terminate, std::get_terminate and friends read these. */
extern "C" {
std::terminate_handler __cxa_terminate_handler = __kiln_terminate;
std::unexpected_handler __cxa_unexpected_handler = default_unexpected;
std::new_handler __cxa_new_handler = nullptr;
}

namespace std {
terminate_handler set_terminate(terminate_handler h) noexcept {
    terminate_handler old = __cxa_terminate_handler;
    __cxa_terminate_handler = h ? h : __kiln_terminate;
    return old;
}
unexpected_handler set_unexpected(unexpected_handler h) noexcept {
    unexpected_handler old = __cxa_unexpected_handler;
    __cxa_unexpected_handler = h ? h : default_unexpected;
    return old;
}
new_handler set_new_handler(new_handler h) noexcept {
    new_handler old = __cxa_new_handler;
    __cxa_new_handler = h;
    return old;
}
} // namespace std
