# src/diag: symbolication (name section, DWARF), trap reports, link-error
# suggestions. Owned by the diagnostics area.
#
#   make diag-tools      the symbolizer test tool ($(BUILD)/diag/diag-symtool)
#   make fuzz-symbols    libFuzzer on diag_symbols_build + lookups + reports
#                        (FUZZ_SECONDS=60 by default; clang-16 required)

# libiberty (C++ demangling) is only shipped as a static archive in Debian.
LIBIBERTY ?= /usr/lib/x86_64-linux-gnu/libiberty.a
LDLIBS    += $(LIBIBERTY) -lcjson

DIAG_SRC := $(wildcard src/diag/*.c)
DIAG_OBJ := $(DIAG_SRC:%.c=$(BUILD)/%.o)

# A command-line front end to the symbol index, for tests that compare it
# with llvm-symbolizer. It links only the diag objects, so it builds even
# while other areas are mid-change.
DIAG_SYMTOOL := $(BUILD)/diag/diag-symtool
$(DIAG_SYMTOOL): tests/diag/symtool.c $(DIAG_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(DIAG_OBJ) $(LIB) $(LDFLAGS) $(LIBIBERTY) -lcjson -lm

# Runs a WASI module in the engine and prints the report of its trap: the
# end-to-end check of frames (engine) against symbols (diag).
DIAG_RUNTRAP := $(BUILD)/diag/diag-run-trap
$(DIAG_RUNTRAP): tests/diag/run-trap.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

.PHONY: diag-tools fuzz-symbols
diag-tools: $(DIAG_SYMTOOL)
test-bins: $(DIAG_SYMTOOL) $(DIAG_RUNTRAP)

# Fuzzing: its own build dir, since every object needs the fuzzer's
# instrumentation. The seed corpus is made at run time from the test corpus
# (tests/diag/make-seeds.sh); findings go to $(FUZZ_DIR)/artifacts.
FUZZ_SECONDS ?= 60
FUZZ_DIR     ?= build-fuzz
FUZZ_CC      ?= clang-16
FUZZ_FLAGS   := -std=gnu11 -g -O1 -Iinclude -Isrc -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# src/engine/trap.c: the trap-kind names reports use (it needs nothing else).
$(FUZZ_DIR)/fuzz_symbols: tests/fuzz/fuzz_symbols.c $(DIAG_SRC) src/engine/trap.c src/engine/errkind.c src/diag/*.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_symbols.c $(DIAG_SRC) src/engine/trap.c src/engine/errkind.c $(LIBIBERTY) -lcjson -lpthread

fuzz-symbols: $(FUZZ_DIR)/fuzz_symbols
	@mkdir -p $(FUZZ_DIR)/corpus-symbols $(FUZZ_DIR)/seeds-symbols $(FUZZ_DIR)/artifacts
	tests/diag/make-seeds.sh $(FUZZ_DIR)/seeds-symbols
	cd $(FUZZ_DIR) && ./fuzz_symbols -max_total_time=$(FUZZ_SECONDS) -max_len=262144 \
	    -rss_limit_mb=2048 -timeout=10 -artifact_prefix=artifacts/ \
	    corpus-symbols seeds-symbols

# How fast the symbol index builds for a ~10 MB module with DWARF (the
# module is generated once, which takes minutes, and kept in the build dir).
DIAG_BIG_FILES ?= 330
.PHONY: diag-bench
diag-bench: $(DIAG_SYMTOOL)
	@[ -f $(BUILD)/diag/big.wasm ] || tests/diag/gen-big.sh $(BUILD)/diag/big.wasm $(DIAG_BIG_FILES)
	$(DIAG_SYMTOOL) --time $(BUILD)/diag/big.wasm
