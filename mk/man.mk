# man.mk - the man pages: man/PAGE.in with the option lists each program
# prints from its own settings table (scripts/mkman.sh), into
# $(BUILD)/man; `make install` puts them under $(PREFIX)/share/man.
# Included by the top-level Makefile.

# PAGE:PROGRAM, the program whose table fills the page.
MAN_MAP = dnsplane-authd.8:authd dnsplane-authd.conf.5:authd \
	dnsplane-planner.8:planner dnsplane-planner.conf.5:planner \
	dnsplane-enactor.8:enactor dnsplane-enactor.conf.5:enactor \
	dnsplanectl.8:dnsplanectl dnsplanectl.conf.5:dnsplanectl \
	dnsprobe.1:dnsprobe \
	dnsplane-leasestore.8:leasestore dnsplane-leasemgr.8:leasemgr
MAN_PAGES = $(foreach m,$(MAN_MAP),$(BUILD)/man/$(word 1,$(subst :, ,$(m))))

CHECK_TARGETS += man-check

.PHONY: man man-check install-man
man: $(MAN_PAGES)

# man_rule PAGE PROGRAM
define man_rule
$(BUILD)/man/$(1): man/$(1).in scripts/mkman.sh $(BUILD)/$(2)
	@mkdir -p $$(dir $$@)
	scripts/mkman.sh $$< $(BUILD)/$(2) $$@
endef
$(foreach m,$(MAN_MAP),$(eval $(call man_rule,$(word 1,$(subst :, ,$(m))),$(word 2,$(subst :, ,$(m))))))

# Every option of each program's table in its pages; man renders them
# without a warning.
man-check: $(MAN_PAGES)
	@scripts/deps.sh man
	bash tests/man/check.sh $(BUILD) $(MAN_MAP)

install: install-man
install-man: $(MAN_PAGES)
	for p in $(MAN_PAGES); do \
		s=$${p##*.}; \
		install -d $(DESTDIR)$(PREFIX)/share/man/man$$s; \
		install -m 644 $$p $(DESTDIR)$(PREFIX)/share/man/man$$s/; \
	done
