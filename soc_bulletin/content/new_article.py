"""Start a contributor's article: a commented template file, listed in ``issue.yaml``.

``issue.yaml`` is edited as text, one inserted line or block, so its
comments and layout stay exactly as the editor wrote them; the result is
parsed again and compared with what was meant before anything is written.
"""

from __future__ import annotations

import codecs
import copy
import difflib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, ContentError
from .load import ARTICLES_DIR, ISSUE_FILE
from .model import slugify
from .schema import LANGUAGE_TAG
from .translate import translation_path
from .yamlfile import NULL_TAG, node_at, read_yaml

__all__ = ["NewArticle", "SLUG_PATTERN", "TEMPLATE_TEXT", "add_to_issue", "article_template", "new_article", "yaml_scalar"]

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class NewArticle:
    """The files ``new_article`` wrote: the new article and the edited issue file."""

    article: Path
    issue_file: Path


def new_article(issue_dir: str | Path, slug: str, /, *, section: str, new_section: bool = False) -> NewArticle:
    """Write ``articles/<slug>.yaml`` from the template and list it under ``section``.

    ``section`` must be a section of ``issue.yaml`` unless ``new_section``,
    which adds it at the end. In an issue of several languages each translation,
    ``articles/<slug>.<lang>.yaml``, starts from the template too (its example
    words keep a send from going out until they are written: SB017). Raises :class:`ConfigError` when ``slug`` is not
    kebab-case or already exists or the section is unknown, and
    :class:`ContentError` when ``issue.yaml`` cannot be read.
    """
    issue_dir = Path(issue_dir)
    if not SLUG_PATTERN.match(slug):
        raise ConfigError(f"'{slug}' is not a kebab-case name; use lower-case letters, digits and single hyphens, such as '{slugify(slug) or 'my-article'}'")
    if not section.strip():
        raise ConfigError("--section must name a section, such as 'Community Resilience'")
    issue_path = _issue_file(issue_dir)
    article = issue_dir / ARTICLES_DIR / f"{slug}.yaml"
    if article.exists():
        raise ConfigError(f"{article} already exists; choose another name")
    root, problems = read_yaml(issue_path)
    if root is None:
        raise ContentError(problems)
    raw = issue_path.read_bytes()
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    edited = add_to_issue(raw[len(bom):].decode("utf-8"), slug, section=section, new_section=new_section)
    article.parent.mkdir(parents=True, exist_ok=True)
    with article.open("x", encoding="utf-8", newline="\n") as file:
        file.write(article_template(slug))
    for language in _other_languages(root):  # an issue in several languages: each translation starts from the template too
        with translation_path(article, language).open("x", encoding="utf-8", newline="\n") as file:
            file.write(article_template(slug))
    temporary = issue_path.with_name(f".{ISSUE_FILE}.new")
    temporary.write_bytes(bom + edited.encode("utf-8"))
    os.replace(temporary, issue_path)
    return NewArticle(article=article, issue_file=issue_path)


def _issue_file(issue_dir: Path) -> Path:
    """The issue folder's ``issue.yaml``; ConfigError, saying how to start the issue, when there is none."""
    issue_path = issue_dir / ISSUE_FILE
    if not issue_path.is_file():
        if issue_dir.exists() and not issue_dir.is_dir():
            raise ConfigError(f"{issue_dir} is a file; give an issue folder such as issues/2019-08")
        if not issue_dir.exists():
            raise ConfigError(f"{issue_dir} does not exist; start the issue with: soc-bulletin new-issue {issue_dir}")
        raise ConfigError(f"there is no {ISSUE_FILE} in {issue_dir}; start the issue with: soc-bulletin new-issue {issue_dir}")
    return issue_path


def _other_languages(root: yaml.Node) -> list[str]:
    """The issue's languages after the main one (its ``languages`` as written, when they are tags)."""
    node = node_at(root, "languages")
    items = node.value if isinstance(node, yaml.SequenceNode) else []
    return [str(item.value) for item in items[1:] if isinstance(item, yaml.ScalarNode) and LANGUAGE_TAG.fullmatch(str(item.value))]


