/* pjson.h — whether a cJSON tree the server built is whole.
 *
 * cJSON_Create* and cJSON_Add* return NULL when an allocation fails, and
 * the tree they were adding to goes on without that member: a listing
 * answered 200 with fields missing, or a 400 for a request body that was
 * fine (cJSON_Parse cannot say that it ran out of memory). There are some
 * four hundred such calls; instead of a check at each, kiln serve routes
 * cJSON's allocations through a counter of this thread's failures
 * (pjson_init, once at start) and a builder compares the counter before
 * and after: a tree built while one of its allocations failed is not whole
 * and is not answered, stored or sent (reply_json answers 503 instead). The
 * counter belongs to the thread, so a failure on another thread never
 * spoils this one's tree. */
#ifndef KILN_PLATFORM_PJSON_H
#define KILN_PLATFORM_PJSON_H

#include <stdbool.h>

#include <cjson/cJSON.h>

/* Installs the counting allocator for cJSON (process-wide, before any
 * thread builds JSON; idempotent). */
void pjson_init(void);
/* This thread's failed cJSON allocations so far: a mark to compare with. */
unsigned pjson_mark(void);
/* Whether a cJSON allocation of this thread failed since mark. */
bool pjson_failed_since(unsigned mark);
/* A builder's own allocation (a copy it adds to a tree) failed: counted as
 * one of cJSON's, so that the tree is not taken for whole. */
void pjson_note_failure(void);
/* tree if it is whole (no failure since mark), else NULL (tree freed). */
cJSON *pjson_checked(cJSON *tree, unsigned mark);

#endif
