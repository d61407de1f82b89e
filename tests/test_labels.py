"""The one label rule (rdf/labels.py): its order, its independence from parse order, and that every place
that shows a label goes through it."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from pia_kg.curate.citing import _title
from pia_kg.curate.diffing import _label
from pia_kg.graph.loading import load
from pia_kg.graph.store_graph import StoreGraph
from pia_kg.publish.site.pages import Labeller
from pia_kg.rdf.labels import best_label, graph_label
from pia_kg.rdf.namespaces import DCTERMS, RDFS, SCHEMA, SKOS
from pia_kg.serve.reconcile import Reconciler
from pia_kg.sparql.labels import label_of

from .conftest import TINY_ONTOLOGY, TINY_SHAPES, write_project

SRC = Path(__file__).resolve().parent.parent / "src" / "pia_kg"
PERSON = "https://w3id.org/pia-kg/id/person/"
ADA = URIRef(PERSON + "ada")

# a term with labels in every label predicate, in English, French, German and none
ADA_LABELS = [
    (SCHEMA.name, Literal("Ada Lovelace (name)", lang="en")),
    (RDFS.label, Literal("Ada (rdfs)", lang="en")),
    (SKOS.prefLabel, Literal("Ada Lovelace", lang="en")),
    (SKOS.prefLabel, Literal("Ada, comtesse", lang="fr")),
    (SKOS.prefLabel, Literal("Ada Gräfin", lang="de")),
    (SCHEMA.name, Literal("Ada")),
    (SKOS.prefLabel, Literal("Ada B", lang="en")),  # two of one predicate and language: the first by text
]


def test_the_asked_language_then_the_predicate_order_then_the_text() -> None:
    assert best_label(ADA_LABELS, "en") == Literal("Ada B", lang="en")
    assert best_label(ADA_LABELS, "fr") == Literal("Ada, comtesse", lang="fr")
    assert best_label(ADA_LABELS, "de") == Literal("Ada Gräfin", lang="de")
    assert best_label(ADA_LABELS, "EN") == Literal("Ada B", lang="en")


def test_the_other_site_language_comes_before_any_other() -> None:
    english_and_german = [(SKOS.prefLabel, Literal("G", lang="de")), (RDFS.label, Literal("Ada", lang="en"))]
    assert best_label(english_and_german, "fr") == Literal("Ada", lang="en")
    french_only = [(SCHEMA.name, Literal("Ada")), (SCHEMA.name, Literal("Ada, comtesse", lang="fr"))]
    assert best_label(french_only, "en") == Literal("Ada, comtesse", lang="fr")
    assert best_label(french_only, "es") == Literal("Ada, comtesse", lang="fr")


def test_among_other_languages_the_predicate_then_untagged_first_then_by_language() -> None:
    others = [(SKOS.prefLabel, Literal("Gräfin", lang="de")), (SCHEMA.name, Literal("Ada"))]
    assert best_label(others, "en") == Literal("Gräfin", lang="de")
    one_predicate = [(SCHEMA.name, Literal("Gräfin", lang="de")), (SCHEMA.name, Literal("Ada"))]
    assert best_label(one_predicate, "en") == Literal("Ada")
    german_and_spanish = [(RDFS.label, Literal("condesa", lang="es")), (RDFS.label, Literal("G", lang="de"))]
    assert best_label(german_and_spanish, "en") == Literal("G", lang="de")


def test_predicates_outside_the_list_come_last_and_non_literals_never() -> None:
    pairs = [(DCTERMS.title, Literal("A title", lang="en")), (SCHEMA.name, Literal("A name", lang="en"))]
    assert best_label(pairs, "en") == Literal("A name", lang="en")
    assert best_label([(DCTERMS.title, Literal("A title", lang="en"))], "en") == Literal("A title", lang="en")
    assert best_label([(SKOS.prefLabel, URIRef(PERSON + "bob"))], "en") is None
    assert best_label([], "en") is None


def test_the_order_the_labels_come_in_does_not_matter() -> None:
    for lang in ("en", "fr", "de", "es"):
        chosen = {best_label(order, lang) for order in itertools.permutations(ADA_LABELS[:6])}
        assert len(chosen) == 1, lang


def test_parse_order_does_not_matter(turtle: Callable[[str], Graph]) -> None:
    lines = [f"person:ada <{predicate}> {literal.n3()} ." for predicate, literal in ADA_LABELS]
    graphs = [turtle("\n".join(lines) + "\n"), turtle("\n".join(reversed(lines)) + "\n")]
    for lang in ("en", "fr", "de"):
        assert {graph_label(graph, ADA, lang) for graph in graphs} == {best_label(ADA_LABELS, lang)}


def test_every_place_that_shows_a_label_shows_the_same(tmp_path: Path) -> None:
    body = "".join(f"person:ada <{predicate}> {literal.n3()} .\n" for predicate, literal in ADA_LABELS)
    project = write_project(tmp_path / "p", ontology=TINY_ONTOLOGY, shapes=TINY_SHAPES, data={"a.ttl": body})
    kg = load(project)
    graph = kg.union()
    stored = StoreGraph.from_knowledge_graph(kg)
    reconciler = Reconciler(graph)
    labeller = Labeller(graph, pages=set())
    for lang in ("en", "fr"):
        expected = best_label(ADA_LABELS, lang)
        assert expected is not None
        shown = {
            "loaded graph (findings)": kg.label(ADA, lang),
            "store (validate, report)": stored.label(ADA, lang),
            "--labels": str(label_of(graph, ADA, lang=lang)),
            "site pages": labeller.label(ADA, lang),
            "reconciliation": reconciler.label(ADA, lang),
        }
        assert shown == dict.fromkeys(shown, str(expected)), lang
    assert _label((graph, graph), ADA, "person:ada") == str(best_label(ADA_LABELS, "en"))
    assert _title(graph, ADA) == str(best_label(ADA_LABELS, "en"))


# ------------------------------------------------------------ no other place chooses a label

_LABEL_TERMS = {"prefLabel", "LABEL_PREDICATES"}
# functions that read labels by language without choosing one: each says why
NOT_CHOOSERS = {
    ("publish/site/pages.py", "_term"): "lists an ontology term's labels in the other languages",
    ("serve/reconcile.py", "_labels_in"): "every label in one language: a property's values",
    ("serve/reconcile.py", "path"): "the function _labels_in returns",
}


def choosers(source: str) -> list[str]:
    """Functions that choose a label themselves: they compare a literal's language with another, which is
    how a label is picked for a reader, and name a label predicate (skos:prefLabel or LABEL_PREDICATES) or
    are named for a label or a title (a chooser over labels gathered elsewhere, in a cache say)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        names = {
            sub.attr if isinstance(sub, ast.Attribute) else sub.id
            for sub in ast.walk(node)
            if isinstance(sub, ast.Attribute | ast.Name)
        }
        compares_language = any(
            isinstance(attribute, ast.Attribute) and attribute.attr == "language"
            for compare in ast.walk(node)
            if isinstance(compare, ast.Compare)
            for attribute in ast.walk(compare)
        )
        named = any(word in node.name.lower() for word in ("label", "title"))
        if compares_language and (names & _LABEL_TERMS or named):
            found.append(node.name)
    return found


