"""The config layer: the object `transformers.AutoConfig.from_pretrained` would build from a
config.json (native or remote class, class defaults, aliases, RoPE standardisation, load-time
errors), emulated from shipped data, never by importing transformers or any remote code.

Engines that load through transformers (vLLM, SGLang, the llama.cpp converter, transformers
itself) sit on top of this layer; engines with their own parsers (TEI, Ollama) read the raw JSON.
"""

from ntkcli.configs.tables import class_facts, known_versions, native_model_types, resolve, table

__all__ = ["class_facts", "known_versions", "native_model_types", "resolve", "table"]
