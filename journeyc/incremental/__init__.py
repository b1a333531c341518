"""Incremental checking: a project checked again after edits redoes only what depends on them (engine.py)."""
