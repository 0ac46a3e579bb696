"""README and docs/ promises that users act on."""

import glob
import os
import re

import pytest

from runner import PACK_ROOT, docs

README = os.path.join(PACK_ROOT, "README.md")
PAGES = [README] + sorted(glob.glob(os.path.join(PACK_ROOT, "docs", "*.md")))


def _read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _readme():
    return _read(README)


def test_action_reference_lists_every_action_as_in_its_yaml():
    assert docs.current() == docs.render(), "run `python -m runner.docs` to refresh docs/actions.md"


def test_ci_runs_exactly_the_readme_test_command():
    text = _readme()
    blocks = re.findall(r"```sh\n(.*?)\n```", text, re.S)
    test_command = [b for b in blocks if "pytest" in b][0].strip()
    with open(os.path.join(PACK_ROOT, ".ci", "run")) as handle:
        ci = handle.read()
    assert test_command in ci.splitlines()


def test_readme_is_a_front_page():
    # Reference detail belongs in docs/; the front page stays readable in minutes.
    assert len(_readme().encode("utf-8")) < 12 * 1024


def _prose(text):
    """``text`` without fenced code blocks, whose lines are neither headings nor links."""
    return re.sub(r"^```.*?^```[^\n]*$", "", text, flags=re.S | re.M)


def _plain(text):
    """Heading text as GitHub renders it: code spans, links and tags reduced to their text."""
    text = re.sub(r"`+([^`]*)`+", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"<[^>]+>", "", text)


def slugs(text):
    """The anchors GitHub gives the headings of a Markdown page."""
    found, seen = set(), {}
    for heading in re.findall(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", _prose(text), re.M):
        slug = re.sub(r"[^\w\- ]", "", _plain(heading).strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else "%s-%d" % (slug, count))
    return found


def test_slugs_follow_github():
    page = ("# Rewst's 30 actions\n## `get_customer`\n## Progress, lag and delay\n"
            "## Notes\n## Notes\n```sh\n# not a heading\n```\n")
    assert slugs(page) == {"rewsts-30-actions", "get_customer", "progress-lag-and-delay",
                           "notes", "notes-1"}


def links(text):
    """Link targets of a page, outside code blocks and code spans."""
    prose = re.sub(r"`+[^`\n]*`+", "", _prose(text))
    return re.findall(r"\[[^\]]*\]\(([^)\s]+)\)", prose)


def test_readme_links_every_docs_page():
    linked = {os.path.normpath(os.path.join(PACK_ROOT, t.partition("#")[0]))
              for t in links(_readme())}
    assert set(PAGES[1:]) - linked == set()


@pytest.mark.parametrize("page", PAGES, ids=[os.path.relpath(p, PACK_ROOT) for p in PAGES])
def test_relative_links_reach_a_file_and_heading(page):
    broken = []
    for target in links(_read(page)):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
        if not os.path.exists(resolved) or not resolved.startswith(PACK_ROOT + os.sep):
            broken.append(target)
        elif anchor and resolved.endswith(".md") and anchor not in slugs(_read(resolved)):
            broken.append(target)
    assert broken == []
