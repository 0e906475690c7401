/* listpage.h — one page of a listing the admin API returns whole (the
 * versions of a module with a thousand of them, for the web UI):
 * ?limit=N&offset=M&order=asc|desc, the total in the X-Total-Count header. */
#ifndef KILN_PLATFORM_LISTPAGE_H
#define KILN_PLATFORM_LISTPAGE_H

#include <stdbool.h>

#include <cjson/cJSON.h>

struct http_request;
struct http_reply;

/* Cuts *list (an array) to the page asked for, in place; without those
 * arguments it stays whole (the CLI's listings are unchanged). False with a
 * 400 replied for a malformed argument. */
bool list_page(const struct http_request *rq, cJSON *list, struct http_reply *r);

#endif
