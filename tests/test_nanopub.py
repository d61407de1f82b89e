"""`pia-kg export -f nanopub`: one nanopublication per sourced fact, checked by the Nanopub toolkit itself.

The toolkit is PyPI `nanopub-sign` (the Nanopub Rust toolkit): `Nanopub(trig).check()` recomputes the Trusty
URI and, when there is one, verifies the signature, and raises if either does not match.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from nanopub_sign import KeyPair, Nanopub
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.term import Node

from pia_kg.cli.main import cli
from pia_kg.graph.loading import load
from pia_kg.project import Project
from pia_kg.publish.nanopub import NANOPUB_BASE, Nanopublication, nanopublications
from pia_kg.rdf.namespaces import PROV
from tests.conftest import REPO_ROOT, SOURCES_DIR

TRUSTY = re.compile(re.escape(NANOPUB_BASE) + r"(RA[A-Za-z0-9_-]{43})")

# The sourced facts, computed apart from the module: every triple of the data whose subject is an IRI that is
# prov:wasDerivedFrom something, except its prov:wasDerivedFrom and pia:evidence triples (depth 0), plus the
# triples of the blank nodes such a triple points to (depth 1), and of the blank nodes those point to
# (depth 2: the data has none, which the test checks, so that nothing deeper is left out).
SOURCED_FACTS = """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX pia: <https://w3id.org/pia-kg/ns#>
CONSTRUCT {{ {template} }}
WHERE {{
  {{ SELECT DISTINCT ?s WHERE {{ ?s prov:wasDerivedFrom ?document FILTER isIRI(?s) }} }}
  ?s ?p ?o .
  FILTER (?p NOT IN (prov:wasDerivedFrom, pia:evidence))
  {path}
}}
"""
DEPTHS = {
    0: SOURCED_FACTS.format(template="?s ?p ?o", path=""),
    1: SOURCED_FACTS.format(template="?o ?q ?v", path="?o ?q ?v . FILTER isBlank(?o)"),
    2: SOURCED_FACTS.format(
        template="?b ?q ?v", path="?o ?r ?b . ?b ?q ?v . FILTER (isBlank(?o) && isBlank(?b))"
    ),
}


def _repository_copy(root: Path) -> Project:
    """The repository's ontology, queries and data in a folder of their own."""
    root.mkdir()
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    (root / "pyproject.toml").write_text("[project]\nname = 'fixture'\n", encoding="utf-8")
    return Project(root, SOURCES_DIR)


@pytest.fixture(scope="module")
def repository() -> Project:
    return Project(REPO_ROOT, SOURCES_DIR)


@pytest.fixture(scope="module")
def unsigned(repository: Project) -> list[Nanopublication]:
    return nanopublications(load(repository))


def _checked(trig: bytes) -> dict[str, object]:
    info: dict[str, object] = Nanopub(trig.decode("utf-8")).check().info()
    return info


def _parsed(trig: bytes) -> Dataset:
    dataset = Dataset()
    dataset.parse(data=trig, format="trig")
    return dataset


def _graph_with_blank_nodes(trig: bytes, uri: str, name: str) -> Graph:
    """One graph of a nanopublication: its `<uri>/_N` nodes turned back into blank nodes of their own, its
    own IRI and its graphs' IRIs into `urn:this` and `urn:this/<name>`."""
    dataset = _parsed(trig)
    code = uri.rsplit("/", 1)[-1]

    def back(term: Node) -> Node:
        if isinstance(term, URIRef) and term.startswith(f"{uri}/_"):
            return BNode(f"{code}{term[len(uri) + 2 :]}")
        if isinstance(term, URIRef) and term.startswith(uri):
            return URIRef("urn:this" + term[len(uri) :])
        return term

    graph = Graph()
    for s, p, o in dataset.graph(URIRef(f"{uri}/{name}")):
        graph.add((back(s), back(p), back(o)))
    return graph


