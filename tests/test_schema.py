"""One schema for load and check: every field the schema gives a role is checked, and the loader accepts what it describes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from soc_bulletin.check import check_paths
from soc_bulletin.content.load import load_article
from soc_bulletin.content.schema import ARTICLE, BLOCKS, Keyed, Mapping, Role, Scalar, Sequence, Value

from .conftest import MINIMAL_ISSUE

BAD = {
    Role.ADDRESS: "not-an-address",                       # SB101
    Role.URL: "http://www.example.org/plain-http",        # SB202
    Role.MARKDOWN: "Click <script>alert(1)</script> now",  # SB301
    Role.INLINE: "Click <script>alert(1)</script> now",    # SB301
    Role.IMAGE: "images/missing.png",                     # SB401
}
GOOD = {Role.ADDRESS: "jo@example.org", Role.URL: "https://www.gov.uk/", Role.MARKDOWN: "Words.", Role.INLINE: "Words",
        Role.IMAGE: "https://www.gov.uk/logo.png"}


def has_role(value: Value) -> bool:
    if isinstance(value, Scalar):
        return value.role is not None
    if isinstance(value, Sequence):
        return has_role(value.item)
    if isinstance(value, Keyed):
        return has_role(value.value)
    return any(has_role(f.value) for f in value.fields)


def example(value: Value, values: dict[Role, str]) -> Any:
    """A value in the shape ``value`` describes: every required field, and every field with a role."""
    if isinstance(value, Scalar):
        return values[value.role] if value.role else "words"
    if isinstance(value, Sequence):
        return [example(value.item, values)]
    if isinstance(value, Keyed):
        return {"key": example(value.value, values)}
    return {f.name: example(f.value, values) for f in value.fields if f.required or has_role(f.value)}


def article(values: dict[Role, str]) -> dict[str, Any]:
    made: dict[str, Any] = example(ARTICLE, values)
    made["blocks"] = [{kind: example(shape, values)} for kind, shape in BLOCKS.items()]
    return made


def role_lines(node: yaml.Node, value: Value) -> set[int]:
    """The lines of every value with a role, found by following the schema on the composed file."""
    if isinstance(value, Scalar):
        return {node.start_mark.line + 1} if value.role else set()
    if isinstance(value, Sequence):
        return set().union(*(role_lines(item, value.item) for item in node.value))
    if isinstance(value, Keyed):
        return set().union(*(role_lines(item, value.value) for _, item in node.value))
    assert isinstance(value, Mapping) and isinstance(node, yaml.MappingNode)
    keyed = {k.value: v for k, v in node.value}
    return set().union(*(role_lines(keyed[f.name], f.value) for f in value.fields if f.name in keyed))


def write(tmp_path: Path, values: dict[Role, str]) -> Path:
    issue = tmp_path / "issue"
    (issue / "articles").mkdir(parents=True)
    (issue / "issue.yaml").write_text(MINIMAL_ISSUE, encoding="utf-8")
    path = issue / "articles" / "first.yaml"
    path.write_text(yaml.safe_dump(article(values), sort_keys=False, width=200), encoding="utf-8")
    return path


def test_the_loader_accepts_every_block_the_schema_describes(tmp_path: Path) -> None:
    loaded, problems = load_article(write(tmp_path, GOOD))
    assert problems == [] and loaded is not None
    assert len(loaded.blocks) == len(BLOCKS)


def test_every_field_with_a_role_is_checked(tmp_path: Path) -> None:
    path = write(tmp_path, BAD)
    root = yaml.compose(path.read_text(), Loader=yaml.SafeLoader)
    assert isinstance(root, yaml.MappingNode)
    blocks = dict((k.value, v) for k, v in root.value)["blocks"]
    expected = set().union(*(role_lines(block.value[0][1], BLOCKS[block.value[0][0].value]) for block in blocks.value))
    assert len(expected) >= 7, "the schema gives roles to addresses, links, Markdown and images"
    report = check_paths([path.parent.parent])
    flagged = {p.line for p in report if p.path == str(path)}  # errors and warnings (http: is a warning)
    assert expected <= flagged, f"lines with a role but no problem: {sorted(expected - flagged)}"
