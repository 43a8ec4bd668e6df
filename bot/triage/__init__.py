"""Issue triage: type and area labels, duplicates, missing information, answers from the
docs, and a hand-off to people when unsure. Pure logic here; I/O in bot/handlers/triage.py,
bot/store/triage.py and bot/cli/triage.py."""
