"""Turtle, TriG and RDF/XML written from the store on disk, one subject at a time from the canonical lines:
the same bytes as from the files, valid, and isomorphic to the source graph."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from pia_kg.cli.main import cli
from pia_kg.graph.disk_store import refresh, store_folder
from pia_kg.graph.loading import KnowledgeGraph, load
from pia_kg.graph.store import build_store
from pia_kg.project import Project
from pia_kg.publish.export import TEXT_FORMATS, canonical_triples, export, export_lines, export_text

from .arq import arq_missing, classpath
from .conftest import REPO_ROOT, store_write_locked
from .published import repository
from .test_export import CONTROL_CHARACTERS
from .test_shacl_engines import load_generator

RDFLIB_FORMATS = {"turtle": "turtle", "trig": "trig", "rdfxml": "xml"}
EXTENSIONS = {"turtle": "ttl", "trig": "trig", "rdfxml": "rdf"}

BLANK_NODES = (
    """@prefix ex: <http://example.org/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
ex:list ex:items ( "a" ex:b [ ex:c "d" ] ( 1 2 ) ) ; ex:none () .
ex:shared ex:p _:twice ; ex:q _:twice .
_:twice ex:name "twice" .
_:loop1 ex:next _:loop2 .
_:loop2 ex:next _:loop1 .
[] ex:orphan "no statement points here" .
ex:leaf ex:p [] .
ex:self ex:p _:me .
_:me ex:me _:me .
ex:odd ex:p [ rdf:first 1 ; rdf:rest rdf:nil ; ex:extra 2 ] .
ex:open ex:p [ rdf:first 1 ; rdf:rest ex:elsewhere ] .
ex:tails ex:p ( 1 2 ) .
ex:deep ex:p """
    + "[ ex:p " * 40
    + '"bottom"'
    + " ]" * 40
    + " .\n"
)

XML_TEXT = """@prefix ex: <http://example.org/> .
ex:a ex:p "say \\"hi\\"\\nthen leave\\r\\n" , "line\\u2028separator and next\\u0085line" ,
    "tab\\tand <tag> & ]]>" ,
    "trailing quote\\"" , "\\"\\"\\"" , "back\\\\slash" , "é \\U0001F600"@fr .
"""


def _project(root: Path, **files: str) -> Project:
    shutil.copytree(REPO_ROOT / "ontology", root / "ontology")
    (root / "data").mkdir()
    for name, text in files.items():
        (root / "data" / name).write_text(text, encoding="utf-8")
    return Project(root)


def assert_round_trips(data: bytes, fmt: str, kg: KnowledgeGraph, *, many_blank_nodes: bool = False) -> None:
    """`data` parses (rdflib) to the ontology and data: the union, or (TriG) each file's graph by its name.

    `many_blank_nodes`: compare the RDFC-1.0 canonical forms (equal exactly when the graphs are isomorphic)
    rather than ask rdflib.compare, which takes minutes on thousands of blank nodes."""
    same = _same_canonical_triples if many_blank_nodes else isomorphic
    if fmt != "trig":
        parsed = Graph().parse(data=data, format=RDFLIB_FORMATS[fmt])
        assert same(parsed, kg.union("ontology", "data"))
        return
    dataset = Dataset()
    dataset.parse(data=data, format="trig")
    names = sorted(str(graph.identifier) for graph in dataset.graphs() if len(graph))
    assert names == sorted(str(name) for name in kg.graph_ids("ontology", "data"))
    for name in kg.graph_ids("ontology", "data"):
        assert same(dataset.graph(name), kg.dataset.graph(name)), name


def _same_canonical_triples(first: Graph, second: Graph) -> bool:
    return len(first) == len(second) and set(canonical_triples(first)) == set(canonical_triples(second))


def from_store(kg: KnowledgeGraph, fmt: str) -> bytes:
    return export_text(build_store(kg), kg.graph_ids("ontology", "data"), fmt)


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_the_real_data_from_a_store_is_the_bytes_from_the_files_and_parses_back(fmt: str) -> None:
    kg = repository()[1]
    data = from_store(kg, fmt)
    assert data == export(kg, fmt)
    assert_round_trips(data, fmt, kg)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A project of about 4,000 generated data triples (benchmarks/generate.py: copies of the real data, a
    few violations injected)."""
    root = tmp_path_factory.mktemp("generated") / "project"
    load_generator().generate(4000, root)
    return Project(root)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_generated_data_exported_by_the_command_from_the_store_twice(
    generated: Project, runner: CliRunner, fmt: str
) -> None:
    def exported() -> bytes:
        result = runner.invoke(cli, ["--project", str(generated.root), "export", "-f", fmt])
        assert result.exit_code == 0, result.stderr
        assert result.stderr == ""
        return result.stdout_bytes

    first = exported()
    assert (store_folder(generated) / "manifest.json").is_file()
    assert exported() == first
    kg = load(generated)
    assert len(kg.union("data")) > 3000
    assert first == export(kg, fmt)
    assert_round_trips(first, fmt, kg, many_blank_nodes=True)


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_blank_nodes_nested_labelled_in_lists_cycles_and_deep_chains_round_trip(
    fmt: str, tmp_path: Path
) -> None:
    kg = load(_project(tmp_path, **{"blank.ttl": BLANK_NODES}))
    data = from_store(kg, fmt)
    assert data == export(kg, fmt) == from_store(kg, fmt)
    assert_round_trips(data, fmt, kg)
    if fmt == "rdfxml":
        return
    text = data.decode("utf-8")
    assert '"a"' in text and "(\n" in text  # the well-formed lists as collections
    assert "ns1:none rdf:nil ;" in text
    assert "[]\n    ns1:orphan" in text  # no statement points to it
    assert "ns1:leaf\n    ns1:p [] ;" in text  # nested, with no statement of its own


