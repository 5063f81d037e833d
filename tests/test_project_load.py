"""One loaded project per run: a `send` of three audience editions and a `check` read each file once and render each
edition once (counted from the files the process opens and the renderer's calls), and look each recipient up once."""

from __future__ import annotations

import collections
import importlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from soc_bulletin.audience.suppression import Suppressions
from soc_bulletin.cli.main import main

from .project import make_project

renderer_module = importlib.import_module("soc_bulletin.render.renderer")

#: The files opened while counting, by path; off outside :func:`counted` (an audit hook cannot be removed).
_OPENED: collections.Counter[str] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _OPENED is not None and event == "open" and isinstance(args[0], str | bytes | os.PathLike):
        _OPENED[os.path.realpath(os.fsdecode(args[0]))] += 1


sys.addaudithook(_audit)


class Counts:
    """What one command did: the files it opened (by resolved path), the editions rendered, the MJML compiled and the
    suppression look-ups."""

    def __init__(self) -> None:
        self.opened: collections.Counter[str] = collections.Counter()
        self.rendered: list[tuple[frozenset[str] | None, tuple[str, ...], object]] = []
        self.compiled = 0
        self.lookups = 0

    def reads(self, root: Path, *suffixes: str) -> dict[str, int]:
        """How often each file under ``root`` ending with one of ``suffixes`` was opened."""
        inside = os.path.realpath(root) + os.sep
        return {path: n for path, n in self.opened.items() if path.startswith(inside) and path.endswith(suffixes)}


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[list[str]], tuple[int, Counts]]]:
    """Run the CLI in this process and count what it did."""
    render, mjml2html, get = renderer_module.Renderer.render, renderer_module.mjml.mjml2html, Suppressions.get
    counts = Counts()

    def rendering(self: Any, issue: Any, /, **kwargs: Any) -> Any:
        counts.rendered.append((kwargs.get("audience"), kwargs.get("languages") or (issue.language,), kwargs.get("manage")))
        return render(self, issue, **kwargs)

    def compiling(*args: Any, **kwargs: Any) -> Any:
        counts.compiled += 1
        return mjml2html(*args, **kwargs)

    def looking_up(self: Suppressions, address: Any, /) -> Any:
        counts.lookups += 1
        return get(self, address)

    monkeypatch.setattr(renderer_module.Renderer, "render", rendering)
    monkeypatch.setattr(renderer_module.mjml, "mjml2html", compiling)
    monkeypatch.setattr(Suppressions, "get", looking_up)

    def run(argv: list[str]) -> tuple[int, Counts]:
        global _OPENED
        counts.__init__()  # type: ignore[misc]
        _OPENED = counts.opened
        try:
            code = main(argv)
        finally:
            _OPENED = None
        return code, counts

    yield run


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Issue 11 in English only with a police and a council article (three audience editions), a DKIM key and a
    suppression list of one address that is on the list."""
    root = make_project(tmp_path / "project")
    issue = root / "issues" / "2019-08"
    (issue / "issue.yaml").write_text((issue / "issue.yaml").read_text(encoding="utf-8").replace("languages: [en, cy]\n", ""),
                                      encoding="utf-8")
    for translation in (issue / "articles").glob("*.cy.yaml"):
        translation.unlink()
    key = root / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "1024"], check=True, capture_output=True)
    settings = root / "soc-bulletin.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('# dkim_selector = "bulletin"', 'dkim_selector = "bulletin"')
                        .replace('# dkim_key = "/etc/soc-bulletin/dkim.pem"', 'dkim_key = "dkim.pem"'), encoding="utf-8")
    first = (root / "subscribers" / "example.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[0]
    (root / "subscribers" / "suppressed.csv").write_text(f"address,reason,date\n{first},unsubscribed,2026-01-01\n", encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.delenv("SOC_BULLETIN_SMTP_USER", raising=False)
    monkeypatch.delenv("SOC_BULLETIN_SMTP_PASSWORD", raising=False)
    return root


def _issue_files(root: Path) -> list[str]:
    issue = root / "issues" / "2019-08"
    return [os.path.realpath(p) for p in [issue / "issue.yaml", *sorted((issue / "articles").glob("*.yaml"))]]


def test_a_check_reads_each_file_once_and_renders_its_edition_once(project: Path, counted: Callable[[list[str]], tuple[int, Counts]],
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, counts = counted(["check", "issues/2019-08"])
    assert code == 0, capsys.readouterr()
    yaml_reads = counts.reads(project, ".yaml")
    assert set(_issue_files(project)) <= set(yaml_reads)  # every file of the issue was read...
    assert set(yaml_reads.values()) == {1}, yaml_reads  # ...and each once, the segments too
    assert counts.reads(project, ".toml") == {os.path.realpath(project / "soc-bulletin.toml"): 1}
    assert counts.reads(project, ".png") == {os.path.realpath(project / "issues/2019-08/images/wolverhampton-placeholder.png"): 1}
    assert len(counts.rendered) == len(set(counts.rendered)) == counts.compiled == 1  # the whole issue, in its one language


def test_a_send_of_three_editions_reads_each_file_once_renders_each_edition_once(
        project: Path, counted: Callable[[list[str]], tuple[int, Counts]], capsys: pytest.CaptureFixture[str]) -> None:
    code, counts = counted(["send", "issues/2019-08", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "edition(s): everyone (" in out and "local-authorities (" in out and "police (" in out
    yaml_reads = counts.reads(project, ".yaml")
    assert set(_issue_files(project)) | {os.path.realpath(project / "subscribers/segments.yaml")} == set(yaml_reads)
    assert set(yaml_reads.values()) == {1}, yaml_reads
    assert counts.reads(project, ".toml") == {os.path.realpath(project / "soc-bulletin.toml"): 1}
    assert counts.reads(project, ".pem") == {os.path.realpath(project / "dkim.pem"): 1}
    assert counts.reads(project, ".png") == {os.path.realpath(project / "issues/2019-08/images/wolverhampton-placeholder.png"): 1}
    # the check judges the three editions sent, and the send sends them: each rendered and compiled once
    assert sorted(str(sorted(a)) for a, _, _ in counts.rendered if a is not None) == ["['local-authorities']", "['police']", "[]"]
    assert len(counts.rendered) == len(set(counts.rendered)) == counts.compiled == 3
    listed = len((project / "subscribers" / "example.csv").read_text(encoding="utf-8").splitlines()) - 1
    assert counts.lookups == listed  # every member of 'all' looked up in the suppression list once
    assert "1 suppressed" in out


def test_a_build_of_a_segments_editions_reads_each_file_once(project: Path, counted: Callable[[list[str]], tuple[int, Counts]],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, counts = counted(["build", "issues/2019-08", "--segment", "all", "-o", str(project / "out")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count("Edition '") == 3  # everyone, police, local-authorities: what the members of 'all' receive
    yaml_reads = counts.reads(project / "issues", ".yaml")
    assert set(yaml_reads) == set(_issue_files(project)) and set(yaml_reads.values()) == {1}, yaml_reads
    image = os.path.realpath(project / "issues/2019-08/images/wolverhampton-placeholder.png")
    assert counts.reads(project / "issues", ".png") == {image: 1}  # copied into each edition's folder from one read
