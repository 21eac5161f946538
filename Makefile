# Human entry points (DESIGN.md): make, make demo, make test, make conformance, make bench, make install.
# Every target installs what it needs first (`setup`), so they work on a fresh Debian 12 as root.
SHELL := /bin/bash
APT_PACKAGES := busybox-static libseccomp-dev pkg-config iproute2 jq golang-github-containers-common python3
# Only for the tests: containerd (test/integration/containerd.test.ts runs a private one); gcc and
# libc6-dev build the static probe the attack tests put in containers (test/helpers/probe.c).
TEST_APT_PACKAGES := containerd gcc libc6-dev
BUN := node_modules/.bin/bun
TS_SOURCES := $(shell find src -name '*.ts' -not -path 'src/generated/*' 2>/dev/null)
GENERATED := src/generated/validators.js src/generated/buildinfo.js

.PHONY: all build setup apt apt-test npm demo test test-unit test-integration lint conformance bench install clean

all: build

setup: apt npm

apt:
	@missing=""; for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

apt-test:
	@missing=""; for p in $(TEST_APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
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
	cp build/Release/tsrunc.node build/Release/tsrunc-init dist/

# The standalone executable's build flags:
# - --bytecode halves start-up; --splitting keeps each command's code in its own chunk, loaded only
#   when that command runs (an unsplit bundle costs ~700 page faults, ~14 ms here, at every start);
# - --no-compile-autoload-dotenv/-bunfig: a compiled Bun program otherwise reads .env and bunfig.toml
#   from its working directory (containerd runs the runtime in the bundle directory): a .env there
#   could set TSRUNC_ADDON and have the runtime load any library as root;
# - --compile-jit-policy=100: a runtime lives for milliseconds; JIT tier-up on Bun's worker threads
#   only costs pages (~300 faults per run) and CPU it never gets back.
BUN_COMPILE_FLAGS := --minify --bytecode --splitting --format=esm --target=bun --no-compile-autoload-dotenv --no-compile-autoload-bunfig --compile-jit-policy=100
# The standalone executable (DESIGN.md "Start-up cost is the product"): Bun's --compile with bytecode
# halves start-up (flags above). The addon and tsrunc-init are loaded from beside it.
tsrunc: $(TS_SOURCES) $(GENERATED) build/Release/tsrunc.node
	$(BUN) build --compile $(BUN_COMPILE_FLAGS) src/main.ts --outfile tsrunc
	cp build/Release/tsrunc.node build/Release/tsrunc-init .

rootfs-cache/busybox: scripts/make-rootfs.sh
	scripts/make-rootfs.sh $@

demo/config.json: tsrunc rootfs-cache/busybox
	rm -rf demo && mkdir -p demo && cp -a rootfs-cache/busybox demo/rootfs
	cd demo && ../tsrunc spec
	node scripts/demo-config.js demo/config.json

demo: build demo/config.json
	./tsrunc --root /run/tsrunc-demo delete --force tsrunc-demo >/dev/null 2>&1 || true
	./tsrunc --root /run/tsrunc-demo run --bundle demo tsrunc-demo

# Type-check src/, test/ and conformance/ together; ESLint (eslint.config.mjs). The addon builds with
# -Werror (binding.gyp).
lint: npm
	npx --no-install tsc -p tsconfig.test.json
	npx --no-install eslint .

test: build apt-test rootfs-cache/busybox lint
	npx --no-install jest --selectProjects unit
	npx --no-install jest --selectProjects integration --runInBand

test-unit: build
	npx --no-install jest --selectProjects unit

test-integration: build apt-test rootfs-cache/busybox
	npx --no-install jest --selectProjects integration --runInBand

# The spec conformance suite (conformance/README.md); CONFORMANCE_ARGS="--filter mount" etc.
conformance: build rootfs-cache/busybox
	$(BUN) conformance/run.ts $(CONFORMANCE_ARGS)

bench: build rootfs-cache/busybox bench/floor
	bash bench/run.sh
	bash bench/parallel.sh

# The floor of every benchmark: a Bun executable built with tsrunc's own flags that prints one line.
bench/floor: bench/floor.ts
	$(BUN) build --compile $(BUN_COMPILE_FLAGS) bench/floor.ts --outfile $@

install: build
	install -m 0755 tsrunc /usr/local/bin/tsrunc
	install -m 0644 tsrunc.node /usr/local/bin/tsrunc.node
	install -m 0755 tsrunc-init /usr/local/bin/tsrunc-init

clean:
	rm -rf build dist src/generated tsrunc tsrunc.node tsrunc-init demo rootfs-cache
