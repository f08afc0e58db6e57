"""The guard suite: every replay guard."""
