"""The no-network backstop and the documented limits: the lowest layer after errors and project."""