@pytest.mark.parametrize("fmt", ["turtle", "trig"])
def test_literals_with_quotes_newlines_and_control_characters_stay_literals(fmt: str, tmp_path: Path) -> None:
    kg = load(_project(tmp_path, **{"control.ttl": CONTROL_CHARACTERS, "text.ttl": XML_TEXT}))
    data = from_store(kg, fmt)
    assert data == export(kg, fmt)
    assert_round_trips(data, fmt, kg)
    text = data.decode("utf-8")
    assert '"say \\"hi\\"\\nthen leave\\r\\n"' in text  # in N-Triples' escapes, on one line
    assert "\u2028" in text  # Turtle allows it as it is in a string
    assert '"400000000"' not in text  # (the literals of the ontology alone: no data literal was rewritten)


def test_rdf_xml_keeps_quotes_newlines_and_markup_in_literals(tmp_path: Path) -> None:
    kg = load(_project(tmp_path, **{"text.ttl": XML_TEXT}))
    data = from_store(kg, "rdfxml")
    assert data == export(kg, "rdfxml")
    assert_round_trips(data, "rdfxml", kg)
    assert b"&lt;tag&gt; &amp; ]]&gt;" in data and b"&#13;" in data


@pytest.mark.parametrize("fmt", ["turtle", "trig"])
def test_namespaces_outside_the_project_prefixes_get_one_generated_prefix_each(
    fmt: str, tmp_path: Path
) -> None:
    data_a = (
        "<http://example.org/thing> <http://example.org/p> <http://example.org/other> ;\n"
        '    <http://example.org/p.> "a name that cannot be a local name" ;\n'
        "    a <http://example.com/Kind> .\n"
    )
    data_b = "<http://example.net/x> <http://example.net/q> <http://example.org/thing> .\n"
    kg = load(_project(tmp_path, **{"a.ttl": data_a, "b.ttl": data_b}))
    data = from_store(kg, fmt)
    assert data == export(kg, fmt)
    assert_round_trips(data, fmt, kg)
    text = data.decode("utf-8")
    declared = [line for line in text.splitlines() if line.startswith("PREFIX ns")]
    assert declared == ["PREFIX ns1: <http://example.net/>", "PREFIX ns2: <http://example.org/>"]
    assert (
        "ns2:thing\n    a <http://example.com/Kind> ;\n"
        '    <http://example.org/p.> "a name that cannot be a local name" ;\n'
        "    ns2:p ns2:other ;\n.\n" in text
    )


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_the_command_writes_from_the_files_while_another_process_writes_the_store(
    tiny_project: Project, runner: CliRunner, fmt: str
) -> None:
    args = ["--project", str(tiny_project.root), "export", "-f", fmt]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0 and first.stderr == "", first.stderr
    assert refresh(tiny_project) is not None
    with store_write_locked(tiny_project):
        from_files = runner.invoke(cli, args)
    assert from_files.exit_code == 0, from_files.stderr
    assert "reading the files" in from_files.stderr
    assert from_files.stdout_bytes == first.stdout_bytes


@pytest.mark.external
def test_jena_riot_validates_every_text_format(tmp_path: Path) -> None:
    """Apache Jena's own parsers (`riot --validate`) accept what rdflib reads back."""
    missing = arq_missing()
    if missing is not None:
        pytest.skip(missing)
    projects = [
        repository()[1],
        load(_project(tmp_path / "blank", **{"blank.ttl": BLANK_NODES, "text.ttl": XML_TEXT})),
        load(_project(tmp_path / "control", **{"control.ttl": CONTROL_CHARACTERS})),
    ]
    files = []
    for number, kg in enumerate(projects):
        for fmt in TEXT_FORMATS:
            if fmt == "rdfxml" and number == 2:
                continue  # XML 1.0 has no way to write a bell or a unit separator
            path = tmp_path / f"export-{number}.{EXTENSIONS[fmt]}"
            path.write_bytes(from_store(kg, fmt))
            files.append(str(path))
    java = shutil.which("java")
    assert java is not None
    done = subprocess.run(
        [java, "-cp", classpath(tmp_path), "riotcmd.riot", "--validate", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ERROR" not in done.stderr and "WARN" not in done.stderr, done.stderr


LABEL_LIKE_LITERALS = """@prefix ex: <http://example.org/> .
ex:a ex:p [ ex:q "_:x <http://example.org/p> _:y ." ; ex:r "ends like an object _:z ." ] .
[] ex:s "_:c14n0 " , "a _:b0"@en , "_:x"^^ex:type ; ex:t ex:a .
ex:b ex:u "_:lonely" , [ ex:v [] ] .
"""


@pytest.mark.parametrize("fmt", ["ntriples", "nquads"])
def test_literals_that_look_like_blank_node_labels_keep_their_text(fmt: str, tmp_path: Path) -> None:
    """Only a blank subject (first on its line) or a blank object (last) is renamed in the lines from the
    store: the text of a literal that reads like a label or a whole statement is left as it is."""
    kg = load(_project(tmp_path, **{"labels.ttl": LABEL_LIKE_LITERALS}))
    data = export_lines(build_store(kg), kg.graph_ids("ontology", "data"), fmt)
    assert data == export(kg, fmt)
    text = data.decode("utf-8")
    for literal in (
        '"_:x <http://example.org/p> _:y ."',
        '"ends like an object _:z ."',
        '"_:c14n0 "',
        '"a _:b0"@en',
        '"_:x"^^<http://example.org/type>',
        '"_:lonely"',
    ):
        assert text.count(literal) == 1
    assert "c14n" not in text.replace('"_:c14n0 "', "")  # every label renamed from its canonical one
