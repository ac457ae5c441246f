"""Grading layer: the rubric, the reference solver, agents and transcripts."""
