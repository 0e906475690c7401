# The guest toolchain, installed beside kiln: $(BUILD)/kiln-cc, kiln-c++ (a
# link to kiln-cc, which picks C++ by its name), kiln-ar and kiln-ranlib (LLVM's
# archiver, which indexes wasm objects), the CMake toolchain file and the CMake
# platform file it uses. `make` (all) installs them; they are scripts, so this
# needs no compiler. See docs/toolchain.md.
KILN_VERSION_STR := $(shell sed -n 's/^\#define KILN_VERSION "\(.*\)"$$/\1/p' include/kiln.h)

TOOLCHAIN := $(BUILD)/kiln-cc $(BUILD)/kiln-c++ $(BUILD)/kiln-ar $(BUILD)/kiln-ranlib \
             $(BUILD)/wasm32-wasi.cmake \
             $(BUILD)/cmake/Platform/WASI.cmake

.PHONY: toolchain
toolchain: $(TOOLCHAIN)
all: toolchain

# The installed copy carries its version, as it can no longer find kiln.h.
$(BUILD)/kiln-cc: tools/kiln-cc include/kiln.h
	@mkdir -p $(dir $@)
	sed 's/@KILN_VERSION@/$(KILN_VERSION_STR)/' $< >$@.tmp
	chmod +x $@.tmp
	mv -f $@.tmp $@

$(BUILD)/kiln-c++: $(BUILD)/kiln-cc
	ln -sfn kiln-cc $@

$(BUILD)/kiln-ar: tools/kiln-ar
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/kiln-ranlib: $(BUILD)/kiln-ar
	ln -sfn kiln-ar $@

$(BUILD)/wasm32-wasi.cmake: tools/wasm32-wasi.cmake
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/cmake/Platform/WASI.cmake: tools/cmake/Platform/WASI.cmake
	@mkdir -p $(dir $@)
	cp $< $@
