# src/platform (kiln serve: registry, blobs, HTTP, WAGI, metrics) and the CLI
# commands that talk to it. The platform is linked into the kiln program only
# (the Makefile's BIN_DIRS), never into libkiln.a: the engine knows nothing
# of HTTP or SQLite.
#
#   libmicrohttpd  the HTTP server          libsqlite3  the registry
#   libcrypto      sha256 of module blobs   libcurl     the CLI's API client
LDLIBS += -lmicrohttpd -lsqlite3 -lcrypto -lcurl
