"""What the model's own code computes (SPEC §5): transformers' dynamic RoPE, Nomic's modelling
code, and transformers' own config validation. The only package besides rope/cache.py that may
import torch or transformers, and only inside functions."""
