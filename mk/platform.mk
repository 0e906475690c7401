# kiln-platform: src/platform (kiln serve: registry, blobs, HTTP, WAGI,
# metrics) and the CLI commands that talk to a server (src/cli/platform).
# `kiln` execs it for those commands (src/cli/platform/commands.h), so the
# libraries below load only when they are used; never in libkiln.a either:
# the engine knows nothing of HTTP or SQLite.
#
#   libmicrohttpd  the HTTP server          libsqlite3, libpq  the registry (one node, a cluster)
#   libcrypto      sha256 of module blobs   libcurl     the CLI's API client
PLATFORM_LDLIBS := -lmicrohttpd -lsqlite3 -lpq -lcrypto -lcurl
PLATFORM_SRC := $(wildcard src/platform/*.c) $(wildcard src/cli/platform/*.c) src/cli/util.c
PLATFORM_OBJ := $(PLATFORM_SRC:%.c=$(BUILD)/%.o)
KILN_PLATFORM := $(BUILD)/kiln-platform

$(KILN_PLATFORM): $(PLATFORM_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(PLATFORM_OBJ) $(LIB) $(LDLIBS) $(PLATFORM_LDLIBS)

all: $(KILN_PLATFORM)
$(PLATFORM_OBJ): CFLAGS += $(shell pkg-config --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql)
