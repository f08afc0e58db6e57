"""The contract suite: every adapter, through its framework's own test client."""
