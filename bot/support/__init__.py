"""The support desk: issue triage's I/O around the pure logic of bot/triage (GitHub reads
and writes, the store, the model), used by the webhook handler and the CLI."""
