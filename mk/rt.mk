# kiln's runtime for guests, installed beside kiln-cc as $(BUILD)/kiln-rt/:
#   include/          rt/include (headers that add the supplement's declarations
#                     to wasi-libc's, and <sys/wait.h>), plus links to the
#                     portable header-only libraries of /usr/include that
#                     kiln-cc lets programs use (PORTABLE_HEADERS)
#   lib/libkiln-rt.a  rt/*.c compiled for wasm32-wasi: abort() and assert()
#                     that say why, and the libc supplement (tmpfile, mkstemp,
#                     chmod, system, ...)
#   lib/libkiln-cxx.a rt/cxx: the C++ exception runtime (kiln-c++ links it
#                     unless -fno-exceptions), see docs/toolchain.md
# kiln-cc adds both to every command (docs/toolchain.md). Building it needs
# the guest toolchain (scripts/deps.sh installs it); kiln-cc names a missing
# package itself.
RT_DIR  := $(BUILD)/kiln-rt
RT_SRC  := $(wildcard rt/*.c)
RT_OBJ  := $(RT_SRC:rt/%.c=$(RT_DIR)/obj/%.o)
RT_HDR  := $(shell find rt/include -name '*.h')
RT_HDR_OUT := $(RT_HDR:rt/include/%=$(RT_DIR)/include/%)
RT_LIB  := $(RT_DIR)/lib/libkiln-rt.a
RT_CXX_SRC := $(wildcard rt/cxx/*.cpp rt/cxx/*.c)
RT_CXX_OBJ := $(patsubst rt/cxx/%,$(RT_DIR)/obj/cxx/%.o,$(RT_CXX_SRC))
RT_CXX_LIB := $(RT_DIR)/lib/libkiln-cxx.a
# Header-only libraries in /usr/include whose headers are the same for every
# target (no glibc, no machine types): kiln-cc finds <stb/stb_image.h> and the
# like through links in kiln-rt/include, and nothing else of /usr/include.
PORTABLE_HEADERS := stb
RT_PORTABLE := $(PORTABLE_HEADERS:%=$(RT_DIR)/include/%)
RT_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffile-prefix-map=$(CURDIR)=kiln

.PHONY: rt
rt: $(RT_LIB) $(RT_CXX_LIB) $(RT_HDR_OUT) $(RT_PORTABLE)
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

# The C++ exception runtime. Only throw.cpp holds exception-handling
# instructions (its throws and the guard around main); the rest is built
# without, so that a program that never throws keeps a module without them.
RT_CXXFLAGS := -std=c++17 -O2 -g -Wall -Wextra -Werror -fno-exceptions -ffile-prefix-map=$(CURDIR)=kiln

$(RT_DIR)/obj/cxx/%.cpp.o: rt/cxx/%.cpp rt/cxx/exception.h rt/line.h $(RT_HDR_OUT) $(BUILD)/kiln-cc $(BUILD)/kiln-c++
	@mkdir -p $(dir $@)
	KILN_RT=$(RT_DIR) $(BUILD)/kiln-c++ $(RT_CXXFLAGS) -c $< -o $@

$(RT_DIR)/obj/cxx/%.c.o: rt/cxx/%.c $(RT_HDR_OUT) $(BUILD)/kiln-cc
	@mkdir -p $(dir $@)
	KILN_RT=$(RT_DIR) $(BUILD)/kiln-cc $(RT_CFLAGS) -c $< -o $@

$(RT_DIR)/obj/cxx/throw.cpp.o: RT_CXXFLAGS += -fexceptions

$(RT_CXX_LIB): $(RT_CXX_OBJ) $(BUILD)/kiln-ar
	@mkdir -p $(dir $@)
	rm -f $@
	$(BUILD)/kiln-ar rcs $@ $(RT_CXX_OBJ)
