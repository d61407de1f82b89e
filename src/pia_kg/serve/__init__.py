"""`pia-kg serve`: the HTTP server, its SPARQL protocol endpoint, content negotiation and worker processes."""
