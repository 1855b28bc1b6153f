"""Engine names → implementations, and `--engine NAME[@VERSION]` parsing."""

from __future__ import annotations

from collections.abc import Mapping

from ntkcli.engines.base import Engine
from ntkcli.engines.llamacpp import LlamaCppEngine
from ntkcli.engines.ollama import OllamaEngine
from ntkcli.engines.sentence_transformers import SentenceTransformersEngine
from ntkcli.engines.sglang import SglangEngine
from ntkcli.engines.tei import TeiEngine
from ntkcli.engines.transformers import TransformersEngine
from ntkcli.engines.vllm import VllmEngine
from ntkcli.errors import UsageError

ENGINES: Mapping[str, Engine] = {
    e.name: e
    for e in (
        VllmEngine(),
        SglangEngine(),
        TeiEngine(),
        LlamaCppEngine(),
        OllamaEngine(),
        TransformersEngine(),
        SentenceTransformersEngine(),
    )
}
ALIASES = {"llama.cpp": "llamacpp", "llama-cpp": "llamacpp", "st": "sentence-transformers"}


def known() -> str:
    return ", ".join(f"{name} ({' / '.join(e.versions)})" for name, e in ENGINES.items())


def parse_engine(text: str, option: str = "--engine") -> tuple[Engine, str]:
    """'tei@head' → (TEI, 'head'); 'sglang' → (SGLang, its default version)."""
    name, _, version = text.strip().partition("@")
    key = ALIASES.get(name.lower(), name.lower())
    engine = ENGINES.get(key)
    if engine is None:
        raise UsageError(
            f"{option} {text!r}: unknown engine",
            hint=f"known engines: {known()}",
        )
    if not version:
        return engine, engine.versions[0]
    checked = engine.check_version(version)
    if checked is None:
        raise UsageError(
            f"{option} {text!r}: {engine.label} version {version!r} is not modelled",
            hint=f"{engine.name} versions: {', '.join(engine.versions)}",
        )
    return engine, checked


def parse_engines(text: str, option: str = "--engines") -> tuple[tuple[Engine, str], ...]:
    """'vllm,tei@head' or 'all' (every engine at its default version, plus tei@head)."""
    if text.strip().lower() == "all":
        chosen = [(e, e.versions[0]) for e in ENGINES.values()]
        chosen.insert(3, (ENGINES["tei"], "head"))
        return tuple(chosen)
    found: list[tuple[Engine, str]] = []
    for part in text.split(","):
        if part.strip():
            item = parse_engine(part, option)
            if item not in found:
                found.append(item)
    if not found:
        raise UsageError(f"{option}: no engine given", hint=f"known engines: {known()}")
    return tuple(found)
