"""support-pairs-v2: a generator built to teach concepts (minimal pairs, contrast sets) over
content kept in YAML files (``content/``). See docs/data-card.md."""
