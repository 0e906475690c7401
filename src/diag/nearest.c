/*
 * nearest.c — "did you mean ...?" for names that failed to link: the
 * candidates closest to the wanted name by edit distance.
 */
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"

/* Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions, the most common typo), case-insensitive. Names longer
 * than 255 bytes are compared on their first 255. */
static unsigned edit_distance(const char *a, const char *b)
{
    enum { MAXN = 255 };
    size_t n = strnlen(a, MAXN), m = strnlen(b, MAXN);
    unsigned rows[3][MAXN + 1];
    unsigned *pp = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= m; j++) prev[j] = (unsigned)j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = (unsigned)i;
        for (size_t j = 1; j <= m; j++) {
            unsigned ca = (unsigned char)a[i - 1], cb = (unsigned char)b[j - 1];
            if (ca - 'A' < 26) ca += 32;
            if (cb - 'A' < 26) cb += 32;
            unsigned cost = ca != cb;
            unsigned d = prev[j] + 1;
            if (cur[j - 1] + 1 < d) d = cur[j - 1] + 1;
            if (prev[j - 1] + cost < d) d = prev[j - 1] + cost;
            if (i > 1 && j > 1) {
                unsigned pa = (unsigned char)a[i - 2], pb = (unsigned char)b[j - 2];
                if (pa - 'A' < 26) pa += 32;
                if (pb - 'A' < 26) pb += 32;
                if (ca == pb && pa == cb && pp[j - 2] + 1 < d) d = pp[j - 2] + 1;
            }
            cur[j] = d;
        }
        unsigned *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[m];
}

typedef struct cand {
    unsigned dist;
    size_t index;
} cand;

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->dist != y->dist) return x->dist < y->dist ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

int diag_nearest_names(const char *wanted, const char *const *candidates,
                       size_t n, const char **out, int max)
{
    if (!wanted || max <= 0 || n == 0) return 0;
    /* A typo changes a few characters: allow about one edit in three, at
     * least two. */
    size_t wl = strlen(wanted);
    unsigned limit = wl / 3 > 2 ? (unsigned)(wl / 3) : 2;
    const char *wfield = strrchr(wanted, '.');
    cand best[64];
    int nbest = 0, cap = max < 64 ? max : 64;
    for (size_t i = 0; i < n; i++) {
        const char *c = candidates[i];
        if (!c || strcmp(c, wanted) == 0) continue;
        unsigned d = edit_distance(wanted, c);
        /* The right field imported from the wrong module (wasi_unstable vs
         * wasi_snapshot_preview1) is a likely mistake whatever the module
         * names' distance: rank it like a two-letter typo. */
        const char *cfield = strrchr(c, '.');
        if (wfield && cfield && strcmp(wfield, cfield) == 0 && d > 2) d = 2;
        if (d > limit) continue;
        cand x = {d, i};
        if (nbest < cap) {
            best[nbest++] = x;
        } else if (cmp_cand(&x, &best[nbest - 1]) < 0) {
            best[nbest - 1] = x;
        } else {
            continue;
        }
        qsort(best, (size_t)nbest, sizeof *best, cmp_cand);
    }
    for (int i = 0; i < nbest; i++) out[i] = candidates[best[i].index];
    return nbest;
}
