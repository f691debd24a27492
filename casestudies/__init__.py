"""Case studies: recipes for extending SQLAlchemy 2.x, in reading order."""
