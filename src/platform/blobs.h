/* blobs.h — the content-addressed store of module binaries:
 * DATA/blobs/sha256/ab/cdef... (the digest's first two hex digits name a
 * directory, so no directory grows huge). A blob is written to a temporary
 * file beside its final name, fsync'ed, renamed into place and the directory
 * fsync'ed: a blob either exists whole under its digest or not at all, even
 * after a kill -9 or a power cut. Blobs are immutable; the same bytes are
 * stored once however many versions use them. Thread-safe (no state beyond
 * the root path). */
#ifndef KILN_PLATFORM_BLOBS_H
#define KILN_PLATFORM_BLOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/perr.h"

typedef struct blobstore blobstore;

/* Opens (creating as needed) DATA/blobs/sha256. */
blobstore *blobs_open(const char *data_dir, perr *e);
void blobs_close(blobstore *b);

/* Stores data under digest (its sha256, computed by the caller). A blob
 * already present is left alone. */
bool blobs_put(blobstore *b, const char *digest, const uint8_t *data, size_t len, perr *e);
/* Reads a blob and checks its digest (a corrupted file is an error, never
 * served). malloc'd; NULL with e filled when absent or unreadable. */
uint8_t *blobs_get(blobstore *b, const char *digest, size_t *len, perr *e);
bool blobs_exists(blobstore *b, const char *digest);
/* Removes a blob (a deploy refused after its blob was written). */
bool blobs_remove(blobstore *b, const char *digest);

/* A shared registry's copy of the blobs (reg_blob_store/fetch, PostgreSQL):
 * blobs_put also stores there; blobs_get fetches what this node lacks,
 * checks its digest and keeps it here. */
typedef bool blobs_remote_put(void *ctx, const char *digest, const uint8_t *data, size_t len, perr *e);
typedef uint8_t *blobs_remote_get(void *ctx, const char *digest, size_t *len, perr *e);
void blobs_set_remote(blobstore *b, blobs_remote_put *put, blobs_remote_get *get, void *ctx);

/* Crash recovery at start-up: removes temporary files left by interrupted
 * writes and every blob for which keep(ctx, digest) is false (written, but
 * its version was never committed). Returns the number of files removed, or
 * -1 with e filled. */
long blobs_sweep(blobstore *b, bool (*keep)(void *ctx, const char *digest), void *ctx, perr *e);

#endif