def add_to_issue(text: str, slug: str, /, *, section: str, new_section: bool = False) -> str:
    """``text`` of an issue file with ``slug`` added to the section ``section``.

    The slug goes after the section's last article. A section not in the
    file is refused (naming those that are) unless ``new_section``, which adds
    it after the last one (``sections:`` empty or ``[]`` becomes a list).
    Raises :class:`ConfigError` when the slug is already listed or the file's
    shape does not allow a safe edit.
    """
    root, before = _parsed(text)
    sections, empty = _sections(root, before)
    items = sections.value if isinstance(sections, yaml.SequenceNode) else []
    if any(slug in _slugs(node_at(item, "articles")) for item in items):
        raise ConfigError(f"'{slug}' is already listed in {ISSUE_FILE}; choose another name")
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    expected = copy.deepcopy(before)
    index = _section_index(items, section, new_section)
    if index is None and empty:
        _first_section(lines, root, sections, section, slug, newline)
        expected["sections"] = [{"kind": section, "articles": [slug]}]
    elif index is None:
        assert isinstance(sections, yaml.SequenceNode)
        _append_section(lines, sections, section, slug, newline)
        expected["sections"].append({"kind": section, "articles": [slug]})
    else:
        _append_article(lines, items[index], section, slug, newline)
        expected["sections"][index]["articles"].append(slug)
    return _checked("".join(lines), expected, slug, section)


def _sections(root: yaml.Node | None, before: Any) -> tuple[yaml.Node, bool]:
    """The ``sections`` node, and whether it is empty (nothing, or ``[]``); ConfigError when it is no list."""
    sections = node_at(root, "sections") if root is not None else None
    empty = isinstance(sections, yaml.ScalarNode) and sections.tag == NULL_TAG or (
        isinstance(sections, yaml.SequenceNode) and not sections.value)
    if not isinstance(before, dict) or not (isinstance(sections, yaml.SequenceNode) or empty):
        raise ConfigError(f"{ISSUE_FILE} has no list of 'sections' to add the article to; write 'sections:' on a line of its own")
    assert sections is not None
    return sections, empty


def _parsed(text: str) -> tuple[yaml.Node | None, Any]:
    """The issue file's node tree and its value; ConfigError when it is not YAML."""
    try:
        return yaml.compose(text, Loader=_Loader), yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{ISSUE_FILE} is not valid YAML ({exc}); run 'soc-bulletin check' and fix it first") from exc


def _section_index(items: list[yaml.Node], section: str, new_section: bool) -> int | None:
    """Where ``section`` is among the sections; None for a new one (ConfigError when it is unknown and not new)."""
    index = next((i for i, item in enumerate(items) if _same_kind(node_at(item, "kind"), section)), None)
    if index is None and not new_section:
        raise ConfigError(_unknown_section(section, [str(k.value) for i in items if isinstance(k := node_at(i, "kind"), yaml.ScalarNode)]))
    return index


def _append_article(lines: list[str], item: yaml.Node, section: str, slug: str, newline: str) -> None:
    articles = node_at(item, "articles")
    if not isinstance(articles, yaml.SequenceNode):
        raise ConfigError(f"the section '{section}' in {ISSUE_FILE} has no list of articles; fix it first")
    _append_item(lines, articles, slug, newline)


def _checked(edited: str, expected: object, slug: str, section: str) -> str:
    """``edited``, when it reads as ``expected``; else ConfigError saying to add the slug by hand."""
    try:
        after = yaml.load(edited, Loader=_Loader)
    except yaml.YAMLError:
        after = None
    if after != expected:
        raise ConfigError(f"'{slug}' could not be added to {ISSUE_FILE} safely; add '- {slug}' under '{section}' by hand")
    return edited


