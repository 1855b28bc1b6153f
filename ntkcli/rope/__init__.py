"""RoPE formulas (SPEC §4.5) as plain arithmetic; `cache` is the only module that uses torch."""
