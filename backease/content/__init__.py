"""Content: YAML data files (techniques, anatomy, tools, massage types, tips, FAQ,
references, screening rules) and the loader that validates them."""
