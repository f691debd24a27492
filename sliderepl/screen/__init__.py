"""The screen: theme, inline markup, rendering and the console (the only writer)."""