def _unknown_section(section: str, kinds: list[str]) -> str:
    """Why ``section`` is refused: the closest section, every section, and how to start a new one."""
    if not kinds:
        return f"{ISSUE_FILE} has no sections yet; give --new-section to start the section '{section}'"
    close = difflib.get_close_matches(section, kinds, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    return f"there is no section '{section}' in {ISSUE_FILE}; {hint}the sections are {listed}; to start a new section, add --new-section"


def _first_section(lines: list[str], root: yaml.Node | None, sections: yaml.Node, kind: str, slug: str, newline: str) -> None:
    """Turn ``sections:`` (empty, or ``[]``) into a block list holding one section."""
    key = next((k for k, v in root.value if v is sections), None) if isinstance(root, yaml.MappingNode) else None
    start, end = sections.start_mark, sections.end_mark
    if key is None or start.line != key.start_mark.line or end.line != start.line:
        raise ConfigError(f"'sections' in {ISSUE_FILE} cannot be edited safely; write 'sections:' on a line of its own")
    line = lines[start.line]
    lines[start.line] = line[: start.column].rstrip(" ") + line[end.column :]
    pad = " " * (key.start_mark.column + 2)
    block = f"{pad}- kind: {yaml_scalar(kind)}{newline}{pad}  articles:{newline}{pad}    - {slug}{newline}"
    _insert_after(lines, start.line, block, newline)


def _slugs(node: yaml.Node | None) -> list[str]:
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [str(n.value).removesuffix(".yaml") for n in node.value if isinstance(n, yaml.ScalarNode)]


def _same_kind(node: yaml.Node | None, section: str) -> bool:
    if not isinstance(node, yaml.ScalarNode):
        return False
    kind = str(node.value)
    return kind.strip() == section.strip() or bool(slugify(kind)) and slugify(kind) == slugify(section)


def _append_item(lines: list[str], sequence: yaml.SequenceNode, slug: str, newline: str) -> None:
    if sequence.flow_style:
        if sequence.value:
            end = sequence.value[-1].end_mark
            _insert(lines, end.line, end.column, f", {slug}")
        else:
            start = sequence.start_mark
            _insert(lines, start.line, start.column + 1, slug)
        return
    last = sequence.value[-1]
    prefix = _item_prefix(lines, sequence, last)
    _insert_after(lines, _last_line(last), f"{prefix}{slug}{newline}", newline)


def _append_section(lines: list[str], sections: yaml.SequenceNode, kind: str, slug: str, newline: str) -> None:
    if sections.flow_style or not sections.value:
        raise ConfigError(f"'sections' in {ISSUE_FILE} is written on one line; write one '- kind:' per line to add a section")
    last = sections.value[-1]
    prefix = _item_prefix(lines, sections, last)
    pad = " " * len(prefix)
    block = f"{prefix}kind: {yaml_scalar(kind)}{newline}{pad}articles:{newline}{pad}  - {slug}{newline}"
    _insert_after(lines, _last_line(last), block, newline)


def _item_prefix(lines: list[str], sequence: yaml.SequenceNode, item: yaml.Node) -> str:
    """The text before an item on its line (``"  - "``), to start a new item the same way."""
    line = lines[item.start_mark.line] if item.start_mark.line < len(lines) else ""
    prefix = line[: item.start_mark.column]
    if re.fullmatch(r" *- +", prefix):
        return prefix
    return " " * sequence.start_mark.column + "- "


def _last_line(node: yaml.Node) -> int:
    """The 0-based line holding the last character of ``node``."""
    last = max(_descendants(node), key=lambda n: (n.end_mark.line, n.end_mark.column))
    end = last.end_mark
    return end.line - 1 if end.column == 0 and end.line > last.start_mark.line else end.line


def _descendants(node: yaml.Node) -> Iterator[yaml.Node]:
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.ScalarNode):
            yield current
        elif isinstance(current, yaml.SequenceNode):
            stack += current.value
        elif isinstance(current, yaml.MappingNode):
            stack += [n for pair in current.value for n in pair]


