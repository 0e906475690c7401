# make deb: the Debian package (scripts/mkdeb.sh). make deb-check: installs
# it with apt in a pristine Debian 12 root made by mmdebstrap from this
# machine's apt sources, and runs kiln there (scripts/deb-check.sh; needs
# root and the network, takes minutes: not part of make test).
.PHONY: deb deb-check
deb: all toolchain
	scripts/mkdeb.sh $(BUILD)

deb-check: deb examples
	KILN_BUILD=$(BUILD) scripts/deb-check.sh $(BUILD)/kiln_$(KILN_VERSION_STR)_$(shell dpkg --print-architecture).deb
