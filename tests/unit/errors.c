/*
 * errors.c — every kind of kiln_error that the API can be driven to, each
 * reached the way an embedder would meet it, with its code (not only a
 * message): a module that is not one, an import the linker lacks, a memory
 * above the store's limit, a call with the wrong arguments, a missing price
 * table, a preopen that is missing or not a directory. Out of memory is
 * reached by tests/unit/allocfail.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kiln.h"
#include "kiln_meter.h"
#include "kiln_wasi.h"
#include "tap.h"

/* Two modules written out byte by byte, so a reader can check them:
 * (import "env" "f" (func)), and (memory 2) (func (export "run")). */
static const uint8_t mod_import[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,                         /* type () -> () */
    0x02, 0x09, 0x01, 0x03, 'e', 'n', 'v', 0x01, 'f', 0x00, 0x00, /* import env.f */
};
static const uint8_t mod_run[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,                   /* type () -> () */
    0x03, 0x02, 0x01, 0x00,                               /* func 0: type 0 */
    0x05, 0x03, 0x01, 0x00, 0x02,                         /* memory min 2 pages */
    0x07, 0x07, 0x01, 0x03, 'r', 'u', 'n', 0x00, 0x00,    /* export "run" */
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,                   /* body: end */
};

static void expect(const kiln_error *e, kiln_error_code want, const char *what) {
    CHECK(e->code == want && e->message[0], "%s: code %s (got %s: %s)", what, kiln_error_code_name(want),
          kiln_error_code_name(e->code), e->message);
}

