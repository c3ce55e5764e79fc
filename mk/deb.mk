# deb.mk - the Debian package (debian/: debhelper, dpkg-buildpackage).
# Included by the top-level Makefile.
#
#   make deb        the packages in $(BUILD)/deb/ (built from a copy of
#                   the tree: scripts/deb-build.sh), then lintian, which
#                   must report no error and no warning
#   make deb-check  (root) after make deb: in a pristine Debian 12 root,
#                   install an older build, change a conffile, upgrade,
#                   remove and purge, checking each step
#                   (tests/deb/lifecycle.sh)

.PHONY: deb deb-check

deb:
	@scripts/deps.sh build deb
	rm -rf $(BUILD)/deb
	scripts/deb-build.sh $(BUILD)/deb
	lintian --fail-on error,warning --display-info $(BUILD)/deb/*.changes
	@ls -l $(BUILD)/deb/*.deb

deb-check: deb
	bash tests/deb/lifecycle.sh --build $(BUILD)
