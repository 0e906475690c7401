# The native tier (src/engine/native): its files join the library, and the
# headers that generated C includes are embedded into kiln (native_files in
# $(BUILD)/gen/native_embed.c), so an installed kiln needs no source tree.
# The list is every header the prelude reaches, and the generator itself
# with the operand shapes it reads (gen.c, loops.c and opshape.c are never compiled
# there: they are embedded so that the artifact key, which hashes
# everything embedded, changes whenever the generator does).
# A missing header fails the
# native tests at once (the C compiler says which).
NATIVE_EMBED := include/kiln.h src/engine/module.h src/engine/runtime.h src/engine/arith.h \
                src/engine/simd.h src/engine/ops.h src/engine/ops_simd.h src/engine/ops_scalar.def \
                src/engine/ops_mem.def src/engine/ops_simd.def src/engine/ops_simd_mem.def \
                src/engine/native/prelude.h src/engine/native/abi.h \
                src/engine/native/gen.c src/engine/native/loops.c src/engine/opshape.h src/engine/opshape.c
# The engine sources that are not embedded but shape what the generator
# reads (the register code compiler above all): their hash joins the key, so
# that a kiln built from changed sources never loads an artifact made by
# the old ones under the same version. native_sources_hash covers both
# lists, paths and bytes (computed here, once, rather than at every start).
NATIVE_KEYED := $(sort $(wildcard src/engine/*.c src/engine/*.inc src/engine/native/*.c))
NATIVE_EMBED_C := $(BUILD)/gen/native_embed.c
$(LIB): $(BUILD)/gen/native_embed.o
LDLIBS  += -lcrypto

$(NATIVE_EMBED_C): $(NATIVE_EMBED) $(NATIVE_KEYED) mk/embed.sh mk/native.mk
	@mkdir -p $(dir $@)
	mk/embed.sh $(NATIVE_EMBED) >$@.tmp && \
	  printf 'const char native_sources_hash[] = "%s";\n' \
	    "$$(for f in $(NATIVE_EMBED) $(NATIVE_KEYED); do printf '%s\n' "$$f"; cat "$$f"; done | sha256sum | cut -c1-64)" >>$@.tmp && \
	  mv $@.tmp $@

$(BUILD)/gen/native_embed.o: $(NATIVE_EMBED_C)
	$(CC) $(CFLAGS) -c $< -o $@
