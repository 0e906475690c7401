/* client.c — the API client shared by the server commands (see client.h). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <unistd.h>

#include <curl/curl.h>

#include "kiln.h"
#include "kiln_meter.h"
#include "cli/cli.h"
#include "cli/platform/client.h"
#include "cli/options.h"

/* ---------------------------------------------------------------- options */

static bool flag_is(const char *arg, const char *name, const char **inline_value) {
    size_t n = strlen(name);
    if (strncmp(arg, name, n)) return false;
    if (arg[n] == 0) { *inline_value = NULL; return true; }
    if (arg[n] == '=') { *inline_value = arg + n + 1; return true; }
    return false;
}

static int usage_error(const char *cmd, const char *synopsis, const char *fmt, const char *arg) {
    fprintf(stderr, "kiln %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nUsage: %s\nRun 'kiln %s --help' for more.\n", synopsis, cmd);
    return 1;
}

/* The config, read at most once per process. */
static client_config config;
static bool config_read;

static const client_config *get_config(void) {
    if (!config_read) {
        config_read = true;
        client_config_read(&config);
    }
    return config.loaded ? &config : NULL;
}

/* Two server URLs that differ at most in trailing slashes. */
static bool same_server(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    while (la && a[la - 1] == '/') la--;
    while (lb && b[lb - 1] == '/') lb--;
    return la == lb && !strncmp(a, b, la);
}

int client_parse(const char *cmd, const char *help, const char *synopsis, int argc, char **argv,
                 const client_flag *flags, size_t nflags, const char **pos, int min_pos, int max_pos, int *npos,
                 client_opts *o) {
    o->server = getenv("KILN_SERVER");
    if (o->server && !*o->server) o->server = NULL;
    o->data_dir = getenv("KILN_DATA");
    o->data_given = o->data_dir && *o->data_dir;
    if (!o->data_given) o->data_dir = CLIENT_DEFAULT_DATA;
    o->token = NULL;
    o->json = false;
    *npos = 0;
    /* The command's option table (cli/options.h) is the one list of what it
     * takes: a flag handed here that it lacks is kiln's own bug. */
    for (size_t k = 0; k < nflags; k++)
        if (!cli_option_known(cmd, flags[k].name)) {
            fprintf(stderr, "kiln %s: internal error: %s is not in the command's option table (src/cli/options.c)\n",
                    cmd, flags[k].name);
            return 1;
        }
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *iv = NULL;
        if (!options_done && a[0] == '-' && a[1]) {
            if (!strcmp(a, "--")) { options_done = true; continue; }
            if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(help, stdout); return 0; }
            /* --server, --data and --json where the table lists them. */
            if (flag_is(a, "--json", &iv) && !iv && cli_option_known(cmd, "--json")) { o->json = true; continue; }
            const char **common_target = NULL;
            if (flag_is(a, "--server", &iv) && cli_option_known(cmd, "--server")) common_target = &o->server;
            else if (flag_is(a, "--data", &iv) && cli_option_known(cmd, "--data")) common_target = &o->data_dir;
            if (common_target) {
                if (!iv) {
                    if (i + 1 >= argc) return usage_error(cmd, synopsis, "%s needs a value", a);
                    iv = argv[++i];
                }
                *common_target = iv;
                if (common_target == &o->data_dir) o->data_given = true;
                continue;
            }
            bool matched = false;
            for (size_t k = 0; k < nflags && !matched; k++) {
                if (!flag_is(a, flags[k].name, &iv)) continue;
                matched = true;
                if (flags[k].takes_value) {
                    if (!iv) {
                        if (i + 1 >= argc) return usage_error(cmd, synopsis, "%s needs a value", flags[k].name);
                        iv = argv[++i];
                    }
                    *flags[k].value = iv;
                } else if (iv) {
                    return usage_error(cmd, synopsis, "%s takes no value", flags[k].name);
                }
                if (flags[k].set) *flags[k].set = true;
            }
            if (!matched) {
                const char *guess = cli_option_suggest(cmd, a);
                char msg[256];
                if (guess) snprintf(msg, sizeof msg, "unknown option '%.100s'; did you mean '%s'?", a, guess);
                else snprintf(msg, sizeof msg, "unknown option '%.100s'", a);
                return usage_error(cmd, synopsis, "%s", msg);
            }
            continue;
        }
        if (*npos >= max_pos) return usage_error(cmd, synopsis, "unexpected argument '%s'", a);
        pos[(*npos)++] = a;
    }
    if (*npos < min_pos) return usage_error(cmd, synopsis, "%s", "missing argument(s)");
    if (!o->server) {
        const client_config *c = get_config();
        o->server = c ? c->server : CLIENT_DEFAULT_SERVER;
    }
    return -1;
}

