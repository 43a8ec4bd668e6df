"""Prompt templates, one per agent, shipped as package data (read with importlib.resources)."""
