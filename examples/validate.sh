#!/usr/bin/env bash
# `ntkcli validate`: RoPE / max_model_len sharp edges (SPEC §7), offline, from the bundled snapshots.
# Run from anywhere once ntkcli is installed (bash .ci/setup), e.g.: bash examples/validate.sh
# validate exits 1 when it finds an error-level problem, so each expected failure is followed by
# `|| echo ...` to keep this script going under `set -e`.
set -euo pipefail
ntkcli=${NTKCLI:-ntkcli}
command -v "$ntkcli" >/dev/null || ntkcli="$(dirname "$0")/../.venv/bin/ntkcli"

# Three real configs at once, with their own (remote) config classes: internlm2-chat-7b (R03:
# positions 32768…65535 past the cache on vLLM >= 0.22), arctic-embed-m-long (R04:
# rotary_scaling_factor ignored), Qwen-7B (R13; vLLM 0.33 no longer serves it: R19).
"$ntkcli" validate internlm/internlm2-chat-7b Snowflake/snowflake-arctic-embed-m-long Qwen/Qwen-7B \
    --bundled --trust-remote-code || echo "exit code $? (1: error findings)"

# The same request on vLLM <= 0.21: ceil(L·α) rows, so internlm2 is clean there.
"$ntkcli" validate internlm/internlm2-chat-7b --bundled --vllm old --trust-remote-code

# Warnings pass unless --strict; --ignore silences a rule (as ruff does).
# (--trust-remote-code: the repository's own config class, as sentence-transformers loads it.)
"$ntkcli" validate Snowflake/snowflake-arctic-embed-m-long --bundled --no-transformers \
    --trust-remote-code
"$ntkcli" validate Snowflake/snowflake-arctic-embed-m-long --bundled --no-transformers --strict \
    --trust-remote-code || echo "exit code $? (--strict: warnings fail)"
"$ntkcli" validate Snowflake/snowflake-arctic-embed-m-long --bundled --no-transformers --strict \
    --trust-remote-code --ignore R04

# Dynamic NTK served below the trained length: complex base (R01), per-length base (R05).
"$ntkcli" validate nomic-ai/nomic-embed-text-v1 --bundled --max-model-len 512 \
    --hf-overrides '{"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}}' \
    --format json | python3 -c 'import json,sys; [print(f["id"], f["severity"], f["message"][:90]) for f in json.load(sys.stdin)[0]["findings"]]' \
    || true

# A whole directory (here: the example snapshots; an HF cache works the same way), with project
# settings from an ntkcli.toml in the working directory.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -rL "$(dirname "$0")/snapshots" "$work/models"
printf 'ignore = ["R13"]\n' > "$work/ntkcli.toml"
(cd "$work" && "$ntkcli" validate models --no-transformers) || echo "exit code $?"

# An unreadable input is reported on stderr and gives exit 3; the other inputs are still checked.
"$ntkcli" validate internlm/internlm-20b "$work/missing/config.json" --offline --no-transformers \
    || echo "exit code $? (3: an input was unreadable)"
