"""Curation helpers: citing a passage, diffing two versions of the graph, the summary."""
