/*
 * cmd_inspect.c — `kiln inspect MODULE.wasm`: what a module is made of,
 * before you run it: sections and sizes, imports and exports with their
 * signatures, memory and table limits, the Wasm 2.0 features it uses, who
 * produced it, and whether traps will be able to name functions and source
 * lines. `--json` for machines.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"
#include "cli/cli.h"
#include "cli/options.h"

static const char *const section_names[] = {"custom", "type", "import", "function", "table", "memory", "global",
                                            "export", "start", "element", "code", "data", "datacount"};

typedef struct section {
    unsigned id;
    uint32_t offset, size; /* of the payload */
    const char *custom;    /* name of a custom section (borrowed) */
} section;

static bool leb(const uint8_t **p, const uint8_t *end, uint32_t *out) {
    uint32_t v = 0;
    for (unsigned shift = 0; shift < 35 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) { *out = v; return true; }
    }
    return false;
}

/* The module already validated, so the walk cannot go wrong; it is still
 * bounds-checked. */
static int list_sections(const uint8_t *b, size_t len, const kiln_module *m, section *out, int max) {
    const uint8_t *p = b + 8, *end = b + len;
    int n = 0;
    uint32_t ci = 0;
    while (p < end && n < max) {
        unsigned id = *p++;
        uint32_t size;
        if (!leb(&p, end, &size) || size > (size_t)(end - p)) break;
        out[n] = (section){id, (uint32_t)(p - b), size, NULL};
        if (id == 0) {
            const char *name;
            const uint8_t *data;
            size_t sz;
            if (kiln_module_custom_section(m, ci++, &name, &data, &sz)) out[n].custom = name;
        }
        n++;
        p += size;
    }
    return n;
}

static const char *limits_text(const kiln_limits_desc *l, char *buf, size_t n) {
    if (l->has_max) snprintf(buf, n, "%llu..%llu", (unsigned long long)l->min, (unsigned long long)l->max);
    else snprintf(buf, n, "%llu..", (unsigned long long)l->min);
    return buf;
}

static const char *extern_text(const kiln_externdesc *d, char *buf, size_t n) {
    char sig[256], lim[64];
    switch (d->kind) {
    case KILN_EXTERN_FUNC: snprintf(buf, n, "func %s", kiln_functype_format(&d->func, sig, sizeof sig)); break;
    case KILN_EXTERN_TABLE:
        snprintf(buf, n, "table %s %s", limits_text(&d->limits, lim, sizeof lim), kiln_valtype_name(d->elem_type));
        break;
    case KILN_EXTERN_MEMORY: {
        snprintf(buf, n, "memory %s pages (%.2f MiB at start)", limits_text(&d->limits, lim, sizeof lim),
                 (double)d->limits.min * 65536 / 1048576);
        break;
    }
    case KILN_EXTERN_GLOBAL:
        snprintf(buf, n, "global %s%s", d->global_mutable ? "mut " : "", kiln_valtype_name(d->global_type));
        break;
    case KILN_EXTERN_TAG: {
        /* A tag's type is its params: "(i32, f64)", without the arrow. */
        kiln_functype_format(&d->tag_type, sig, sizeof sig);
        char *arrow = strstr(sig, " -> ");
        if (arrow) *arrow = 0;
        snprintf(buf, n, "tag %s", sig);
        break;
    }
    }
    return buf;
}

/* The producers section: field -> (name, version) pairs. */
static cJSON *producers(const kiln_module *m) {
    const char *name;
    const uint8_t *d;
    size_t sz;
    for (uint32_t i = 0; kiln_module_custom_section(m, i, &name, &d, &sz); i++) {
        if (strcmp(name, "producers")) continue;
        cJSON *o = cJSON_CreateObject();
        const uint8_t *p = d, *end = d + sz;
        uint32_t nfields;
        if (!leb(&p, end, &nfields)) return o;
        for (uint32_t f = 0; f < nfields; f++) {
            uint32_t l, nvals;
            if (!leb(&p, end, &l) || l > (size_t)(end - p)) return o;
            char *field = strndup((const char *)p, l);
            p += l;
            cJSON *arr = cJSON_CreateArray();
            if (field) cJSON_AddItemToObject(o, field, arr); else cJSON_Delete(arr);
            free(field);
            if (!leb(&p, end, &nvals)) return o;
            for (uint32_t v = 0; v < nvals; v++) {
                uint32_t nl, vl;
                if (!leb(&p, end, &nl) || nl > (size_t)(end - p)) return o;
                const uint8_t *nm = p;
                p += nl;
                if (!leb(&p, end, &vl) || vl > (size_t)(end - p)) return o;
                char buf[512];
                snprintf(buf, sizeof buf, "%.*s%s%.*s", (int)nl, (const char *)nm, vl ? " " : "", (int)vl, (const char *)p);
                p += vl;
                cJSON_AddItemToArray(arr, cJSON_CreateString(buf));
            }
        }
        return o;
    }
    return NULL;
}

