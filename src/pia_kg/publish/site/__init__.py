"""The static linked-data site: page dataclasses (pages.py), Jinja rendering (render.py), build.py."""
