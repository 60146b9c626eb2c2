# The two commands of the README:
#   make run    installs what is missing, builds, and starts the whole pipeline
#   make test   installs what is missing, builds, and runs the whole test suite
# Both are idempotent: a second run only rebuilds what changed.

BUILD ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CTEST_JOBS ?= 1
NPM_FLAGS = --no-audit --no-fund --loglevel=error

.PHONY: all deps configure build js web run test unit clean help fuzz-build

all: build

help:
	@echo "make run    - install dependencies, build, start every stage (spanline up)"
	@echo "make test   - install dependencies, build, run the whole test suite"
	@echo "make build  - build only;  make clean - remove the build folder"

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j$(JOBS)

# npm ci only when the lock file changed since the last install.
tests/js/node_modules/.installed: tests/js/package-lock.json
	cd tests/js && npm ci $(NPM_FLAGS)
	touch $@

tests/e2e/node_modules/.installed: tests/e2e/package-lock.json
	cd tests/e2e && npm ci $(NPM_FLAGS)
	touch $@

js: deps tests/js/node_modules/.installed tests/e2e/node_modules/.installed

# The web UI: npm ci when its lock file changed, a Vite build when a source changed.
WEB_SOURCES = $(shell find web/src -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json
web/node_modules/.installed: web/package-lock.json
	cd web && npm ci $(NPM_FLAGS)
	touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run build

web: deps web/dist/index.html

run: build web
	./$(BUILD)/bin/spanline up

# The fuzz targets build with clang in build-fuzz/ (exit 77: no clang, the test is then skipped).
fuzz-build: deps
	@bash tests/fuzz/run.sh build || [ $$? -eq 77 ]

test: build js web fuzz-build
	ctest --test-dir $(BUILD) --output-on-failure -j$(CTEST_JOBS)

unit: build
	ctest --test-dir $(BUILD) --output-on-failure -L unit

clean:
	rm -rf $(BUILD) web/dist
