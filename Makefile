# Thin wrapper around CMake. The README's two commands are `make run` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
SAMPLE ?= datasets/sample_sweep.csv
# ccache keyed on paths relative to the checkout: a fresh clone elsewhere (CI's) reuses the compiled objects.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all setup configure build run test sanitize bench screenshots check-libtorch2 install package clean format

all: build

setup:
	@bash .ci/install-deps

configure: setup
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)
	@JOBS=$(JOBS) bash scripts/cuda_trainer.sh

run: build
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "No display found: starting the explorer under xvfb-run (close it with Ctrl-C)."; \
	  xvfb-run -a -s "-screen 0 1600x1000x24" $(BUILD_DIR)/app/moescope $(SAMPLE); \
	else \
	  $(BUILD_DIR)/app/moescope $(SAMPLE); \
	fi

# GUI tests need an X server (VTK renders only through X); xvfb-run gives one when there is no display.
test: build
	@if [ -z "$$DISPLAY" ]; then \
	  xvfb-run -a -s "-screen 0 1600x1000x24" ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS); \
	else \
	  ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS); \
	fi

# Core, the CLI and their tests (the fuzz test of the importer among them) under ASan + UBSan, in a build
# folder of their own; any report fails the run.
SANITIZE_DIR ?= build-sanitize
sanitize: setup
	@cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMOESCOPE_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(SANITIZE_DIR) -j $(JOBS)
	@ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(SANITIZE_DIR) --output-on-failure -j $(JOBS)

bench: build
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target benchmarks
	@bash tests/bench/run_all.sh $(BUILD_DIR)

# The README's pictures of every tab at 1600x1000 and 1366x768, regenerated from the bundled sample sweep.
screenshots: build
	@bash scripts/screenshots.sh $(BUILD_DIR) docs/screenshots

# Opt-in (root, ~1.7 GB cached Debian sid chroot): the trainer built and run against LibTorch 2.x as well.
check-libtorch2: build
	@bash tests/trainer/check_libtorch2.sh $(BUILD_DIR)

# The desktop application: `make install PREFIX=~/.local` (programs, datasets, icon, .desktop entry, MIME type,
# AppStream metainfo), `make package` a Debian package in the build folder.
PREFIX ?= /usr/local
install: build
	@cmake --install $(BUILD_DIR) --prefix $(PREFIX)

package: build
	@cd $(BUILD_DIR) && cpack -G DEB

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	@rm -rf $(BUILD_DIR) $(SANITIZE_DIR)
