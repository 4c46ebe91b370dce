# Rapport's entry points. `make demo` and `make test` are the two set-up commands of the
# README; both install what is missing first.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja

.PHONY: deps build build-asan test demo bench tidy clean

deps:
	@scripts/install-deps

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/build.ninja: | deps
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug \
	  -DRAPPORT_SANITIZE=ON -DRAPPORT_ONLY_PURE_TESTS=ON

# The unit tests of the pure layers and the store, under ASan + UBSan.
build-asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

test: build build-asan
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 900
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) --timeout 900

demo: build
	scripts/demo

bench: build
	bench/run

# clang-tidy with .clang-tidy. Clang 16 lacks C++23's std::expected as libstdc++ 12 gates
# it (on __cpp_concepts), so the analysis is told the concepts level GCC has.
# One clang-tidy per file, on every core; a few minutes (Beast and Boost.JSON are heavy).
TIDY_FLAGS := -extra-arg=-std=c++2b -extra-arg=-Wno-unknown-warning-option \
  -extra-arg=-Wno-builtin-macro-redefined -extra-arg=-U__cpp_concepts \
  -extra-arg=-D__cpp_concepts=202002L
tidy: build
	run-clang-tidy-16 -quiet -p $(BUILD) -j $(JOBS) $(TIDY_FLAGS) '$(CURDIR)/src/'


clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
