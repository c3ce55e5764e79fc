# systemd.mk - the units of contrib/systemd/, their installation, and the
# test that runs them all under a real systemd in a throwaway container
# (tests/systemd/run.sh).  Included by the top-level Makefile.
#
#   make install                  units, sysusers.d, /etc/dnsplane (kept if
#                                 present), dnsplane-keygen, the daemons
#   make systemd-test             the container test (root; fails when it
#                                 cannot run)
#
# make check runs the container test when it runs as root, without
# sanitizers, and skips it (saying why) where systemd-nspawn cannot work.

SBINDIR	?= $(PREFIX)/sbin
BINDIR	?= $(PREFIX)/bin
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d

SYSTEMD_UNITS = $(wildcard contrib/systemd/*.service contrib/systemd/*.target)
# What the lab reads from /etc/dnsplane, installed when absent.
SYSTEMD_CONFIGS = authd.conf planner.conf enactor.conf api.test.zone

# Paths in the units and settings follow PREFIX and SYSCONFDIR.
SYSTEMD_SED = sed -e 's|/usr/local/sbin|$(SBINDIR)|g' \
	-e 's|/usr/local/bin|$(BINDIR)|g' \
	-e 's|/etc/dnsplane|$(SYSCONFDIR)/dnsplane|g'

.PHONY: install-systemd systemd-test systemd-check

install: install-systemd

install-systemd:
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR)
	install -m 755 scripts/dnsplane-keygen $(DESTDIR)$(SBINDIR)/
	set -e; for u in $(SYSTEMD_UNITS); do \
		$(SYSTEMD_SED) $$u > $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}; \
		chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}; done
	install -m 644 contrib/systemd/dnsplane.sysusers \
		$(DESTDIR)$(SYSUSERSDIR)/dnsplane.conf
	install -d $(DESTDIR)$(SYSCONFDIR)/dnsplane
	install -d -m 750 $(DESTDIR)$(SYSCONFDIR)/dnsplane/keys
	set -e; for f in $(SYSTEMD_CONFIGS); do \
		t=$(DESTDIR)$(SYSCONFDIR)/dnsplane/$$f; \
		if [ -e $$t ]; then echo "kept $$t"; continue; fi; \
		$(SYSTEMD_SED) contrib/systemd/$$f > $$t; chmod 644 $$t; done

# The container test: install into a throwaway root, boot systemd, run the
# lab, pause an enactor, stop it all.
systemd-test: $(PROGRAMS)
	@scripts/deps.sh build test systemd
	tests/systemd/run.sh --build $(BUILD)

systemd-check: $(PROGRAMS)
	@scripts/deps.sh build test systemd
	tests/systemd/run.sh --build $(BUILD) --if-supported

ifeq ($(shell id -u)$(SAN),0)
CHECK_TARGETS += systemd-check
endif
