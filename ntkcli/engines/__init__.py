"""Serving engines side by side: one folder per engine behind the interface in engines/base.py
(vLLM, SGLang, TEI, llama.cpp / Ollama, transformers, sentence-transformers)."""
