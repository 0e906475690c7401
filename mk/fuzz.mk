# Engine fuzzing: a libFuzzer target on the engine and a differential
# harness against V8 (Node). Owned by the engine-fuzzing area.
#
#   make fuzz-module FUZZ_SECONDS=N   libFuzzer on tests/fuzz/fuzz_module.c
#                                     (clang-16; build and corpus in
#                                     $(EFUZZ_DIR), ignored by git)
#   make diffrun                      the kiln side of the differential
#                                     harness: $(BUILD)/fuzz/diffrun
#   make tierfuzz TIER_N=N TIER_SEED=S  N wasm-opt -ttf modules on both tiers
#                 [TIER_FEATURES=--enable-simd]  (more wasm-opt flags)
#   make walkfuzz WALK_N=N WALK_SEED=S  N random list walks on both tiers
#                                     (the batched polls tiers.sh never reaches)
#   make difffuzz DIFF_N=N DIFF_SEED=S  N wasm-opt -ttf modules run on kiln
#                                     and on Node, differences reported and
#                                     saved to $(BUILD)/fuzz/findings
#
# The fuzz target compiles the engine sources itself: every object needs
# the fuzzer's coverage instrumentation, so libkiln.a cannot be reused.

EFUZZ_DIR   ?= $(BUILD)-fuzz
EFUZZ_CC    ?= clang-16
EFUZZ_FLAGS := -std=gnu11 -g -O1 -Iinclude -Isrc -Itests/fuzz -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=undefined -fno-omit-frame-pointer
ENGINE_SRC  := $(wildcard src/engine/*.c) $(wildcard src/engine/native/*.c)
FUZZ_SECONDS ?= 60

$(EFUZZ_DIR)/fuzz_module: tests/fuzz/fuzz_module.c tests/fuzz/fuzz_link.h $(ENGINE_SRC) $(wildcard src/engine/*.h) include/kiln.h \
                          $(BUILD)/gen/native_embed.c
	@mkdir -p $(dir $@)
	$(EFUZZ_CC) $(EFUZZ_FLAGS) -o $@ tests/fuzz/fuzz_module.c $(ENGINE_SRC) $(BUILD)/gen/native_embed.c -lpthread -lm -lcrypto

.PHONY: fuzz-module fuzz-module-bin diffrun difffuzz
fuzz-module-bin: $(EFUZZ_DIR)/fuzz_module

# The seed corpus is made at run time (tests/fuzz/make-module-seeds.sh);
# what the fuzzer learns accumulates in corpus-module/ across runs.
fuzz-module: $(EFUZZ_DIR)/fuzz_module
	@mkdir -p $(EFUZZ_DIR)/corpus-module $(EFUZZ_DIR)/seeds-module $(EFUZZ_DIR)/artifacts-module
	tests/fuzz/make-module-seeds.sh $(EFUZZ_DIR)/seeds-module
	cd $(EFUZZ_DIR) && ./fuzz_module -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    -rss_limit_mb=2048 -timeout=10 -artifact_prefix=artifacts-module/ \
	    corpus-module seeds-module

DIFFRUN := $(BUILD)/fuzz/diffrun
$(DIFFRUN): tests/fuzz/diffrun.c tests/fuzz/fuzz_link.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/fuzz -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

diffrun: $(DIFFRUN)
test-bins: $(DIFFRUN)

DIFF_N    ?= 200
DIFF_SEED ?= 1
difffuzz: $(DIFFRUN)
	tests/fuzz/diff.sh -n $(DIFF_N) -s $(DIFF_SEED) -k $(DIFFRUN) -o $(BUILD)/fuzz/findings

# The tiers against each other: TIER_N wasm-opt -ttf modules from seed
# TIER_SEED on the interpreter and on the native tier (outputs and fuel),
# TIER_JOBS at a time; tests/suites/native runs the first 8.
TIER_N    ?= 1000
TIER_SEED ?= 1
TIER_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
.PHONY: tierfuzz
tierfuzz: $(DIFFRUN)
	tests/fuzz/tiers.sh -n $(TIER_N) -s $(TIER_SEED) -j $(TIER_JOBS) -k $(DIFFRUN) -o $(BUILD)/fuzz/tier-findings \
	  $(if $(TIER_FEATURES),-f "$(TIER_FEATURES)")

WALK_N    ?= 1000
WALK_SEED ?= 1
.PHONY: walkfuzz
walkfuzz: $(BUILD)/kiln
	tests/fuzz/walks.sh -n $(WALK_N) -s $(WALK_SEED) -k $(BUILD)/kiln
