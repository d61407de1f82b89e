"""SPARQL: the query text and its guards, saved questions and their parameters, the engine, results and their
formats, outside stores."""
