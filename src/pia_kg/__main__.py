"""`python -m pia_kg` runs the command-line interface."""

from pia_kg.cli.main import cli

if __name__ == "__main__":
    cli()
