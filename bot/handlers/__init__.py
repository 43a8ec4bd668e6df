"""Job handlers and the one routing table that wires events to them."""
