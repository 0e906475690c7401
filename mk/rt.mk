# kiln's runtime for guests, installed beside kiln-cc as $(BUILD)/kiln-rt/:
#   include/          rt/include (headers that add the supplement's declarations
#                     to wasi-libc's, and <sys/wait.h>), plus links to the
#                     portable header-only libraries of /usr/include that
#                     kiln-cc lets programs use (PORTABLE_HEADERS)
#   lib/libkiln-rt.a  rt/*.c compiled for wasm32-wasi: abort() and assert()
#                     that say why, and the libc supplement (tmpfile, mkstemp,
#                     chmod, system, ...)
# kiln-cc adds both to every command (docs/toolchain.md). Building it needs
# the guest toolchain (scripts/deps.sh installs it); kiln-cc names a missing
# package itself.
RT_DIR  := $(BUILD)/kiln-rt
RT_SRC  := $(wildcard rt/*.c)
RT_OBJ  := $(RT_SRC:rt/%.c=$(RT_DIR)/obj/%.o)
RT_HDR  := $(shell find rt/include -name '*.h')
RT_HDR_OUT := $(RT_HDR:rt/include/%=$(RT_DIR)/include/%)
RT_LIB  := $(RT_DIR)/lib/libkiln-rt.a
# Header-only libraries in /usr/include whose headers are the same for every
# target (no glibc, no machine types): kiln-cc finds <stb/stb_image.h> and the
# like through links in kiln-rt/include, and nothing else of /usr/include.
PORTABLE_HEADERS := stb
RT_PORTABLE := $(PORTABLE_HEADERS:%=$(RT_DIR)/include/%)
RT_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffile-prefix-map=$(CURDIR)=kiln

.PHONY: rt
rt: $(RT_LIB) $(RT_HDR_OUT) $(RT_PORTABLE)
toolchain: rt

$(RT_HDR_OUT): $(RT_DIR)/include/%: rt/include/%
	@mkdir -p $(dir $@)
	cp $< $@

# A link, made only when the host has the headers (libstb-dev); a dangling
# link would only turn "file not found" into a stranger error.
$(RT_PORTABLE):
	@mkdir -p $(dir $@)
	if [ -d /usr/include/$(notdir $@) ]; then ln -sfn /usr/include/$(notdir $@) $@; fi

$(RT_OBJ): $(RT_DIR)/obj/%.o: rt/%.c $(RT_HDR_OUT) $(BUILD)/kiln-cc
	@mkdir -p $(dir $@)
	KILN_RT=$(RT_DIR) $(BUILD)/kiln-cc $(RT_CFLAGS) -c $< -o $@

# setjmp/longjmp's runtime throws (WebAssembly exception handling) and
# defines the __c_longjmp tag (rt/setjmp.c); a program that never calls
# setjmp does not link it, and keeps a module without exceptions.
$(RT_DIR)/obj/setjmp.o: RT_CFLAGS += -mexception-handling -mllvm -wasm-enable-sjlj

$(RT_LIB): $(RT_OBJ) $(BUILD)/kiln-ar
	@mkdir -p $(dir $@)
	rm -f $@
	$(BUILD)/kiln-ar rcs $@ $(RT_OBJ)
