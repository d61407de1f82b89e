"""No saved question or rule reads, in a FILTER or BIND, a variable its own group never binds (issue 12).

Such an expression is dead code: SPARQL evaluates each group on its own, so a variable bound outside it (by
the enclosing group, or by a VALUES block after the query) is unbound there. The walker (pia_kg.sparql.scope)
is tested first on small queries that must and must not be flagged, then run over every query in queries/.
"""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef

from pia_kg.project import Project
from pia_kg.sparql.saved import SavedQuery, list_queries, query_from_text, read_saved_query
from pia_kg.sparql.scope import dead_reads, question_dead_reads, with_values_at_top
from pia_kg.sparql.text import parsed_algebra

from .conftest import REPO_ROOT

REPO = Project(REPO_ROOT)
QUALITY = sorted(REPO.queries_dir.glob("quality/*.rq"))
QUERIES = [*list_queries(REPO), *(read_saved_query(path, relpath=REPO.relative(path)) for path in QUALITY)]

# agreements-by-party as it was (issue 12): the organisation that is itself a party was never found
ORIGINAL_AGREEMENTS_BY_PARTY = """
SELECT ?agreement ?agent ?partyAsStated ?date ?status ?otherAgent WHERE {
    ?agreement pia:hasParty ?partyNode .
    ?partyNode pia:agent ?agent .
    { FILTER (?agent = ?party) } UNION { ?agent pia:jurisdiction ?party }
    OPTIONAL { ?partyNode pia:partyAsStated ?partyAsStated }
    OPTIONAL { ?agreement dcterms:date ?date }
    OPTIONAL { ?agreement pia:status ?status }
    OPTIONAL { ?agreement pia:hasParty/pia:agent ?otherAgent . FILTER (?otherAgent != ?agent) }
}
ORDER BY ?date ?agreement ?otherAgent
"""

DEAD = {
    "original agreements-by-party": (ORIGINAL_AGREEMENTS_BY_PARTY, ["FILTER: agent party"]),
    "BIND of a parameter in a UNION branch": (
        "CONSTRUCT { ?node ?p ?o } WHERE {"
        " { BIND (?org AS ?node) } UNION { ?node org:member ?org } ?node ?p ?o }",
        ["BIND: org"],
    ),
    "BIND before the pattern it reads": ("SELECT * WHERE { BIND (?x AS ?y) ?x ?p ?o }", ["BIND: x"]),
    "FILTER of one UNION branch on the other's variable": (
        "SELECT * WHERE { { ?a ?p ?o } UNION { ?b ?q ?r FILTER (?o = ?r) } }",
        ["FILTER: o"],
    ),
    "FILTER inside MINUS on the outer group's variable": (
        "SELECT * WHERE { ?a ?p ?o MINUS { ?a ?q ?r FILTER (?r = ?o) } }",
        ["FILTER: o"],
    ),
    "FILTER inside a sub-select on the outer query's variable": (
        "SELECT * WHERE { ?a ?p ?o { SELECT ?a WHERE { ?a ?q ?r FILTER (?r = ?o) } } }",
        ["FILTER: o"],
    ),
    "FILTER on a variable of a VALUES block after the query": (
        "SELECT * WHERE { ?a ?p ?o FILTER (?o = ?v) } VALUES ?v { 1 }",
        ["FILTER: v"],
    ),
    "OPTIONAL filter on a variable bound nowhere": (
        "SELECT * WHERE { ?a ?p ?o OPTIONAL { ?a rdfs:label ?l FILTER (LANG(?l) = ?lang) } }",
        ["OPTIONAL filter: lang"],
    ),
    "BOUND of a variable bound nowhere": (
        "SELECT * WHERE { ?s prov:wasAttributedTo ?speaker FILTER (!BOUND(?person) || ?speaker = ?person) }",
        ["FILTER: person"],
    ),
    "FILTER inside EXISTS on a variable bound neither inside nor around it": (
        "SELECT * WHERE { ?a ?p ?o FILTER EXISTS { ?a ?q ?r FILTER (?r = ?z) } }",
        ["FILTER: z"],
    ),
    "FILTER inside a nested group on the enclosing group's variable": (
        "SELECT * WHERE { ?a ?p ?o { ?b ?q ?r FILTER (?r = ?o) } }",
        ["FILTER: o"],
    ),
}

