"""`reviewbot action`: the App's handlers run from a GitHub workflow, one event per run."""
