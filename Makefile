# lepower build. GNU make. See docs/building.md.
#
#   make            host libraries, tools and tests (build/host)
#   make test       everything the CI checks: unit tests, tool tests, the same
#                   tests under ASan+UBSan, the arm-none-eabi cross-build, short fuzz runs
#   make cross      lib/ for Cortex-M0+ and Cortex-M4F (build/m0plus, build/m4f)
#   make bench      benchmarks (print figures; never pass/fail)
#   make fuzz       long libFuzzer runs (FUZZ_SECONDS per target, default 600)
#   make demo       the main job on real recordings
#
# Each module describes itself in a module.mk (lib/*/, tools/*/, tests/*/, bench/*/,
# firmware/*/, hub/): it appends to LIBS, TOOLS, TESTS, FUZZERS, BENCHES.

SHELL := /bin/bash
.DEFAULT_GOAL := all

CC        ?= cc
CLANG     ?= clang
ARM_CC    ?= arm-none-eabi-gcc
ARM_SIZE  ?= arm-none-eabi-size
ARM_AR    ?= arm-none-eabi-ar
AR        ?= ar
B         ?= build/host
SAN       ?=
OPT       ?= -O2 -g

# Libraries (lib/): portable C99, no OS calls, warnings are errors.
LIB_CFLAGS   := -std=c99 -Wall -Wextra -Wconversion -Wshadow -Werror -pedantic
# Host programs (tools, tests, firmware posix port, hub): C99 + POSIX.
HOST_CFLAGS  := -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Wshadow -Werror
SAN_FLAGS    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

LIBS :=
TOOLS :=
TESTS :=
TOOL_TESTS :=
FUZZERS :=
BENCHES :=
include $(sort $(wildcard lib/*/module.mk firmware/*/module.mk tools/*/module.mk hub/module.mk tests/*/module.mk bench/*/module.mk))

INCLUDES := $(foreach l,$(LIBS),-I$(LIB_$(l)_INC))
EXTRA_INCLUDES ?=
ifneq ($(SAN),)
  SANF := $(SAN_FLAGS)
endif

LIB_ARCHIVES := $(foreach l,$(LIBS),$(B)/lib/liblp_$(l).a)
LINK_LIBS    := -Wl,--start-group $(LIB_ARCHIVES) -Wl,--end-group -lm

.PHONY: all libs tools tests benches test check unit tool-tests sanitize cross fuzz fuzz-short bench demo clean help
all: libs tools tests benches

help:
	@sed -n '1,14p' Makefile

# ---- objects ----------------------------------------------------------------
$(B)/obj/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) $(OPT) $(SANF) $(INCLUDES) -MMD -MP -c $< -o $@

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(OPT) $(SANF) $(INCLUDES) $(EXTRA_INCLUDES) -MMD -MP -c $< -o $@

# ---- libraries --------------------------------------------------------------
define LIB_RULE
$(B)/lib/liblp_$(1).a: $(patsubst %.c,$(B)/obj/%.o,$(LIB_$(1)_SRCS))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && $(AR) rcs $$@ $$^
endef
$(foreach l,$(LIBS),$(eval $(call LIB_RULE,$(l))))
libs: $(LIB_ARCHIVES)

# ---- programs (tools, tests, benches) -----------------------------------------
define PROG_RULE
$(B)/bin/$(1): $(patsubst %.c,$(B)/obj/%.o,$($(1)_SRCS)) $(LIB_ARCHIVES)
	@mkdir -p $$(dir $$@)
	$(CC) $(OPT) $(SANF) -o $$@ $(patsubst %.c,$(B)/obj/%.o,$($(1)_SRCS)) $(LINK_LIBS) $($(1)_LDLIBS)
endef
$(foreach p,$(TOOLS) $(TESTS) $(BENCHES),$(eval $(call PROG_RULE,$(p))))
tools: $(addprefix $(B)/bin/,$(TOOLS))
tests: $(addprefix $(B)/bin/,$(TESTS))
benches: $(addprefix $(B)/bin/,$(BENCHES))

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# ---- test command -------------------------------------------------------------
# Every test runs even after a failure; the target fails at the end if any did.
unit: tests
	@rc=0; for t in $(TESTS); do echo "== $$t"; LP_SHARED_DATA=$(CURDIR)/../shared/data $(B)/bin/$$t || rc=1; done; exit $$rc

tool-tests: tools
	@rc=0; for t in $(TOOL_TESTS); do echo "== $$t"; B=$(B) bash $$t || rc=1; done; exit $$rc

sanitize:
	$(MAKE) B=build/asan SAN=1 OPT="-O1 -g" unit tool-tests

test: check
check:
	@bash tests/run-all.sh

# ---- cross-build of lib/ for Cortex-M ---------------------------------------
ARM_COMMON := -std=c99 -Wall -Wextra -Wconversion -Wshadow -Werror -pedantic -Os -ffunction-sections -fdata-sections -mthumb
ARM_M0P    := $(ARM_COMMON) -mcpu=cortex-m0plus -mfloat-abi=soft
ARM_M4F    := $(ARM_COMMON) -mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16
LIB_SRCS_ALL := $(foreach l,$(LIBS),$(LIB_$(l)_SRCS))

build/m0plus/%.o: %.c
	@mkdir -p $(dir $@)
	$(ARM_CC) $(ARM_M0P) $(INCLUDES) -c $< -o $@
build/m4f/%.o: %.c
	@mkdir -p $(dir $@)
	$(ARM_CC) $(ARM_M4F) $(INCLUDES) -c $< -o $@

define CROSS_LIB
build/$(2)/liblp_$(1).a: $(patsubst %.c,build/$(2)/%.o,$(LIB_$(1)_SRCS))
	rm -f $$@ && $(ARM_AR) rcs $$@ $$^
endef
$(foreach l,$(LIBS),$(eval $(call CROSS_LIB,$(l),m0plus)) $(eval $(call CROSS_LIB,$(l),m4f)))
cross: $(foreach l,$(LIBS),build/m0plus/liblp_$(l).a build/m4f/liblp_$(l).a)
	@for a in $^; do echo "== $$a"; $(ARM_SIZE) -t $$a | tail -1; done

# ---- fuzzing (clang libFuzzer) ---------------------------------------------
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(INCLUDES)
define FUZZ_RULE
build/fuzz/$(1): $($(1)_SRCS) $(LIB_SRCS_ALL)
	@mkdir -p $$(dir $$@)
	$(CLANG) $(FUZZ_FLAGS) -o $$@ $($(1)_SRCS) $(LIB_SRCS_ALL) -lm
endef
$(foreach f,$(FUZZERS),$(eval $(call FUZZ_RULE,$(f))))
FUZZ_SECONDS ?= 600
fuzz-build: $(addprefix build/fuzz/,$(FUZZERS))
fuzz-short: fuzz-build
	@set -e; for f in $(FUZZERS); do bash tests/fuzz/run-fuzzer.sh $$f 20; done
fuzz: fuzz-build
	@set -e; for f in $(FUZZERS); do bash tests/fuzz/run-fuzzer.sh $$f $(FUZZ_SECONDS); done

# ---- benchmarks ---------------------------------------------------------------
bench: all cross
	@set -e; for b in $(BENCH_SCRIPTS); do bash $$b; done

# ---- main job ---------------------------------------------------------------
demo:
	@bash tools/demo.sh

clean:
	rm -rf build
