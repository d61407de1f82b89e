"""Deterministic exports: every format parses back to the source graph, byte-identical run after run."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from pia_kg.cli.main import cli
from pia_kg.graph.loading import load
from pia_kg.graph.store import build_store
from pia_kg.project import Project
from pia_kg.publish.export import (
    EXPORT_FORMATS,
    canonical_dataset,
    export,
    export_jsonld,
    export_lines,
    published_kinds,
    serialize,
    union_graph,
)
from pia_kg.rdf.jsonld import compact_graph, dump_json, read_context, to_rdf_graph
from pia_kg.rdf.namespaces import RDFS, SCHEMA
from pia_kg.rdf.parsing import graph_id

from .conftest import REPO_ROOT
from .published import repository

RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml", "jsonld": "json-ld"}


@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(RDFLIB_FORMATS))
def test_each_union_format_parses_back_to_a_graph_isomorphic_to_ontology_and_data(fmt: str) -> None:
    _, kg, context = repository()
    parsed = Graph().parse(data=export(kg, fmt, context=context), format=RDFLIB_FORMATS[fmt])
    assert isomorphic(parsed, kg.union("ontology", "data"))


@pytest.mark.parametrize("fmt", ["nquads", "trig"])
def test_nquads_and_trig_keep_one_isomorphic_named_graph_per_source_file(fmt: str) -> None:
    _, kg, _ = repository()
    parsed = Dataset()
    parsed.parse(data=export(kg, fmt), format=fmt)
    names = sorted(str(graph.identifier) for graph in parsed.graphs() if len(graph))
    assert names == sorted(str(name) for name in kg.graph_ids("ontology", "data"))
    for name in kg.graph_ids("ontology", "data"):
        assert isomorphic(parsed.graph(name), kg.dataset.graph(name)), name


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["turtle", "jsonld"])
def test_include_shapes_adds_the_shapes_and_still_round_trips(fmt: str) -> None:
    _, kg, context = repository()
    data = export(kg, fmt, context=context, include_shapes=True)
    parsed = Graph().parse(data=data, format=RDFLIB_FORMATS[fmt])
    assert isomorphic(parsed, kg.union())
    assert len(parsed) > len(kg.union("ontology", "data"))


def test_ntriples_and_nquads_lines_are_sorted_and_unique() -> None:
    _, kg, _ = repository()
    for fmt in ("ntriples", "nquads"):
        lines = export(kg, fmt).decode("utf-8").splitlines()
        assert lines == sorted(set(lines))


def test_blank_node_labels_do_not_depend_on_the_parser(turtle) -> None:  # type: ignore[no-untyped-def]
    body = (
        'person:ada schema:name "Ada" ; pia:evidence [ oa:hasSource doc:x ; oa:start 1 ] , [ oa:start 2 ] .'
    )
    first, second = turtle(body), turtle(body)
    assert set(first.all_nodes()) != set(second.all_nodes())  # fresh blank nodes each parse
    for fmt in EXPORT_FORMATS:
        if fmt == "jsonld":
            continue
        assert _serialized(first, fmt) == _serialized(second, fmt), fmt


def _serialized(graph: Graph, fmt: str) -> bytes:
    dataset = Dataset()
    named = dataset.graph(graph_id("data/x.ttl"))
    for triple in graph:
        named.add(triple)

    class _KG:
        def graph_ids(self, *kinds: str) -> tuple[URIRef, ...]:
            return (graph_id("data/x.ttl"),)

        @property
        def dataset(self) -> Dataset:
            return dataset

    return serialize(canonical_dataset(_KG(), kinds=("data",)), fmt)  # type: ignore[arg-type]


def test_two_blank_nodes_with_equal_triples_in_two_files_stay_two_nodes() -> None:
    dataset = Dataset()
    for name in ("data/a.ttl", "data/b.ttl"):
        node = BNode()
        dataset.graph(graph_id(name)).add((URIRef("https://w3id.org/pia-kg/id/doc/x"), RDFS.seeAlso, node))
        dataset.graph(graph_id(name)).add((node, SCHEMA.name, Literal("same")))

    class _KG:
        def graph_ids(self, *kinds: str) -> tuple[URIRef, ...]:
            return (graph_id("data/a.ttl"), graph_id("data/b.ttl"))

        @property
        def dataset(self) -> Dataset:
            return dataset

    nquads = serialize(canonical_dataset(_KG(), kinds=("data",)), "nquads")  # type: ignore[arg-type]
    assert len({line.split()[2] for line in nquads.decode().splitlines() if "seeAlso" in line}) == 2


@pytest.mark.slow
def test_exports_are_byte_identical_across_processes_with_different_hash_seeds() -> None:
    script = (
        "import hashlib, sys\n"
        "from pathlib import Path\n"
        "from pia_kg.publish.export import EXPORT_FORMATS, export\n"
        "from pia_kg.rdf.jsonld import read_context\n"
        "from pia_kg.graph.loading import load\n"
        "from pia_kg.project import Project\n"
        "project = Project(Path(sys.argv[1]))\n"
        "kg, context = load(project), read_context(project.ontology_dir)\n"
        "for fmt in EXPORT_FORMATS:\n"
        "    print(fmt, hashlib.sha256(export(kg, fmt, context=context)).hexdigest())\n"
    )
    digests = []
    for seed in ("1", "2"):
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", script, str(REPO_ROOT)], env=environment, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        digests.append(run.stdout)
    assert digests[0] == digests[1]
    _, kg, context = repository()
    here = "".join(
        f"{fmt} {hashlib.sha256(export(kg, fmt, context=context)).hexdigest()}\n" for fmt in EXPORT_FORMATS
    )
    assert here == digests[0]


def test_decimal_literals_keep_their_lexical_form_in_turtle() -> None:
    _, kg, _ = repository()
    text = export(kg, "turtle").decode("utf-8")
    assert '"400000000"^^xsd:decimal' in text


@pytest.mark.slow
def test_export_cli_writes_turtle_to_stdout_and_nothing_to_stderr(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--project", str(REPO_ROOT), "export"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stderr == ""
    _, kg, _ = repository()
    assert isomorphic(Graph().parse(data=result.stdout_bytes, format="turtle"), kg.union("ontology", "data"))


@pytest.mark.slow
def test_export_cli_writes_the_file_given_with_o(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "pia-kg.jsonld"
    args = ["--project", str(REPO_ROOT), "export", "-f", "jsonld", "-o", str(target)]
    result = runner.invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "Wrote" in result.stderr
    _, kg, context = repository()
    assert target.read_bytes() == export(kg, "jsonld", context=context)
    assert [path.name for path in tmp_path.iterdir()] == ["pia-kg.jsonld"]


def test_failed_export_leaves_the_previous_file_untouched(runner: CliRunner, tiny_project: Project) -> None:
    target = tiny_project.root / "out.ttl"
    target.write_text("previous\n", encoding="utf-8")
    (tiny_project.data_dir / "broken.ttl").write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    args = ["--project", str(tiny_project.root), "export", "-o", str(target)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "data/broken.ttl" in result.stderr
    assert target.read_text(encoding="utf-8") == "previous\n"


def test_export_cli_rejects_an_unknown_format_with_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--project", str(REPO_ROOT), "export", "-f", "csv"])
    assert result.exit_code == 2
    assert result.stdout == ""


@pytest.mark.parametrize("fmt", ["trig", "turtle", "nquads", "jsonld", "rdfxml"])
def test_namespaces_outside_the_projects_prefixes_are_exported_as_data(
    runner: CliRunner, project: Project, fmt: str
) -> None:
    """Issue 12 item 5: `http://example.org/` terms stopped `export -f trig` and `serve` with a traceback."""
    data = project.data_dir
    (data / "a.ttl").write_text('<http://example.org/thing> <http://example.org/p> "a" .\n', encoding="utf-8")
    (data / "b.ttl").write_text(
        '<http://example.net/other> <http://example.net/q> <http://example.org/thing> .\n', encoding="utf-8"
    )
    result = runner.invoke(cli, ["--project", str(project.root), "export", "-f", fmt])
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    if fmt == "trig":
        dataset = Dataset()
        dataset.parse(data=result.stdout, format="trig")
        graph = dataset.graph(graph_id("data/b.ttl"))
        assert (
            URIRef("http://example.net/other"),
            URIRef("http://example.net/q"),
            URIRef("http://example.org/thing"),
        ) in graph
        assert (URIRef("http://example.org/thing"), URIRef("http://example.org/p"), Literal("a")) in (
            dataset.graph(graph_id("data/a.ttl"))
        )
        # one name per namespace for the whole file, the same in every graph block
        declared = [line for line in result.stdout.splitlines() if line.startswith("PREFIX ns")]
        assert declared == ["PREFIX ns1: <http://example.net/>", "PREFIX ns2: <http://example.org/>"]
    else:
        assert "example.net" in result.stdout and "example.org" in result.stdout


CONTROL_CHARACTERS = """@prefix ex: <http://example.org/> .
ex:a ex:p "tab\\there" , "form\\ffeed" , "bell \\u0007, unit separator \\u001F, del \\u007F" ,
    "next line \\u0085 and line separator \\u2028" , "quote \\" and \\\\" , "cr\\rlf\\n" , "é \\U0001F600" ;
  ex:q [ ex:r [ ex:s "deep\\u000B" ] ; ex:t ( 1 [ ex:u "x" ] ) ] .
