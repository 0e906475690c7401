# Engine test tools: kiln-fuzz-exec runs a module's exports for the
# differential suite (tests/suites/differential), beside Node.
FUZZ_EXEC := $(BUILD)/tools/kiln-fuzz-exec

$(FUZZ_EXEC): tests/tools/fuzz-exec.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

test-bins: $(FUZZ_EXEC)
