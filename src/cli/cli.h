/* cli.h — the subcommands of the kiln program. Each lives in its own file
 * src/cli/cmd_NAME.c and is listed once in main.c's table. A subcommand
 * gets argv without the program name (argv[0] is the subcommand), returns the
 * process exit status, and prints its own errors as "kiln NAME: message". */
#ifndef KILN_CLI_H
#define KILN_CLI_H

#include <stddef.h>

#include "kiln.h"

int cmd_run(int argc, char **argv);
int cmd_spectest(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_completion(int argc, char **argv);
int cmd_coredump(int argc, char **argv);
int cmd_new(int argc, char **argv);
int cmd_build(int argc, char **argv);

/* kiln new's templates (cmd_new.c): the one list of their names. */
struct cli_template { const char *name, *summary; };
extern const struct cli_template cli_templates[];
extern const size_t cli_ntemplates;
/* The i-th subcommand's name (main.c's table, platform commands included),
 * NULL past the end: completion scripts list commands from it. */
const char *cli_command_name(size_t i);
/* The server and its client commands are in kiln-platform: cli/platform/commands.h. */

/* Prints "kiln: <message>" on stderr; returns 1, the status of a
 * command-line mistake. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for a failure of a known kind: returns that kind's exit status
 * (src/engine/errkind.c; `kiln --help` lists them). */
int cli_fail_code(const char *cmd, kiln_error_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The kind of a failed file operation's errno: not-found, no-memory or io. */
kiln_error_code cli_errno_code(int e);
/* Reads a whole file; NULL with errno set on failure. *len receives its size. */
unsigned char *cli_read_file(const char *path, size_t *len);
/* A module file's bytes as a binary module: bytes itself, or, for the text
 * format (a .wat file, or text that starts like one), a new buffer that wabt
 * assembled (wat.h; bytes is freed). NULL after printing one line,
 * "kiln CMD: FILE:LINE:COLUMN: message", for a text error. */
unsigned char *cli_text_to_binary(const char *cmd, const char *path, unsigned char *bytes, size_t *len);
int cli_is_wat(const char *path, const unsigned char *bytes, size_t len);

/* The directory holding the running program (from /proc/self/exe): 0, or -1
 * when it cannot be read. An installed kiln finds its parts relative to it:
 * PREFIX/bin/kiln -> PREFIX/lib/kiln (kiln-platform, the toolchain) and
 * PREFIX/share/kiln (templates); see mk/install.mk. */
int cli_exe_dir(char *buf, size_t size);

#endif
