# The two commands of the quick start:
#   make demo   installs, builds, fetches the default data, trains SGD, IS, SGLD and
#               heat regularization and measures the flatness of what they found
#   make test   installs, builds and runs the whole test suite
# and for reliability (docs/RELIABILITY.md):
#   make test PRESET=asan   the whole suite under AddressSanitizer + UBSan
#                           (clang++; the fuzz targets are built with it)
#   make fuzz               each libFuzzer target for FUZZ_SECONDS, from the
#                           same build (build/asan), built first if need be
.PHONY: demo test build setup data bench fuzz clean

PRESET ?= release
BUILD  := build/$(PRESET)
VALLEY := $(BUILD)/src/valley
DEMO_OUT ?= $(HOME)/valley-runs/demo
FUZZ_SECONDS ?= 60

# The sanitized build is clang's (libFuzzer is clang's): --fuzz installs it.
SETUP_FLAGS := $(if $(filter asan fuzz,$(PRESET)),--fuzz)

setup:
	bash scripts/setup.sh $(SETUP_FLAGS)

build: setup
	cmake --preset $(PRESET) -G Ninja
	cmake --build --preset $(PRESET)

data: build
	bash scripts/setup-data.sh $(VALLEY)

demo: data
	bash scripts/demo.sh $(VALLEY) $(DEMO_OUT)

test: data
	ctest --preset $(PRESET)

bench: build
	$(VALLEY) bench --method sgd

fuzz:
	bash scripts/setup.sh --fuzz
	cmake --preset fuzz -G Ninja
	cmake --build --preset fuzz
	bash fuzz/run.sh build/asan $(FUZZ_SECONDS)

clean:
	rm -rf build
