# The two commands of the quick start:
#   make demo   installs, builds, fetches the default data and trains
#   make test   installs, builds and runs the whole test suite
# and for reliability (docs/RELIABILITY.md):
#   make test PRESET=asan   the whole suite under AddressSanitizer + UBSan
#   make fuzz               each libFuzzer target for FUZZ_SECONDS
.PHONY: demo test build setup data bench fuzz clean

PRESET ?= release
BUILD  := build/$(PRESET)
VALLEY := $(BUILD)/src/valley
DEMO_OUT ?= $(HOME)/valley-runs/demo-sgd
FUZZ_SECONDS ?= 60

setup:
	bash scripts/setup.sh

build: setup
	cmake --preset $(PRESET) -G Ninja
	cmake --build --preset $(PRESET)

data: build
	bash scripts/setup-data.sh $(VALLEY)

demo: data
	$(VALLEY) train --method sgd --net 784-200-10 --updates 500 --batch 20 --lr 0.01 \
	  --eval-every 100 --seed 1 --out $(DEMO_OUT) --overwrite

test: data
	ctest --preset $(PRESET)

bench: build
	$(VALLEY) bench --method sgd

fuzz:
	bash scripts/setup.sh --fuzz
	cmake --preset fuzz -G Ninja
	cmake --build --preset fuzz
	bash fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

clean:
	rm -rf build
