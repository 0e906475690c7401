# `make spec`: the official WebAssembly spec testsuite against kiln. Needs
# KILN_SPEC_DIR, a checkout of WebAssembly/testsuite at commit 7ef86dd (never
# committed here); converted scripts are cached in $(BUILD)/spec-json.
# Without KILN_SPEC_DIR it says so and succeeds. See tests/spec.sh.
.PHONY: spec
spec: $(KILN)
	@KILN=$(abspath $(KILN)) SPEC_JSON=$(abspath $(BUILD))/spec-json tests/spec.sh
