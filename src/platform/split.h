/* split.h — the arithmetic of a gradual rollout (kiln rollout), apart from
 * any I/O so that it can be checked by hand (tests/unit/split.c):
 *
 *   steps     "10,25,50,100": percentages of traffic for the new version,
 *             increasing, the last 100
 *   bucket    a request's place in 0..9999: from its client key (header
 *             X-Kiln-Key, else cookie kiln-key) when it has one, so that a
 *             client sees one version throughout; else from a per-request
 *             random number
 *   pick      the new version when bucket < weight (in basis points): as
 *             the weight grows, a key that had the new version keeps it. */
#ifndef KILN_PLATFORM_SPLIT_H
#define KILN_PLATFORM_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPLIT_MAX_STEPS 16
#define SPLIT_SCALE 10000 /* basis points */

/* Parses "10,25,50,100" (each 0 < p <= 100, up to two decimals, strictly
 * increasing, the last 100). why receives the reason on failure. */
bool split_parse_steps(const char *s, int steps_bp[SPLIT_MAX_STEPS], int *n, char *why, size_t why_size);
/* "10,25,50,100" again. */
void split_format_steps(const int *steps_bp, int n, char *buf, size_t size);
/* A client key's bucket, 0..SPLIT_SCALE-1 (FNV-1a 64 with a final mix). */
unsigned split_bucket(const char *key, size_t len);
/* A request's bucket from a random 64-bit number. */
unsigned split_bucket_random(uint64_t r);
/* True: this bucket goes to the new version at weight_bp. */
static inline bool split_pick(unsigned bucket, int weight_bp) { return (int)bucket < weight_bp; }
/* The client key of a request: the X-Kiln-Key header's value, else the
 * value of the kiln-key cookie in a Cookie header (NULL: none). *len
 * receives its length. */
const char *split_client_key(const char *header, const char *cookie, size_t *len);

#endif
