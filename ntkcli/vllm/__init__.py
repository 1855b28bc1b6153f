"""How vLLM resolves a config, one module per pipeline step (SPEC §3–§4).

Order inside vLLM, and of `pipeline.resolve`: load config (+ flat overrides) → normalise RoPE
(`rope_params`) → dict overrides (`overrides`) → derive the max length (`max_len`) → apply the
user's max_model_len (`max_len`) → NomicBert config update (`nomic`) → get_rope (`get_rope`).
"""
