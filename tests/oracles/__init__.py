"""Reference interpreters that only tests call: plain readings of the rules the production code implements fast."""
