# Debian packages: make deb builds them with the Debian tools
# (debian/: debhelper, dpkg-buildpackage) into $(BUILD)/deb and runs
# lintian; make deb-check (root) installs an older build, changes a
# conffile, upgrades, removes and purges, checking each step.

.PHONY: deb deb-check

DEB_VERSION = $(shell dpkg-parsechangelog -S Version 2>/dev/null)

deb:
	@scripts/deps.sh build deb
	rm -f ../dnsplane_$(DEB_VERSION)_* ../dnsplane-dbgsym_$(DEB_VERSION)_*
	dpkg-buildpackage -us -uc -b
	mkdir -p $(BUILD)/deb
	mv ../dnsplane_$(DEB_VERSION)_* ../dnsplane-dbgsym_$(DEB_VERSION)_* \
		$(BUILD)/deb/
	lintian --fail-on error $(BUILD)/deb/dnsplane_$(DEB_VERSION)_*.changes

deb-check:
	@scripts/deps.sh build deb man
	bash tests/deb/lifecycle.sh --build $(BUILD)
