# The example guest programs, each built for wasm32-wasi with kiln-cc or
# kiln-c++ and, where tests compare outputs, natively from the same source:
#   $(BUILD)/examples/hello.wasm       (kiln run)
#   $(BUILD)/examples/wagi-hello.wasm  (kiln serve: a WAGI program)
#   $(BUILD)/examples/imgproc.wasm   $(BUILD)/examples/imgproc-native
#   $(BUILD)/examples/imgproc-simd.wasm (the same source with -msimd128)
#   $(BUILD)/examples/stl_tour.wasm  $(BUILD)/examples/stl_tour-native
# `make examples` builds them all (the wasm toolchain packages must be
# installed: `make deps`).
EX_OUT := $(BUILD)/examples

# -ffp-contract=off: no fused multiply-add natively (wasm has none), so
# floating-point results, and thus imgproc's output bytes, match.
EX_CFLAGS   := -std=c11 -O2 -g -Wall -Wextra -Werror -ffp-contract=off
EX_CXXFLAGS := -std=c++17 -O2 -g -Wall -Wextra -Werror -ffp-contract=off
EX_NATIVE_CXX ?= g++

IMGPROC_SRC := $(wildcard examples/imgproc/*.c)
IMGPROC_DEP := $(IMGPROC_SRC) $(wildcard examples/imgproc/*.h)

# Every guest links kiln's runtime (mk/rt.mk): `| rt` makes it first, so
# that `make -j all examples` cannot run kiln-cc before libkiln-rt.a exists.
EXAMPLES := $(EX_OUT)/hello.wasm $(EX_OUT)/wagi-hello.wasm $(EX_OUT)/imgproc.wasm $(EX_OUT)/imgproc-native \
            $(EX_OUT)/imgproc-simd.wasm \
            $(EX_OUT)/stl_tour.wasm $(EX_OUT)/stl_tour-native

.PHONY: examples
examples: $(EXAMPLES)

$(EX_OUT)/hello.wasm: examples/hello/hello.c $(BUILD)/kiln-cc | rt
	@mkdir -p $(dir $@)
	$(BUILD)/kiln-cc $(EX_CFLAGS) -o $@ $<

$(EX_OUT)/wagi-hello.wasm: examples/wagi-hello/wagi-hello.c $(BUILD)/kiln-cc | rt
	@mkdir -p $(dir $@)
	$(BUILD)/kiln-cc $(EX_CFLAGS) -o $@ $<

$(EX_OUT)/imgproc.wasm: $(IMGPROC_DEP) $(BUILD)/kiln-cc | rt
	@mkdir -p $(dir $@)
	$(BUILD)/kiln-cc $(EX_CFLAGS) -o $@ $(IMGPROC_SRC) -lm

# Wasm SIMD (v128): clang autovectorizes at -O2; the output bytes are the
# scalar build's (tests/suites/simd checks it), only the speed differs.
$(EX_OUT)/imgproc-simd.wasm: $(IMGPROC_DEP) $(BUILD)/kiln-cc | rt
	@mkdir -p $(dir $@)
	$(BUILD)/kiln-cc $(EX_CFLAGS) -msimd128 -o $@ $(IMGPROC_SRC) -lm

$(EX_OUT)/imgproc-native: $(IMGPROC_DEP)
	@mkdir -p $(dir $@)
	$(CC) $(EX_CFLAGS) -o $@ $(IMGPROC_SRC) -lm

$(EX_OUT)/stl_tour.wasm: examples/cxx/stl_tour.cpp $(BUILD)/kiln-c++ | rt
	@mkdir -p $(dir $@)
	$(BUILD)/kiln-c++ $(EX_CXXFLAGS) -o $@ $<

$(EX_OUT)/stl_tour-native: examples/cxx/stl_tour.cpp
	@mkdir -p $(dir $@)
	$(EX_NATIVE_CXX) $(EX_CXXFLAGS) -o $@ $<
