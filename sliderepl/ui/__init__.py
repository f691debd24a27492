"""The terminal UI: prompt, keys, completion, toolbar, menu, command table."""