/* ---------------------------------------------------------------- HTTP */

typedef struct growbuf {
    char *p;
    size_t len, cap;
    bool oom;
} growbuf;

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp) {
    growbuf *b = userp;
    size_t n = size * nmemb;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 8192;
        while (nc < b->len + n + 1) nc *= 2;
        char *np = realloc(b->p, nc);
        if (!np) { b->oom = true; return 0; }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = 0;
    return n;
}

/* The admin token, in the order client.h gives. NULL when none is found. */
static char *load_token(const client_opts *o) {
    if (o->token) return strdup(o->token);
    const char *env = getenv("KILN_TOKEN");
    if (env && *env) return strdup(env);
    if (!o->data_given) {
        const client_config *c = get_config();
        if (c && c->token[0] && same_server(c->server, o->server)) return strdup(c->token);
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/admin.token", o->data_dir);
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char buf[256] = "";
    if (!fgets(buf, sizeof buf, f)) buf[0] = 0;
    fclose(f);
    buf[strcspn(buf, "\r\n \t")] = 0;
    return buf[0] ? strdup(buf) : NULL;
}

static void actor(char *buf, size_t size) {
    const char *a = getenv("KILN_ACTOR");
    if (a && *a) { snprintf(buf, size, "%s", a); return; }
    const char *user = getenv("USER");
    if (!user || !*user) {
        struct passwd *pw = getpwuid(getuid());
        user = pw ? pw->pw_name : NULL;
    }
    char host[256] = "localhost";
    gethostname(host, sizeof host);
    host[sizeof host - 1] = 0;
    snprintf(buf, size, "%s@%s", user && *user ? user : "unknown", host);
}

bool client_call(const char *cmd, const client_opts *o, const char *method, const char *path, const void *body,
                 size_t len, const char *content_type, client_resp *out) {
    return client_call_hdr(cmd, o, method, path, body, len, content_type, NULL, out);
}

bool client_call_hdr(const char *cmd, const client_opts *o, const char *method, const char *path, const void *body,
                     size_t len, const char *content_type, const char *extra_header, client_resp *out) {
    memset(out, 0, sizeof *out);
    static bool inited;
    if (!inited) { curl_global_init(CURL_GLOBAL_DEFAULT); inited = true; }
    CURL *c = curl_easy_init();
    if (!c) { cli_fail(cmd, "cannot start libcurl"); return false; }
    size_t slen = strlen(o->server);
    while (slen && o->server[slen - 1] == '/') slen--;
    size_t ulen = slen + strlen(path) + 1;
    char *url = malloc(ulen);
    char *token = load_token(o);
    if (!url) { curl_easy_cleanup(c); free(token); cli_fail(cmd, "out of memory"); return false; }
    snprintf(url, ulen, "%.*s%s", (int)slen, o->server, path);

    struct curl_slist *h = NULL;
    char line[512];
    if (token) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, line);
    }
    char who[300];
    actor(who, sizeof who);
    snprintf(line, sizeof line, "X-Kiln-Actor: %s", who);
    h = curl_slist_append(h, line);
    if (content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", content_type);
        h = curl_slist_append(h, line);
    }
    h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    if (extra_header) h = curl_slist_append(h, extra_header);
    growbuf b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else if (!strcmp(method, "POST")) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
    }
    CURLcode rc = curl_easy_perform(c);
    bool ok = false;
    if (rc != CURLE_OK) {
        cli_fail(cmd, "cannot reach the kiln server at %s: %s (start one with 'kiln serve', or point --server or "
                      "KILN_SERVER at it)", o->server, curl_easy_strerror(rc));
    } else if (b.oom) {
        cli_fail(cmd, "out of memory");
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
        out->body = b.p;
        out->len = b.len;
        b.p = NULL;
        out->json = out->body ? cJSON_ParseWithLength(out->body, out->len) : NULL;
        if (out->status >= 200 && out->status < 300) {
            ok = true;
        } else {
            const char *msg = client_str(out->json, "error", NULL);
            if (msg) cli_fail(cmd, "%s", msg);
            else cli_fail(cmd, "the server answered %ld%s%.*s", out->status, out->len ? ": " : "",
                          (int)(out->len > 300 ? 300 : out->len), out->body ? out->body : "");
            if (out->status == 401 && !token)
                fprintf(stderr, "(no admin token found: run 'kiln login %s --token-file DATA/admin.token' once (kiln "
                                "serve prints that line), or set KILN_TOKEN, or give --data DATA)\n", o->server);
        }
    }
    free(b.p);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(url);
    free(token);
    return ok;
}

