# Human entry points: make, make demo, make test, make conformance, make bench, make install.
# Every target installs what it needs first (`setup`), so they work on a fresh Debian 12 as root.
SHELL := /bin/bash
APT_PACKAGES := busybox-static libseccomp-dev musl-tools pkg-config iproute2 jq golang-github-containers-common python3
# Only for the tests: containerd (test/integration/containerd.test.ts runs a private one); gcc and
# libc6-dev build the static probe the attack tests put in containers (test/helpers/probe.c); GNU time
# (test/integration/hostile.test.ts measures the CPU time of each refusal), clang and its libFuzzer
# runtime (make fuzz); dbus-daemon and python3-gi (GDBus) for the D-Bus client's test against a real bus
# (test/integration/dbus.test.ts).
TEST_APT_PACKAGES := containerd gcc libc6-dev time clang libclang-rt-14-dev dbus-daemon python3-gi
# Only for the test VM (make test-vm, scripts/vm/): qemu's software emulation and debootstrap.
VM_APT_PACKAGES := qemu-system-x86 qemu-utils debootstrap e2fsprogs
# Only for make bench (bench/): the runtimes compared, hyperfine for times, perf for page faults.
LINT_APT_PACKAGES := clang-format
BENCH_APT_PACKAGES := hyperfine runc crun linux-perf bc
BUN := node_modules/.bin/bun
TS_SOURCES := $(shell find src -name '*.ts' -not -path 'src/generated/*' 2>/dev/null)
GENERATED := src/generated/validators.js src/generated/stateFile.js src/generated/buildinfo.js

.PHONY: all build setup apt apt-test apt-vm apt-lint apt-bench format npm demo test test-unit test-unprivileged test-integration test-vm lint conformance bench install clean fuzz fuzz-replay soak

all: build

setup: apt npm

# Install the Debian packages of a list that are missing (one apt-get for all of them).
define apt_install
@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi
endef

apt:
	$(call apt_install,$(APT_PACKAGES))

apt-test:
	$(call apt_install,$(TEST_APT_PACKAGES))

apt-bench:
	$(call apt_install,$(BENCH_APT_PACKAGES))

apt-vm:
	$(call apt_install,$(VM_APT_PACKAGES))

apt-lint:
	$(call apt_install,$(LINT_APT_PACKAGES))

npm: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# tsrunc-test and dist/tsrunc-test.js are the test builds (fault injection compiled in, src/faults.ts),
# used only by the crash tests; `make install` ships ./tsrunc, in which it is compiled out.
build: setup tsrunc dist/tsrunc.js tsrunc-test dist/tsrunc-test.js