def test_every_nanopublication_passes_the_toolkits_check_with_its_own_trusty_uri(
    unsigned: list[Nanopublication],
) -> None:
    assert len(unsigned) == 29
    for nanopub in unsigned:
        info = _checked(nanopub.trig)
        assert f"{NANOPUB_BASE}{info['trusty_hash']}" == str(nanopub.uri)
        assert TRUSTY.fullmatch(str(nanopub.uri))
        assert not info["signature"]


def test_the_check_rejects_a_nanopublication_whose_assertion_was_changed(
    unsigned: list[Nanopublication],
) -> None:
    funding = next(n for n in unsigned if n.file_name == "funding--current-ai--investissement-initial.trig")
    assert b'"400000000"^^xsd:decimal' in funding.trig
    tampered = funding.trig.replace(b'"400000000"^^xsd:decimal', b'"500000000"^^xsd:decimal')
    with pytest.raises(Exception, match="hash of the nanopublication is different"):
        _checked(tampered)


@pytest.mark.slow
def test_the_union_of_the_assertions_is_the_data_graphs_sourced_facts(
    repository: Project, unsigned: list[Nanopublication]
) -> None:
    data = load(repository).union("data")
    expected = Graph()
    for depth in (0, 1):
        for triple in data.query(DEPTHS[depth]):
            expected.add(triple)  # type: ignore[arg-type]
    assert not list(data.query(DEPTHS[2]))
    union = Graph()
    for nanopub in unsigned:
        union += _graph_with_blank_nodes(nanopub.trig, str(nanopub.uri), "assertion")
    assert len(union) == len(expected) > 200
    assert isomorphic(union, expected)


@pytest.mark.slow
def test_every_other_data_triple_is_in_a_provenance_graph_or_describes_a_document(
    repository: Project, unsigned: list[Nanopublication]
) -> None:
    data = load(repository).union("data")
    documents = set(data.objects(None, PROV.wasDerivedFrom))
    described = Graph()
    for document in documents:
        described += data.cbd(document)  # type: ignore[arg-type]
    published = Graph()
    for nanopub in unsigned:
        published += _graph_with_blank_nodes(nanopub.trig, str(nanopub.uri), "assertion")
        for s, p, o in _graph_with_blank_nodes(nanopub.trig, str(nanopub.uri), "provenance"):
            if s not in documents and s != URIRef("urn:this/assertion"):
                published.add((s, p, o))
    assert len(published) + len(described) == len(data)
    assert isomorphic(published + described, data)


def test_each_assertion_holds_one_sourced_subject_and_none_of_its_evidence(
    unsigned: list[Nanopublication],
) -> None:
    for nanopub in unsigned:
        assertion = _parsed(nanopub.trig).graph(URIRef(f"{nanopub.uri}/assertion"))
        iris = {s for s in assertion.subjects() if not str(s).startswith(str(nanopub.uri))}
        assert iris == {nanopub.fact}
        assert not set(assertion.predicates()) & {
            URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"),
            URIRef("https://w3id.org/pia-kg/ns#evidence"),
        }


PROVENANCE = """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX pia: <https://w3id.org/pia-kg/ns#>
SELECT ?document ?sha ?exact ?start ?end WHERE {
  ?assertion prov:wasDerivedFrom ?document .
  ?document pia:sha256 ?sha .
  ?fact pia:evidence ?evidence .
  ?evidence oa:hasSource ?document ; oa:hasSelector ?quote , ?position .
  ?quote oa:exact ?exact . ?position oa:start ?start ; oa:end ?end .
}
"""


def test_each_provenance_graph_cites_the_document_and_the_exact_quote_at_its_offsets(
    unsigned: list[Nanopublication], source_text: str
) -> None:
    quotes = 0
    for nanopub in unsigned:
        provenance = _parsed(nanopub.trig).graph(URIRef(f"{nanopub.uri}/provenance"))
        rows = list(provenance.query(PROVENANCE, initBindings={"fact": nanopub.fact}))
        assert rows, nanopub.file_name
        for row in rows:
            assert str(row.document) == "https://w3id.org/pia-kg/id/doc/pr-2025-07-current-ai-maroc"  # type: ignore[union-attr]
            if source_text[int(row.start) : int(row.end)] == str(row.exact):  # type: ignore[union-attr]
                quotes += 1
    assert quotes >= 29


