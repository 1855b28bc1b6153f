#!/usr/bin/env bash
# Old (<= 0.21) vs new (>= 0.22) vLLM dynamic NTK, offline: for a bundled model and for bare numbers.
# Run from anywhere once ntkcli is installed (bash .ci/setup), e.g.: bash examples/diff.sh
set -euo pipefail
source "$(dirname "$0")/lib/find-ntkcli.bash"
dynamic='{"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}}'

# A model through the whole pipeline: old vLLM refuses 8192 with dynamic NTK, new serves it.
"$ntkcli" diff nomic-ai/nomic-embed-text-v1 --bundled --hf-overrides "$dynamic"

# Bare parameters: θ 1000, α 2, d 64, T 2048, served at L = 512 -> complex base on new vLLM.
# The default is the closed form (θ', shapes, formulas; no torch).
"$ntkcli" diff --base 1000 --factor 2 --rotary-dim 64 --max-position 512 --max-trained-positions 2048

# --real-caches (needs the torch extra): also build the real cos/sin caches and compare values.
"$ntkcli" diff --base 1000 --factor 2 --rotary-dim 64 --max-position 512 --max-trained-positions 2048 \
    --real-caches

# One row per served length: the new base moves, the old one stays at 3108.22...
"$ntkcli" diff --base 1000 --factor 2 --rotary-dim 64 --max-trained-positions 2048 \
    --lengths 512,1024,2048,4096,8192

# JSON for tools: {"old": {...}, "new": {...}, "comparison": {...}, ...}.
"$ntkcli" diff --base 1000 --factor 2 --rotary-dim 64 --max-position 1024 --max-trained-positions 2048 \
    --real-caches --format json | "$python" -c 'import json,sys; d=json.load(sys.stdin)["new"]; print("new:", d["scaled_base"], d["cache_shape"], "all_finite:", d["all_finite"])'

# --exit-code: 1 when old and new differ (like git diff --exit-code), 0 when they agree.
# max_model_len 4096 (2·T) with dynamic factor 2: old and new vLLM build the same cache.
expect 0 "$ntkcli" diff nomic-ai/nomic-embed-text-v1 --bundled --hf-overrides "$dynamic" \
    --max-model-len 4096 --exit-code >/dev/null
# At 8192 they differ.
expect 1 "$ntkcli" diff nomic-ai/nomic-embed-text-v1 --bundled --hf-overrides "$dynamic" \
    --max-model-len 8192 --exit-code >/dev/null

# Past the memory budget: shapes only, no tensor is allocated.
"$ntkcli" diff --base 10000 --factor 2 --rotary-dim 128 --max-position 1048576 --max-trained-positions 4096 \
    --real-caches --max-bytes 100000000 --format json | "$python" -c 'import json,sys; print(json.load(sys.stdin)["new"]["cache_note"])'