static bool has_custom(const kiln_module *m, const char *want) {
    const char *name;
    const uint8_t *d;
    size_t sz;
    for (uint32_t i = 0; kiln_module_custom_section(m, i, &name, &d, &sz); i++)
        if (!strcmp(name, want)) return true;
    return false;
}

static void usage(FILE *f) {
    fprintf(f,
            "NAME\n"
            "    kiln inspect - show what a WebAssembly module is made of\n\n"
            "SYNOPSIS\n"
            "    kiln inspect [--json] MODULE.wasm\n\n"
            "DESCRIPTION\n"
            "    Decodes and validates MODULE.wasm (as kiln run would) and prints its\n"
            "    sections with offsets and sizes, its imports and exports with their\n"
            "    signatures, its memories, tables and globals, the start function, the\n"
            "    Wasm 2.0 features its code uses beyond the MVP, the producers section\n"
            "    (compiler and language), and whether it carries a name section and\n"
            "    DWARF debug info, which decide how much a trap report can say.\n"
            "    MODULE may be in the text format (.wat), assembled first.\n\n"
            "OPTIONS\n"
            "    --json      one JSON object on standard output instead of text\n"
            "    -h, --help  this text\n\n"
            "EXIT STATUS\n"
            "    0 for a valid module; 1 when the file cannot be read or is not a\n"
            "    valid module (the reason, with the byte offset, goes to stderr).\n");
}

