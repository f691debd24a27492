"""The screen: theme, markup, rendering, the console (the only writer)."""
