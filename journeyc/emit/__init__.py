"""Emitters: the build output of a checked project (Python journey modules, data, channel templates)."""
