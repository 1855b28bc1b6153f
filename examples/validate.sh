#!/usr/bin/env bash
# `ntkcli validate`: RoPE / max_model_len sharp edges, offline, from the bundled snapshots.
# Run from anywhere once ntkcli is installed (bash .ci/setup), e.g.: bash examples/validate.sh
# validate exits 1 when it finds an error-level problem; `expect CODE …` checks each exit code
# and stops the script if it is not the one shown.
set -euo pipefail
source "$(dirname "$0")/lib/find-ntkcli.bash"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Three real configs at once, with their own (remote) config classes: internlm2-chat-7b (R03:
# positions 32768…65535 past the cache on vLLM >= 0.22), arctic-embed-m-long (R04:
# rotary_scaling_factor ignored), Qwen-7B (R13; vLLM 0.33 no longer serves it: R19).
expect 1 "$ntkcli" validate internlm/internlm2-chat-7b Snowflake/snowflake-arctic-embed-m-long \
    Qwen/Qwen-7B --bundled --trust-remote-code

# The same request on vLLM <= 0.21: ceil(L·α) rows, so internlm2 is clean there.
expect 0 "$ntkcli" validate internlm/internlm2-chat-7b --bundled --vllm old --trust-remote-code

# Warnings pass unless --strict; --ignore silences a rule (as ruff does).
# (--trust-remote-code: the repository's own config class, as sentence-transformers loads it.)
expect 0 "$ntkcli" validate Snowflake/snowflake-arctic-embed-m-long --bundled --trust-remote-code
expect 1 "$ntkcli" validate Snowflake/snowflake-arctic-embed-m-long --bundled --strict \
    --trust-remote-code
expect 0 "$ntkcli" validate Snowflake/snowflake-arctic-embed-m-long --bundled --strict \
    --trust-remote-code --ignore R04

# Dynamic NTK served below the trained length: complex base (R01), per-length base (R05).
expect 1 "$ntkcli" validate nomic-ai/nomic-embed-text-v1 --bundled --max-model-len 512 \
    --hf-overrides '{"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}}' \
    --format json > "$work/report.json"
"$python" -c 'import json,sys; [print("finding", f["id"], f["severity"]) for f in json.load(open(sys.argv[1]))[0]["findings"]]' \
    "$work/report.json"

# A whole directory (here: the example snapshots; an HF cache works the same way), with project
# settings from an ntkcli.toml in the working directory.
cp -rL "$examples/snapshots" "$work/models"
printf 'ignore = ["R13"]\n' > "$work/ntkcli.toml"
(cd "$work" && expect 1 "$ntkcli" validate models)

# An unreadable input is reported on stderr and gives exit 3; the other inputs are still checked.
expect 3 "$ntkcli" validate internlm/internlm-20b "$work/missing/config.json" --offline
