/* cmd_compile.c — `kiln compile`: the native tier ahead of time. Compiles a
 * module to native code into the artifact cache (so that kiln run
 * --tier=auto starts native), optionally copies the artifact out, or writes
 * the generated C for inspection. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "cli/tier.h"

static const char help[] =
    "NAME\n"
    "    kiln compile - compile a WebAssembly module to native code\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln compile [OPTIONS] MODULE.wasm\n"
    "\n"
    "DESCRIPTION\n"
    "    Translates MODULE.wasm to C and compiles it with the system's C\n"
    "    compiler into a native artifact, kept in the artifact cache: later\n"
    "    runs of the same module (kiln run, whose default tier is auto) start\n"
    "    in native code at once. Prints the artifact's key, its size and the\n"
    "    time it took. A module already in the cache is not compiled again.\n"
    "    MODULE may be in the text format (.wat), assembled first.\n"
    "\n"
    "OPTIONS\n"
    "    -o FILE\n"
    "        Also write the artifact to FILE (the cache's format: copy it into\n"
    "        another machine's cache as KEY.kso). The key covers the C\n"
    "        compiler (its path, size and time) and the CPU extensions the\n"
    "        code uses (SSE4.2 where the CPU has it; the x86-64 baseline with\n"
    "        KILN_NATIVE_BASELINE=1 on both machines): another machine finds\n"
    "        the artifact only when they match.\n"
    "\n"
    "    --emit-c FILE\n"
    "        Write the generated C to FILE (- for standard output) and compile\n"
    "        nothing.\n"
    "\n"
    "    --cache DIR, --no-cache, --cc COMPILER\n"
    "        As for kiln run (kiln run --help).\n"
    "\n"
    "    -h, --help\n"
    "        Show this help.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 when the module has native code. 1 for a command-line mistake, or\n"
    "    when the C compiler fails or runs out of time. As kiln run for a\n"
    "    module that cannot be read (66 when absent) or is not valid\n"
    "    WebAssembly (65); 'kiln --help' lists them all.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln compile app.wasm && kiln run app.wasm\n"
    "    kiln compile --emit-c - app.wasm | less\n";

static bool copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "rb");
    if (!in) return false;
    FILE *out = fopen(to, "wb");
    if (!out) { fclose(in); return false; }
    char buf[65536];
    size_t n;
    bool ok = true;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) { ok = false; break; }
    if (ferror(in)) ok = false;
    fclose(in);
    if (fclose(out)) ok = false;
    return ok;
}

int cmd_compile(int argc, char **argv) {
    cli_tier t = {.tier = TIER_NATIVE, .set = true};
    const char *out = NULL, *emit = NULL, *module = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(help, stdout); return 0; }
        if (!strcmp(a, "-o") || !strcmp(a, "--emit-c")) {
            if (i + 1 >= argc) return cli_fail("compile", "%s needs a file", a);
            if (a[1] == 'o') out = argv[++i];
            else emit = argv[++i];
            continue;
        }
        int r = cli_tier_parse(&t, "compile", argc, argv, &i);
        if (r > 0) return 1;
        if (r == 0) {
            if (t.tier != TIER_NATIVE) return cli_fail("compile", "--tier makes no sense here: kiln compile is the native tier");
            continue;
        }
        if (a[0] == '-' && a[1]) {
            return cli_unknown_option("compile", a);
        }
        if (module) return cli_fail("compile", "one module at a time ('%s' and '%s' given)", module, a);
        module = a;
    }
    if (!module) return cli_fail("compile", "no module given: kiln compile [OPTIONS] MODULE.wasm");
    size_t len;
    unsigned char *bytes = cli_read_file(module, &len);
    if (!bytes) return cli_fail_code("compile", cli_errno_code(errno), "cannot read '%s': %s", module, strerror(errno));
    if (!(bytes = cli_text_to_binary("compile", module, bytes, &len))) return kiln_error_kind_of(KILN_ERR_INVALID)->exit_status;
    kiln_error err = {0};
    int status = 0;
    kiln_engine *e = kiln_engine_new(NULL, &err);
    kiln_module *m = e ? kiln_module_new(e, bytes, len, &err) : NULL;
    if (!m) {
        status = err.code == KILN_ERR_INVALID
                     ? cli_fail_code("compile", err.code, "%s: not a valid WebAssembly module: %s", module, err.message)
                     : cli_fail_code("compile", err.code, "%s: %s", module, err.message);
        goto done;
    }
    char cache[4096];
    kiln_native_options o;
    cli_tier_native_options(&t, &o, cache, sizeof cache);
    if (emit) {
        FILE *f = strcmp(emit, "-") ? fopen(emit, "w") : stdout;
        if (!f) { status = cli_fail("compile", "cannot write '%s': %s", emit, strerror(errno)); goto done; }
        bool ok = kiln_module_native_source(m, &o, f, &err);
        if (f != stdout && fclose(f)) ok = false;
        if (!ok) status = cli_fail("compile", "%s: %s", module, err.message[0] ? err.message : "cannot write the C");
        goto done;
    }
    if (out && !o.cache_dir) {
        status = cli_fail("compile", "-o copies the artifact from the cache: it cannot go with --no-cache");
        goto done;
    }
    kiln_native_info info;
    if (!kiln_module_compile_native(m, &o, &info, &err)) { status = cli_fail("compile", "%s: %s", module, err.message); goto done; }
    if (err.message[0]) fprintf(stderr, "kiln compile: warning: %s\n", err.message);
    char parts[40] = "";
    if (info.c_parts > 1) snprintf(parts, sizeof parts, " in %u parts", info.c_parts);
    printf("%s: native code %s in %.2f s (%zu bytes of C%s, %zu bytes of machine code)\n", module,
           info.from_cache ? "from the cache" : "compiled", info.seconds, info.c_bytes, parts, info.so_bytes);
    if (o.cache_dir) printf("artifact: %s/%s.kso\n", o.cache_dir, info.key);
    if (out) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.kso", o.cache_dir, info.key);
        if (!copy_file(path, out)) status = cli_fail("compile", "cannot write '%s': %s", out, strerror(errno));
    }
done:
    kiln_module_free(m);
    kiln_engine_free(e);
    free(bytes);
    return status;
}
