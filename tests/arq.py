"""Apache Jena ARQ as an independent third engine for the saved questions (Debian's libapache-jena-java).

`make jena` installs the package. Its jars are found through dpkg (the package and the packages it depends
on), and tests/jena/RunQueries.java runs a whole folder of queries in one Java process, so that Java starts
once. `arq_missing()` says why ARQ cannot run here (the tests then skip, saying so).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from functools import cache
from pathlib import Path

from rdflib import Graph
from rdflib.query import Result

from pia_kg.sparql.results import AskResult, GraphResult, QueryResult, SelectResult

PACKAGE = "libapache-jena-java"
RUNNER = Path(__file__).resolve().parent / "jena" / "RunQueries.java"
INSTALL_HINT = f"Apache Jena ARQ is not installed (`make jena` installs {PACKAGE} as root)"
# libslf4j-java ships every logging binding; two of them on one class path stop Java at start-up
_LOGGING = re.compile(r"^(slf4j-|log4j-over-slf4j|jcl-over-slf4j|jul-to-slf4j)")
_KEPT_LOGGING = ("slf4j-api", "slf4j-nop")


@cache
def arq_missing() -> str | None:
    """Why ARQ cannot run here, or None."""
    if shutil.which("dpkg-query") is None:
        return "Apache Jena ARQ is looked up with dpkg-query, which this machine lacks"
    if not _jars():
        return INSTALL_HINT
    java = shutil.which("java")
    if java is None:
        return f"{PACKAGE} is installed but java is not on the PATH (`make jena` installs a JDK)"
    modules = subprocess.run([java, "--list-modules"], capture_output=True, text=True, check=False).stdout
    if "jdk.compiler" not in modules:
        return "this java has no compiler to run a Java source file (`make jena` installs a JDK)"
    return None


@cache
def _jars() -> tuple[str, ...]:
    """The jars of the Jena package and of every package it depends on, each file once."""
    seen: set[str] = set()
    pending = [PACKAGE]
    jars: dict[str, str] = {}
    while pending:
        package = pending.pop()
        if package in seen:
            continue
        seen.add(package)
        status = _dpkg("-W", "-f=${db:Status-Status}\n${Depends}", package)
        if status is None or not status.startswith("installed"):
            if package == PACKAGE:
                return ()
            continue
        depends = status.partition("\n")[2]
        pending += [choice.split("|")[0].split()[0] for choice in depends.split(",") if choice.strip()]
        for line in (_dpkg("-L", package) or "").splitlines():
            path = Path(line)
            if path.parent != Path("/usr/share/java") or path.suffix != ".jar" or not path.is_file():
                continue
            stem = re.sub(r"-[0-9][^/]*$", "", path.stem)
            if _LOGGING.match(path.name) and stem not in _KEPT_LOGGING:
                continue
            jars.setdefault(str(path.resolve()), line)
    return tuple(sorted(jars.values()))


def _dpkg(*args: str) -> str | None:
    done = subprocess.run(["dpkg-query", *args], capture_output=True, text=True, check=False)
    return done.stdout if done.returncode == 0 else None


def classpath(work_dir: Path) -> str:
    """The jars, and a folder with the XML Schema message files where Jena's relocated classes look for them.

    Debian's Jena 4.5 moves the bundled Xerces classes to the `xerces` package but leaves their message files
    under `org/apache/jena/ext/xerces`; without them Java stops at start-up ("internal error" in Xerces).
    """
    messages = work_dir / "jena-messages"
    for jar in _jars():
        with zipfile.ZipFile(jar) as archive:
            for name in archive.namelist():
                if name.startswith("org/apache/jena/ext/xerces/") and name.endswith(".properties"):
                    target = messages / name.removeprefix("org/apache/jena/ext/")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(name))
    return ":".join([*_jars(), str(messages)])


def run_arq(data: Path, queries: dict[str, str], work_dir: Path) -> dict[str, QueryResult | str]:
    """Each query's answer from ARQ over the N-Triples file `data`, or the error ARQ gave for it."""
    folder = work_dir / "queries"
    folder.mkdir(parents=True)
    for name, text in queries.items():
        (folder / f"{name}.rq").write_text(text, encoding="utf-8")
    command = ["java", "-cp", classpath(work_dir), str(RUNNER), str(data), str(folder)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"ARQ did not run: {done.stderr.strip()[-2000:]}")
    return {name: _read(folder, name) for name in queries}


def _read(folder: Path, name: str) -> QueryResult | str:
    error = folder / f"{name}.error"
    if error.is_file():
        return error.read_text(encoding="utf-8")
    graph_path = folder / f"{name}.nt"
    if graph_path.is_file():
        return GraphResult(graph=Graph(bind_namespaces="none").parse(graph_path, format="nt"))
    with (folder / f"{name}.srj").open("rb") as stream:
        parsed = Result.parse(stream, format="json")
    if parsed.type == "ASK":
        return AskResult(value=bool(parsed.askAnswer))
    names = list(parsed.vars or ())
    rows = tuple(tuple(binding.get(variable) for variable in names) for binding in parsed.bindings)
    variables = tuple(str(variable) for variable in names)
    return SelectResult(variables=variables, rows=rows)
