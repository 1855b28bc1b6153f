#!/usr/bin/env bash
# What vLLM resolves for a model, offline, from the snapshots bundled with ntkcli.
# Run from anywhere once ntkcli is installed (bash .ci/setup), e.g.: bash examples/inspect.sh
set -euo pipefail
source "$(dirname "$0")/lib/find-ntkcli.bash"

# The default: vLLM >= 0.22 serves nomic-embed-text-v1 at 8192 with plain RoPE (θ 1000).
"$ntkcli" inspect nomic-ai/nomic-embed-text-v1 --bundled

# vLLM <= 0.21 clamps the same model to its trained length, 2048 ...
"$ntkcli" inspect nomic-ai/nomic-embed-text-v1 --bundled --vllm old --format json \
    | "$python" -c 'import json,sys; d=json.load(sys.stdin); print("old max_model_len:", d["max_model_len"])'

# ... and refuses a longer --max-model-len, with vLLM's own message.
"$ntkcli" inspect nomic-ai/nomic-embed-text-v1 --bundled --vllm old --max-model-len 4096 --format json \
    | "$python" -c 'import json,sys; print(json.load(sys.stdin)["refusal"]["message"][:120], "...")'

# Dynamic NTK served below the trained length: a complex base, silently, on vLLM >= 0.22.
"$ntkcli" inspect nomic-ai/nomic-embed-text-v1 --bundled --max-model-len 512 \
    --hf-overrides '{"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}}' \
    --format json | "$python" -c 'import json,sys; print("theta prime:", json.load(sys.stdin)["scaled_base"])'

# A Llama-style dynamic model: new vLLM allows 65536 tokens but builds a 32768-row cache.
"$ntkcli" inspect internlm/internlm2-chat-7b --bundled

# Any local directory or config.json works too.
"$ntkcli" inspect "$examples/snapshots/Qwen__Qwen-7B/config.json" --format json | head -20
