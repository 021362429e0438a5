"""The backease command line (Typer + Rich)."""