def yaml_scalar(text: str, /) -> str:
    """``text`` as a YAML value: plain when it reads back the same, else double-quoted."""
    try:
        if yaml.safe_load(f"k: {text}\n") == {"k": text}:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)


def _insert(lines: list[str], line: int, column: int, text: str) -> None:
    while len(lines) <= line:
        lines.append("")
    lines[line] = lines[line][:column] + text + lines[line][column:]


def _insert_after(lines: list[str], line: int, text: str, newline: str) -> None:
    line = min(line, len(lines) - 1)
    if lines and not lines[line].endswith(("\n", "\r")):
        lines[line] += newline
    lines.insert(line + 1, text)


def article_template(slug: str, /) -> str:
    """A new article file: valid as it is, with a comment on each kind of block."""
    return _TEMPLATE.replace("{slug}", slug)


_TEMPLATE = """\
# articles/{slug}.yaml: an article for the SOC Partnerships Bulletin.
#
# Lines starting with # are notes like this one; they never appear in the
# bulletin. Replace the example words, keep the spaces at the start of each
# line as they are (spaces, never tabs), and delete the blocks you do not need.
# Then check your work with:   soc-bulletin check <the issue folder>
# CONTRIBUTING.md explains every block and every check message.

title: The title of your article          # required: one line
standfirst: One sentence that sums up the article, shown under the title.   # optional
# audience: [police, local-authorities]   # optional: only these readers get the article

blocks:                                   # required: the parts of the article, in order
  # text: paragraphs. Leave an empty line between paragraphs. **bold**, *italic*,
  # "### A heading" and lists starting with "- " work. Write web and email
  # addresses in angle brackets so they become links: <https://www.gov.uk/...>
  # and <name@example.org>, or [the words to click](https://www.gov.uk/...).
  - text: |
      The first paragraph of your article.

      The second paragraph. For more information, please contact <your.name@example.org>

  # list: a bullet list, one line per point; put a line in "quotes" if it
  # starts with ** or contains ": ".
  # - list:
  #     - "**First point** – what it means"
  #     - The second point

  # figures: key numbers, shown large, each with the words that follow it.
  # - figures:
  #     - value: "1,289"
  #       label: victims were supported

  # quote: what someone said, with their name and role.
  # - quote:
  #     text: What the person said, without quotation marks.
  #     speaker: Their Name
  #     role: Their role and organisation

  # callout: a box set apart from the article, with a title and paragraphs.
  # - callout:
  #     title: What is Participatory Budgeting?
  #     body: |
  #       A short explanation.

  # image: a PNG, JPEG or GIF under 200 KB in the issue's images/ folder.
  # alt says what the picture shows, for people who cannot see it.
  # - image:
  #     src: images/{slug}.png
  #     alt: Four people standing in front of St Peter's Collegiate Church
  #     caption: "Left to right: ..."
  #     width: 560                        # optional, in pixels, at most 600

  # link: a prominent button to a web page (https:// only).
  # - link:
  #     url: https://www.gov.uk/government/publications/...
  #     text: Read the plan

  # contact: the person readers can write to. Only email is required.
  - contact:
      name: Your Name
      role: Your role
      organisation: Your organisation
      email: your.name@example.org

  # contacts: several people under one heading.
  # - contacts:
  #     title: The Coordinators
  #     people:
  #       - role: Birmingham
  #         email: first.person@example.org
  #       - role: Bradford
  #         email: second.person@example.org
"""


#: The template's example words: an article still holding one of them is reported by ``check`` (SB017).
TEMPLATE_TEXT = (
    "The title of your article",
    "One sentence that sums up the article, shown under the title.",
    "The first paragraph of your article.",
    "The second paragraph.",
    "your.name@example.org",
    "Your Name",
    "Your role",
    "Your organisation",
)
