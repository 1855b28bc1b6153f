#!/usr/bin/env bash
# ntkcli plot: θ' against the served length for vLLM new, vLLM old and the model's own code.
# Works offline: --bundled uses the config snapshots shipped with ntkcli.
set -euo pipefail
source "$(dirname "$0")/lib/find-ntkcli.bash"

DYN='{"rope_parameters": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000}}'

# Terminal chart (first panel). Watch for the NaN cliff at L = T·(α−1)/α = 1024 and the flat old line.
"$ntkcli" plot nomic-ai/nomic-embed-text-v1 --bundled --hf-overrides "$DYN"

# A model with no dynamic scaling in vLLM: flat vLLM lines. Nomic's own code scales above T = 2048.
"$ntkcli" plot Snowflake/snowflake-arctic-embed-m-long --bundled

# Only some lengths, as JSON (null scaled_base = a gap; status says why).
"$ntkcli" plot nomic-ai/nomic-embed-text-v1 --bundled --hf-overrides "$DYN" \
    --lengths 512,1024,2048,4096,8192 --format json

# Both panels to a file. This needs matplotlib: pip install 'ntkcli[plot]'.
out_dir="$(mktemp -d)"
if "$python" -c 'import matplotlib' 2>/dev/null; then
    "$ntkcli" plot nomic-ai/nomic-embed-text-v1 --bundled --hf-overrides "$DYN" \
        --out "$out_dir/plot-nomic-v1-dynamic.png"
    # Wavelengths at a length inside the complex band: vLLM new has no real wavelengths there.
    "$ntkcli" plot nomic-ai/nomic-embed-text-v1 --bundled --hf-overrides "$DYN" \
        --lengths 256..65536 --points 60 --at 512 --out "$out_dir/plot-at-512.svg"
else
    echo "skipped the PNG/SVG steps: matplotlib is not installed for $python (pip install 'ntkcli[plot]')" >&2
fi
