"""Bad input, clear errors (issue 8): a malformed file or option exits 2, says `file:line:col`, no traceback.

Each row is a file body, the name it is given, and what stderr must say. The file is named on the command
line (`pia-kg validate FILE`), so the real project's files stay untouched.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from pia_kg.cli.main import cli
from pia_kg.rdf.parsing import parse_file_text
from pia_kg.security.limits import recursion_room
from tests.conftest import REPO_ROOT, TINY_ONTOLOGY, TINY_SHAPES, TURTLE_PREFIXES, write_project

HEAD = TURTLE_PREFIXES.encode("utf-8")
LINE = HEAD.count(b"\n") + 1  # the first line after the prefixes
XML_HEAD = b'<?xml version="1.0"?>\n'
RDF = b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="urn:ex:">'
LAUGHS = b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'

CASES: dict[str, tuple[str, bytes, str]] = {
    "invalid UTF-8": (
        "utf8.ttl",
        HEAD + b'person:b schema:name "caf\xe9" .\n',
        f":{LINE}:26: not valid UTF-8",
    ),
    "a byte-order mark": ("bom.ttl", b"\xef\xbb\xbf" + HEAD, ":1:1: the file starts with a byte-order mark"),
    "a raw NUL in a literal": (
        "nul.ttl",
        HEAD + b'person:b schema:name "a\x00b" .\n',
        f":{LINE}:24: a literal holds a NUL",
    ),
    "an escaped NUL in a literal": (
        "nul2.ttl",
        HEAD + b'person:b schema:name "a\\u0000b" .\n',
        f":{LINE}:24: a literal holds a NUL",
    ),
    "a NUL outside a literal": (
        "nul3.ttl",
        HEAD + b'person:b \x00 schema:name "ab" .\n',
        f":{LINE}:10: not valid Turtle",
    ),
    "an undefined prefix": (
        "prefix.ttl",
        HEAD + b'nope:b schema:name "ab" .\n',
        f':{LINE}:1: not valid Turtle: Prefix "nope:" not bound',
    ),
    "an IRI with a space": (
        "space.ttl",
        HEAD + b'<http://example.org/a b> schema:name "ab" .\n',
        f":{LINE}:2: not a valid IRI",
    ),
    "an IRI with an escaped newline": (
        "nl.ttl",
        HEAD + b'<http://example.org/a\\u000Ab> schema:name "ab" .\n',
        f":{LINE}:2: not a valid IRI",
    ),
    "a lone surrogate": (
        "sur.ttl",
        HEAD + b'person:b schema:name "a\\uD800b" .\n',
        f":{LINE}:24: a literal holds a lone surrogate",
    ),
    "a language tag with an underscore": (
        "lang.ttl",
        HEAD + b'person:b schema:name "ab"@en_US .\n',
        f":{LINE}:29: not valid Turtle",
    ),
    "a language tag of digits": (
        "lang2.ttl",
        HEAD + b'person:b schema:name "ab"@123 .\n',
        f":{LINE}:26: not valid Turtle: '123' is not a valid language tag",
    ),
    "blank nodes nested 3000 deep": (
        "deep.ttl",
        HEAD + b"person:b schema:knows " + b"[ schema:knows " * 3000 + b"]" * 3000 + b" .\n",
        "blank nodes or collections nested more than 256 deep",
    ),
    "collections nested 257 deep": (
        "deepc.ttl",
        HEAD + b"person:b schema:knows " + b"(" * 257 + b")" * 257 + b" .\n",
        f":{LINE}:{23 + 256}: blank nodes or collections nested more than 256 deep",
    ),
    "a literal of 20 MB (longer than the parser's buffer)": (
        "huge.ttl",
        HEAD + b'person:b schema:name "' + b"x" * 20_000_000 + b'" .\n',
        f":{LINE}:23: a literal is longer than 1000000",
    ),
    "a literal of a million characters": (
        "long.ttl",
        HEAD + b'person:b schema:name "' + b"x" * 1_000_001 + b'" .\n',
        f":{LINE}:23: a literal is longer than 1000000",
    ),
    "an unknown file extension": ("table.csv", b"a,b\n", "unknown file type '.csv'"),
    "RDF/XML with billion laughs": (
        "laughs.rdf",
        XML_HEAD + LAUGHS + RDF + b"<ex:x>&b;</ex:x></rdf:RDF>",
        ":2:1: RDF/XML with a DTD or entities is not accepted",
    ),
    "truncated RDF/XML": ("cut.rdf", XML_HEAD + RDF + b"<rdf:Description", ":2:"),
    "JSON-LD that is not JSON": ("bad.jsonld", b'{"@id": "urn:a",\n "x": }', ":2:7: not valid JSON"),
    "JSON-LD nested 100000 deep": (
        "deep.jsonld",
        b"[" * 100_000 + b"]" * 100_000,
        ":1:515: JSON arrays and objects nested more than 514 deep",
    ),
    "JSON-LD objects nested 100000 deep": (
        "deepo.jsonld",
        b'{"urn:p":' * 100_000 + b"{}" + b"}" * 100_000,
        ":1:4627: JSON arrays and objects nested more than 514 deep",
    ),
    "RDF/XML nested 100000 deep": (
        "deep.rdf",
        XML_HEAD
        + RDF
        + b"<rdf:Description><ex:p>" * 50_000
        + b"</ex:p></rdf:Description>" * 50_000
        + b"</rdf:RDF>",
        ":2:",
    ),
    "JSON-LD with a space and > in an @id": (
        "id.jsonld",
        b'{"@context": {"name": "https://schema.org/name"},\n'
        b' "@graph": [{"@id": "urn:pia-kg:ok", "name": "x"},\n'
        b' {"@id": "http://example.org/a b>", "name": "y"}]}',
        ":3:11: not a valid IRI in @id: 'http://example.org/a b>'",
    ),
    "JSON-LD with a relative @id holding a space": (
        "rel.jsonld",
        b'{"@context": {"name": "https://schema.org/name"},\n "@id": "a b", "name": "y"}',
        ":2:10: not a valid IRI in @id",
    ),
    "JSON-LD with a property IRI holding a space": (
        "prop.jsonld",
        b'{"@id": "urn:pia-kg:x",\n "http://example.org/a b": "y"}',
        ":2:3: not a valid IRI",
    ),
    "JSON-LD with an invalid @language": (
        "lang.jsonld",
        b'{"@context": {"name": "https://schema.org/name"}, "@id": "urn:pia-kg:x",\n'
        b' "name": {"@value": "y", "@language": "en US!"}}',
        ":2:40: not a valid language tag",
    ),
    "N-Triples with an IRI with a space": (
        "space.nt",
        b'<urn:a> <urn:p> "x" .\n<http://a b> <urn:p> "x" .\n',
        ":2:1: not valid N-Triples: Invalid line",
    ),
}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = write_project(
        tmp_path_factory.mktemp("hostile") / "repo",
        ontology=TINY_ONTOLOGY,
        shapes=TINY_SHAPES,
        data={"people.ttl": 'person:ada a foaf:Person ;\n    schema:name "Ada" .\n'},
    )
    return project.root


@pytest.mark.parametrize(("name", "body", "expected"), CASES.values(), ids=CASES.keys())
def test_a_malformed_file_exits_2_and_says_where(
    root: Path, tmp_path: Path, name: str, body: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(body)
    result = CliRunner().invoke(cli, ["--project", str(root), "validate", str(path)])
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert f"Error: {path}{expected}" in result.stderr or (
        expected in result.stderr and str(path) in result.stderr
    ), result.stderr
    assert "Traceback" not in result.stderr


def test_a_well_formed_json_ld_file_with_an_inline_context_is_read(root: Path, tmp_path: Path) -> None:
    path = tmp_path / "ok.jsonld"
    path.write_text('{"@context": {"name": "https://schema.org/name"}, "@id": "urn:pia-kg:x", "name": "x"}')
    result = CliRunner().invoke(cli, ["--project", str(root), "validate", str(path)])
    assert result.exit_code == 0, result.stderr


def validate_data(root: Path, files: dict[str, str], *options: str) -> object:
    written = []
    for name, body in files.items():
        path = root / "data" / name
        path.write_text(TURTLE_PREFIXES + body, encoding="utf-8")
        written.append(path)
    try:
        return CliRunner().invoke(cli, ["--project", str(root), "validate", "-f", "json", *options])
    finally:
        for path in written:
            path.unlink()


ILL_TYPED = {
    "a month 13": ('"2025-13"^^xsd:gYearMonth', "'2025-13' is not a valid xsd:gYearMonth"),
    "letters as a decimal": ('"abc"^^xsd:decimal', "'abc' is not a valid xsd:decimal"),
    "the 30th of February": ('"2025-02-30"^^xsd:date', "'2025-02-30' is not a valid xsd:date (no such day)"),
    "a year of two digits": ('"25"^^xsd:gYear', "'25' is not a valid xsd:gYear"),
}


@pytest.mark.parametrize(("literal", "message"), ILL_TYPED.values(), ids=ILL_TYPED.keys())
def test_an_ill_typed_literal_is_a_violation_that_names_file_and_line(
    root: Path, literal: str, message: str
) -> None:
    result = validate_data(root, {"typed.ttl": f"\npia:thing-1 dcterms:date {literal} .\n"})
    assert result.exit_code == 1  # type: ignore[attr-defined]

    findings = json.loads(result.stdout)["findings"]  # type: ignore[attr-defined]
    [finding] = [f for f in findings if f["rule"] == "ill-typed-literal"]
    assert message in finding["message"]
    assert (finding["file"], finding["line"]) == ("data/typed.ttl", LINE + 1)


def test_a_subject_described_in_two_data_files_is_a_warning_naming_both(root: Path) -> None:
    files = {
        "a.ttl": 'person:ada a foaf:Person ; schema:name "Ada" .\n',
        "b.ttl": 'person:ada a foaf:Person ; schema:name "Ada L." .\n',
        "c.ttl": 'person:ada schema:jobTitle "adds a statement: not a second description" .\n',
    }
    result = validate_data(root, files, "--fail-on", "warning")
    assert result.exit_code == 1  # type: ignore[attr-defined]

    findings = json.loads(result.stdout)["findings"]  # type: ignore[attr-defined]
    [finding] = [f for f in findings if f["rule"] == "subject-in-several-files"]
    assert finding["severity"] == "Warning"
    assert "data/a.ttl, data/b.ttl, data/people.ttl" in finding["message"]


OPTIONS = {
    "an unknown result format": (["query", "--text", "ASK {}", "-f", "yaml"], "Invalid value for '-f'"),
    "a parameter without a value": (["query", "--text", "ASK {}", "-p", "person"], "expected NAME=VALUE"),
    "an unknown saved query": (["query", "no-such-question"], "unknown query 'no-such-question'"),
    "unparsable SPARQL": (["query", "--text", "SELECT ?x WHERE { ?x"], "<text>:1:"),
    "a negative timeout": (["--timeout", "-1", "queries"], "Invalid value for '--timeout'"),
    "a zero row limit": (["--max-rows", "0", "queries"], "Invalid value for '--max-rows'"),
    "an unknown export format": (["export", "--format", "yaml"], "Invalid value for"),
}


@pytest.mark.parametrize(("args", "expected"), OPTIONS.values(), ids=OPTIONS.keys())
def test_a_bad_option_exits_2_without_a_traceback(root: Path, args: list[str], expected: str) -> None:
    result = CliRunner().invoke(cli, ["--project", str(root), *args])
    assert result.exit_code == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def _deep_json_ld(levels: int) -> bytes:
    node: dict[str, object] = {"@id": "urn:pia-kg:leaf", "https://schema.org/name": "x"}
    for _ in range(levels - 1):
        node = {"https://schema.org/knows": [node]}  # an array and an object per level: the worst case
    return json.dumps({"@id": "urn:pia-kg:root", **node}).encode()


DEEP = 256  # issue 12 item 8: at least 256 levels in every format the loader reads
DEEP_FILES: dict[str, tuple[str, bytes, int]] = {
    "Turtle blank nodes": (
        "deep.ttl",
        HEAD
        + b"person:b schema:knows "
        + b"[ schema:knows " * (DEEP - 1)
        + b'[ schema:name "x" ]'
        + b" ]" * (DEEP - 1)
        + b" .\n",
        DEEP + 1,
    ),
    "Turtle collections": (
        "deepc.ttl",
        HEAD + b"person:b schema:knows " + b"( " * DEEP + b"person:c" + b" )" * DEEP + b" .\n",
        1 + 2 * DEEP,
    ),
    "JSON-LD": ("deep.jsonld", _deep_json_ld(DEEP), DEEP),
    "RDF/XML": (
        "deep.rdf",
        XML_HEAD
        + RDF
        + b'<rdf:Description rdf:about="urn:pia-kg:root">'
        + b"<ex:p><rdf:Description>" * (DEEP - 1)
        + b"<ex:name>x</ex:name>"
        + b"</rdf:Description></ex:p>" * (DEEP - 1)
        + b"</rdf:Description></rdf:RDF>",
        DEEP,
    ),
}


@pytest.mark.parametrize(("name", "body", "triples"), DEEP_FILES.values(), ids=DEEP_FILES.keys())
def test_a_file_nested_256_deep_is_read_in_every_format(
    tmp_path: Path, name: str, body: bytes, triples: int
) -> None:
    path = tmp_path / name
    path.write_bytes(body)
    graph = parse_file_text(body.decode(), path=path, relpath=name)
    assert len(graph) == triples


def test_the_recursive_turtle_parser_reaches_the_nesting_limit_inside_the_recursion_room() -> None:
    """rdflib's parser reads what pyoxigraph refuses; it recurses per level, so it needs the room."""
    text = DEEP_FILES["Turtle blank nodes"][1].decode()
    with pytest.raises(RecursionError):
        Graph(bind_namespaces="none").parse(data=text, format="turtle")
    with recursion_room():
        assert len(Graph(bind_namespaces="none").parse(data=text, format="turtle")) == DEEP + 1
    assert sys.getrecursionlimit() < DEEP * 4  # given back


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["turtle", "trig", "jsonld", "rdfxml", "ntriples", "nquads"])
def test_data_nested_256_deep_is_exported_in_every_format(tmp_path: Path, fmt: str) -> None:
    project = write_project(
        tmp_path / "repo",
        ontology=TINY_ONTOLOGY,
        shapes=TINY_SHAPES,
        data={
            "deep.ttl": DEEP_FILES["Turtle blank nodes"][1].decode()[len(TURTLE_PREFIXES) :],
            "deepc.ttl": DEEP_FILES["Turtle collections"][1].decode()[len(TURTLE_PREFIXES) :],
        },
    )
    shutil.copy(REPO_ROOT / "ontology" / "context.jsonld", project.root / "ontology" / "context.jsonld")
    result = CliRunner().invoke(cli, ["--project", str(project.root), "export", "-f", fmt])
    assert result.exit_code == 0, result.stderr
    rdflib_format = {"jsonld": "json-ld", "rdfxml": "xml", "ntriples": "nt"}.get(fmt, fmt)
    with recursion_room():
        exported = Dataset().parse(data=result.stdout, format=rdflib_format)
    assert len(exported) >= (DEEP + 1) + (1 + 2 * DEEP)


@pytest.mark.slow
def test_fmt_lays_out_data_nested_256_deep_and_reads_it_back(tmp_path: Path) -> None:
    """The formatter tried each nested node inline, then on several lines: 2^depth work (16 levels: 35 s)."""
    body = DEEP_FILES["Turtle blank nodes"][1].decode()[len(TURTLE_PREFIXES) :]
    project = write_project(
        tmp_path / "repo", ontology=TINY_ONTOLOGY, shapes=TINY_SHAPES, data={"deep.ttl": body}
    )
    path = project.data_dir / "deep.ttl"
    before = Graph(bind_namespaces="none")
    with recursion_room():
        before.parse(path, format="turtle")
    result = CliRunner().invoke(cli, ["--project", str(project.root), "fmt", str(path)])
    assert result.exit_code == 0, result.stderr
    after = Graph(bind_namespaces="none")
    with recursion_room():
        after.parse(path, format="turtle")
    assert isomorphic(before, after)
    again = CliRunner().invoke(cli, ["--project", str(project.root), "fmt", "--check", str(path)])
    assert again.exit_code == 0, again.stderr
