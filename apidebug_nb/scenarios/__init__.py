"""Data layer: scenario records, the built-in tasks and their seeded variants."""
