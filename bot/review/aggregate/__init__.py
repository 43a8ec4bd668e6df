"""The aggregator: verify, judge, merge and rank the checkers' findings into one plan."""