def test_the_check_finds_a_label_chooser_of_its_own() -> None:
    written_before = '''
def label_of(graph, term, *, lang="en"):
    literals = [o for p in LABEL_PREDICATES for o in graph.objects(term, p) if isinstance(o, Literal)]
    for wanted in (lang, None):
        for literal in literals:
            if wanted is None or literal.language == wanted:
                return literal
    return None

def title(graph, iri):
    labels = list(graph.objects(iri, SKOS.prefLabel))
    return min(labels, key=lambda label: (label.language != "en", str(label)))

def label(self, term, lang="en"):
    labels = self._label_literals(term)
    return min(labels, key=lambda label: (label.language != "en", str(label)))

def names(graph, iri):
    return [str(o) for p in LABEL_PREDICATES for o in graph.objects(iri, p)]
'''
    assert choosers(written_before) == ["label_of", "title", "label"]


def test_no_module_chooses_a_label_but_rdf_labels() -> None:
    modules = sorted(path for path in SRC.rglob("*.py") if path != SRC / "rdf" / "labels.py")
    assert len(modules) > 50
    found = {
        (str(path.relative_to(SRC)), function)
        for path in modules
        for function in choosers(path.read_text(encoding="utf-8"))
    }
    assert found - set(NOT_CHOOSERS) == set()
    assert set(NOT_CHOOSERS) - found == set()  # the exceptions are still there to be excepted
