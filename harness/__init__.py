"""What tests/ and bench/ share: real server processes on loopback ports, the
load runner and the memory measurement. Neither tests/ nor bench/ imports the
other; both import this."""
