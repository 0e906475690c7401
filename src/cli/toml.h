/* toml.h — TOML documents (kiln.toml), through tomlplusplus (Debian's
 * libtomlplusplus-dev, a C++17 library used header-only: kiln needs no
 * shared library for it at run time). src/cli/toml.cc turns a parsed
 * document into the plain C tree below, every node with its line and
 * column, so that C code can check a schema and name where a value is. */
#ifndef KILN_CLI_TOML_H
#define KILN_CLI_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    CLI_TOML_TABLE,
    CLI_TOML_ARRAY,
    CLI_TOML_STRING,
    CLI_TOML_INT,
    CLI_TOML_FLOAT,
    CLI_TOML_BOOL,
    CLI_TOML_DATETIME, /* dates and times: kept as their TOML text in str */
} cli_toml_type;

typedef struct cli_toml cli_toml;
struct cli_toml {
    cli_toml_type type;
    char *key;        /* its key in the table holding it; NULL in an array */
    int line, column; /* where its value starts in the file (1-based) */
    int key_line, key_column; /* where its key is (a table's: its header's) */
    char *str;        /* STRING, DATETIME */
    int64_t i;        /* INT */
    double f;         /* FLOAT */
    bool b;           /* BOOL */
    cli_toml *items;  /* TABLE (in file order) and ARRAY */
    size_t nitems;
};

/* Parses text (len bytes, named path in messages). NULL with one line in
 * err, "PATH:LINE:COLUMN: message", when it is not valid TOML. */
cli_toml *cli_toml_parse(const char *path, const char *text, size_t len, char *err, size_t errsize);
void cli_toml_free(cli_toml *doc);
/* The item of a table with that key, or NULL. */
const cli_toml *cli_toml_get(const cli_toml *table, const char *key);
const char *cli_toml_type_name(cli_toml_type t);

#endif