void client_resp_free(client_resp *r) {
    cJSON_Delete(r->json);
    free(r->body);
    memset(r, 0, sizeof *r);
}

char *client_escape(const char *s) {
    size_t n = strlen(s);
    char *out = malloc(3 * n + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || strchr("-._~", c)) *o++ = (char)c;
        else o += sprintf(o, "%%%02X", c);
    }
    *o = 0;
    return out;
}

void client_print_json(const client_resp *r) {
    char *text = r->json ? cJSON_Print(r->json) : NULL;
    if (text) {
        puts(text);
        free(text);
    } else if (r->body) {
        fwrite(r->body, 1, r->len, stdout);
    }
}

const char *client_str(const cJSON *o, const char *k, const char *dflt) {
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : dflt;
}

/* ---------------------------------------------------------------- tables */

struct client_table {
    int ncols;
    char **cells; /* rows * ncols, headers first */
    size_t nrows, cap;
};

static void table_add(client_table *t, const char *const *cells) {
    if (t->nrows == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 16;
        char **n = realloc(t->cells, nc * (size_t)t->ncols * sizeof *n);
        if (!n) return;
        t->cells = n;
        t->cap = nc;
    }
    for (int i = 0; i < t->ncols; i++) t->cells[t->nrows * (size_t)t->ncols + (size_t)i] = strdup(cells[i] ? cells[i] : "-");
    t->nrows++;
}

client_table *client_table_new(int ncols, const char *const *headers) {
    client_table *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->ncols = ncols;
    table_add(t, headers);
    return t;
}

void client_table_row(client_table *t, const char *const *cells) {
    if (t) table_add(t, cells);
}

void client_table_print(client_table *t) {
    if (!t) return;
    int w[32] = {0};
    for (size_t r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols && c < 32; c++) {
            const char *s = t->cells[r * (size_t)t->ncols + (size_t)c];
            int l = s ? (int)strlen(s) : 1;
            if (l > w[c]) w[c] = l;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * (size_t)t->ncols + (size_t)c];
            if (c == t->ncols - 1) printf("%s", s ? s : "-");
            else printf("%-*s  ", w[c], s ? s : "-");
        }
        putchar('\n');
    }
}

void client_table_free(client_table *t) {
    if (!t) return;
    for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++) free(t->cells[i]);
    free(t->cells);
    free(t);
}

/* ---------------------------------------------------------------- units */

/* Sizes and durations are spelled as everywhere else in kiln (kiln run's
 * --max-memory, --timeout): kiln_meter.h's parsers, binary units (1K = 1024). */
bool client_parse_size(const char *s, uint64_t *out) { return kiln_parse_size(s, out, NULL); }

bool client_parse_duration_ms(const char *s, uint64_t *out) {
    uint64_t ns;
    if (!kiln_parse_duration(s, &ns, NULL)) return false;
    uint64_t ms = ns / 1000000 + (ns % 1000000 != 0); /* round up: 500us is not 0 ms */
    if (ms > KILN_MAX_TIMEOUT_MS) return false;   /* the server converts back to ns */
    *out = ms;
    return true;
}

void client_human_size(double bytes, char *buf, size_t size) {
    if (bytes < 1024) snprintf(buf, size, "%.0f B", bytes);
    else if (bytes < 1048576) snprintf(buf, size, "%.1f KiB", bytes / 1024);
    else if (bytes < 1073741824.0) snprintf(buf, size, "%.1f MiB", bytes / 1048576);
    else snprintf(buf, size, "%.1f GiB", bytes / 1073741824.0);
}
