"""The checker agents (bug, style, security, performance) and the linters they run."""
