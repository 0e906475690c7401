# make install PREFIX=/usr/local [DESTDIR=/tmp/stage], make uninstall: kiln
# as a system program, working with the source tree gone (docs/install.md).
#
#   PREFIX/bin/kiln                       the CLI
#   PREFIX/bin/kiln-cc, kiln-c++,         links to PREFIX/lib/kiln/: kiln-cc
#     kiln-ar, kiln-ranlib                finds its runtime beside its real path
#   PREFIX/lib/kiln/kiln-platform         the server and its client commands
#                                         (kiln execs it: src/cli/main.c)
#   PREFIX/lib/kiln/kiln-cc ... kiln-rt/  the guest toolchain as the build tree
#   PREFIX/lib/kiln/wasm32-wasi.cmake     lays it out: the CMake toolchain file
#     cmake/Platform/WASI.cmake           finds kiln-cc beside itself
#   PREFIX/lib/libkiln.a                  the embedding library
#   PREFIX/lib/pkgconfig/kiln.pc          pkg-config --cflags --libs kiln
#   PREFIX/include/kiln*.h                the public headers
#   PREFIX/share/kiln/templates/          kiln new's project templates
#   PREFIX/share/bash-completion/completions/kiln, zsh/vendor-completions/_kiln,
#   fish/vendor_completions.d/kiln.fish   completions, where each shell looks
#   PREFIX/share/man/man1/kiln.1, kiln-CMD.1  man pages (scripts/man.sh)
#
# The same tree goes into the Debian package (make deb: scripts/mkdeb.sh).

PREFIX  ?= /usr/local
DESTDIR ?=
I_BIN   := $(DESTDIR)$(PREFIX)/bin
I_LIB   := $(DESTDIR)$(PREFIX)/lib
I_KLIB  := $(I_LIB)/kiln
I_INC   := $(DESTDIR)$(PREFIX)/include
I_SHARE := $(DESTDIR)$(PREFIX)/share
I_PC    := $(I_LIB)/pkgconfig

# What an embedder links besides libkiln.a (the libraries of LDLIBS that
# libkiln.a's objects call: cJSON for JSON reports, libiberty for C++
# demangling, libcrypto for artifact digests, dl for native code).
KILN_PC_LIBS := -lkiln -lcjson -liberty -lcrypto -ldl -lm -pthread

TOOLS_INSTALLED := kiln-cc kiln-ar
TOOLS_LINKED    := kiln-c++:kiln-cc kiln-ranlib:kiln-ar
HEADERS := $(wildcard include/kiln*.h)

.PHONY: install uninstall
# kiln.pc names PREFIX, so it is written by install itself.
define KILN_PC
prefix=$(PREFIX)
libdir=$${prefix}/lib
includedir=$${prefix}/include

Name: kiln
Description: embed the kiln WebAssembly engine (decoder, validator, interpreter, native tier, WASI)
Version: $(KILN_VERSION_STR)
Cflags: -I$${includedir} -pthread
Libs: -L$${libdir} $(KILN_PC_LIBS)
endef
export KILN_PC

$(BUILD)/completion/kiln.bash $(BUILD)/completion/_kiln $(BUILD)/completion/kiln.fish: $(KILN)
	@mkdir -p $(BUILD)/completion
	$(KILN) completion bash >$(BUILD)/completion/kiln.bash
	$(KILN) completion zsh-file >$(BUILD)/completion/_kiln
	$(KILN) completion fish >$(BUILD)/completion/kiln.fish

# Man pages: kiln.1 and kiln-CMD.1, from the help texts and the option
# tables (scripts/man.sh).
$(BUILD)/man/kiln.1: $(KILN) $(KILN_PLATFORM) scripts/man.sh
	rm -rf $(BUILD)/man
	scripts/man.sh $(KILN) $(BUILD)/man

install: all toolchain $(BUILD)/completion/kiln.bash $(BUILD)/man/kiln.1
	install -d $(I_BIN) $(I_KLIB)/cmake/Platform $(I_INC) $(I_PC) $(I_SHARE)/kiln \
	  $(I_SHARE)/bash-completion/completions $(I_SHARE)/zsh/vendor-completions \
	  $(I_SHARE)/fish/vendor_completions.d $(I_SHARE)/man/man1
	install -m 755 $(KILN) $(I_BIN)/kiln
	install -m 755 $(KILN_PLATFORM) $(I_KLIB)/kiln-platform
	for t in $(TOOLS_INSTALLED); do install -m 755 $(BUILD)/$$t $(I_KLIB)/$$t; done
	for p in $(TOOLS_LINKED); do ln -sfn $${p#*:} $(I_KLIB)/$${p%%:*}; done
	for t in $(TOOLS_INSTALLED) $(foreach p,$(TOOLS_LINKED),$(firstword $(subst :, ,$(p)))); do \
	  ln -sfn ../lib/kiln/$$t $(I_BIN)/$$t; done
	install -m 644 $(BUILD)/wasm32-wasi.cmake $(I_KLIB)/wasm32-wasi.cmake
	install -m 644 $(BUILD)/cmake/Platform/WASI.cmake $(I_KLIB)/cmake/Platform/WASI.cmake
	rm -rf $(I_KLIB)/kiln-rt
	mkdir -p $(I_KLIB)/kiln-rt/lib
	cp -R $(RT_DIR)/include $(I_KLIB)/kiln-rt/include
	install -m 644 $(RT_LIB) $(RT_CXX_LIB) $(I_KLIB)/kiln-rt/lib/
	install -m 644 $(LIB) $(I_LIB)/libkiln.a
	install -m 644 $(HEADERS) $(I_INC)/
	printf '%s\n' "$$KILN_PC" >$(I_PC)/kiln.pc
	rm -rf $(I_SHARE)/kiln/templates
	cp -R templates $(I_SHARE)/kiln/templates
	install -m 644 $(BUILD)/completion/kiln.bash $(I_SHARE)/bash-completion/completions/kiln
	install -m 644 $(BUILD)/completion/_kiln $(I_SHARE)/zsh/vendor-completions/_kiln
	install -m 644 $(BUILD)/completion/kiln.fish $(I_SHARE)/fish/vendor_completions.d/kiln.fish
	install -m 644 $(BUILD)/man/*.1 $(I_SHARE)/man/man1/

# Removes exactly what install wrote, and the completion and pkgconfig
# directories when that leaves them empty (PREFIX's own directories stay).
uninstall:
	rm -f $(I_BIN)/kiln $(foreach t,$(TOOLS_INSTALLED) kiln-c++ kiln-ranlib,$(I_BIN)/$(t))
	rm -rf $(I_KLIB) $(I_SHARE)/kiln
	rm -f $(I_LIB)/libkiln.a $(I_PC)/kiln.pc $(HEADERS:include/%=$(I_INC)/%)
	rm -f $(I_SHARE)/bash-completion/completions/kiln $(I_SHARE)/zsh/vendor-completions/_kiln \
	  $(I_SHARE)/fish/vendor_completions.d/kiln.fish $(I_SHARE)/man/man1/kiln.1 $(I_SHARE)/man/man1/kiln-*.1
	-rmdir $(I_SHARE)/bash-completion/completions $(I_SHARE)/zsh/vendor-completions \
	  $(I_SHARE)/fish/vendor_completions.d $(I_SHARE)/man/man1 $(I_SHARE)/man $(I_PC) 2>/dev/null
