/*
 * personality.cpp — which catch clause of a landing pad takes the exception.
 *
 * WebAssembly has no two-phase unwinding: the engine unwinds to the
 * innermost `catch __cpp_exception` (or catch_all) and runs it. clang's
 * code there (LLVM's WasmEHPrepare) stores the landing pad's index in its
 * function and the function's LSDA (its GCC_except_table) into
 * __wasm_lpad_context, calls _Unwind_CallPersonality(payload), and reads
 * the selector back: the 1-based index into the function's type table of
 * the clause that matches, which it compares with each clause's
 * (llvm.eh.typeid.for); no match, or 0, and it rethrows after its
 * cleanups. Destructor-only pads are catch_all and ask nothing.
 *
 * The LSDA's layout is the one GCC and LLVM write for the Itanium ABI
 * (the LSB's .gcc_except_table), with the call-site table in the SjLj
 * form, which LLVM also uses for WebAssembly: entry i is the landing pad
 * i, two ULEB128s (the pad's index, the 1-based offset of its first action
 * record, 0 for cleanup only). An action record is an SLEB128 filter (> 0:
 * a catch clause, the index of its type_info in the type table, counted
 * backwards from the table's end; 0: cleanup; < 0: an exception
 * specification, an offset into a list of type indexes) and an SLEB128
 * displacement to the next record (0: the last).
 */
#include <stdint.h>

#include <exception>

#include "exception.h"

using namespace kiln_cxx;

/* The compiler writes lpad_index and lsda, and reads selector. */
struct wasm_lpad_context {
    uint32_t lpad_index;
    const uint8_t *lsda;
    int32_t selector;
};
extern "C" wasm_lpad_context __wasm_lpad_context;
wasm_lpad_context __wasm_lpad_context;

