/* cli.h — the subcommands of the kiln program. Each lives in its own file
 * src/cli/cmd_NAME.c and is listed once in main.c's table. A subcommand
 * gets argv without the program name (argv[0] is the subcommand), returns the
 * process exit status, and prints its own errors as "kiln NAME: message". */
#ifndef KILN_CLI_H
#define KILN_CLI_H

#include <stddef.h>

int cmd_run(int argc, char **argv);
int cmd_spectest(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_completion(int argc, char **argv);
int cmd_coredump(int argc, char **argv);
/* The server and its client commands are in kiln-platform: cli/platform/commands.h. */

/* Prints "kiln: <message>" on stderr; returns 1 (kiln's own-error status). */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reads a whole file; NULL with errno set on failure. *len receives its size. */
unsigned char *cli_read_file(const char *path, size_t *len);

#endif
