"""What the model's own code computes (SPEC §5): transformers' dynamic RoPE and Nomic's code."""
