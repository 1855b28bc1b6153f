#!/usr/bin/env bash
# ntkcli across engines: the same model, the same input, the RoPE each engine really uses.
# Offline, from the bundled snapshots and one hand-written Llama-2-style config.
# Run from anywhere once ntkcli is installed (bash .ci/setup), e.g.: bash examples/engines.sh
set -euo pipefail
source "$(dirname "$0")/lib/find-ntkcli.bash"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# "Why 2048 and not 8192?": the longest input each engine serves, and where it comes from.
"$ntkcli" compare nomic-ai/nomic-embed-text-v1.5 --bundled --len 8192 \
    --engines vllm,sglang,tei@head,llamacpp,ollama

# arctic-embed-m-long with rotary_scaling_factor 2 at 4096 tokens: TEI 1.9.3 truncates the
# exponent d/(d-2) to 1, so θ' = 1000·(2·4096/2048 − 1) = 7000 where Nomic's own code gives
# 3108.22; sentence-transformers (transformers' native class, which ignores
# rotary_scaling_factor) keeps θ 1000 and truncates the input to its 2048-token max_seq_length.
for engine in tei sentence-transformers; do
    "$ntkcli" inspect Snowflake/snowflake-arctic-embed-m-long --bundled --engine "$engine" \
        --hf-overrides '{"rotary_scaling_factor": 2}' --lengths 4096 --format json |
        "$python" -c '
import json, sys
r = json.load(sys.stdin)
for row in r["lengths"]:
    print(r["engine"]["name"], r["engine"]["version"], row["len"], "base", row["base"],
          "tokens used", row["tokens_used"])
'
done

# A Llama-2-style dynamic NTK config (θ 10000, head 128, α 2, 4096 positions): SGLang keeps the
# constant pre-0.22 vLLM base for every input; transformers rescales only above 4096 tokens.
mkdir "$work/llama2-dynamic"
cat > "$work/llama2-dynamic/config.json" <<'JSON'
{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
 "num_attention_heads": 32, "num_key_value_heads": 32, "num_hidden_layers": 32,
 "intermediate_size": 11008, "vocab_size": 32000, "max_position_embeddings": 4096,
 "rope_theta": 10000.0, "rope_scaling": {"type": "dynamic", "factor": 2.0}}
JSON
for engine in sglang transformers; do
    "$ntkcli" inspect "$work/llama2-dynamic" --engine "$engine" --lengths 2048,8192 \
        --format json |
        "$python" -c '
import json, sys
r = json.load(sys.stdin)
bases = ", ".join(str(row["len"]) + ": " + str(row["base"]) for row in r["lengths"])
print(r["engine"]["name"], "max_len", r["max_len"], "bases", bases)
'
done

# CI over engines: the engine rules (E02/E03 TEI's base, E06 the llama.cpp/Ollama clamp) are
# warnings, so validate passes unless --strict.
expect 0 "$ntkcli" validate Snowflake/snowflake-arctic-embed-m-long --bundled \
    --hf-overrides '{"rotary_scaling_factor": 2}' --engines all
expect 1 "$ntkcli" validate Snowflake/snowflake-arctic-embed-m-long --bundled \
    --hf-overrides '{"rotary_scaling_factor": 2}' --engines tei,llamacpp --strict
