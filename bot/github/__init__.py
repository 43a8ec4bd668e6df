"""The GitHub edge: one gateway (githubkit) and the data it returns."""
