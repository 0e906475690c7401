/* wat.h — the WebAssembly text format, through wabt's parser (libwabt.a,
 * from Debian's wabt package; src/cli/wat.cc wraps it in C). */
#ifndef KILN_CLI_WAT_H
#define KILN_CLI_WAT_H

#include <stddef.h>

/* Assembles the text `text` (len bytes, named `filename` in messages) into
 * a binary module: a malloc'd buffer and its size in *out_len, or NULL with
 * one line in err, "FILE:LINE:COLUMN: message", naming the first error
 * (and how many more there are). */
unsigned char *cli_wat_to_wasm(const char *filename, const unsigned char *text, size_t len,
                               size_t *out_len, char *err, size_t errsize);

#endif
