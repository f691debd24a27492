"""The deck: its data model and the parser that reads a deck file into it."""
