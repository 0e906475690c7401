/* options.h — every command's options, one table per command (options.c).
 * From it come: the completion scripts' flags and value completions (kiln
 * completion), the "did you mean" of an unknown option, the man pages'
 * OPTIONS and the check that each option is documented in --help and
 * accepted by the parser (tests/suites/options). The client commands'
 * parser (client_parse) takes the common --server/--data/--json only where
 * the table lists them, and refuses to run with a flag the table lacks. */
#ifndef KILN_CLI_OPTIONS_H
#define KILN_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cli_option {
    const char *name;     /* "--fuel", or a short-only "-o" */
    const char *alias;    /* a second spelling ("-f" for --follow), or NULL */
    const char *arg;      /* the value's placeholder ("N"), NULL for none; "=FORMAT": only --opt=FORMAT */
    const char *complete; /* how to complete the value: NULL, "dir", "file", "wasm", "json", "modules",
                             "versions", "templates", "words:a b c", "words+file:a b" */
    const char *sample;   /* a valid value, for tests/suites/options (NULL: none needed) */
    const char *help;     /* one line */
} cli_option;

typedef struct cli_command_options {
    const char *command;
    const cli_option *options;
    size_t n;
    bool common;          /* takes --server, --data and --json (the client commands) */
} cli_command_options;

extern const cli_option cli_common_options[];
extern const size_t cli_ncommon_options;
extern const cli_command_options cli_options[];
extern const size_t cli_noptions;

/* The table of a command, or NULL. */
const cli_command_options *cli_options_of(const char *command);
/* Whether the command's table has this option (by name or alias; common included). */
bool cli_option_known(const char *command, const char *flag);
/* The option of the command most like `flag` ("--fule" -> "--fuel"), or NULL. */
const char *cli_option_suggest(const char *command, const char *flag);
/* Prints one line: "kiln CMD: unknown option 'X'.", a suggestion when there
 * is one, and where the options are; returns 1. */
int cli_unknown_option(const char *command, const char *arg);

#endif
