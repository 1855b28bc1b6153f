"""One short module per command: parse options → call the core → render → emit."""
