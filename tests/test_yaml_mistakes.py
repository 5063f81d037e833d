"""YAML mistakes people make, said in plain words at the line of the mistake (content/yaml_mistakes.py).

Each row is a mistake as a contributor writes it, the line and column where
the mistake is, and the exact message; the last rows are mistakes PyYAML's own
words are kept for.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from soc_bulletin.cli.main import main
from soc_bulletin.content.yamlfile import read_yaml

from .project import run_main

QUOTE_RUNS_ON = """\
title: Diverting Young People
blocks:
  - text: |
      Words.
  - list:
      - one
      - two
  - quote:
      text: The programme has given these young people real choices.
      speaker: Jo Bloggs
      role: "Youth Justice Manager
  - contact:
      name: "Harish Dutt"
      email: harish.dutt@homeoffice.gov.uk
"""

TOO_LITTLE = """\
title: T
blocks:
  - text: |
      The first paragraph.
      More of it.
    A line indented too little.
      Back again.

      Another paragraph.
  - contact:
      email: jo@example.org
"""

MISTAKES = [
    ("unclosed quote on line 1", 'title: "Diverting Young People in Ceredigion\nblocks:\n  - text: Words.\n', 1, 8,
     'The double quote (") that starts this value is never closed; put a " at the end of the value.'),
    ("unclosed single quote", "title: 'Diverting Young People\nblocks: []\n", 1, 8,
     "The single quote (') that starts this value is never closed; put a ' at the end of the value."),
    ("quote closed lines later by another", QUOTE_RUNS_ON, 11, 13,
     'The double quote (") that starts this value is not closed on this line, so the value runs on to the next " (line 13); '
     'put a " at the end of the value.'),
    ("bold list item", "title: T\nblocks:\n  - list:\n      - **Six weekly sessions** – on emotions\n", 4, 9,
     'A value cannot start with * (YAML reads it as an alias); put the whole value in quotes: "**Six weekly sessions** – on emotions".'),
    ("italic standfirst", "title: T\nstandfirst: *New* money for partners\nblocks: []\n", 2, 13,
     'A value cannot start with * (YAML reads it as an alias); put the whole value in quotes: "*New* money for partners".'),
    ("ampersand", "title: T\nstandfirst: & partners\nblocks: []\n", 2, 13,
     'A value cannot start with & (YAML reads it as an anchor); put the whole value in quotes: "& partners".'),
    ("at-sign", "title: T\nstandfirst: @HomeOffice news\nblocks: []\n", 2, 13,
     'A value cannot start with @ (YAML keeps it for itself); put the whole value in quotes: "@HomeOffice news".'),
    ("curly quotes", "title: T\nstandfirst: “Ceredigion: a youth project”\nblocks: []\n", 2, 13,
     "Curly quotes (“) are not quotes to YAML, so the ': ' inside this value starts another key; "
     'write straight quotes instead: "Ceredigion: a youth project".'),
    ("colon in a value", "title: Ceredigion: diverting young people\nblocks: []\n", 1, 8,
     "This value contains ': ' (a colon and a space), which YAML reads as the start of another key; "
     'put the text in quotes: "Ceredigion: diverting young people".'),
    ("colon in a list item", "title: T\nblocks:\n  - list:\n      - Legal Powers: for us: we will examine them\n", 4, 9,
     "This value contains ': ' (a colon and a space), which YAML reads as the start of another key; "
     'put the text in quotes: "Legal Powers: for us: we will examine them".'),
    ("text after the closing quote", 'title: "Ceredigion" youth project\nblocks: []\n', 1, 8,
     "Text follows the closing quote of this value; put the whole value in quotes: '\"Ceredigion\" youth project'."),
    ("tab", "title: T\nblocks:\n\t- text: Words.\n", 3, 1, "This line has a tab where YAML needs spaces; replace the tab with spaces."),
    ("tab in a text", "title: T\nblocks:\n  - text: |\n\tWords.\n", 4, 1, "This line has a tab where YAML needs spaces; replace the tab with spaces."),
    ("text indented too little", TOO_LITTLE, 6, 5,
     "This line is indented by 4 spaces, less than the text under 'text: |' needs (6), so it is not part of that text; "
     "indent it by 6 spaces like the rest of the text."),
    ("text not indented under its key", "title: T\nblocks:\n  - text: |\n    Words.\n  - list: [a]\n", 4, 5,
     "This line is indented by 4 spaces, less than the text under 'text: |' needs (6), so it is not part of that text; "
     "indent it by 6 spaces like the rest of the text."),
    ("key indented too little", "title: T\nblocks:\n  - contact:\n      name: Jo\n     email: jo@example.org\n", 5, 6,
     "This line is indented by 5 spaces, but the line above by 6; keys of the same block must line up, so indent this line by 6 spaces."),
    ("key indented too much", "title: T\nblocks:\n  - contact:\n      name: Jo\n       email: jo@example.org\n", 5, 8,
     "This line is indented more than 'name:' above (7 spaces instead of 6), so YAML reads it as more of that value; "
     "line it up with 'name:' (or put a value containing ': ' in quotes)."),
    ("missing dash", "title: T\nblocks:\n  - text: |\n      Words.\n\n  contact:\n      email: jo@example.org\n", 6, 3,
     "This line is in the list that starts on line 3 but has no '- ' in front; write '- contact:' lined up with the other items."),
    ("unclosed list", "title: T\naudience: [police, local-authorities\nblocks: []\n", 2, 11,
     "The list opened with '[' here is not closed; end it with ']' on the same line, with commas between the items "
     "(put an item containing a comma in quotes)."),
    ("value starting with a bracket", "title: [Draft] County lines\nblocks: []\n", 1, 8,
     'A value starting with [ is read as a list or mapping that ends at its ]; put the whole value in quotes: "[Draft] County lines".'),
    ("quote inside a quoted value", 'title: "He said "hi" to me"\nblocks: []\n', 1, 8,
     "The double quote (\") inside this value ends it early; put the value in the other quotes: 'He said \"hi\" to me'."),
    ("apostrophe inside single quotes", "title: 'It's here'\nblocks: []\n", 1, 8,
     "The single quote (') inside this value ends it early; put the value in the other quotes: \"It's here\"."),
    ("no space after the colon", "title:Diverting Young People\nblocks: []\n", 1, 6,
     "There is no space after the ':' of 'title:'; write 'title: Diverting Young People' (a key, a colon, a space, the value)."),
    ("backslash in double quotes", 'title: T\nstandfirst: "Saved in C:\\xfiles"\nblocks: []\n', 2, 13,
     "A backslash (\\) inside double quotes starts an escape such as \\n; put the value in single quotes instead, or write each "
     "backslash twice."),
    ("a list item among keys", "title: T\n- text: Words.\n", 2, 1,
     "This line starts a list item ('- ') among keys; indent it under the key whose list it belongs to (such as 'blocks:'), "
     "2 spaces more than that key."),
    ("two documents", "title: T\nblocks: []\n---\ntitle: U\nblocks: []\n", 3, 1,
     "A file holds one article (or one issue); this line starts another document: delete the '---' line, or move what follows "
     "to a file of its own."),
    ("undefined alias", "title: T\nstandfirst: *important\nblocks: []\n", 2, 13,
     'A value cannot start with * (YAML reads it as an alias); put the whole value in quotes: "*important".'),
    # anything else keeps PyYAML's words (libyaml's, which the loader uses when it is installed)
    ("question mark key: PyYAML's words", "title: ? x\nblocks: []\n", 1, 8,
     "YAML syntax error: mapping keys are not allowed in this context."),
    ("block scalar header: PyYAML's words", "title: T\nblocks:\n  - text: |x\n      Words.\n", 3, 12,
     "YAML syntax error: did not find expected comment or line break (while scanning a block scalar)."),
    ("directive: PyYAML's words", "%YAML 1.1\ntitle: T\n", 2, 1, "YAML syntax error: did not find expected <document start>."),
    ("broken tag: PyYAML's words", "title: !<x y\n", 1, 11, "YAML syntax error: did not find the expected '>' (while scanning a tag)."),
]


@pytest.mark.parametrize(("text", "line", "column", "message"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_each_mistake_at_its_line_in_plain_words(tmp_path: Path, text: str, line: int, column: int, message: str) -> None:
    path = tmp_path / "article.yaml"
    path.write_text(text, encoding="utf-8")
    node, problems = read_yaml(path, display="article.yaml")
    assert node is None
    assert [(p.line, p.column, p.code, p.message) for p in problems] == [(line, column, "SB003", message)]


def test_check_prints_it_at_the_line_and_exits_1(issue_dir: object, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root = issue_dir(articles={"first": 'title: "Diverting Young People\nblocks:\n  - text: Words.\n'})  # type: ignore[operator]
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(root.relative_to(tmp_path))]) == 1
    assert capsys.readouterr().out.splitlines() == [
        'issue/articles/first.yaml:1:8: SB003 The double quote (") that starts this value is never closed; put a " at the end of the value.',
        "issue/issue.yaml: SB504 The issue has no preheader; add 'preheader:' with one line that inboxes show after the subject. (warning)",
        "2 files checked: 1 error, 1 warning.",
    ]


def test_a_block_without_its_dash_is_reported_where_the_dash_is_missing(issue_dir: object, capsys: pytest.CaptureFixture[str],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    article = "title: T\nblocks:\n  - text: |\n      Words.\n  - quote:\n      text: Hello.\n    contact:\n      email: jo@example.org\n"
    root = issue_dir(articles={"first": article})  # type: ignore[operator]
    monkeypatch.chdir(root.parent)
    code, out, _ = run_main(["check", "issue/articles/first.yaml"], capsys)
    assert (code, out) == (1, [
        "issue/articles/first.yaml:7:5: SB030 'contact:' starts a new block but has no '- ' in front, so it is read as part of "
        "the block above; write '- contact:' with the '- ' lined up with the other blocks (at column 3).",
        "1 file checked: 1 error, 0 warnings.",
    ])
