"""Publishing: dumps, the dataset description and the static site."""