namespace {

/* The Itanium ABI's reason codes and actions, as far as used here. */
enum { URC_HANDLER_FOUND = 6, URC_CONTINUE_UNWIND = 8 };
enum { UA_SEARCH_PHASE = 1 };

/* DWARF pointer encodings (DW_EH_PE_*), the ones an LSDA uses. */
enum {
    PE_omit = 0xff, PE_absptr = 0x00, PE_uleb128 = 0x01, PE_udata2 = 0x02, PE_udata4 = 0x03,
    PE_udata8 = 0x04, PE_sleb128 = 0x09, PE_sdata2 = 0x0a, PE_sdata4 = 0x0b, PE_sdata8 = 0x0c,
};

struct reader {
    const uint8_t *p;
};

uint64_t uleb(reader &r) {
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    do {
        b = *r.p++;
        if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    return v;
}

int64_t sleb(reader &r) {
    int64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    do {
        b = *r.p++;
        if (shift < 64) v |= (int64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40)) v |= -((int64_t)1 << shift);
    return v;
}

template <typename T> T fixed(reader &r) {
    T v;
    __builtin_memcpy(&v, r.p, sizeof v);
    r.p += sizeof v;
    return v;
}

/* A value in encoding `enc` (its low four bits: WebAssembly has no
 * pc-relative data, so the application bits are all 0). */
uintptr_t encoded(reader &r, uint8_t enc) {
    switch (enc & 0x0f) {
    case PE_absptr: return fixed<uintptr_t>(r);
    case PE_uleb128: return (uintptr_t)uleb(r);
    case PE_sleb128: return (uintptr_t)sleb(r);
    case PE_udata2: return fixed<uint16_t>(r);
    case PE_sdata2: return (uintptr_t)fixed<int16_t>(r);
    case PE_udata4: return fixed<uint32_t>(r);
    case PE_sdata4: return (uintptr_t)fixed<int32_t>(r);
    case PE_udata8: return (uintptr_t)fixed<uint64_t>(r);
    case PE_sdata8: return (uintptr_t)fixed<int64_t>(r);
    }
    std::terminate(); /* an encoding no compiler writes for WebAssembly */
}

unsigned encoded_size(uint8_t enc) {
    switch (enc & 0x0f) {
    case PE_absptr: return sizeof(uintptr_t);
    case PE_udata2: case PE_sdata2: return 2;
    case PE_udata4: case PE_sdata4: return 4;
    case PE_udata8: case PE_sdata8: return 8;
    }
    std::terminate(); /* type tables hold fixed-size entries */
}

struct lsda {
    const uint8_t *types_end; /* the type table's end (its base) */
    uint8_t type_enc;
    const uint8_t *sites, *sites_end;
    const uint8_t *actions;
};

lsda parse(const uint8_t *p) {
    lsda l{};
    reader r{p};
    uint8_t lp_enc = *r.p++;
    if (lp_enc != PE_omit) encoded(r, lp_enc); /* @LPStart: no use in wasm */
    l.type_enc = *r.p++;
    if (l.type_enc != PE_omit) {
        uint64_t off = uleb(r);
        l.types_end = r.p + off;
    }
    uint8_t site_enc = *r.p++;
    if ((site_enc & 0x0f) != PE_uleb128) std::terminate(); /* not the SjLj/wasm form */
    uint64_t len = uleb(r);
    l.sites = r.p;
    l.sites_end = r.p + len;
    l.actions = l.sites_end;
    return l;
}

const std::type_info *type_at(const lsda &l, int64_t index) {
    if (!l.types_end) return nullptr;
    reader r{l.types_end - (size_t)index * encoded_size(l.type_enc)};
    return reinterpret_cast<const std::type_info *>(encoded(r, l.type_enc));
}

/* A thrown `thrown` matches the clause of type table index `index`;
 * *adjusted as for can_catch. A null type is catch (...). */
bool clause_matches(const lsda &l, int64_t index, kx_throw *t, void **adjusted) {
    const std::type_info *clause = type_at(l, index);
    if (!clause) {
        *adjusted = object_of(t->primary);
        return true;
    }
    void *p = object_of(t->primary);
    if (!can_catch(clause, t->primary->type, &p)) return false;
    *adjusted = p;
    return true;
}

/* An exception specification (throw(A, B), before C++17) lets the
 * exception through when one of its types matches. */
bool spec_allows(const lsda &l, int64_t filter, kx_throw *t) {
    reader r{l.types_end + (-filter - 1)};
    for (;;) {
        uint64_t index = uleb(r);
        if (index == 0) return false;
        void *p;
        if (clause_matches(l, (int64_t)index, t, &p)) return true;
    }
}

} // namespace

extern "C" {

int __gxx_wasm_personality_v0(int version, int actions, uint64_t exception_class, void *payload,
                              void *context);
int _Unwind_CallPersonality(void *payload);

/* The Itanium personality's signature; the context is __wasm_lpad_context.
 * Sets the selector of the clause that takes the exception. */
int __gxx_wasm_personality_v0(int version, int actions, uint64_t exception_class, void *payload,
                              void *context) {
    (void)exception_class;
    wasm_lpad_context *c = static_cast<wasm_lpad_context *>(context);
    kx_throw *t = as_throw(payload);
    if (version != 1 || !(actions & UA_SEARCH_PHASE) || !c->lsda) return URC_CONTINUE_UNWIND;
    lsda l = parse(c->lsda);
    reader r{l.sites};
    uint64_t action = 0;
    bool found = false;
    for (uint32_t i = 0; r.p < l.sites_end; i++) {
        uint64_t pad = uleb(r);
        action = uleb(r);
        if (i == c->lpad_index) {
            found = pad == i;
            break;
        }
    }
    if (!found || action == 0) return URC_CONTINUE_UNWIND;
    reader a{l.actions + action - 1};
    for (;;) {
        int64_t filter = sleb(a);
        const uint8_t *here = a.p;
        int64_t next = sleb(a);
        if (filter > 0) {
            void *adjusted;
            if (clause_matches(l, filter, t, &adjusted)) {
                t->adjusted = adjusted;
                c->selector = (int32_t)filter;
                return URC_HANDLER_FOUND;
            }
        } else if (filter < 0) {
            if (!spec_allows(l, filter, t)) {
                t->adjusted = object_of(t->primary);
                c->selector = (int32_t)filter;
                return URC_HANDLER_FOUND;
            }
        }
        if (next == 0) return URC_CONTINUE_UNWIND;
        a.p = here + next;
    }
}

int _Unwind_CallPersonality(void *payload) {
    __wasm_lpad_context.selector = 0;
    return __gxx_wasm_personality_v0(1, UA_SEARCH_PHASE, 0, payload, &__wasm_lpad_context);
}

} // extern "C"

/* libc++abi's type_info classes (__class_type_info, __pointer_type_info...)
 * implement the ABI's catch rules in a virtual can_catch: after
 * std::type_info's destructor (two slots) come two placeholders and then
 * can_catch(thrown, adjusted&). Debian's wasm32 libc++abi has them (it is
 * built without exceptions, not without RTTI); this class only names that
 * layout to call through it. */
namespace kiln_cxx {
struct shim : std::type_info {
    ~shim() override;
    virtual void placeholder1() const;
    virtual void placeholder2() const;
    virtual bool can_catch(const shim *thrown, void *&adjusted) const;
};
} // namespace kiln_cxx

bool kiln_cxx::can_catch(const std::type_info *clause, const std::type_info *thrown, void **adjusted) {
    return static_cast<const shim *>(clause)->can_catch(static_cast<const shim *>(thrown), *adjusted);
}
