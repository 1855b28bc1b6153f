"""The model's reference runtime (engines/reference.py, SPEC §5), the transformers side piece by
piece (issue 14): which config class is read (native, remote, generic), the rope type and θ it
gives, the load refusal, the notes, --transformers. Expected values written out from SPEC §5 and
SPEC-loading.md 2'.3 / 2'.5 (section named per test)."""

from __future__ import annotations

from typing import Any

from ntkcli.engines.reference import (
    ReferenceRequest,
    transformers_major,
    transformers_reference,
    transformers_view,
)
from tests.test_engines_worked import V15

LLAMA_DYNAMIC: dict[str, Any] = {  # ENGINES.md §6 llama2_dynamic2
    "model_type": "llama",
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "max_position_embeddings": 4096,
    "rope_theta": 10000.0,
    "rope_scaling": {"type": "dynamic", "factor": 2.0},
}


def _fields(ref: Any) -> tuple[Any, ...]:
    return (ref.kind, ref.rope_type, ref.theta, ref.factor, ref.original, ref.rotary_dim)


def test_transformers_major_of_the_flag() -> None:
    for text in ("4", "4.57.6", " 4 "):
        assert transformers_major(text) == 4
    for text in (None, "5", "5.19.0"):
        assert transformers_major(text) == 5


def test_transformers_view_without_a_request() -> None:
    ref = transformers_view(LLAMA_DYNAMIC)
    assert _fields(ref) == ("transformers", "dynamic", 10000.0, 2.0, 4096, 128)
    assert ref.base_at(4096) == 10000.0  # SPEC §5: recomputed only past mpe


def test_the_transformers_major_decides_the_class() -> None:
    # 5.x: native NomicBertConfig, θ 1000 (2'.3); 4.57.6 has no nomic_bert: θ 10000
    five = transformers_view(V15, ReferenceRequest(transformers_major=5))
    assert (five.rope_type, five.theta, five.rotary_dim) == ("default", 1000.0, 64)
    four = transformers_view(V15, ReferenceRequest(transformers_major=4))
    assert (four.rope_type, four.theta, four.rotary_dim) == ("default", 10000.0, 64)


def test_trust_remote_code_picks_the_remote_class() -> None:
    # native phi: partial factor 0.5 by default (2'.3): 2048/32 = 64 → 32; the remote class has
    # no such default: 64
    phi = {"model_type": "phi", "auto_map": {"AutoConfig": "x.PhiConfig"},
           "hidden_size": 2048, "num_attention_heads": 32}  # fmt: skip
    assert transformers_reference(phi, ReferenceRequest()).rotary_dim == 32
    remote = transformers_reference(phi, ReferenceRequest(trust_remote_code=True))
    assert remote.rotary_dim == 64


def test_a_remote_only_model_type_is_read_generically() -> None:
    # 2'.3: internlm2 has no native class; without auto_map its rope keys are read as attributes
    config = {**LLAMA_DYNAMIC, "model_type": "internlm2", "rope_theta": 1000000.0}
    ref = transformers_reference(config, ReferenceRequest())
    assert _fields(ref) == ("transformers", "dynamic", 1000000.0, 2.0, 4096, 128)
    assert ref.reason is None


def test_load_refusal_is_the_reason() -> None:
    # 2'.6: dynamic without factor is rejected at load (KeyError, missing keys)
    config = {"model_type": "llama", "rope_scaling": {"rope_type": "dynamic"}}
    ref = transformers_reference(config, ReferenceRequest())
    assert ref.reason is not None
    assert ref.reason.startswith("transformers does not load this config: KeyError: ")
    assert "'factor'" in ref.reason
    assert ref.description == ref.reason
    assert _fields(ref) == ("transformers", "—", None, None, None, None)
    assert ref.notes == ()
    assert ref.base_at(8192) is None


def test_use_dynamic_ntk_note() -> None:
    ref = transformers_reference(
        {"model_type": "llama", "use_dynamic_ntk": True}, ReferenceRequest()
    )
    (note,) = ref.notes
    assert note.startswith("use_dynamic_ntk is set: the model's own remote code scales RoPE")
    assert "`ntkcli rule R13`" in note
    assert transformers_reference({"model_type": "llama"}, ReferenceRequest()).notes == ()
    # the note survives a load refusal
    broken = {"model_type": "llama", "use_dynamic_ntk": True,
              "rope_scaling": {"rope_type": "dynamic"}}  # fmt: skip
    assert len(transformers_reference(broken, ReferenceRequest()).notes) == 1


