"""Reusable widgets: masked secret fields, the clipboard that forgets, meters and grids."""
