# kiln — top-level build. `make` builds build/kiln; `make test` runs every
# test suite; `make demo` runs the README's main job. Each area may add its
# own rules in mk/*.mk (included below) so that files stay small and owned.

CC      ?= cc
BUILD   ?= build
OPT     ?= -O2
CSTD    := -std=gnu11
WARN    := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS  += $(CSTD) $(OPT) -g $(WARN) -fno-strict-aliasing -pthread -Iinclude -Isrc
LDFLAGS += -pthread
LDLIBS  += -lm

# Sanitizer build: make SAN=1 (objects go to build-san/).
ifeq ($(SAN),1)
  BUILD   := build-san
  OPT     := -O1 # the interpreter is one huge function: -O2 + ASan takes minutes
  CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -DKILN_DEBUG
  LDFLAGS += -fsanitize=address,undefined
endif

# The library: everything below the CLI and the platform.
LIB_DIRS := src/engine src/engine/native src/wasi src/diag src/meter
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
# The kiln program: the CLI (src/cli/*.c), on the library alone, so that
# `kiln run` starts fast. The server and its client commands are a second
# program, kiln-platform (src/platform, src/cli/platform; mk/platform.mk),
# which kiln execs for those subcommands.
BIN_SRC  := $(wildcard src/cli/*.c)

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
BIN_OBJ  := $(BIN_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libkiln.a
KILN     := $(BUILD)/kiln

.PHONY: all deps test test-suite demo clean check-san
all: $(KILN) $(KILN_PLATFORM)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(KILN): $(BIN_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(BIN_OBJ) $(LIB) $(LDLIBS)

-include $(wildcard mk/*.mk)
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Installs the Debian packages the build and the tests need, when missing.
deps:
	@scripts/deps.sh

test: deps
	@tests/run.sh

# One suite (or several: NAME="wasi native"), building only what they need.
test-suite: deps
	@test -n "$(NAME)" || { echo 'usage: make test-suite NAME=SUITE (a name in tests/suites)'; exit 2; }
	@tests/run.sh $(NAME)

demo: deps
	@scripts/demo.sh

clean:
	rm -rf build build-san build-*
