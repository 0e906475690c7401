# Delivery metrics (src/platform/agg.c, delivery*.c, usage_db.c; docs/delivery.md).
# The unit test of the arithmetic links delivery_calc.c alone: it has no I/O,
# and the platform is not part of libkiln.
$(BUILD)/tests/delivery_calc: tests/unit/delivery_calc.c src/platform/delivery_calc.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ tests/unit/delivery_calc.c src/platform/delivery_calc.c $(LIB) $(LDFLAGS) $(LDLIBS)

# Per-version configuration (src/platform/vconfig.c): names, sealing, redaction.
$(BUILD)/tests/vconfig: tests/unit/vconfig.c src/platform/vconfig.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ tests/unit/vconfig.c src/platform/vconfig.c $(LIB) $(LDFLAGS) $(LDLIBS) -lcjson -lcrypto

# Gradual rollouts (src/platform/split.c): steps, buckets, shares.
$(BUILD)/tests/split: tests/unit/split.c src/platform/split.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ tests/unit/split.c src/platform/split.c $(LIB) $(LDFLAGS) $(LDLIBS)

# The WAGI mapping (src/platform/wagi.c): the guest's environment and argv.
$(BUILD)/tests/wagi: tests/unit/wagi.c src/platform/wagi.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ tests/unit/wagi.c src/platform/wagi.c $(LIB) $(LDFLAGS) $(LDLIBS)
