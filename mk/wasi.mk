# WASI preview1 (src/wasi): the wasi-testsuite target. The unit tests
# (tests/unit/wasi_*.c) are built by mk/tests.mk; the differential suite is
# tests/suites/wasi.
#
#   make wasi-testsuite KILN_WASI_TESTSUITE=/path/to/wasi-testsuite
#
# runs every wasm32-wasip1 test of a WebAssembly/wasi-testsuite checkout
# (branch prod/testsuite-base) through `kiln run`; without the variable it
# says so and fails.
.PHONY: wasi-testsuite
wasi-testsuite: $(KILN)
	@KILN=$(abspath $(KILN)) tests/wasi-testsuite.sh
