"""sentence-transformers 6.2: its length rule on top of transformers' RoPE (ENGINES.md §4(b)).

`Transformer.__init__` / `max_seq_length`: sentence_bert_config.json's max_seq_length when
present (it also sets the tokenizer's model_max_length, with no cap), else
min(tokenizer.model_max_length, config.max_position_embeddings). Inputs are truncated to it.
ntkcli does not read tokenizer_config.json, so without an ST file the limit is mpe (the
tokenizer's model_max_length can only lower it); the output says so.
"""

from __future__ import annotations

from ntkcli.engines import transformers as tf_engine
from ntkcli.engines.base import (
    EngineId,
    EngineRefusal,
    EngineRequest,
    EngineResult,
    FixedVersions,
)
from ntkcli.model import RawConfig

VERSION = "6.2"
EVIDENCE = (
    "sentence-transformers 6.2 length rule read from its source (not executed); "
    "RoPE from transformers 5.19 rules"
)


class SentenceTransformersEngine(FixedVersions):
    name = "sentence-transformers"
    label = "sentence-transformers"
    versions = (VERSION,)

    def resolve(self, raw: RawConfig, request: EngineRequest, version: str) -> EngineResult:
        tf = tf_engine.load(raw, request)
        if isinstance(tf, EngineRefusal):
            return tf_engine.refused(self.name, version, EVIDENCE, tf, request.lengths)
        rope = tf_engine.forward_rope(tf)
        notes = [*tf_engine.overrides_note(request), *tf_engine.remote_note(tf)]
        st_len = (raw.st_config or {}).get("max_seq_length")
        limit: int | None
        if isinstance(st_len, int) and not isinstance(st_len, bool):
            limit, key = st_len, f"{raw.st_file or 'sentence_bert_config.json'} max_seq_length"
        else:
            limit, key = tf_engine.mpe(tf), "max_position_embeddings"
            notes.append(
                "no sentence-transformers max_seq_length: min(tokenizer model_max_length, "
                "max_position_embeddings); the tokenizer file is not read: an upper bound"
            )
        if rope.note:
            notes.append(rope.note)
        return EngineResult(
            engine=EngineId(self.name, version),
            config_class=tf_engine.class_info(tf),
            max_len=limit,
            max_len_key=key,
            refusal=rope.refusal,
            rope_class=f"{rope.rope_class}, {rope.rope_type}",
            base=rope.theta,
            scaled_base=None if rope.refusal else tf_engine.fixed_base(rope),
            cache_shape=None,
            lengths=tf_engine.rope_lengths(rope, request.lengths, limit),
            scaling="per forward (N > max_position_embeddings)"
            if rope.dynamic
            else "fixed at load",
            evidence=EVIDENCE,
            notes=tuple(notes),
        )