int cmd_inspect(int argc, char **argv) {
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0}};
    bool json = false;
    int o;
    optind = 1;
    opterr = 0;
    /* Options before or after the module (getopt permutes: kiln inspect f.wasm --json). */
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (o == 'j') json = true;
        else if (o == 'h') { usage(stdout); return 0; }
        else return cli_unknown_option("inspect", argv[optind - 1]);
    }
    if (optind >= argc) return cli_fail("inspect", "name a module: kiln inspect [--json] MODULE.wasm");
    if (optind != argc - 1) return cli_fail("inspect", "one module at a time: '%s' after '%s'", argv[optind + 1], argv[optind]);
    const char *path = argv[optind];
    size_t len;
    unsigned char *bytes = cli_read_file(path, &len);
    if (!bytes) return cli_fail("inspect", "cannot read %s: %s", path, strerror(errno));
    if (!(bytes = cli_text_to_binary("inspect", path, bytes, &len))) return 1;
    kiln_error err = {0};
    kiln_engine *e = kiln_engine_new(NULL, &err);
    kiln_module *m = e ? kiln_module_new(e, bytes, len, &err) : NULL;
    if (!m) {
        free(bytes);
        kiln_engine_free(e);
        return cli_fail("inspect", "%s: %s", path, err.message);
    }

    section secs[256];
    int nsec = list_sections(bytes, len, m, secs, 256);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "file", path);
    cJSON_AddNumberToObject(root, "size", (double)len);
    cJSON *js = cJSON_AddArrayToObject(root, "sections");
    for (int i = 0; i < nsec; i++) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "id", secs[i].id < 13 ? section_names[secs[i].id] : "?");
        if (secs[i].custom) cJSON_AddStringToObject(s, "name", secs[i].custom);
        cJSON_AddNumberToObject(s, "offset", secs[i].offset);
        cJSON_AddNumberToObject(s, "size", secs[i].size);
        cJSON_AddItemToArray(js, s);
    }
    char buf[512];
    cJSON *ji = cJSON_AddArrayToObject(root, "imports");
    for (uint32_t i = 0; i < kiln_module_import_count(m); i++) {
        kiln_externdesc d;
        kiln_module_import(m, i, &d);
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "module", d.module_name);
        cJSON_AddStringToObject(x, "name", d.name);
        cJSON_AddStringToObject(x, "kind", kiln_externkind_name(d.kind));
        cJSON_AddStringToObject(x, "type", extern_text(&d, buf, sizeof buf));
        cJSON_AddItemToArray(ji, x);
    }
    cJSON *je = cJSON_AddArrayToObject(root, "exports");
    for (uint32_t i = 0; i < kiln_module_export_count(m); i++) {
        kiln_externdesc d;
        kiln_module_export(m, i, &d);
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", d.name);
        cJSON_AddStringToObject(x, "kind", kiln_externkind_name(d.kind));
        cJSON_AddStringToObject(x, "type", extern_text(&d, buf, sizeof buf));
        cJSON_AddItemToArray(je, x);
    }
    cJSON_AddNumberToObject(root, "functions", kiln_module_func_count(m));
    cJSON_AddNumberToObject(root, "compiled_bytes", (double)kiln_module_footprint(m));
    cJSON *jf = cJSON_AddArrayToObject(root, "features");
    uint32_t feats = kiln_module_features(m);
    for (uint32_t bit = 1; bit; bit <<= 1)
        if (feats & bit) cJSON_AddItemToArray(jf, cJSON_CreateString(kiln_feature_name(bit)));
    cJSON *prod = producers(m);
    if (prod) cJSON_AddItemToObject(root, "producers", prod);
    bool names = has_custom(m, "name"), dwarf = has_custom(m, ".debug_info") && has_custom(m, ".debug_line");
    cJSON_AddBoolToObject(root, "name_section", names);
    cJSON_AddBoolToObject(root, "dwarf", dwarf);
    const char *wasi = NULL;
    for (uint32_t i = 0; i < kiln_module_import_count(m); i++) {
        kiln_externdesc d;
        kiln_module_import(m, i, &d);
        if (!strcmp(d.module_name, "wasi_snapshot_preview1")) wasi = "preview1";
    }
    kiln_externdesc ed;
    const char *kind = kiln_module_find_export(m, "_start", &ed) ? "command" :
                       kiln_module_find_export(m, "_initialize", &ed) ? "reactor" : "library";
    cJSON_AddStringToObject(root, "kind", kind);
    if (wasi) cJSON_AddStringToObject(root, "wasi", wasi);

    if (json) {
        char *text = cJSON_Print(root);
        if (text) { puts(text); free(text); }
    } else {
        printf("%s: %zu bytes, a WASI %s%s\n", path, len, kind, wasi ? " (wasi_snapshot_preview1)" : " (no WASI imports)");
        printf("\nSections:\n");
        for (int i = 0; i < nsec; i++)
            printf("  %-10s %-22s offset 0x%06x  %9u bytes\n", secs[i].id < 13 ? section_names[secs[i].id] : "?",
                   secs[i].custom ? secs[i].custom : "", secs[i].offset, secs[i].size);
        printf("\nImports (%u):\n", kiln_module_import_count(m));
        for (uint32_t i = 0; i < kiln_module_import_count(m); i++) {
            kiln_externdesc d;
            kiln_module_import(m, i, &d);
            printf("  %s.%s: %s\n", d.module_name, d.name, extern_text(&d, buf, sizeof buf));
        }
        printf("\nExports (%u):\n", kiln_module_export_count(m));
        for (uint32_t i = 0; i < kiln_module_export_count(m); i++) {
            kiln_externdesc d;
            kiln_module_export(m, i, &d);
            printf("  %s: %s\n", d.name, extern_text(&d, buf, sizeof buf));
        }
        printf("\nFunctions: %u\n", kiln_module_func_count(m));
        printf("Compiled: %zu bytes in memory (kiln serve's cache counts these; --max-compiled-size bounds them)\n",
               kiln_module_footprint(m));
        printf("Features beyond the MVP:");
        if (!feats) printf(" none");
        for (uint32_t bit = 1; bit; bit <<= 1)
            if (feats & bit) printf(" %s", kiln_feature_name(bit));
        printf("\n");
        if (prod) {
            printf("Producers:");
            cJSON *f;
            cJSON_ArrayForEach(f, prod) {
                printf("\n  %s:", f->string);
                cJSON *v;
                cJSON_ArrayForEach(v, f) printf(" %s;", v->valuestring);
            }
            printf("\n");
        }
        printf("Debug info: %s, %s\n", names ? "name section present (traps show function names)" : "no name section (traps show function indexes)",
               dwarf ? "DWARF present (traps show source lines)" : "no DWARF (build with kiln-cc -g for source lines)");
    }
    cJSON_Delete(root);
    kiln_module_free(m);
    kiln_engine_free(e);
    free(bytes);
    return 0;
}