int main(void) {
    kiln_error err = {0};
    kiln_engine *eng = kiln_engine_new(NULL, &err);
    CHECK(eng && err.code == KILN_ERR_NONE, "an engine, and no error");
    if (!eng) TAP_DONE();

    /* invalid-module: truncated, and bytes that are no module at all. */
    err = (kiln_error){0};
    CHECK(!kiln_module_new(eng, mod_run, sizeof mod_run - 3, &err), "a truncated module is refused");
    expect(&err, KILN_ERR_INVALID, "a truncated module");
    err = (kiln_error){0};
    CHECK(!kiln_module_new(eng, (const uint8_t *)"hello, world", 12, &err), "text is refused");
    expect(&err, KILN_ERR_INVALID, "text instead of a module");

    /* bad-argument: no engine. */
    err = (kiln_error){0};
    CHECK(!kiln_module_new(NULL, mod_run, sizeof mod_run, &err), "no engine is refused");
    expect(&err, KILN_ERR_ARGUMENT, "kiln_module_new without an engine");

    /* link: env.f is not defined. */
    kiln_module *mi = kiln_module_new(eng, mod_import, sizeof mod_import, &err);
    kiln_module *mr = kiln_module_new(eng, mod_run, sizeof mod_run, &err);
    CHECK(mi && mr, "the two test modules decode");
    if (!mi || !mr) TAP_DONE();
    kiln_linker *l = kiln_linker_new(eng);
    kiln_store *s = kiln_store_new(eng, NULL, NULL);
    kiln_trap *trap = NULL;
    err = (kiln_error){0};
    CHECK(!kiln_instantiate(s, l, mi, &trap, &err) && !trap, "an undefined import fails to link");
    expect(&err, KILN_ERR_LINK, "an undefined import");

    /* limit: 2 pages under a 1-page memory limit. */
    kiln_limits lim = {.max_memory_bytes = 65536};
    kiln_store *small = kiln_store_new(eng, &lim, NULL);
    err = (kiln_error){0};
    CHECK(!kiln_instantiate(small, l, mr, &trap, &err) && !trap, "a memory above the limit fails");
    expect(&err, KILN_ERR_LIMIT, "a memory above the store's limit");
    kiln_store_free(small);

    /* limit: the module's memory once compiled (kiln_config.max_module_bytes):
     * one byte under its footprint is refused, naming the option given;
     * exactly its footprint is accepted. */
    size_t fp = kiln_module_footprint(mr);
    CHECK(fp > sizeof mod_run && fp < 4096, "kiln_module_footprint of a one-function module: %zu bytes", fp);
    kiln_config tight = {.max_module_bytes = fp - 1, .max_module_bytes_option = "--the-option"};
    kiln_engine *te = kiln_engine_new(&tight, &err);
    tight.max_module_bytes = fp;
    kiln_engine *te2 = kiln_engine_new(&tight, &err);
    CHECK(te && te2, "engines with a max_module_bytes");
    if (te && te2) {
        err = (kiln_error){0};
        CHECK(!kiln_module_new(te, mod_run, sizeof mod_run, &err), "a module one byte past max_module_bytes is refused");
        expect(&err, KILN_ERR_LIMIT, "a module past max_module_bytes");
        CHECK(strstr(err.message, "(--the-option raises it)") != NULL, "... naming the option: %s", err.message);
        kiln_module *fits = kiln_module_new(te2, mod_run, sizeof mod_run, &err);
        CHECK(fits && kiln_module_footprint(fits) == fp, "... and one at exactly max_module_bytes is accepted");
        kiln_module_free(fits);
    }
    kiln_engine_free(te);
    kiln_engine_free(te2);

    /* bad-argument: run() takes nothing. */
    kiln_instance *inst = kiln_instantiate(s, l, mr, &trap, &err);
    CHECK(inst != NULL, "the module without imports instantiates");
    if (inst) {
        kiln_func *run = kiln_instance_func(inst, "run");
        kiln_val one = {.type = KILN_I32, .of.i32 = 1};
        err = (kiln_error){0};
        CHECK(kiln_call(s, run, &one, 1, NULL, 0, &trap, &err) == KILN_ERROR, "a call with one argument too many fails");
        expect(&err, KILN_ERR_ARGUMENT, "a call with the wrong number of arguments");
        err = (kiln_error){0};
        CHECK(kiln_call(s, run, NULL, 0, NULL, 0, &trap, &err) == KILN_OK && err.code == KILN_ERR_NONE,
              "a good call leaves the error empty");
    }

    /* not-found and io: files. */
    kiln_prices p;
    err = (kiln_error){0};
    CHECK(!kiln_prices_load("/nonexistent/kiln-prices.toml", &p, &err), "a missing price table fails");
    expect(&err, KILN_ERR_NOT_FOUND, "a missing price table");
    char tmpl[] = "/tmp/kiln-errors-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd >= 0) {
        CHECK(write(fd, "per_gb_second = many\n", 21) == 21, "a bad price table written");
        close(fd);
        err = (kiln_error){0};
        CHECK(!kiln_prices_load(tmpl, &p, &err), "a bad price table fails");
        expect(&err, KILN_ERR_ARGUMENT, "a price table with a bad value");
        kiln_wasi_preopen po = {.host_path = tmpl, .guest_path = "/d"};
        kiln_wasi_config wc = {.preopens = &po, .npreopens = 1};
        err = (kiln_error){0};
        kiln_wasi *w = kiln_wasi_new(&wc, &err);
        CHECK(!w, "a preopen that is a file fails");
        expect(&err, KILN_ERR_IO, "a preopen that is a file, not a directory");
        if (w) kiln_wasi_free(w);
        unlink(tmpl);
        po.host_path = tmpl; /* gone now */
        err = (kiln_error){0};
        w = kiln_wasi_new(&wc, &err);
        CHECK(!w, "a preopen that does not exist fails");
        expect(&err, KILN_ERR_NOT_FOUND, "a missing preopen directory");
        if (w) kiln_wasi_free(w);
    }

    /* Names: each kind has one, and an unknown code says so. */
    bool named = true;
    for (int c = 0; c < KILN_ERR_COUNT_; c++)
        if (!strcmp(kiln_error_code_name((kiln_error_code)c), "unknown")) named = false;
    CHECK(named, "every code has a name");
    CHECK(!strcmp(kiln_error_code_name(KILN_ERR_COUNT_), "unknown"), "a code outside the set is 'unknown'");
    CHECK(!strcmp(kiln_error_code_name(KILN_ERR_INVALID), "invalid-module"), "invalid-module is named so");

    /* The table through the public API: the rows the program and the server
     * read, and the one setter of the layers above the engine. */
    const kiln_error_kind *k = kiln_error_kind_of(KILN_ERR_LIMIT);
    CHECK(k && !strcmp(k->name, "limit") && k->http_status == 413 && k->exit_status == 68 && k->summary[0],
          "kiln_error_kind_of(limit): limit, 413, 68 (got %s, %d, %d)", k ? k->name : "-", k ? k->http_status : 0,
          k ? k->exit_status : 0);
    k = kiln_error_kind_of((kiln_error_code)999);
    CHECK(k && !strcmp(k->name, "internal") && k->exit_status == 70, "an unknown code reads as internal's row");
    bool distinct = true;
    for (int a = 1; a < KILN_ERR_COUNT_; a++)
        for (int b = a + 1; b < KILN_ERR_COUNT_; b++)
            if (kiln_error_kind_of((kiln_error_code)a)->exit_status == kiln_error_kind_of((kiln_error_code)b)->exit_status)
                distinct = false;
    CHECK(distinct, "every kind has its own exit status");
    err = (kiln_error){0};
    CHECK(!kiln_error_set(&err, KILN_ERR_IO, "disk %d gone", 3), "kiln_error_set returns false");
    CHECK(err.code == KILN_ERR_IO && !strcmp(err.message, "disk 3 gone"), "kiln_error_set sets kind and message (%s)",
          err.message);
    CHECK(!kiln_error_set(NULL, KILN_ERR_IO, "ignored"), "kiln_error_set ignores a NULL error");

    kiln_store_free(s);
    kiln_linker_free(l);
    kiln_module_free(mi);
    kiln_module_free(mr);
    kiln_engine_free(eng);
    TAP_DONE();
}
