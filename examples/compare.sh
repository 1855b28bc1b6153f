#!/usr/bin/env bash
# ntkcli compare: vLLM new / vLLM old / transformers / Nomic's code, per model and length.
# Every command works offline with the bundled snapshots (--bundled, or no MODEL at all).
# Run from anywhere once ntkcli is installed (bash .ci/setup), e.g.: bash examples/compare.sh
set -euo pipefail
source "$(dirname "$0")/lib/find-ntkcli.bash"

# Every bundled snapshot at four lengths (no MODEL = all bundled snapshots).
"$ntkcli" compare --len 512,2048,4096,8192

# Snowflake arctic-embed-m-long: vLLM uses plain RoPE θ 1000; Nomic's code scales above 2048 tokens.
"$ntkcli" compare Snowflake/snowflake-arctic-embed-m-long --bundled --len 2048 --len 8192

# with a dynamic override, vLLM new gives a 128-token input the same θ' as an 8192-token one.
"$ntkcli" compare nomic-ai/nomic-embed-text-v1 --bundled --len 8192 --short 128 \
  --hf-overrides '{"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}}'

# A dynamic model past max_position_embeddings: the transformers column calls transformers' own
# ROPE_INIT_FUNCTIONS["dynamic"] (imports torch + transformers, about 1.4 s).
"$ntkcli" compare internlm/internlm2-chat-7b --bundled --len 65536 --short 0

# JSON for tools: vLLM new's divergence from the reference, one line per model and length.
"$ntkcli" compare --len 8192 --short 0 --format json |
  "$python" -c '
import json, sys
for row in json.load(sys.stdin):
    d = row["divergence"]
    print(row["model"], row["len"], d["reference"], d["relative_base"], d["max_angle_rad"])
'