PUBLICATION_INFO = """
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX pia: <https://w3id.org/pia-kg/ns#>
SELECT ?license ?creator ?created ?basis ?version WHERE {
  ?np dcterms:license ?license ; dcterms:creator ?creator ; dcterms:created ?created ;
      pia:dateBasis ?basis ; dcterms:isPartOf ?dataset .
  ?dataset dcat:version ?version .
}
"""


def test_publication_info_takes_licence_creator_version_and_date_from_the_graph(
    unsigned: list[Nanopublication],
) -> None:
    for nanopub in unsigned:
        pubinfo = _parsed(nanopub.trig).graph(URIRef(f"{nanopub.uri}/pubinfo"))
        rows = list(pubinfo.query(PUBLICATION_INFO, initBindings={"np": nanopub.uri}))
        assert [tuple(map(str, row)) for row in rows] == [  # type: ignore[arg-type]
            (
                "https://creativecommons.org/licenses/by/4.0/",
                "The pia-kg project",
                "2025-07",
                "https://w3id.org/pia-kg/ns#basis-source-date",
                "0.1.0",
            )
        ]


def test_the_same_graph_gives_the_same_bytes(repository: Project, unsigned: list[Nanopublication]) -> None:
    again = nanopublications(load(repository))
    assert [(n.file_name, n.trig) for n in again] == [(n.file_name, n.trig) for n in unsigned]


def test_a_changed_fact_changes_its_trusty_uri_and_nothing_else(runner: CliRunner, tmp_path: Path) -> None:
    project = _repository_copy(tmp_path / "repo")
    before, after = tmp_path / "before", tmp_path / "after"
    export = ["--project", str(project.root), "export", "-f", "nanopub", "-o"]
    result = runner.invoke(cli, [*export, str(before)])
    assert result.exit_code == 0, result.output
    funding = project.root / "data" / "funding.ttl"
    text = funding.read_text(encoding="utf-8")
    assert text.count('"400000000"^^xsd:decimal') == 1
    funding.write_text(text.replace('"400000000"^^xsd:decimal', '"400000001"^^xsd:decimal'), encoding="utf-8")
    result = runner.invoke(cli, [*export, str(after)])
    assert result.exit_code == 0, result.output

    names = sorted(path.name for path in before.iterdir())
    assert names == sorted(path.name for path in after.iterdir())
    changed = [name for name in names if (before / name).read_bytes() != (after / name).read_bytes()]
    assert changed == ["funding--current-ai--investissement-initial.trig"]
    old, new = ((folder / changed[0]).read_text(encoding="utf-8") for folder in (before, after))
    old_uri, new_uri = (TRUSTY.search(text).group(0) for text in (old, new))  # type: ignore[union-attr]
    assert old_uri != new_uri
    _checked(new.encode("utf-8"))
    for name in ("Head", "assertion", "provenance", "pubinfo"):  # the same graphs but for the amount
        old_graph = _graph_with_blank_nodes(old.replace('"400000000"', '"400000001"').encode(), old_uri, name)
        assert isomorphic(old_graph, _graph_with_blank_nodes(new.encode(), new_uri, name)), name


@pytest.mark.slow
def test_signed_nanopublications_pass_the_check_with_their_signature_and_are_stable(
    repository: Project, unsigned: list[Nanopublication]
) -> None:
    key = KeyPair().private
    kg = load(repository)
    signed = nanopublications(kg, key=key)
    assert [n.file_name for n in signed] == [n.file_name for n in unsigned]
    for nanopub in signed:
        info = _checked(nanopub.trig)
        assert info["signature"] and info["public_key"]
        assert f"{NANOPUB_BASE}{info['trusty_hash']}" == str(nanopub.uri)
    assert {n.uri for n in signed}.isdisjoint(n.uri for n in unsigned)
    assert [n.trig for n in nanopublications(kg, key=key)] == [n.trig for n in signed]


