# The text format (.wat) for kiln and kiln-platform: src/cli/wat.cc wraps
# wabt's parser, from Debian's wabt package (libwabt.a and its headers; there
# is no separate -dev package). libstdc++ is linked statically, so that kiln
# loads no C++ runtime at start (kiln run starts fast); the sanitizer build
# links it dynamically, next to ASan's operator new.
CXX     ?= g++
WAT_OBJ := $(BUILD)/src/cli/wat.o
WAT_CXXFLAGS := -std=c++17 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Isrc
ifeq ($(SAN),1)
  WAT_LIBS := /usr/lib/x86_64-linux-gnu/libwabt.a -lstdc++
else
  WAT_LIBS := /usr/lib/x86_64-linux-gnu/libwabt.a -Wl,-Bstatic -lstdc++ -Wl,-Bdynamic
endif

$(WAT_OBJ): src/cli/wat.cc src/cli/wat.h
	@mkdir -p $(dir $@)
	$(CXX) $(WAT_CXXFLAGS) -MMD -MP -c $< -o $@

BIN_OBJ      += $(WAT_OBJ)
PLATFORM_OBJ += $(WAT_OBJ) $(BUILD)/src/cli/modtext.o
$(KILN) $(KILN_PLATFORM): LDLIBS += $(WAT_LIBS)
$(KILN) $(KILN_PLATFORM): $(WAT_OBJ)
$(KILN_PLATFORM): $(BUILD)/src/cli/modtext.o
