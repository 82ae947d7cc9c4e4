#!/bin/bash
# The /proc and sock_diag parsers under libFuzzer for FUZZ_EXTRA_SECONDS (default 20): no root needed.
# Built by `make test` (build/fuzz/fuzz_readers).
FUZZ_SECONDS=${FUZZ_EXTRA_SECONDS:-20} exec "$(dirname "$0")/../fuzz/run-target.sh" readers
