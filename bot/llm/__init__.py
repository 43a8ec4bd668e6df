"""The agent core: the LLM client, structured output, prompts."""