def test_rope_type_default_without_rope_parameters() -> None:
    # BERT has no rope_parameters (2'.3); under 4.x no dict either: default RoPE at θ 10000
    assert transformers_reference({"model_type": "bert"}, ReferenceRequest()).rope_type == "default"
    four = transformers_reference({"model_type": "llama"}, ReferenceRequest(transformers_major=4))
    assert (four.rope_type, four.theta) == ("default", 10000.0)


def test_per_layer_rope_parameters_first_layer_type() -> None:
    # R-S6: a JSON rope_parameters keyed by layer type is taken as given; the first is described
    config = {
        "model_type": "gemma3_text",
        "max_position_embeddings": 4096,
        "rope_parameters": {
            "full_attention": {"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1000000.0},
            "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
        },
    }
    ref = transformers_reference(config, ReferenceRequest())
    # 2'.3: gemma3_text hidden 2304 / 8 heads, head_dim 256
    assert _fields(ref) == ("transformers", "dynamic", 1000000.0, 2.0, 4096, 256)


def test_transformers_4_reads_the_legacy_type_and_top_level_theta() -> None:
    # 4.x: rope_scaling keeps the legacy `type`, and rope_theta stays a top-level attribute
    config = {**LLAMA_DYNAMIC, "rope_theta": 500000.0}
    ref = transformers_reference(config, ReferenceRequest(transformers_major=4))
    assert _fields(ref) == ("transformers", "dynamic", 500000.0, 2.0, 4096, 128)


def test_rotary_dim_from_head_dim_and_partial_factor() -> None:
    def dim(major: int = 5, **keys: Any) -> Any:
        config = {**LLAMA_DYNAMIC, **keys}
        return transformers_reference(config, ReferenceRequest(transformers_major=major)).rotary_dim

    assert dim(head_dim=96) == 96  # 2'.3: llama takes a JSON head_dim
    assert dim(head_dim=1) == 1
    assert dim(head_dim=0) == 128  # 0 is no head_dim: 4096 // 32
    # d = int(head · partial): in rope_parameters under 5 (R-S2), a plain attribute under 4
    assert dim(partial_rotary_factor=0.5) == 64
    assert dim(4, partial_rotary_factor=0.5) == 64
    # hidden_size or heads missing: no head size, so no rotary dim
    generic = {"model_type": "somethingnew", "num_attention_heads": 8}
    assert transformers_reference(generic, ReferenceRequest()).rotary_dim is None


def test_point_fields_per_case() -> None:
    """SPEC §5: θ' per length; the inner term and `applied` only where the scaling is in force."""
    from ntkcli.engines.reference import Reference, ReferencePoint

    def ref(kind: Any, **keys: Any) -> Reference:
        fields = {"theta": 10000.0, "factor": 2.0, "original": 4096, "rotary_dim": 128, **keys}
        return Reference(kind, "", rope_type="dynamic", **fields)

    refused = ref("transformers", reason="why")
    assert refused.point(8192) == ReferencePoint(8192, None, None, False, "why")
    assert ref("transformers", theta=None).point(8192) == ReferencePoint(
        8192, None, None, False, "no θ"
    )  # fmt: skip
    plain = ReferencePoint(8192, 10000.0, None, False)
    assert ref("transformers", factor=None).point(8192) == plain
    assert ref("transformers", original=None).point(8192) == plain
    # transformers: θ up to mpe inclusive; past it X = N, Y = mpe: inner 2·8192/4096 − 1 = 3
    llama = ref("transformers")
    assert llama.point(4096) == ReferencePoint(4096, 10000.0, None, False)
    assert llama.point(8192) == ReferencePoint(8192, 30527.7367488067, 3.0, True)  # SPEC §6
    zero = "ZeroDivisionError: d − 2 = 0 in the NTK exponent"
    assert ref("transformers", rotary_dim=2).point(8192) == ReferencePoint(
        8192, None, None, True, zero
    )  # fmt: skip
    # the rotary module computes θ' at init too (X = mpe): d = 2 raises at every N
    assert ref("transformers", rotary_dim=2).point(4096) == ReferencePoint(
        4096, None, None, False, zero
    )  # fmt: skip
    assert ref("transformers", rotary_dim=3).point(8192).base is not None
    # Nomic's code: N > T strictly, X = N, Y = T (T 2048, α 2: inner 2·4096/2048 − 1 = 3)
    nomic = ref("nomic", original=2048)
    assert nomic.point(2048) == ReferencePoint(2048, 10000.0, None, False)
    point = nomic.point(4096)
    assert (point.length, point.inner, point.applied) == (4096, 3.0, True)
    assert point.base == llama.point(8192).base  # the same θ·3^(128/126)
    assert ref("nomic", original=2048, rotary_dim=2).point(4096) == ReferencePoint(
        4096, None, None, True, zero
    )  # fmt: skip


# -- Nomic's code (SPEC §5; its config class, SPEC §2.3) ------------------------------------------
NOMIC: dict[str, Any] = {  # nomic-embed-text-v1.5 shape (SPEC §6: θ 1000, d 64, T 2048)
    "model_type": "nomic_bert",
    "n_embd": 768,
    "n_head": 12,
    "rotary_emb_base": 1000,
    "rotary_emb_fraction": 1.0,
    "max_trained_positions": 2048,
}
ABSENT_NOTE = (
    "rotary_scaling_factor is absent: Nomic's class default null applies "
    "(it was 1.0 before May 2024, which would turn dynamic NTK on)"
)


def _nomic(**keys: Any) -> Any:
    from ntkcli.engines.reference import nomic_reference

    return nomic_reference({k: v for k, v in {**NOMIC, **keys}.items() if v is not ...})


def _nomic_fields(ref: Any) -> tuple[Any, ...]:
    return (
        ref.kind, ref.description, ref.theta, ref.factor, ref.original, ref.rotary_dim,
        ref.rope_type, ref.reason, ref.notes,
    )  # fmt: skip


def test_nomic_dynamic_description_and_note() -> None:
    # SPEC §5: α = rotary_scaling_factor truthy → dynamic NTK for N > T, T = max_trained_positions
    ref = _nomic(rotary_scaling_factor=2.0)
    note = (
        "rotary_scaling_factor 2.0: Nomic's code scales inputs over T; vLLM ignores it "
        "(see `ntkcli rule R04`)"
    )
    description = "dynamic NTK for N > T: θ 1000, α 2 (rotary_scaling_factor), T 2048"
    assert _nomic_fields(ref) == (
        "nomic", description, 1000.0, 2.0, 2048, 64, "dynamic", None, (note,)
    )  # fmt: skip
    assert ref.dynamic and ref.label == "Nomic's code"
    # the note quotes the JSON value as written (an int stays an int); α 1.5, T 4096
    ref = _nomic(rotary_scaling_factor=3, max_trained_positions=4096, rotary_emb_base=10000.5)
    assert ref.notes[0].startswith("rotary_scaling_factor 3: ")
    assert ref.description == (
        "dynamic NTK for N > T: θ 10000.5, α 3 (rotary_scaling_factor), T 4096"
    )  # fmt: skip
    assert (ref.theta, ref.factor, ref.original) == (10000.5, 3.0, 4096)


def test_nomic_plain_descriptions_and_the_absent_note() -> None:
    # absent: the class default null (SPEC §2.3), plain RoPE; the note explains the old default
    ref = _nomic()
    description = "plain RoPE θ 1000 (rotary_scaling_factor None: no scaling)"
    assert _nomic_fields(ref) == (
        "nomic", description, 1000.0, None, None, 64, "default", None, (ABSENT_NOTE,)
    )  # fmt: skip
    assert not ref.dynamic
    # null and 0 are present but falsy (SPEC §5): plain, and no note at all
    for value, shown in ((None, "None"), (0, "0.0"), (0.0, "0.0")):
        ref = _nomic(rotary_scaling_factor=value)
        assert ref.description == f"plain RoPE θ 1000 (rotary_scaling_factor {shown}: no scaling)"
        assert (ref.factor, ref.original, ref.rope_type, ref.notes) == (None, None, "default", ())
    # 1.0 counts (SPEC §5)
    assert _nomic(rotary_scaling_factor=1.0).rope_type == "dynamic"


def test_nomic_rotary_dim_is_int_of_head_dim_times_fraction() -> None:
    # Nomic's code: head_dim = n_embd // n_head, rotary dim = int(head_dim · fraction)
    assert _nomic().rotary_dim == 64  # 768 // 12 · 1.0
    assert _nomic(rotary_emb_fraction=0.5).rotary_dim == 32
    # 10 // 4 = 2, 2 · 0.8 = 1.6 → 1 (true division would give 2.5 · 0.8 = 2)
    assert _nomic(n_embd=10, n_head=4, rotary_emb_fraction=0.8).rotary_dim == 1
    # 10 // 4 = 2, 2 · 1.0 = 2: d = 2 is a rotary embedding (its θ' raises, Reference.point)
    assert _nomic(n_embd=10, n_head=4).rotary_dim == 2


def test_nomic_fail_reasons() -> None:
    missing = "n_embd, n_head, rotary_emb_base or max_trained_positions is missing"
    for key in ("n_embd", "n_head", "rotary_emb_base", "max_trained_positions"):
        ref = _nomic(**{key: None}, rotary_scaling_factor=2.0)
        theta = None if key == "rotary_emb_base" else 1000.0
        assert _nomic_fields(ref)[:8] == (
            "nomic", missing, theta, None, None, None, "—", missing
        ), key  # fmt: skip
        assert len(ref.notes) == 1 and ref.notes[0].startswith("rotary_scaling_factor 2.0: ")
        assert ref.base_at(8192) is None
    # rotary_emb_fraction outside (0, 1]: absent is the class default 0.0 (SPEC §2.3), null too
    for keys, shown in (
        ({"rotary_emb_fraction": ...}, "0.0"),
        ({"rotary_emb_fraction": None}, "0.0"),
        ({"rotary_emb_fraction": 0}, "0.0"),
        ({"rotary_emb_fraction": 1.5}, "1.5"),
        ({"rotary_emb_fraction": -0.5}, "-0.5"),
    ):
        ref = _nomic(**keys)
        reason = f"no rotary embedding (rotary_emb_fraction {shown} is outside (0, 1])"
        assert _nomic_fields(ref) == (
            "nomic", reason, 1000.0, None, None, None, "—", reason, (ABSENT_NOTE,)
        ), keys  # fmt: skip
    # in (0, 1] but int(64 · 0.01) = 0 dims
    ref = _nomic(rotary_emb_fraction=0.01)
    reason = "no rotary embedding (rotary_emb_fraction 0.01)"
    assert (ref.description, ref.reason, ref.rotary_dim, ref.rope_type) == (
        reason, reason, None, "—",
    )  # fmt: skip
    # int(1 · 1.0) = 1 dim is still an embedding; 1.0 is inside (0, 1]
    assert _nomic(n_embd=12, n_head=12).rotary_dim == 1


def test_nomic_bad_values_are_config_errors() -> None:
    import pytest

    from ntkcli.errors import ConfigError

    def error(**keys: Any) -> ConfigError:
        with pytest.raises(ConfigError) as caught:
            _nomic(**keys)
        return caught.value

    hint = "fix 'rotary_emb_base' in the config or override it with --hf-overrides"
    for value, shown in (("abc", "'abc'"), (True, "True"), (float("inf"), "inf"),
                         (float("nan"), "nan"), ([1], "[1]")):  # fmt: skip
        e = error(rotary_emb_base=value)
        assert str(e) == f"config.json: 'rotary_emb_base' must be a finite number, got {shown}"
        assert e.hint == hint
    e = error(rotary_scaling_factor="2")
    assert str(e) == "config.json: 'rotary_scaling_factor' must be a finite number, got '2'"
    assert e.hint == "fix 'rotary_scaling_factor' in the config or override it with --hf-overrides"
    # lengths are integers from 1: 0 heads is an error, 1 is fine
    e = error(n_head=0)
    assert str(e).startswith("config.json: 'num_attention_heads' must be an integer from 1")
    assert _nomic(n_embd=64, n_head=1).rotary_dim == 64


def test_describe_cuts_long_values_at_forty_characters() -> None:
    from ntkcli.engines.reference import _describe

    assert _describe("a" * 38) == "'" + "a" * 38 + "'"  # repr of 40 characters: whole
    assert _describe("a" * 39) == "'" + "a" * 36 + "..."  # 41: the first 37, then "..."
    assert _describe(None) == "None"
    assert _describe([1, 2]) == "[1, 2]"


def test_nomic_point_with_a_falsy_factor_is_plain() -> None:
    # SPEC §5: Nomic's code scales only when α is truthy; a Reference with α 0 stays plain, where
    # transformers' dynamic would compute inner = 0·N/T + 1 = 1
    from ntkcli.engines.reference import Reference, ReferencePoint

    nomic = Reference("nomic", "", 1000.0, 0.0, 2048, 64, "dynamic")
    assert nomic.point(4096) == ReferencePoint(4096, 1000.0, None, False)
    tf = Reference("transformers", "", 1000.0, 0.0, 2048, 64, "dynamic")
    assert tf.point(4096) == ReferencePoint(4096, 1000.0, 1.0, True)


def test_edited_config_rope_parameters_replace_rope_scaling() -> None:
    from ntkcli.engines.reference import edited_config

    config = {"a": 1, "rope_scaling": {"type": "dynamic", "factor": 2.0}}
    new = {"rope_type": "default", "rope_theta": 5.0}
    assert edited_config(config, {"rope_parameters": new}) == {"a": 1, "rope_parameters": new}
    # a flat override keeps the file's rope_scaling
    assert edited_config(config, {"a": 2}) == {**config, "a": 2}
    # a non-dict rope_parameters is a plain key edit
    assert edited_config(config, {"rope_parameters": None}) == {**config, "rope_parameters": None}


# -- transformers: descriptions, reasons, the dynamic function's input (SPEC §5) ------------------
def _tf(config: dict[str, Any], major: int = 5) -> Any:
    return transformers_reference(config, ReferenceRequest(transformers_major=major))


def _tf_fields(ref: Any) -> tuple[Any, ...]:
    return (
        ref.kind, ref.description, ref.theta, ref.factor, ref.original, ref.rotary_dim,
        ref.rope_type, ref.reason, ref.notes,
    )  # fmt: skip


def test_transformers_dynamic_description_and_function_input() -> None:
    from ntkcli.references.transformers_rope import DynamicRopeConfig

    ref = _tf(LLAMA_DYNAMIC)
    description = "dynamic NTK per sequence: θ 10000, α 2, max_position_embeddings 4096"
    assert _tf_fields(ref) == (
        "transformers", description, 10000.0, 2.0, 4096, 128, "dynamic", None, ()
    )  # fmt: skip
    # what transformers' own function is given: LlamaConfig fills head_dim = 4096 // 32 (2'.3)
    assert ref.dynamic_input == DynamicRopeConfig(
        hidden_size=4096, num_attention_heads=32, head_dim=128, max_position_embeddings=4096,
        rope_theta=10000.0, factor=2.0, partial_rotary_factor=None,
    )  # fmt: skip
    # θ 500000.5, α 2.5, mpe 8192, a JSON head_dim 96 and partial 0.5 (d = 48)
    config = {**LLAMA_DYNAMIC, "rope_theta": 500000.5, "max_position_embeddings": 8192,
              "head_dim": 96, "partial_rotary_factor": 0.5,
              "rope_scaling": {"rope_type": "dynamic", "factor": 2.5}}  # fmt: skip
    ref = _tf(config)
    assert ref.description == (
        "dynamic NTK per sequence: θ 500000.5, α 2.5, max_position_embeddings 8192"
    )  # fmt: skip
    assert ref.rotary_dim == 48
    assert ref.dynamic_input == DynamicRopeConfig(
        hidden_size=4096, num_attention_heads=32, head_dim=96, max_position_embeddings=8192,
        rope_theta=500000.5, factor=2.5, partial_rotary_factor=0.5,
    )  # fmt: skip
    # the use_dynamic_ntk note rides along
    assert len(_tf({**LLAMA_DYNAMIC, "use_dynamic_ntk": True}).notes) == 1


def test_transformers_head_dim_zero_is_not_passed_on() -> None:
    # a generic class keeps the JSON head_dim 0 as given; 0 is no head_dim: hidden // heads
    config = {**LLAMA_DYNAMIC, "model_type": "somethingnew", "head_dim": 0}
    ref = _tf(config)
    assert ref.rotary_dim == 128
    assert ref.dynamic_input is not None and ref.dynamic_input.head_dim is None


def test_transformers_default_description() -> None:
    ref = _tf({**LLAMA_DYNAMIC, "rope_scaling": None, "rope_theta": 500000.0})
    description = "rope_type default: θ 500000, no dynamic scaling"
    assert _tf_fields(ref) == (
        "transformers", description, 500000.0, None, None, 128, "default", None, ()
    )  # fmt: skip
    assert ref.dynamic_input is None and not ref.dynamic


def test_transformers_unmodelled_rope_type_keeps_theta_dim_and_notes() -> None:
    linear = {**LLAMA_DYNAMIC, "use_dynamic_ntk": True,
              "rope_scaling": {"rope_type": "linear", "factor": 2.0}}  # fmt: skip
    ref = _tf(linear)
    reason = "no reference modelled for rope_type 'linear'"
    assert _tf_fields(ref)[:8] == (
        "transformers", reason, 10000.0, None, None, 128, "linear", reason
    )  # fmt: skip
    assert len(ref.notes) == 1
    assert ref.dynamic_input is None


def test_transformers_missing_values() -> None:
    # a generic class (no class data) keeps only what the JSON has
    generic: dict[str, Any] = {
        "model_type": "somethingnew",
        "hidden_size": 4096,
        "num_attention_heads": 32,
        "max_position_embeddings": 4096,
        "use_dynamic_ntk": True,
        "rope_scaling": {"rope_type": "dynamic", "factor": 2.0},
    }

    def reason(**drop: Any) -> Any:
        ref = _tf({k: v for k, v in generic.items() if k not in drop})
        assert (ref.kind, ref.theta, ref.factor, ref.rope_type) == (
            "transformers", 10000.0, None, "dynamic"
        )  # fmt: skip
        assert ref.description == ref.reason and len(ref.notes) == 1
        assert ref.dynamic_input is None
        return ref.reason, ref.rotary_dim

    start = "cannot build a transformers config: "
    assert reason(hidden_size=1) == (start + "hidden_size missing", None)
    assert reason(num_attention_heads=1) == (start + "num_attention_heads missing", None)
    assert reason(max_position_embeddings=1) == (start + "max_position_embeddings missing", 128)
    assert reason(hidden_size=1, num_attention_heads=1, max_position_embeddings=1) == (
        start + "hidden_size, num_attention_heads, max_position_embeddings missing", None
    )  # fmt: skip
    # a JSON head_dim gives a rotary dim, but transformers' dynamic function still divides
    # hidden_size by the heads (its getattr default is evaluated first)
    with_head = {k: v for k, v in generic.items() if k != "hidden_size"}
    ref = _tf({**with_head, "head_dim": 64})
    assert (ref.reason, ref.rotary_dim) == (start + "hidden_size missing", 64)
    ref = _tf({**generic, "head_dim": 64, "num_attention_heads": None})
    assert (ref.reason, ref.rotary_dim) == (start + "num_attention_heads missing", 64)
    # factor null: loads (the TypeError comes later, in the rotary module), named here
    null = {**generic, "rope_scaling": {"rope_type": "dynamic", "factor": None}}
    assert _tf(null).reason == start + "rope_parameters.factor missing"
    # everything there but no rotary dim (head · partial is inf): head_dim is what is missing
    inf = _tf({**generic, "partial_rotary_factor": 1e308})
    assert (inf.reason, inf.rotary_dim) == (start + "head_dim missing", None)


def test_transformers_factor_not_a_number() -> None:
    config = {**LLAMA_DYNAMIC, "rope_scaling": {"rope_type": "dynamic", "factor": "two"}}
    ref = _tf(config)
    reason = "rope_parameters.factor 'two' is not a number"
    assert _tf_fields(ref) == (
        "transformers", reason, 10000.0, None, None, 128, "dynamic", reason, ()
    )  # fmt: skip
    long = {**LLAMA_DYNAMIC, "rope_scaling": {"rope_type": "dynamic", "factor": "x" * 60}}
    assert _tf(long).reason == "rope_parameters.factor '" + "x" * 36 + "... is not a number"


def test_transformers_major_reaches_the_remote_and_generic_classes() -> None:
    # 2'.6: dynamic without factor is a KeyError at load under 5; 4.x loads it (no factor then)
    base = {**LLAMA_DYNAMIC, "model_type": "internlm2", "rope_scaling": {"type": "dynamic"}}
    remote = {**base, "auto_map": {"AutoConfig": "configuration_internlm2.InternLM2Config"}}
    for config in (base, remote):
        five = _tf(config, 5).reason
        assert five is not None and five.startswith("transformers does not load this config: ")
        four = _tf(config, 4).reason
        assert four == "cannot build a transformers config: rope_parameters.factor missing"


def test_use_dynamic_ntk_note_in_full() -> None:
    # SPEC §7 rule R13: the remote code's own scaling, which vLLM does not apply
    (note,) = _tf({**LLAMA_DYNAMIC, "use_dynamic_ntk": True}).notes
    assert note == (
        "use_dynamic_ntk is set: the model's own remote code scales RoPE; vLLM does not apply "
        "it and ntkcli does not model that code (see `ntkcli rule R13`)"
    )
    assert _tf({**LLAMA_DYNAMIC, "use_dynamic_ntk": False}).notes == ()
