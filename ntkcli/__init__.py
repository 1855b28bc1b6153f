"""ntkcli: see how vLLM will resolve a model's rotary position embedding before you deploy it."""

__version__ = "0.1.0"
