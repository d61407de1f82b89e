"""The knowledge graph: one named graph per file, in rdflib (`loading`) or in an Oxigraph store, in memory
(`store_graph`) or on disk (`disk_store`)."""