"""


def _control_project(root: Path) -> Project:
    shutil.copytree(REPO_ROOT / "ontology", root / "ontology")
    (root / "data").mkdir()
    (root / "data" / "control.ttl").write_text(CONTROL_CHARACTERS, encoding="utf-8")
    return Project(root)


@pytest.mark.parametrize("fmt", ["ntriples", "nquads"])
def test_a_literal_with_control_characters_stays_on_its_line(fmt: str, tmp_path: Path) -> None:
    """A form feed, U+0085 or U+2028 in a literal once split its line in two (Python's splitlines), which
    made the dump unreadable: the lines are written by pyoxigraph, characters escaped, split at \\n only."""
    kg = load(_control_project(tmp_path))
    data = export(kg, fmt)
    parsed = Dataset()
    parsed.parse(data=data, format=fmt if fmt == "nquads" else "nt")
    union = Graph()
    for s, p, o, _ in parsed.quads((None, None, None, None)):
        union.add((s, p, o))
    assert isomorphic(union, kg.union("ontology", "data"))
    assert data.count(b"\n") == len(set(data.decode("utf-8").split("\n"))) - 1  # one line per statement


@pytest.mark.parametrize("fmt", ["ntriples", "nquads"])
def test_lines_written_from_a_store_are_the_bytes_written_from_the_graph(fmt: str, tmp_path: Path) -> None:
    for kg in (repository()[1], load(_control_project(tmp_path))):
        graph_ids = kg.graph_ids("ontology", "data")
        assert export_lines(build_store(kg), graph_ids, fmt) == export(kg, fmt)


def test_json_ld_written_from_a_store_is_the_bytes_pyld_writes_for_the_whole_graph() -> None:
    """Node by node from the store, the very document pyld compacts from the whole union graph."""
    context = read_context(REPO_ROOT / "ontology")
    kg = repository()[1]
    whole = dump_json(compact_graph(union_graph(canonical_dataset(kg)), context))
    assert export_jsonld(build_store(kg), kg.graph_ids("ontology", "data"), context) == whole
    assert export(kg, "jsonld", context=context) == whole


@pytest.mark.slow
def test_json_ld_keeps_literals_with_line_separators(tmp_path: Path) -> None:
    """pyld cannot compact these from rdflib's N-Quads (it splits lines at U+2028 too); written node by node
    from pyoxigraph's escaped N-Triples, they come back whole through pyld's own toRDF."""
    kg = load(_control_project(tmp_path))
    context = read_context(REPO_ROOT / "ontology")
    data = export_jsonld(build_store(kg), kg.graph_ids("ontology", "data"), context)
    assert data == export(kg, "jsonld", context=context)
    assert isomorphic(to_rdf_graph(json.loads(data), context), kg.union("ontology", "data"))


@pytest.mark.slow
def test_json_ld_of_a_graph_with_rdf_lists_keeps_them_as_lists() -> None:
    """The shapes hold RDF lists (sh:in, sh:or): pyld writes them as @list, so such a graph is compacted
    whole, and the blank nodes keep their canonical labels."""
    kg = repository()[1]
    context = read_context(REPO_ROOT / "ontology")
    data = export(kg, "jsonld", context=context, include_shapes=True)
    dataset = canonical_dataset(kg, kinds=published_kinds(include_shapes=True))
    whole = dump_json(compact_graph(union_graph(dataset), context))
    assert data == whole
    assert b'"@list"' in data


def test_export_cli_writes_lines_from_the_store_on_disk_and_follows_an_edit(
    runner: CliRunner, tiny_project: Project
) -> None:
    def exported() -> bytes:
        result = runner.invoke(cli, ["--project", str(tiny_project.root), "export", "-f", "nquads"])
        assert result.exit_code == 0, result.stderr
        return result.stdout_bytes

    first = exported()
    assert (tiny_project.root / ".pia-kg" / "store" / "manifest.json").is_file()
    assert first == export(load(tiny_project), "nquads")
    shutil.copy(REPO_ROOT / "ontology" / "context.jsonld", tiny_project.ontology_dir / "context.jsonld")
    jsonld = runner.invoke(cli, ["--project", str(tiny_project.root), "export", "-f", "jsonld"])
    assert jsonld.exit_code == 0, jsonld.stderr
    context = read_context(tiny_project.ontology_dir)
    assert jsonld.stdout_bytes == export(load(tiny_project), "jsonld", context=context)
    assert exported() == first
    people = tiny_project.data_dir / "people.ttl"
    people.write_text(people.read_text(encoding="utf-8").replace('"Ada', '"Ava'), encoding="utf-8")
    edited = exported()
    assert edited != first and b'"Ava' in edited
    assert edited == export(load(tiny_project), "nquads")
