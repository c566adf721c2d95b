"""The command line. The only package that imports typer or questionary."""

from scaffold.cli.main import app, main, run

__all__ = ["app", "main", "run"]
