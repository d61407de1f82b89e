"""Reading and writing RDF: prefixes, term conversion, checked parsing, canonical Turtle, blank nodes and
literals, JSON-LD."""
