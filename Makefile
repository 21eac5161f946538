# Human entry points (DESIGN.md): make, make demo, make test, make conformance, make bench, make install.
# Every target installs what it needs first (`setup`), so they work on a fresh Debian 12 as root.
SHELL := /bin/bash
APT_PACKAGES := busybox-static libseccomp-dev pkg-config iproute2 jq golang-github-containers-common python3
# Only for the tests: containerd (test/integration/containerd.test.ts runs a private one).
TEST_APT_PACKAGES := containerd
# Only for the test VM (make test-vm, scripts/vm/): qemu's software emulation and debootstrap.
VM_APT_PACKAGES := qemu-system-x86 qemu-utils debootstrap e2fsprogs
BUN := node_modules/.bin/bun
TS_SOURCES := $(shell find src -name '*.ts' -not -path 'src/generated/*' 2>/dev/null)
GENERATED := src/generated/validators.js src/generated/buildinfo.js

.PHONY: all build setup apt apt-test apt-vm npm demo test test-unit test-integration test-vm conformance bench install clean

all: build

setup: apt npm

apt:
	@missing=""; for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

apt-test:
	@missing=""; for p in $(TEST_APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

apt-vm:
	@missing=""; for p in $(VM_APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

npm: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

build: setup tsrunc dist/tsrunc.js

build/Release/tsrunc.node: binding.gyp $(wildcard addon/*.c addon/*.cc addon/*.h) node_modules/.installed
	npx --no-install node-gyp rebuild

src/generated/validators.js: scripts/gen-validators.js $(wildcard schemas/*.json) node_modules/.installed
	node scripts/gen-validators.js

src/generated/buildinfo.js: scripts/gen-buildinfo.js $(wildcard .git/HEAD .git/index)
	node scripts/gen-buildinfo.js

dist/tsrunc.js: $(TS_SOURCES) $(GENERATED) tsconfig.json build/Release/tsrunc.node
	npx --no-install tsc -p .
	mv dist/main.js dist/tsrunc.js
	cp build/Release/tsrunc.node dist/tsrunc.node

# The standalone executable (DESIGN.md "Start-up cost is the product"): Bun's --compile with bytecode
# halves start-up; the addon is loaded from beside it.
tsrunc: $(TS_SOURCES) $(GENERATED) build/Release/tsrunc.node
	$(BUN) build --compile --minify --bytecode --format=esm --target=bun src/main.ts --outfile tsrunc
	cp build/Release/tsrunc.node tsrunc.node

rootfs-cache/busybox: scripts/make-rootfs.sh
	scripts/make-rootfs.sh $@

demo/config.json: tsrunc rootfs-cache/busybox
	rm -rf demo && mkdir -p demo && cp -a rootfs-cache/busybox demo/rootfs
	cd demo && ../tsrunc spec
	node scripts/demo-config.js demo/config.json

demo: build demo/config.json
	./tsrunc --root /run/tsrunc-demo delete --force tsrunc-demo >/dev/null 2>&1 || true
	./tsrunc --root /run/tsrunc-demo run --bundle demo tsrunc-demo

# The VM part (test-vm) runs last: ~20 minutes, plus ~15 the first time the image is built.
test: build apt-test apt-vm rootfs-cache/busybox
	npx --no-install jest --selectProjects unit
	npx --no-install jest --selectProjects integration --runInBand
	scripts/vm/run.sh

test-unit: build
	npx --no-install jest --selectProjects unit

test-integration: build apt-test rootfs-cache/busybox
	npx --no-install jest --selectProjects integration --runInBand

# The cgroup v2 + systemd tests in a Debian VM (scripts/vm/run.sh; the image is built once, ~10 min,
# and cached in /var/cache/tsrunc-vm). TSRUNC_VM_TESTS="systemd" runs only test/vm/*systemd*.test.sh.
test-vm: build apt-vm rootfs-cache/busybox
	scripts/vm/run.sh

# The spec conformance suite (conformance/README.md); CONFORMANCE_ARGS="--filter mount" etc.
conformance: build rootfs-cache/busybox
	$(BUN) conformance/run.ts $(CONFORMANCE_ARGS)

bench: build rootfs-cache/busybox
	bash bench/run.sh

install: build
	install -m 0755 tsrunc /usr/local/bin/tsrunc
	install -m 0644 tsrunc.node /usr/local/bin/tsrunc.node

clean:
	rm -rf build dist src/generated tsrunc tsrunc.node demo rootfs-cache
