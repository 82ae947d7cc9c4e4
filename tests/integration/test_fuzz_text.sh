#!/bin/bash
# The text escaper and the JSON string writer under libFuzzer for FUZZ_EXTRA_SECONDS (default 20): no root needed.
# Built by `make test` (build/fuzz/fuzz_text).
FUZZ_SECONDS=${FUZZ_EXTRA_SECONDS:-20} exec "$(dirname "$0")/../fuzz/run-target.sh" text