build/Release/tsrunc.node: binding.gyp $(wildcard addon/*.c addon/*.cc addon/*.h) scripts/build-init.sh node_modules/.installed
	npx --no-install node-gyp rebuild

src/generated/validators.js src/generated/stateFile.js &: scripts/gen-validators.js $(wildcard schemas/*.json) node_modules/.installed
	node scripts/gen-validators.js

src/generated/buildinfo.js: scripts/gen-buildinfo.js $(wildcard .git/HEAD .git/index)
	node scripts/gen-buildinfo.js

dist/tsrunc.js: $(TS_SOURCES) $(GENERATED) tsconfig.json build/Release/tsrunc.node
	npx --no-install tsc -p .
	mv dist/main.js dist/tsrunc.js
	cp build/Release/tsrunc.node build/Release/tsrunc-init dist/

dist/tsrunc-test.js: dist/tsrunc.js
	printf '%s\n' '// Test build (src/faults.ts): fault points on, then the product.' 'globalThis.TSRUNC_FAULTS = true;' "require('./tsrunc.js');" > $@

# The standalone executable's build flags:
# - --bytecode halves start-up; --splitting keeps each command's code in its own chunk, loaded only
#   when that command runs (an unsplit bundle costs ~700 page faults, ~14 ms here, at every start);
# - --no-compile-autoload-dotenv/-bunfig: a compiled Bun program otherwise reads .env and bunfig.toml
#   from its working directory (containerd runs the runtime in the bundle directory): a .env there
#   could set TSRUNC_ADDON and have the runtime load any library as root;
# - --compile-jit-policy=100: a runtime lives for milliseconds; JIT tier-up on Bun's worker threads
#   only costs pages (~300 faults per run) and CPU it never gets back.
BUN_COMPILE_FLAGS := --minify --bytecode --splitting --format=esm --target=bun --no-compile-autoload-dotenv --no-compile-autoload-bunfig --compile-jit-policy=100
# The standalone executable (docs/ARCHITECTURE.md §7): Bun's --compile with bytecode
# halves start-up (flags above). The addon and tsrunc-init are loaded from beside it.
# Then a second pass lays the bytecode out in the order the start-up commands run it
# (scripts/bytecode-order.sh; --bytecode-order): ~33 page faults less for state, kill, list, --version;
# as root with rootfs-cache/busybox it also runs a container: run and exec ~45 less again.
tsrunc: $(TS_SOURCES) $(GENERATED) build/Release/tsrunc.node scripts/bytecode-order.sh
	$(BUN) build --compile $(BUN_COMPILE_FLAGS) --define TSRUNC_FAULTS=false src/main.ts --outfile tsrunc
	cp build/Release/tsrunc.node build/Release/tsrunc-init .
	order=$$(scripts/bytecode-order.sh ./tsrunc build/bytecode-order) && \
	  $(BUN) build --compile $(BUN_COMPILE_FLAGS) --bytecode-order=$$order --define TSRUNC_FAULTS=false src/main.ts --outfile tsrunc

tsrunc-test: $(TS_SOURCES) $(GENERATED) build/Release/tsrunc.node
	$(BUN) build --compile $(BUN_COMPILE_FLAGS) --define TSRUNC_FAULTS=true src/main.ts --outfile tsrunc-test

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
C_SOURCES = $(shell git ls-files '*.c' '*.cc' '*.h' 2>/dev/null || ls addon/*.c addon/*.cc addon/*.h)

lint: npm apt-lint
	npx --no-install tsc -p tsconfig.test.json
	npx --no-install eslint .
	clang-format --dry-run --Werror $(C_SOURCES)

# The formatters: ESLint's @stylistic rules for the TypeScript, clang-format (.clang-format) for the C.
format: npm apt-lint
	npx --no-install eslint --fix .
	clang-format -i $(C_SOURCES)

# The VM part (test-vm) runs last: ~5 minutes, plus ~15 the first time the image is built.
test: build apt-test apt-vm rootfs-cache/busybox lint
	npx --no-install jest --selectProjects unit
	$(MAKE) test-unprivileged
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)
	npx --no-install jest --selectProjects integration --runInBand
	scripts/vm/run.sh

test-unit: build
	npx --no-install jest --selectProjects unit

# The plan interpreter's tests (test/unit/addon: the addon's spawn on hand-built plans) once more as
# nobody, so spawn and the ops they cover are shown to work without root. nobody must be able to
# read the checkout and node_modules (a clone under /root is not readable): then it says SKIPPED.
NOBODY := setpriv --reuid=65534 --regid=65534 --clear-groups
test-unprivileged: build
	@if $(NOBODY) test -r $(CURDIR)/node_modules/.bin/jest -a -r $(CURDIR)/build/Release/tsrunc-init; then \
	  home=$$(mktemp -d) && chown 65534:65534 $$home && \
	  $(NOBODY) env HOME=$$home npx --no-install jest --selectProjects unit --cacheDirectory $$home/jest \
	    --runTestsByPath test/unit/addon/interpreter.test.ts; rc=$$?; rm -rf $$home; exit $$rc; \
	else echo "test-unprivileged: SKIPPED: user nobody cannot read $(CURDIR)"; fi

test-integration: build apt-test rootfs-cache/busybox
	npx --no-install jest --selectProjects integration --runInBand

# libFuzzer on the plan decoder and every op's arguments (fuzz/plan_fuzz.c), unprivileged: the
# checked-in regressions and seeds made from real plans first, then FUZZ_SECONDS of mutation. A crash
# stops it and leaves its input in fuzz/regressions/ (commit it with the fix).
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Iaddon

fuzz/plan_fuzz: fuzz/plan_fuzz.c addon/child.c addon/child.h addon/plan.h addon/scm.c addon/scm.h
	clang $(FUZZ_CFLAGS) fuzz/plan_fuzz.c addon/child.c addon/scm.c -o $@

fuzz: apt-test fuzz/plan_fuzz rootfs-cache/busybox
	rm -rf fuzz/work && mkdir -p fuzz/work
	$(BUN) fuzz/gen-seeds.ts fuzz/work $(CURDIR)/rootfs-cache/busybox
	fuzz/plan_fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=0 -artifact_prefix=fuzz/regressions/crash- fuzz/work fuzz/regressions

# Only the regressions, once each (no mutation).
fuzz-replay: fuzz/plan_fuzz
	fuzz/plan_fuzz fuzz/regressions/*

# The long soak (test/integration/soak.test.ts; `make test` runs it with 12 cycles, 4 ids): 1000
# create/start/exec/kill/delete cycles over 50 ids in parallel, then nothing may be left.
SOAK_CYCLES ?= 1000
SOAK_PARALLEL ?= 50
soak: build apt-test rootfs-cache/busybox
	SOAK_CYCLES=$(SOAK_CYCLES) SOAK_PARALLEL=$(SOAK_PARALLEL) npx --no-install jest --selectProjects integration --runInBand test/integration/soak.test.ts

# The cgroup v2 + systemd tests in a Debian VM (scripts/vm/run.sh; the image is built once, ~10 min,
# and cached in /var/cache/tsrunc-vm). TSRUNC_VM_TESTS="systemd" runs only test/vm/*systemd*.test.sh.
test-vm: build apt-vm rootfs-cache/busybox
	scripts/vm/run.sh

# The spec conformance suite (conformance/README.md); CONFORMANCE_ARGS="--filter mount" etc.
conformance: build rootfs-cache/busybox
	$(BUN) conformance/run.ts $(CONFORMANCE_ARGS)

bench: build apt-bench rootfs-cache/busybox bench/floor bench/floor-hold
	bash bench/run.sh
	bash bench/parallel.sh

# The floor of every benchmark: a Bun executable built with tsrunc's own flags that prints one line.
bench/floor: bench/floor.ts
	$(BUN) build --compile $(BUN_COMPILE_FLAGS) bench/floor.ts --outfile $@
bench/floor-hold: bench/floor-hold.ts
	$(BUN) build --compile $(BUN_COMPILE_FLAGS) bench/floor-hold.ts --outfile $@

install: build
	install -m 0755 tsrunc /usr/local/bin/tsrunc
	install -m 0644 tsrunc.node /usr/local/bin/tsrunc.node
	install -m 0755 tsrunc-init /usr/local/bin/tsrunc-init

clean:
	rm -rf build dist src/generated tsrunc tsrunc-test tsrunc.node tsrunc-init demo fuzz/plan_fuzz fuzz/work rootfs-cache bench/floor bench/floor-hold
