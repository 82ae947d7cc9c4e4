#!/bin/bash
# The recording reader under libFuzzer for FUZZ_SECONDS (default 60): no root
# needed.  Built by `make test` (build/fuzz/fuzz_recording).
exec "$(dirname "$0")/../fuzz/run.sh"
