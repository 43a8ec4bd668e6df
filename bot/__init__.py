"""reviewbot: a self-hostable GitHub App that reviews pull requests and triages issues."""

__version__ = "0.1.0"
