"""The library's import graph: a few packages, each importing only those below it.

``core`` is shared by both APIs; ``marketplace`` and ``xvantage`` build on it and not on
each other; ``sensing`` builds on all three; ``action`` and ``operations`` sit on top.
An import pointing back up (``from .. import X`` of the package root, or ``core``
reaching into an API package) would tie layers together that are meant to change alone.
"""

import ast
import glob
import os

from runner import PACK_ROOT

LIB = os.path.join(PACK_ROOT, "actions", "lib", "ingram_lib")
ALLOWED = {
    "core": {"core"},
    "marketplace": {"core", "marketplace"},
    "xvantage": {"core", "xvantage"},
    "sensing": {"core", "marketplace", "xvantage", "sensing"},
    "": {"core", "marketplace", "xvantage", "sensing", "action", "operations"},
}


def _package_of(path):
    rel = os.path.relpath(path, LIB)
    return rel.split(os.sep)[0] if os.sep in rel else ""


def _targets(path):
    """Top-level package (or root module) of every ingram_lib import in ``path``."""
    package = _package_of(path)
    tree = ast.parse(open(path).read())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if not (node.module or "").startswith("ingram_lib"):
                    continue
                parts = node.module.split(".")[1:]
            else:
                base = [package] if package else []
                up = node.level - 1
                if up > len(base):
                    yield node.lineno, "<outside ingram_lib>"
                    continue
                parts = base[:len(base) - up] + (node.module.split(".") if node.module else [])
            if parts:
                yield node.lineno, parts[0]
            else:
                # ``from . import x`` / ``from .. import x``: the names are modules.
                for alias in node.names:
                    yield node.lineno, alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("ingram_lib"):
                    parts = alias.name.split(".")[1:]
                    yield node.lineno, parts[0] if parts else "<root>"


def test_imports_only_point_down_or_sideways():
    wrong = []
    files = glob.glob(os.path.join(LIB, "**", "*.py"), recursive=True)
    assert len(files) > 20
    for path in files:
        package = _package_of(path)
        for line, target in _targets(path):
            if target not in ALLOWED[package]:
                wrong.append("%s:%d imports %s" % (os.path.relpath(path, LIB), line, target))
    assert wrong == []


def test_library_is_a_few_packages():
    entries = sorted(os.listdir(LIB))
    modules = [e for e in entries if e.endswith(".py")]
    packages = [e for e in entries
                if os.path.isdir(os.path.join(LIB, e)) and e != "__pycache__"]
    assert sorted(packages) == ["core", "marketplace", "sensing", "xvantage"]
    assert sorted(modules) == ["__init__.py", "action.py", "operations.py"]
