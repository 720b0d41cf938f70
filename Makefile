# netboot.pxe — developer entry points. Every target installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      ?= $(CURDIR)/.venv
BUILD     ?= $(CURDIR)/.build
TREE_ROOT := $(BUILD)/collections
TREE      := $(TREE_ROOT)/ansible_collections/netboot/pxe
BIN       := $(VENV)/bin
PY        := $(BIN)/python
APT_TEST  := git shellcheck ca-certificates gpg gpg-agent gpgv xorriso genisoimage
# The lab: systemd containers (podman), PXE clients (QEMU + firmware), probes.
APT_LAB   := podman runc debootstrap iptables iproute2 openssh-client qemu-system-x86 ovmf ipxe-qemu \
             busybox-static dnsmasq-base qemu-system-arm qemu-efi-aarch64 mtools gdisk

export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(TREE_ROOT)
export ANSIBLE_NOCOLOR := 1
export PY_COLORS := 0

.PHONY: help test unit sanity lint build-collection molecule e2e reliability bench tree deps lab-deps demo requirements clean

help:
	@echo "make demo   - run the demo lab (the main job)"
	@echo "make test   - install everything, then run every test stage"
	@echo "make unit | sanity | lint | build-collection | molecule | e2e | reliability - single stages"
	@echo "make bench  - pxe_hosts against a template loop, 200 to 10,000 hosts (see README)"
	@echo "make bench-dhcp | bench-transfer | bench-storm - DHCP DORA/s, HTTP vs TFTP, 64-client boot storm"
	@echo "make bench-converge - the server playbook: cold, no-change rerun, one title changed, beside an older commit"

## The two commands -----------------------------------------------------------

# make demo PATHS=bios,bios-undionly,uefi  (default: bios,uefi,menu,host)
PATHS ?= bios,uefi,menu,host
# The demo runs from a collection tree of its own, so other make targets can rebuild theirs meanwhile.
demo: deps lab-deps
	tools/collection-tree.sh $(BUILD)/demo-collections >/dev/null
	cd $(BUILD)/demo-collections/ansible_collections/netboot/pxe && \
		ANSIBLE_COLLECTIONS_PATH=$(BUILD)/demo-collections $(PY) tools/demo.py --paths '$(PATHS)' --logs $(BUILD)/demo

test: deps lab-deps
	@rm -rf $(BUILD)/summary
	@tools/run-stages.sh unit sanity lint build-collection molecule e2e reliability

## Set-up -----------------------------------------------------------------------

deps: $(VENV)/.installed
	@tools/apt-install.sh $(APT_TEST)

lab-deps:
	@tools/apt-install.sh $(APT_LAB)

$(VENV)/.installed: requirements.txt
	tools/venv.sh $(VENV) requirements.txt

requirements: requirements.in
	rm -rf $(BUILD)/reqvenv
	python3.11 -m venv $(BUILD)/reqvenv
	$(BUILD)/reqvenv/bin/pip install -q -r requirements.in
	( echo "# Pinned from requirements.in for Python 3.11; regenerate with 'make requirements'."; \
	  $(BUILD)/reqvenv/bin/pip freeze ) > requirements.txt

tree:
	@tools/collection-tree.sh $(TREE_ROOT) >/dev/null

## Stages -----------------------------------------------------------------------

unit: deps tree
	mkdir -p $(BUILD)/summary
	cd $(TREE) && PYTHONPATH=$(TREE_ROOT) $(PY) -m pytest -p no:cacheprovider tests/unit \
		--junitxml=$(BUILD)/unit.xml -q; rc=$$?; \
	$(PY) tools/junit_summary.py unit $(BUILD)/unit.xml > $(BUILD)/summary/unit.txt; exit $$rc

sanity: deps tree
	tools/ansible-test-offline.sh $(PY)
	cd $(TREE) && $(BIN)/ansible-test sanity --venv --python 3.11 --color no

lint: deps tree
	cd $(TREE) && $(BIN)/ansible-lint --profile production --strict --offline

build-collection: deps tree
	tools/galaxy-smoke.sh $(TREE) $(BUILD)/galaxy

molecule: deps lab-deps tree
	cd $(TREE) && $(BIN)/molecule test --all

e2e: deps lab-deps tree
	mkdir -p $(BUILD)/summary
	rm -rf $(BUILD)/test-output/e2e
	cd $(TREE) && NETBOOT_PXE_TEST_OUTPUT=$(BUILD)/test-output $(PY) -m pytest -p no:cacheprovider tests/lab tests/e2e -v \
		--junitxml=$(BUILD)/e2e.xml; rc=$$?; \
	$(PY) tools/junit_summary.py e2e $(BUILD)/e2e.xml > $(BUILD)/summary/e2e.txt; \
	if [ -f $(BUILD)/test-output/e2e/matrix.txt ]; then cp $(BUILD)/test-output/e2e/matrix.txt $(BUILD)/summary/matrix.txt; fi; exit $$rc

# Bad input, faults, attacks and a boot storm against a lab of its own; prints the case table.
reliability: deps lab-deps tree
	mkdir -p $(BUILD)/summary
	rm -rf $(BUILD)/test-output/reliability
	cd $(TREE) && NETBOOT_PXE_TEST_OUTPUT=$(BUILD)/test-output $(PY) -m pytest -p no:cacheprovider tests/reliability -v \
		--junitxml=$(BUILD)/reliability.xml; rc=$$?; \
	$(PY) tools/junit_summary.py reliability $(BUILD)/reliability.xml > $(BUILD)/summary/reliability.txt; \
	if [ -f $(BUILD)/test-output/reliability/summary.txt ]; then cp $(BUILD)/test-output/reliability/summary.txt $(BUILD)/summary/reliability-cases.txt; fi; exit $$rc

## Benchmarks -------------------------------------------------------------------

# make bench BENCH_SIZES=200,1000 BENCH_LOOP_MAX=200 BENCH_FULL=1 (environment, all optional)
bench: deps tree
	cd $(TREE) && $(PY) bench/hosts_bench.py --results $(BUILD)/bench

# DHCP DORA/s: perfdhcp (kea-admin) against the dnsmasq role's configuration and stock dnsmasq, in private
# network namespaces (root). make bench-dhcp BENCH_DHCP_RATES=500,1000 BENCH_DHCP_PERIOD=5 (both optional)
.PHONY: bench-dhcp
bench-dhcp: deps lab-deps tree
	@tools/apt-install.sh kea-admin
	cd $(TREE) && $(PY) bench/dhcp_bench.py --results $(BUILD)/bench-dhcp

# A 50 MiB initrd over HTTP vs TFTP-512/1468, and a 64-client boot storm, on a lab link shaped to 1 GbE (root; see bench/README.md).
.PHONY: bench-transfer bench-storm
bench-transfer: deps lab-deps tree
	cd $(TREE) && $(PY) bench/transfer_bench.py --results $(BUILD)/bench

bench-storm: deps lab-deps tree
	cd $(TREE) && $(PY) bench/storm_bench.py --results $(BUILD)/bench

# playbooks/pxe_server.yml on a fresh lab container (cold, no-change rerun, one title changed), this tree beside
# an older commit in the same run. make bench-converge BENCH_CONVERGE_BASE=<ref> BENCH_CONVERGE_RUNS=3 (optional)
.PHONY: bench-converge
bench-converge: deps lab-deps tree
	cd $(TREE) && $(PY) bench/converge_bench.py --repo $(CURDIR) --results $(BUILD)/bench

clean:
	rm -rf $(BUILD) $(VENV)
