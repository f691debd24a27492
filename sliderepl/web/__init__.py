"""The decks in a browser tab: Pyodide, from a static folder (a site)."""
