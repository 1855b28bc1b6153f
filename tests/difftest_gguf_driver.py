"""Runs the llama.cpp converter's metadata path on a weightless model directory and prints the
GGUF keys that matter as JSON (used by tests/test_engines_difftest.py).

    python tests/difftest_gguf_driver.py CONVERTER_ROOT MODEL_DIR...   (one JSON line per dir)

CONVERTER_ROOT is vendor/llama.cpp of the extracted llama-cpp-python sdist (it holds the
`conversion` package and gguf-py). The model class is the one convert_hf_to_gguf picks for the
config's architecture; `index_tensors` gives no tensors (there are no weights) and
`set_gguf_parameters` writes into gguf-py's own GGUFWriter (path None: kept in memory).

Standalone on purpose (no pytest, no ntkcli): it also runs in a separate venv that has the
transformers version the converter pins.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def load(root: Path) -> tuple[Any, Any]:
    """The converter's `conversion` package and gguf-py, imported from `root`."""
    for path in (str(root / "gguf-py"), str(root)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import conversion
    import gguf

    return conversion, gguf


def convert(root: Path, directory: Path, hparams: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the converter writes for `directory` (or for `hparams` instead of load_hparams')."""
    conversion, gguf = load(root)
    (directory / "tokenizer.json").write_text('{"model": {"type": "WordPiece"}}')
    try:
        loaded = conversion.ModelBase.load_hparams(directory, False) if hparams is None else hparams
        arch = conversion.get_model_architecture(loaded, conversion.ModelType.TEXT)
        cls = conversion.get_model_class(arch)
        conversion.ModelBase.index_tensors = lambda self, remote_hf_model_id=None: {}
        model = cls(
            directory,
            gguf.LlamaFileType.MOSTLY_F16,
            directory / "out.gguf",
            dry_run=True,
            hparams=dict(loaded),
        )
        model.set_gguf_parameters()
    except Exception as exc:  # the converter's own exception is the answer
        return {"refusal": type(exc).__name__}
    kv = {k: v.value for k, v in model.gguf_writer.kv_data[0].items()}
    arch_name = kv["general.architecture"]

    def key(name: str) -> Any:
        return kv.get(f"{arch_name}.{name}")

    scaling, factor, base = (
        key("rope.scaling.type"),
        key("rope.scaling.factor"),
        key("rope.freq_base"),
    )
    if scaling is not None:
        scaling = f"{scaling} {factor:g}" if factor is not None else str(scaling)
    return {
        "n_ctx_train": key("context_length"),
        "freq_base": None if base is None else float(base),
        "scaling": scaling,
    }


def main(argv: list[str]) -> None:
    for directory in argv[2:]:
        print(json.dumps(convert(Path(argv[1]), Path(directory))))


if __name__ == "__main__":
    main(sys.argv)
