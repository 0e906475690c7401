/* cmd_dev.c — `kiln dev`: the inner loop of a project (kiln.toml). Builds,
 * starts a private kiln serve (its own data directory, a free port), deploys
 * the module live, then watches the sources with inotify: a save rebuilds
 * and redeploys; a failing request's trap report is printed here, with the
 * source line it names (the server never reads source files: the report's
 * frames are resolved against the project's files on this side). Ctrl-C
 * stops the server and removes its data. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "cli/platform/client.h"
#include "cli/platform/commands.h"
#include "cli/project.h"

int deploy_project(int argc, char **argv, int (*deploy)(int, char **));

static const char help[] =
    "NAME\n"
    "    kiln dev - build, serve locally and redeploy on every save\n"
    "\n"
    "SYNOPSIS\n"
    "    kiln dev [--listen ADDR:PORT]\n"
    "\n"
    "DESCRIPTION\n"
    "    In a project (kiln.toml here or above; docs/project.md): builds the\n"
    "    module (kiln build), starts a kiln serve of its own on a private data\n"
    "    directory and a free port of 127.0.0.1, deploys the module there and\n"
    "    makes it live (with kiln.toml's limits, env, secrets and routes;\n"
    "    auto-rollback off), and prints its URL. Then it watches the project's\n"
    "    files ([build] watch, default every file) with inotify: on a save it\n"
    "    rebuilds and redeploys, so the next request sees the change. A build\n"
    "    that fails leaves the last good version serving.\n"
    "\n"
    "    Every failing request is reported here: its request id and message,\n"
    "    the trap report, the source line it names (read from the project's\n"
    "    files) and the guest's stderr.\n"
    "\n"
    "    Ctrl-C (or SIGTERM) stops the server and removes its data directory.\n"
    "\n"
    "OPTIONS\n"
    "    --listen ADDR:PORT\n"
    "        Where the server listens (default 127.0.0.1:0, a free port).\n"
    "\n"
    "    -h, --help\n"
    "        Show this help.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 after Ctrl-C; 1 when the project cannot be read, the first build\n"
    "    fails or the server cannot start or stops by itself.\n"
    "\n"
    "EXAMPLES\n"
    "    kiln new hello --template wagi-c && cd hello && kiln build && kiln dev\n";

typedef struct dev {
    cli_project p;
    char data[PATH_MAX];   /* the server's private data directory */
    char log[PATH_MAX + 16];
    char url[256];
    pid_t server;
    int ino, sfd;
    char *dirs[256];       /* watched directories, relative to the project ('' = itself), by wd */
    int wds[256];
    int ndirs;
    char root[PATH_MAX];     /* the project's directory, resolved */
    char wasm_rel[PATH_MAX * 2]; /* the module, relative to the project: never a reason to rebuild */
    long long last_failure;  /* the newest failure already shown */
    bool deployed;
} dev;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st; (void)flag; (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* ---------------------------------------------------------------- the server */

static bool start_server(dev *d, const char *listen) {
    snprintf(d->log, sizeof d->log, "%s/serve.log", d->data);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return cli_fail("dev", "cannot find this program: /proc/self/exe is unreadable") == 0;
    self[n] = 0;
    d->server = fork();
    if (d->server < 0) return cli_fail("dev", "cannot start kiln serve: %s", strerror(errno)) == 0;
    if (d->server == 0) {
        /* Its own process group: Ctrl-C reaches kiln dev, which stops it in order. */
        setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) { dup2(fd, 1); dup2(fd, 2); }
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) dup2(null, 0);
        execl(self, self, "serve", "--listen", listen, "--data", d->data, "--threads", "2", (char *)NULL);
        _exit(127);
    }
    /* Its URL, from the "listening on" line. */
    for (int i = 0; i < 200; i++) {
        size_t len;
        unsigned char *text = cli_read_file(d->log, &len);
        if (text) {
            char *s = memmem(text, len, "listening on ", 13);
            if (s) {
                s += 13;
                size_t m = strcspn(s, " \n");
                snprintf(d->url, sizeof d->url, "%.*s", (int)(m < sizeof d->url ? m : sizeof d->url - 1), s);
            }
            free(text);
            if (d->url[0]) return true;
        }
        if (waitpid(d->server, NULL, WNOHANG) == d->server) { d->server = 0; break; }
        usleep(50000);
    }
    cli_fail("dev", "kiln serve did not start; its log (%s):", d->log);
    size_t len;
    unsigned char *text = cli_read_file(d->log, &len);
    if (text) { fwrite(text, 1, len, stderr); free(text); }
    return false;
}

