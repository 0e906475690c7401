/* pjson.c — cJSON's allocator in kiln serve: malloc and free, counting the
 * failures per thread (pjson.h). */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "platform/pjson.h"

static _Thread_local unsigned failures;

static void *counting_malloc(size_t n) {
    void *p = malloc(n);
    if (!p) failures++;
    return p;
}

void pjson_init(void) {
    cJSON_Hooks h = {.malloc_fn = counting_malloc, .free_fn = free};
    cJSON_InitHooks(&h);
}

unsigned pjson_mark(void) { return failures; }

void pjson_note_failure(void) { failures++; }

bool pjson_failed_since(unsigned mark) { return failures != mark; }

cJSON *pjson_checked(cJSON *tree, unsigned mark) {
    if (!pjson_failed_since(mark)) return tree;
    cJSON_Delete(tree);
    return NULL;
}
