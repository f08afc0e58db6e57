"""The callback suite: every receiver."""