static void stop_server(dev *d) {
    if (d->server <= 0) return;
    kill(d->server, SIGTERM);
    for (int i = 0; i < 100 && waitpid(d->server, NULL, WNOHANG) == 0; i++) usleep(50000);
    if (waitpid(d->server, NULL, WNOHANG) == 0) { kill(d->server, SIGKILL); waitpid(d->server, NULL, 0); }
    d->server = 0;
}

static void conn(const dev *d, client_opts *o) {
    char *av[] = {"dev", "--server", (char *)d->url, "--data", (char *)d->data, NULL};
    int npos;
    client_parse("deploy", "", "", 5, av, NULL, 0, NULL, 0, 0, &npos, o);
}

/* Deploys the built module live: kiln deploy in the project, pointed here. */
static bool deploy(dev *d) {
    char *av[] = {"deploy", "--server", d->url, "--data", d->data, "--promote", "--auto-rollback", "off", NULL};
    fflush(stdout);
    if (deploy_project(8, av, cmd_deploy) != 0) return false;
    if (!d->deployed) {
        printf("kiln dev: serving %s at %s/run/%s/", d->p.name, d->url, d->p.name);
        for (size_t i = 0; i < d->p.nroutes; i++) printf(" and %s%s", d->url, d->p.routes[i]);
        printf(" (server data in %s)\nkiln dev: watching %s for changes; Ctrl-C stops\n", d->data, d->p.dir);
    }
    d->deployed = true;
    fflush(stdout);
    return true;
}

/* ---------------------------------------------------------------- failures */

/* The source line a frame names, from the project's files. */
static bool source_line(const dev *d, const char *file, int line, int col) {
    char path[PATH_MAX * 2];
    if (file[0] == '/') snprintf(path, sizeof path, "%s", file);
    else snprintf(path, sizeof path, "%s/%s", d->p.dir, file);
    /* Shown relative to the project, as the user's editor names it. */
    size_t rn = strlen(d->root);
    if (rn && !strncmp(file, d->root, rn) && file[rn] == '/') file += rn + 1;
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char buf[4096];
    int n = 0;
    bool found = false;
    while (fgets(buf, sizeof buf, f))
        if (++n == line) { found = true; break; }
    fclose(f);
    if (!found) return false;
    buf[strcspn(buf, "\n")] = 0;
    int w = snprintf(NULL, 0, "%d", line);
    printf("    %*s--> %s:%d:%d\n    %*s |\n    %d | %s\n", w, "", file, line, col, w, "", line, buf);
    if (col > 0) {
        printf("    %*s | ", w, "");
        for (int i = 1; i < col && buf[i - 1]; i++) putchar(buf[i - 1] == '\t' ? '\t' : ' ');
        printf("^\n");
    }
    return true;
}

static void show_failure(const dev *d, const cJSON *t) {
    const char *kind = client_str(t, "kind", "?"), *msg = client_str(t, "message", "?");
    printf("\nkiln dev: request %s to %s failed: %s%s%s\n", client_str(t, "request_id", "?"),
           client_str(t, "version", "?"), strcmp(kind, msg) ? kind : "", strcmp(kind, msg) ? ": " : "", msg);
    const char *report = client_str(t, "report", NULL);
    if (report) {
        for (const char *s = report; *s;) {
            size_t n = strcspn(s, "\n");
            printf("  %.*s\n", (int)n, s);
            s += n + (s[n] == '\n');
        }
    }
    const cJSON *frames = cJSON_GetObjectItem(cJSON_GetObjectItem(t, "trap"), "frames"), *fr;
    cJSON_ArrayForEach(fr, frames) {
        const cJSON *file = cJSON_GetObjectItem(fr, "file"), *line = cJSON_GetObjectItem(fr, "line");
        const cJSON *col = cJSON_GetObjectItem(fr, "column");
        if (cJSON_IsString(file) && cJSON_IsNumber(line) &&
            source_line(d, file->valuestring, line->valueint, cJSON_IsNumber(col) ? col->valueint : 0))
            break;
    }
    const char *err = client_str(t, "stderr", "");
    if (*err) printf("  stderr:\n    %s%s", err, err[strlen(err) - 1] == '\n' ? "" : "\n");
    fflush(stdout);
}