LIVE = {
    "OPTIONAL filter on its left side": "SELECT * WHERE { ?a ?p ?o OPTIONAL { ?a ?q ?r FILTER (?r != ?o) } }",
    "FILTER inside NOT EXISTS on the enclosing group": (
        "SELECT * WHERE { VALUES ?lang { 'fr' } ?f a ?k"
        " FILTER NOT EXISTS { ?f rdfs:label ?t FILTER (LANG(?t) = ?lang) } }"
    ),
    "BIND after the patterns, over an OPTIONAL": (
        "SELECT * WHERE { ?n ?a ?b OPTIONAL { ?o schema:amount ?n } BIND (COALESCE(?o, ?n) AS ?item) }"
    ),
    "FILTER on a variable bound in one UNION branch": (
        "SELECT * WHERE { { ?a ?p ?o } UNION { ?a ?q ?r } FILTER (BOUND(?o) || ?r = 1) }"
    ),
    "FILTER on a VALUES block at the top of WHERE": (
        "SELECT * WHERE { VALUES ?v { 1 } ?a ?p ?o FILTER (?o = ?v) }"
    ),
    "HAVING on an aggregate": "SELECT ?f WHERE { ?s ?p ?f } GROUP BY ?f HAVING (COUNT(*) > 1)",
    "FILTER on the graph name": "ASK { GRAPH ?g { ?a ?b ?c } FILTER (?g != <urn:x>) }",
    "FILTER on a sub-select's projection": (
        "SELECT * WHERE { { SELECT ?a (COUNT(*) AS ?n) WHERE { ?a ?p ?o } GROUP BY ?a } FILTER (?n > 1) }"
    ),
    "FILTER in a nested group on its own variables": (
        "SELECT * WHERE { ?a ?p ?o { ?b ?q ?r FILTER (?r = 1) } }"
    ),
    "SELECT expressions": "SELECT ?a (STR(?o) AS ?text) WHERE { ?a ?p ?o }",
    "the fixed agreements-by-party": (
        "SELECT ?agent WHERE { ?agreement pia:hasParty ?node ."
        " { ?node pia:agent ?party . BIND (?party AS ?agent) }"
        " UNION { ?node pia:agent ?agent . ?agent pia:jurisdiction ?party } }"
    ),
}


def flagged(text: str) -> list[str]:
    return [f"{read.kind}: {' '.join(read.variables)}" for read in dead_reads(parsed_algebra(text))]


@pytest.mark.parametrize("case", DEAD, ids=list(DEAD))
def test_the_walker_flags_an_expression_reading_what_its_group_never_binds(case: str) -> None:
    text, expected = DEAD[case]
    assert flagged(text) == expected


@pytest.mark.parametrize("case", LIVE, ids=list(LIVE))
def test_the_walker_leaves_expressions_that_can_see_their_variables(case: str) -> None:
    assert flagged(LIVE[case]) == []


def test_a_dead_read_says_what_is_read_and_what_the_group_sees() -> None:
    (read,) = dead_reads(parsed_algebra("SELECT * WHERE { ?a ?p ?o { FILTER (?a = ?party) } }"))
    assert read.describe() == "FILTER reads ?a, ?party, which its group never binds (it sees nothing)"


def test_an_iri_parameter_must_be_bound_by_a_pattern_of_the_group_that_reads_it() -> None:
    saved = query_from_text(
        "# param: person iri = | a person\n"
        "SELECT ?s WHERE { ?s prov:wasAttributedTo ?speaker FILTER (?speaker = ?person) }"
    )
    assert [read.variables for read in question_dead_reads(saved)] == [("person",)]


def test_a_value_parameter_counts_as_given_at_the_top_of_where_only() -> None:
    top = query_from_text(
        '# param: lang string = "fr" | a language\n'
        "SELECT ?l WHERE { ?s rdfs:label ?l FILTER (LANG(?l) = ?lang) }"
    )
    nested = query_from_text(
        '# param: lang string = "fr" | a language\n'
        "SELECT ?l WHERE { { ?s a ?k } UNION { ?s rdfs:label ?l FILTER (LANG(?l) = ?lang) } }"
    )
    assert question_dead_reads(top) == []
    assert [read.variables for read in question_dead_reads(nested)] == [("lang",)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "SELECT ?a WHERE { ?a ?b ?c }",
            "SELECT ?a WHERE {\n    VALUES (?x ?l) { (<urn:x> \"en\") } ?a ?b ?c }",
        ),
        (
            "CONSTRUCT { ?a ?b ?c } WHERE { ?a ?b ?c }",
            "CONSTRUCT { ?a ?b ?c } WHERE {\n    VALUES (?x ?l) { (<urn:x> \"en\") } ?a ?b ?c }",
        ),
        (
            "CONSTRUCT { ?a ?b ?c } { ?a ?b ?c }",
            "CONSTRUCT { ?a ?b ?c } {\n    VALUES (?x ?l) { (<urn:x> \"en\") } ?a ?b ?c }",
        ),
        (
            '# WHERE { in a comment\nSELECT * { ?a ?b "WHERE {" }',
            '# WHERE { in a comment\nSELECT * {\n    VALUES (?x ?l) { (<urn:x> "en") } ?a ?b "WHERE {" }',
        ),
    ],
)
def test_a_values_block_goes_first_in_the_where_clause(text: str, expected: str) -> None:
    assert with_values_at_top(text, {"x": URIRef("urn:x"), "l": Literal("en")}) == expected


@pytest.mark.parametrize("saved", QUERIES, ids=[saved.relpath for saved in QUERIES])
def test_no_saved_question_or_rule_has_a_dead_filter_or_bind(saved: SavedQuery) -> None:
    """Issue 12, items 1 and 2: the saved questions and the rule and quality queries of queries/."""
    assert [read.describe() for read in question_dead_reads(saved)] == []
