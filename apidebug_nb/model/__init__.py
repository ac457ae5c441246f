"""Model layer: contract rules, dependency graphs, validation and the pure simulation."""
