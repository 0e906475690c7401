/* cmd_coredump.c — `kiln coredump FILE [--module M.wasm]`: lists a Wasm
 * coredump (kiln's own, from `kiln run --coredump`, or any producer's that
 * follows tool-conventions Coredump.md): the trap, the frames with their
 * locals, the memory and the globals. With the module that trapped, frames
 * get function names and source lines (src/diag). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "diag/coredump.h"
#include "diag/diag.h"

static const char help[] =
    "NAME\n"
    "    kiln coredump - list a WebAssembly coredump\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln coredump [--module MODULE.wasm] CORE\n"
    "\n"
    "DESCRIPTION\n"
    "    Reads CORE, a coredump in the WebAssembly tool-conventions format\n"
    "    (Coredump.md) as 'kiln run --coredump=CORE' writes it, and lists\n"
    "    why the program stopped (kiln's coredumps say), every thread's\n"
    "    frames youngest first with the function index, the offset in the\n"
    "    function's body and the locals (params first, numbered as local.get\n"
    "    numbers them, with their types and values), each memory's size, and\n"
    "    the globals.\n"
    "\n"
    "OPTIONS\n"
    "    --module MODULE.wasm\n"
    "        The module that trapped. Its name section and DWARF (-g) give\n"
    "        each frame its function name, file:line:column and inlined\n"
    "        callers. Without it frames show function indexes only. The\n"
    "        coredump names the module it came from; kiln does not open that\n"
    "        path by itself (it was a path on the machine that ran it).\n"
    "\n"
    "    -h, --help\n"
    "        Show this help.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 when the coredump was read, 1 when it could not be (the message\n"
    "    names the byte offset where it stops following the format).\n"
    "\n"
    "EXAMPLE\n"
    "    kiln run --coredump=app.core app.wasm && kiln coredump --module app.wasm app.core\n";

int cmd_coredump(int argc, char **argv) {
    const char *core = NULL, *module = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(help, stdout); return 0; }
        if (!strncmp(a, "--module", 8) && (a[8] == 0 || a[8] == '=')) {
            module = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (!module || !*module) return cli_fail("coredump", "--module needs a file: --module MODULE.wasm");
            continue;
        }
        if (a[0] == '-' && a[1]) {
            return cli_unknown_option("coredump", a);
        }
        if (core) return cli_fail("coredump", "one coredump at a time ('%s' and '%s' given)", core, a);
        core = a;
    }
    if (!core) return cli_fail("coredump", "no coredump given: kiln coredump [--module MODULE.wasm] CORE");

    size_t len;
    unsigned char *bytes = cli_read_file(core, &len);
    if (!bytes) return cli_fail("coredump", "cannot read '%s': %s", core, strerror(errno));
    kiln_error err = {0};
    diag_coredump *c = diag_coredump_parse(bytes, len, &err);
    free(bytes);
    if (!c) return cli_fail("coredump", "%s: %s", core, err.message);

    diag_symbols *syms = NULL;
    int syms_module = -1;
    if (module) {
        unsigned char *mb = cli_read_file(module, &len);
        if (!mb) { diag_coredump_free(c); return cli_fail("coredump", "cannot read '%s': %s", module, strerror(errno)); }
        syms = diag_symbols_build(mb, len, &err);
        free(mb);
        if (!syms) { diag_coredump_free(c); return cli_fail("coredump", "%s: %s", module, err.message); }
        /* The module given describes the coredump's first module: kiln's
         * coredumps list the module that ran first. */
        syms_module = 0;
    }
    int st = diag_coredump_print(c, syms, syms_module, stdout) == 0 && fflush(stdout) == 0 ? 0 : 1;
    if (st) cli_fail("coredump", "cannot write the listing: %s", strerror(errno));
    diag_symbols_free(syms);
    diag_coredump_free(c);
    return st;
}
