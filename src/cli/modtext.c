/* modtext.c — modules given in the text format (.wat): recognised by name
 * or look, assembled by wabt (wat.h) into the bytes every command decodes.
 * Shared by kiln and kiln-platform (kiln deploy); kept out of util.c, which
 * unit tests compile in without the C++ shim. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/wat.h"

int cli_is_wat(const char *path, const unsigned char *bytes, size_t len) {
    size_t n = strlen(path);
    if (n > 4 && !strcmp(path + n - 4, ".wat")) return 1;
    if (len >= 4 && !memcmp(bytes, "\0asm", 4)) return 0;
    /* A text module by its look: its first word is "(module" or a comment. */
    size_t i = 0;
    while (i < len && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\n' || bytes[i] == '\r')) i++;
    return i + 2 <= len && (bytes[i] == '(' || (bytes[i] == ';' && bytes[i + 1] == ';'));
}

unsigned char *cli_text_to_binary(const char *cmd, const char *path, unsigned char *bytes, size_t *len) {
    if (!cli_is_wat(path, bytes, *len)) return bytes;
    char err[1024];
    size_t n = 0;
    unsigned char *bin = cli_wat_to_wasm(path, bytes, *len, &n, err, sizeof err);
    free(bytes);
    if (!bin) { cli_fail(cmd, "%s", err); return NULL; }
    *len = n;
    return bin;
}
