# kiln.toml (src/cli/project.c) for kiln and kiln-platform: src/cli/toml.cc
# wraps tomlplusplus (Debian's libtomlplusplus-dev), used header-only: the
# package's pkg-config file asks for its shared library, which kiln does not
# need, so its flags are not used. C++ options and libstdc++ as for wat.cc
# (mk/wat.mk). The option tables (src/cli/options.c) go into kiln-platform
# here too.
TOML_OBJ := $(BUILD)/src/cli/toml.o

$(TOML_OBJ): src/cli/toml.cc src/cli/toml.h
	@mkdir -p $(dir $@)
	$(CXX) $(WAT_CXXFLAGS) -MMD -MP -c $< -o $@

BIN_OBJ      += $(TOML_OBJ)
PLATFORM_OBJ += $(TOML_OBJ) $(BUILD)/src/cli/project.o $(BUILD)/src/cli/options.o
$(KILN) $(KILN_PLATFORM): $(TOML_OBJ)
$(KILN_PLATFORM): $(BUILD)/src/cli/project.o $(BUILD)/src/cli/options.o
