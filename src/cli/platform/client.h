/* client.h — what the commands that talk to a kiln server share: option
 * parsing (common flags --server, --data, --json, --help and a command's
 * own), the HTTP call (libcurl) with the admin token, server errors printed
 * as the server said them, and plain-text tables. */
#ifndef KILN_CLI_CLIENT_H
#define KILN_CLI_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define CLIENT_DEFAULT_SERVER "http://127.0.0.1:8080"
/* The OPTIONS lines of the connection flags, for the client commands' help. */
#define CLIENT_COMMON_HELP                                                         \
    "    --server URL   the server (KILN_SERVER; default " CLIENT_DEFAULT_SERVER ")\n" \
    "    --data DIR     where admin.token is (KILN_DATA; default ./kiln-data);\n"     \
    "                   KILN_TOKEN overrides it; kiln login\n"                        \
    "                   remembers a server and its token\n"                           \
    "    --json         print the server's JSON answer\n"
#define CLIENT_DEFAULT_DATA "./kiln-data"

typedef struct client_opts {
    const char *server;   /* --server, KILN_SERVER, the config's (kiln login), or the default */
    const char *data_dir; /* --data, KILN_DATA, or ./kiln-data: where admin.token is */
    bool data_given;      /* --data or KILN_DATA: its admin.token comes before the config's */
    const char *token;    /* when set, the token to send, whatever else says (kiln login) */
    bool json;            /* --json: print the server's JSON as it came */
} client_opts;

/* The per-user client configuration written by kiln login (config.c):
 * $XDG_CONFIG_HOME/kiln/config, else ~/.config/kiln/config, mode 0600.
 *
 * Where the client finds its server: --server, KILN_SERVER, the config,
 * http://127.0.0.1:8080. Its token: KILN_TOKEN; DIR/admin.token when --data
 * DIR or KILN_DATA is given; the config's, only when the server is the
 * config's (a token is never sent to another server); ./kiln-data/admin.token. */
typedef struct client_config {
    bool loaded;
    char path[4096];
    char server[1024];
    char token[257];
} client_config;
bool client_config_path(char *buf, size_t size);
/* False when there is none (or it is readable by others: then a warning
 * is printed and it is not used). */
bool client_config_read(client_config *c);
/* Writes server and token, mode 0600, replacing the file. Refuses (false,
 * err filled) when the file exists and others can read it, or when others
 * can write its directory. path receives the file's path. */
bool client_config_write(const char *server, const char *token, char *path, size_t path_size, char *err,
                         size_t err_size);

/* A command's own flag. A flag without a value sets *set; one with a value
 * stores it in *value (and sets *set when set is not NULL). */
typedef struct client_flag {
    const char *name;     /* "--promote" */
    bool takes_value;
    const char **value;
    bool *set;
} client_flag;

/* Parses argv[1..] (argv[0] is the command). Positional arguments go to
 * pos[0..*npos), between min_pos and max_pos of them. Returns -1 to go on,
 * or the exit status to return now (0 after --help, 1 on a usage error,
 * which it has reported). */
int client_parse(const char *cmd, const char *help, const char *synopsis, int argc, char **argv,
                 const client_flag *flags, size_t nflags, const char **pos, int min_pos, int max_pos, int *npos,
                 client_opts *o);

typedef struct client_resp {
    long status;
    cJSON *json;  /* parsed body (NULL when not JSON) */
    char *body;
    size_t len;
} client_resp;

/* Calls the server. Returns true on a 2xx answer. Otherwise prints
 * "kiln CMD: <the server's error message>" (or why the server could not be
 * reached) and returns false. path is below the server URL
 * ("/api/v1/modules"). body may be NULL. */
bool client_call(const char *cmd, const client_opts *o, const char *method, const char *path, const void *body,
                 size_t len, const char *content_type, client_resp *out);
/* The same with one more header line ("Name: value"; may be NULL). */
bool client_call_hdr(const char *cmd, const client_opts *o, const char *method, const char *path, const void *body,
                     size_t len, const char *content_type, const char *extra_header, client_resp *out);
void client_resp_free(client_resp *r);

/* URL-encodes s into a malloc'd string. */
char *client_escape(const char *s);

/* Prints the JSON body as it came (pretty) — the --json output. */
void client_print_json(const client_resp *r);

/* A table: columns, then rows of cells (strings copied), printed aligned. */
typedef struct client_table client_table;
client_table *client_table_new(int ncols, const char *const *headers);
void client_table_row(client_table *t, const char *const *cells);
void client_table_print(client_table *t);
void client_table_free(client_table *t);

/* JSON accessors tolerant of absent fields: "" or "-" style defaults. */
const char *client_str(const cJSON *o, const char *k, const char *dflt);

/* Parses sizes ("64MiB", "512k", "1048576") and durations ("500ms", "2s",
 * "1m"; a bare number is milliseconds). False when malformed. */
bool client_parse_size(const char *s, uint64_t *out);
bool client_parse_duration_ms(const char *s, uint64_t *out);

/* Human size: "12.3 KiB". */
void client_human_size(double bytes, char *buf, size_t size);

/* promote, pin, unpin and rollback: the same shape of command (alias_cmd.c).
 * needs_version: the second positional argument is a version (promote, pin);
 * allow_to: --to VERSION is accepted (rollback); allow_force: --force. */
int client_alias_command(const char *cmd, const char *help, const char *synopsis, int argc, char **argv,
                         bool needs_version, bool allow_to, bool allow_force);

#endif