/* New failures since the last look, oldest first. first: only remember them. */
static void poll_failures(dev *d, bool first) {
    if (!d->deployed) return;
    client_opts o;
    conn(d, &o);
    char *en = client_escape(d->p.name);
    char path[512];
    snprintf(path, sizeof path, "/api/v1/modules/%s/errors?limit=50", en ? en : "");
    free(en);
    client_resp r;
    if (!client_call("dev", &o, "GET", path, NULL, 0, NULL, &r)) { client_resp_free(&r); return; }
    int n = cJSON_GetArraySize(r.json);
    for (int i = n - 1; i >= 0; i--) {
        const cJSON *t = cJSON_GetArrayItem(r.json, i), *id = cJSON_GetObjectItem(t, "id");
        long long v = cJSON_IsNumber(id) ? (long long)id->valuedouble : 0;
        if (v <= d->last_failure) continue;
        d->last_failure = v;
        if (!first) show_failure(d, t);
    }
    client_resp_free(&r);
}

/* ---------------------------------------------------------------- watching */

static void watch_dir(dev *d, const char *rel) {
    if (d->ndirs >= (int)(sizeof d->dirs / sizeof d->dirs[0])) return;
    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s%s%s", d->p.dir, *rel ? "/" : "", rel);
    int wd = inotify_add_watch(d->ino, path, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ONLYDIR);
    if (wd < 0) return;
    char *copy = strdup(rel);
    if (!copy) { inotify_rm_watch(d->ino, wd); return; }
    d->wds[d->ndirs] = wd;
    d->dirs[d->ndirs++] = copy;
    DIR *dir = opendir(path);
    if (!dir) return;
    struct dirent *e;
    while ((e = readdir(dir))) {
        /* Hidden directories (.git) and a server's data (./kiln-data, kiln
         * serve's default) are never sources. */
        if (e->d_name[0] == '.' || e->d_type != DT_DIR || !strcmp(e->d_name, "kiln-data")) continue;
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        watch_dir(d, sub);
    }
    closedir(dir);
}

/* Whether a changed file is a source: kiln.toml, or what [build] watch
 * names (by its path in the project or its name), never the module. */
static bool is_source(const dev *d, const char *rel, const char *name, bool *toml) {
    *toml = !strcmp(rel, CLI_PROJECT_FILE);
    if (*toml) return true;
    size_t n = strlen(name);
    if (name[0] == '.' || (n && name[n - 1] == '~') || !strcmp(rel, d->wasm_rel)) return false;
    if (!d->p.nwatch) return true;
    for (size_t i = 0; i < d->p.nwatch; i++)
        if (fnmatch(d->p.watch[i], rel, FNM_PATHNAME) == 0 || fnmatch(d->p.watch[i], name, 0) == 0) return true;
    return false;
}

/* Reads the pending events: whether one is a source's (and kiln.toml's). */
static bool read_events(dev *d, bool *toml) {
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool any = false;
    for (;;) {
        ssize_t len = read(d->ino, buf, sizeof buf);
        if (len <= 0) break;
        for (char *p = buf; p < buf + len;) {
            struct inotify_event *e = (struct inotify_event *)p;
            p += sizeof *e + e->len;
            if (!e->len) continue;
            const char *dir = NULL;
            for (int i = 0; i < d->ndirs && !dir; i++)
                if (d->wds[i] == e->wd) dir = d->dirs[i];
            if (!dir) continue;
            char rel[PATH_MAX];
            snprintf(rel, sizeof rel, "%s%s%s", dir, *dir ? "/" : "", e->name);
            if ((e->mask & IN_ISDIR) && (e->mask & IN_CREATE) && e->name[0] != '.' && strcmp(e->name, "kiln-data")) {
                watch_dir(d, rel);
                continue;
            }
            if (e->mask & IN_ISDIR) continue;
            bool t = false;
            if (is_source(d, rel, e->name, &t)) { any = true; *toml |= t; }
        }
    }
    return any;
}

