/* embed.c — the smallest embedding of libkiln, built by tests/suites/install
 * with `cc embed.c $(pkg-config --cflags --libs kiln)` against an installed
 * kiln: decodes a module that exports add(i32, i32) -> i32 and calls it. */
#include <stdio.h>

#include <kiln.h>

static const unsigned char add_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,             /* magic, version */
    0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,       /* type (i32 i32) -> i32 */
    0x03, 0x02, 0x01, 0x00,                                     /* func 0: type 0 */
    0x07, 0x07, 0x01, 0x03, 'a', 'd', 'd', 0x00, 0x00,          /* export "add" */
    0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, /* local.get 0 1; i32.add */
};

int main(void) {
    kiln_error err;
    kiln_engine *e = kiln_engine_new(NULL, &err);
    if (!e) { fprintf(stderr, "engine: %s\n", err.message); return 1; }
    kiln_module *m = kiln_module_new(e, add_wasm, sizeof add_wasm, &err);
    if (!m) { fprintf(stderr, "module: %s\n", err.message); return 1; }
    kiln_store *s = kiln_store_new(e, NULL, NULL);
    if (!s) { fprintf(stderr, "store: out of memory\n"); return 1; }
    kiln_trap *trap = NULL;
    kiln_instance *inst = kiln_instantiate(s, NULL, m, &trap, &err);
    if (!inst) { fprintf(stderr, "instantiate: %s\n", err.message); return 1; }
    kiln_val args[2] = {{.type = KILN_I32, .of.i32 = 40}, {.type = KILN_I32, .of.i32 = 2}}, res;
    if (kiln_call(s, kiln_instance_func(inst, "add"), args, 2, &res, 1, &trap, &err) != KILN_OK) {
        fprintf(stderr, "call failed\n");
        return 1;
    }
    printf("kiln %s: add(40, 2) = %d\n", kiln_version(), res.of.i32);
    kiln_store_free(s);
    kiln_module_free(m);
    kiln_engine_free(e);
    return 0;
}
