# Unit-test programs: tests/unit/NAME.c -> $(BUILD)/tests/NAME, linked with
# libkiln. Each prints TAP lines (see tests/unit/tap.h); the suite
# tests/suites/unit runs them all.
UNIT_SRC  := $(wildcard tests/unit/*.c)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_BINS += $(UNIT_BINS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

.PHONY: test-bins
test-bins: $(TEST_BINS)