static void relative_wasm(dev *d) {
    char full[PATH_MAX * 2];
    cli_project_wasm_path(&d->p, full, sizeof full);
    size_t n = strlen(d->p.dir);
    if (!strncmp(full, d->p.dir, n) && full[n] == '/') snprintf(d->wasm_rel, sizeof d->wasm_rel, "%s", full + n + 1);
    else snprintf(d->wasm_rel, sizeof d->wasm_rel, "%s", full);
}

/* A save: settle, rebuild, redeploy; events the build itself caused are dropped. */
static void rebuild(dev *d, bool toml) {
    usleep(50000); /* an editor's save is several events */
    bool more = false;
    read_events(d, &more);
    toml |= more;
    double t0 = now_s();
    if (toml) {
        cli_project np;
        if (!cli_project_load("dev", d->p.path, &np)) {
            printf("kiln dev: kiln.toml has an error (above); still serving the last good version\n");
            fflush(stdout);
            return;
        }
        cli_project_free(&d->p);
        d->p = np;
        relative_wasm(d);
    }
    printf("\nkiln dev: change seen, rebuilding\n");
    fflush(stdout);
    int rc = cli_project_build("dev", &d->p, true);
    double built = now_s();
    bool ignored;
    read_events(d, &ignored);
    if (rc != 0) {
        printf("kiln dev: the build failed (above); still serving the last good version\n");
        fflush(stdout);
        return;
    }
    if (deploy(d))
        printf("kiln dev: live again %.2f s after the change was seen (build %.2f s, deploy %.2f s)\n", now_s() - t0,
               built - t0, now_s() - built);
    fflush(stdout);
}

/* ---------------------------------------------------------------- main */

int cmd_dev(int argc, char **argv) {
    const char *listen = "127.0.0.1:0";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { fputs(help, stdout); return 0; }
        if (!strcmp(a, "--listen") && i + 1 < argc) listen = argv[++i];
        else if (!strncmp(a, "--listen=", 9)) listen = a + 9;
        else if (a[0] == '-') return cli_unknown_option("dev", a);
        else return cli_fail("dev", "unexpected argument '%s' (see kiln dev --help)", a);
    }
    dev d = {.server = 0, .ino = -1, .sfd = -1};
    char path[PATH_MAX];
    if (cli_project_find(NULL, path, sizeof path) != 0)
        return cli_fail("dev", "no kiln.toml here or above: start a project with kiln new NAME --template wagi-c");
    if (!cli_project_load("dev", path, &d.p)) return 1;
    relative_wasm(&d);
    if (!realpath(d.p.dir, d.root)) d.root[0] = 0;
    int rc = 1;
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    d.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    d.ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (d.sfd < 0 || d.ino < 0) { cli_fail("dev", "cannot watch files: %s", strerror(errno)); goto out; }
    watch_dir(&d, "");
    if (cli_project_build("dev", &d.p, false) != 0) goto out;
    bool ignored;
    read_events(&d, &ignored);
    const char *tmp = getenv("TMPDIR");
    snprintf(d.data, sizeof d.data, "%s/kiln-dev-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(d.data)) { d.data[0] = 0; cli_fail("dev", "cannot make a data directory: %s", strerror(errno)); goto out; }
    if (!start_server(&d, listen)) goto out;
    if (!deploy(&d)) goto out;
    poll_failures(&d, true);
    for (;;) {
        struct pollfd fds[2] = {{d.sfd, POLLIN, 0}, {d.ino, POLLIN, 0}};
        int n = poll(fds, 2, 300);
        if (n < 0 && errno != EINTR) break;
        if (n > 0 && (fds[0].revents & POLLIN)) {
            printf("\nkiln dev: stopping\n");
            rc = 0;
            break;
        }
        if (waitpid(d.server, NULL, WNOHANG) == d.server) {
            d.server = 0;
            cli_fail("dev", "kiln serve stopped by itself; its log is %s", d.log);
            d.data[0] = 0; /* kept, for its log */
            break;
        }
        bool toml = false;
        if (n > 0 && (fds[1].revents & POLLIN) && read_events(&d, &toml)) rebuild(&d, toml);
        poll_failures(&d, false);
    }
out:
    stop_server(&d);
    if (d.data[0]) nftw(d.data, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    for (int i = 0; i < d.ndirs; i++) free(d.dirs[i]);
    if (d.ino >= 0) close(d.ino);
    if (d.sfd >= 0) close(d.sfd);
    cli_project_free(&d.p);
    fflush(stdout);
    return rc;
}
