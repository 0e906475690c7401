/* Unit tests of src/diag/symbols.c and dwarf.c on hand-made modules
 * (diag_wasmgen.h says what each holds and so what lookups must answer). */
#include <stdio.h>
#include <string.h>

#include "diag/diag.h"
#include "diag_wasmgen.h"
#include "tap.h"

static int streq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

int main(void)
{
    static uint8_t w[16384];
    kiln_error err = {0};
    diag_loc l[8];

    CHECK(diag_symbols_build((const uint8_t *)"not wasm", 8, &err) == NULL &&
          strstr(err.message, "not a WebAssembly module"), "non-wasm bytes are refused with a message");

    /* Names only. */
    size_t n = gen_module(w, 1, 0, "/nowhere");
    diag_symbols *s = diag_symbols_build(w, n, &err);
    CHECK(s != NULL, "a module with names builds");
    CHECK(diag_symbols_has_names(s) && !diag_symbols_has_dwarf(s), "names, no DWARF");
    CHECK(diag_symbols_func_count(s) == 4 && diag_symbols_import_func_count(s) == 1,
          "4 functions, 1 imported");
    uint32_t start = 0;
    CHECK(diag_symbols_func_at(s, CODE_BODY(1), &start) == 1 && start == CODE_BODY(1),
          "body 1 starts function 1");
    CHECK(diag_symbols_func_at(s, CODE_BODY(1) + 15, NULL) == 1, "the last byte of body 1 is in function 1");
    CHECK(diag_symbols_func_at(s, CODE_BODY(2) - 1, NULL) == DIAG_NONE, "body 2's size byte is in no function");
    CHECK(diag_symbols_func_at(s, CODE_BODY(3) + 15, &start) == 3 && start == CODE_BODY(3),
          "the end of body 3 is in function 3");
    CHECK(diag_symbols_func_at(s, CODE_BODY(3) + 16, NULL) == DIAG_NONE, "past the last body: none");
    CHECK(diag_symbols_func_at(s, 0, NULL) == DIAG_NONE, "the count byte is in no function");
    CHECK(diag_symbols_func_at(s, CODE_BODY(1) - 1, NULL) == DIAG_NONE, "a body's size byte is in no function");
    CHECK(streq(diag_symbols_func_name(s, 0), "imp"), "import named");
    CHECK(streq(diag_symbols_func_name(s, 2), "ns::beta(int)"), "C++ name demangled");
    CHECK(diag_symbols_func_name(s, 3) == NULL && diag_symbols_func_name(s, 99) == NULL, "unnamed and out of range: NULL");
    uint32_t init = 0;
    CHECK(diag_symbols_stack_pointer_global(s, &init) == 0 && init == 65536,
          "__stack_pointer is global 0, initially 65536");
    int k = diag_symbols_lookup(s, CODE_BODY(1) + 5, l, 8);
    CHECK(k == 1 && streq(l[0].function, "alpha") && l[0].file == NULL && l[0].from_name_section,
          "without DWARF, a lookup gives the name-section name");
    CHECK(diag_symbols_lookup(s, CODE_BODY(3) + 2, l, 8) == 0, "an unnamed function without DWARF: nothing");
    diag_symbols_free(s);

    /* Names and DWARF. */
    n = gen_module(w, 1, 1, "/src/proj");
    s = diag_symbols_build(w, n, &err);
    CHECK(s != NULL && diag_symbols_has_dwarf(s), "a module with DWARF builds");
    k = diag_symbols_lookup(s, CODE_BODY(1), l, 8);
    CHECK(k == 1 && streq(l[0].function, "alpha") && streq(l[0].file, "/src/proj/src.c") &&
          l[0].line == 10 && l[0].column == 3 && !l[0].inlined && !l[0].from_name_section,
          "alpha's first byte: src.c:10:3");
    k = diag_symbols_lookup(s, CODE_BODY(1) + 5, l, 8);
    CHECK(k == 2, "inside the inlined helper: a chain of 2 (got %d)", k);
    CHECK(k == 2 && streq(l[0].function, "helper") && l[0].inlined && l[0].line == 30 &&
          l[0].column == 9, "frame 0: helper at 30:9, inlined");
    CHECK(k == 2 && streq(l[1].function, "alpha") && !l[1].inlined && l[1].line == 20 &&
          l[1].column == 7 && streq(l[1].file, "/src/proj/src.c"),
          "frame 1: alpha at the call site 20:7");
    CHECK(diag_symbols_lookup(s, CODE_BODY(1) + 5, l, 1) == 1, "max limits the chain");
    k = diag_symbols_lookup(s, CODE_BODY(1) + 12, l, 8);
    CHECK(k == 1 && l[0].line == 11 && l[0].column == 5, "after the inline: 11:5");
    k = diag_symbols_lookup(s, CODE_BODY(2) + 3, l, 8);
    CHECK(k == 1 && streq(l[0].function, "ns::beta(int)") && streq(l[0].symbol, "_ZN2ns4betaEi") &&
          l[0].line == 40, "beta via its linkage name, demangled");
    k = diag_symbols_lookup(s, CODE_BODY(3) + 3, l, 8);
    CHECK(k == 0, "function 3 has neither DWARF nor a name");
    diag_symbols_free(s);

    /* The index keeps nothing of the caller's bytes: build from a copy, wipe
     * and free it, then look up (ASan would see a dangling read). */
    uint8_t *copy = malloc(n);
    memcpy(copy, w, n);
    s = diag_symbols_build(copy, n, &err);
    memset(copy, 0xee, n);
    free(copy);
    k = diag_symbols_lookup(s, CODE_BODY(1) + 5, l, 8);
    CHECK(k == 2 && streq(l[0].function, "helper") && streq(l[1].function, "alpha") &&
          streq(l[1].file, "/src/proj/src.c") && streq(diag_symbols_func_name(s, 1), "alpha"),
          "lookups work after the module's bytes are freed");
    diag_symbols_free(s);

    /* Every truncation of a valid module still builds or fails cleanly. */
    int ok = 1;
    for (size_t cut = 0; cut < n; cut++) {
        s = diag_symbols_build(w, cut, &err);
        if (s) {
            for (uint32_t off = 0; off < 64; off++) diag_symbols_lookup(s, off, l, 8);
            diag_symbols_free(s);
        } else if (cut >= 8) {
            ok = 0;
        }
    }
    CHECK(ok, "every truncated module (past the header) still builds");
    TAP_DONE();
}
