# Sourced by every example: find the CLI the documented way and fail loudly if it is missing.
#   1. $NTKCLI, when set (the tests point it at the ntkcli under test);
#   2. the repository's own .venv/bin/ntkcli (what `bash .ci/setup` installs);
#   3. `ntkcli` on PATH (pip install ntkcli, or an activated venv).
# `python` is the interpreter beside that ntkcli, so extras are checked where ntkcli runs.
set -euo pipefail
examples="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -n "${NTKCLI:-}" ]; then
    ntkcli=$NTKCLI
elif [ -x "$examples/../.venv/bin/ntkcli" ]; then
    ntkcli="$examples/../.venv/bin/ntkcli"
elif command -v ntkcli >/dev/null; then
    ntkcli=$(command -v ntkcli)
else
    echo "error: ntkcli not found (hint: run bash .ci/setup in the repository, or pip install ntkcli)" >&2
    exit 127
fi
python="$(dirname "$ntkcli")/python"
[ -x "$python" ] || python=python3

# expect CODE COMMAND...: run COMMAND, fail the example unless it exits with CODE.
expect() {
    local want=$1 got=0
    shift
    "$@" || got=$?
    if [ "$got" != "$want" ]; then
        echo "error: expected exit code $want, got $got: $*" >&2
        exit 1
    fi
    echo "exit code $got (as expected)" >&2
}