def test_cli_writes_one_file_per_fact_and_replaces_the_folder_as_a_whole(
    runner: CliRunner, tmp_path: Path
) -> None:
    output = tmp_path / "nanopubs"
    output.mkdir()
    (output / "stale.trig").write_text("left from an earlier run", encoding="utf-8")
    result = runner.invoke(cli, ["export", "-f", "nanopub", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "Wrote 29 nanopublications" in result.stderr
    assert result.stdout == ""
    files = sorted(path.name for path in output.iterdir())
    assert len(files) == 29 and "stale.trig" not in files
    assert "statement--pr-2025-07-current-ai-maroc--883-1078.trig" in files
    assert [path.name for path in tmp_path.iterdir()] == ["nanopubs"]


def test_a_folder_that_holds_anything_else_is_never_replaced(runner: CliRunner, tmp_path: Path) -> None:
    """`-o ~` by mistake: a folder with other files in it (or a subfolder) is refused, exit 2, untouched."""
    for name, make in (("notes.txt", Path.write_text), ("sub", None)):
        folder = tmp_path / f"home-{name}"
        folder.mkdir()
        (folder / "a.trig").write_text("kept", encoding="utf-8")
        if make is None:
            (folder / name).mkdir()
        else:
            make(folder / name, "kept", encoding="utf-8")
        result = runner.invoke(cli, ["export", "-f", "nanopub", "-o", str(folder)])
        assert result.exit_code == 2, result.output
        assert f"holds {name!r}, which is not a nanopublication" in result.stderr
        assert sorted(path.name for path in folder.iterdir()) == ["a.trig", name]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["-f", "nanopub"], "-o DIR is required"),
        (["-f", "nanopub", "-o", "{dir}", "--include-shapes"], "--include-shapes does not apply"),
        (["-f", "nanopub", "-o", "{dir}", "--key", "{key}"], "not an RSA private key"),
        (["-f", "nanopub", "-o", "{dir}", "--key", "{missing}"], "cannot read the key"),
        (["-f", "nanopub", "-o", "{file}"], "is a file"),
        (["-f", "turtle", "-o", "{file}", "--key", "{key}"], "--key signs nanopublications only"),
    ],
)
def test_bad_input_exits_2_and_overwrites_nothing(
    runner: CliRunner, tmp_path: Path, arguments: list[str], message: str
) -> None:
    folder, file, key = tmp_path / "nanopubs", tmp_path / "file.trig", tmp_path / "key.pem"
    folder.mkdir()
    (folder / "kept.trig").write_text("kept", encoding="utf-8")
    file.write_text("kept", encoding="utf-8")
    key.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n", encoding="ascii")
    paths = {"dir": folder, "file": file, "key": key, "missing": tmp_path / "missing.pem"}
    result = runner.invoke(cli, ["export", *(argument.format(**paths) for argument in arguments)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert [path.name for path in folder.iterdir()] == ["kept.trig"]
    assert file.read_text(encoding="utf-8") == "kept"


@pytest.mark.slow
def test_exports_are_byte_identical_across_processes_with_different_hash_seeds(tmp_path: Path) -> None:
    folders = []
    command = [sys.executable, "-m", "pia_kg", "--project", str(REPO_ROOT), "export", "-f", "nanopub", "-o"]
    for seed in ("1", "2"):
        folder = tmp_path / f"seed-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [*command, str(folder)],
            check=True,
            env=env,
            capture_output=True,
        )
        folders.append({path.name: path.read_bytes() for path in folder.iterdir()})
    assert len(folders[0]) == 29
    assert folders[0] == folders[1]
