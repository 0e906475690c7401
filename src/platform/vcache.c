/* vcache.c — the request path's view of version configurations: each
 * version's environment ("K=V" strings, secrets opened) built once from the
 * registry and kept for the server's life (a version's configuration never
 * changes). A request pays one read lock and a probe; a version without
 * configuration has an empty entry, so it is not looked up again. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "platform/server.h"
#include "platform/vconfig.h"

#define VC_SLOTS 4096 /* a power of two; past VC_SLOTS/2 versions new ones are built per request */

typedef struct vc_entry {
    int64_t version_id;      /* 0: empty slot */
    char **vars;             /* "K=V" */
    size_t n;
} vc_entry;

struct vcache {
    pthread_rwlock_t lock;
    vc_entry slot[VC_SLOTS];
    size_t used;
};

vcache *vcache_new(void) {
    vcache *c = calloc(1, sizeof *c);
    if (c) pthread_rwlock_init(&c->lock, NULL);
    return c;
}

static void entry_free(vc_entry *en) {
    for (size_t i = 0; i < en->n; i++) {
        /* secrets: cleared before the memory goes back */
        volatile char *p = en->vars[i];
        while (*p) *p++ = 0;
        free(en->vars[i]);
    }
    free(en->vars);
}

void vcache_free(vcache *c) {
    if (!c) return;
    for (size_t i = 0; i < VC_SLOTS; i++)
        if (c->slot[i].version_id) entry_free(&c->slot[i]);
    pthread_rwlock_destroy(&c->lock);
    free(c);
}

static size_t home(int64_t id) { return (size_t)((uint64_t)id * 0x9E3779B97F4A7C15u >> 52) & (VC_SLOTS - 1); }

static bool add_obj(vc_entry *en, const cJSON *o) {
    const cJSON *v;
    cJSON_ArrayForEach(v, o) {
        if (!cJSON_IsString(v)) continue;
        size_t a = strlen(v->string), b = strlen(v->valuestring);
        char *kv = malloc(a + b + 2);
        char **nv = realloc(en->vars, (en->n + 1) * sizeof *nv);
        if (!kv || !nv) { free(kv); if (nv) en->vars = nv; return false; }
        en->vars = nv;
        memcpy(kv, v->string, a);
        kv[a] = '=';
        memcpy(kv + a + 1, v->valuestring, b + 1);
        en->vars[en->n++] = kv;
    }
    return true;
}

/* Builds a version's entry from the registry. */
static bool build(server *s, const char *module, int64_t version_id, vc_entry *en, perr *e) {
    memset(en, 0, sizeof *en);
    en->version_id = version_id;
    char *env_json = NULL;
    uint8_t *sealed = NULL, *plain = NULL;
    size_t slen = 0, plen = 0;
    if (!reg_version_config(s->reg, version_id, &env_json, &sealed, &slen, e)) return false;
    /* A parse that fails is out of memory (deploy stored valid JSON): the
     * entry would lack the variables, for the server's life. */
    bool ok = true;
    cJSON *env = env_json ? cJSON_Parse(env_json) : NULL;
    if (env_json && !env) ok = false;
    if (env) ok = add_obj(en, env);
    cJSON_Delete(env);
    free(env_json);
    if (ok && sealed) {
        if (!vconfig_open(s->secrets_key, module, sealed, slen, &plain, &plen)) {
            if (errno == ENOMEM) ok = perr_set(e, 503, "out of memory opening the secrets of %s", module);
            else ok = perr_set(e, 500, "the secrets of %s cannot be opened with DATA/secrets.key (a different key, "
                                       "or a damaged registry row)", module);
        } else {
            cJSON *sec = cJSON_ParseWithLength((const char *)plain, plen);
            ok = sec && add_obj(en, sec);
            cJSON_Delete(sec);
            memset(plain, 0, plen);
            free(plain);
        }
    }
    free(sealed);
    if (!ok && !e->status) perr_set(e, 503, "out of memory");
    if (!ok) entry_free(en);
    return ok;
}

bool vcache_env(server *s, const char *module, int64_t version_id, wagi_strs *env, perr *e) {
    vcache *c = s->vcache;
    const vc_entry *hit = NULL;
    pthread_rwlock_rdlock(&c->lock);
    for (size_t i = home(version_id), k = 0; k < VC_SLOTS; i = (i + 1) & (VC_SLOTS - 1), k++) {
        if (!c->slot[i].version_id) break;
        if (c->slot[i].version_id == version_id) { hit = &c->slot[i]; break; }
    }
    /* Entries are never removed while the server runs: the pointer stays valid. */
    pthread_rwlock_unlock(&c->lock);
    vc_entry fresh = {0};
    bool own = false; /* fresh was built here and is not in the table */
    if (!hit) {
        if (!build(s, module, version_id, &fresh, e)) return false;
        own = true;
        pthread_rwlock_wrlock(&c->lock);
        size_t i = home(version_id);
        while (c->slot[i].version_id && c->slot[i].version_id != version_id) i = (i + 1) & (VC_SLOTS - 1);
        if (c->slot[i].version_id) {
            hit = &c->slot[i]; /* another thread built it first */
        } else if (c->used < VC_SLOTS / 2) {
            c->slot[i] = fresh;
            c->used++;
            hit = &c->slot[i];
            own = false;
        }
        pthread_rwlock_unlock(&c->lock);
        if (!hit) hit = &fresh; /* full: used for this request only */
    }
    bool ok = true;
    /* An entry in the table lives as long as the server: lent, not copied. */
    for (size_t i = 0; ok && i < hit->n; i++)
        ok = own ? wagi_strs_add(env, hit->vars[i]) : wagi_strs_add_borrowed(env, hit->vars[i]);
    if (own) entry_free(&fresh);
    if (!ok) return perr_set(e, 503, "out of memory");
    return true;
}
