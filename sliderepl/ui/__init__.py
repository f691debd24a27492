"""The terminal UI: prompt, keys, completion, toolbar, paging, menu and the command table."""
