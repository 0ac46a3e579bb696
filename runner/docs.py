"""Keeps README's action table in step with the action YAMLs.

``python -m runner.docs`` rewrites the table between the ``actions-table`` markers; a test
fails when README and the YAMLs disagree.
"""

import os
import re
import sys

from . import PACK_ROOT, loader

START = "<!-- actions-table:start -->"
END = "<!-- actions-table:end -->"
README = os.path.join(PACK_ROOT, "README.md")


def _first_sentence(text):
    text = " ".join((text or "").split())
    match = re.match(r"(.+?\.)(\s|$)", text)
    return match.group(1) if match else text


def actions_table():
    rows = ["| action | what it does | required parameters |", "|---|---|---|"]
    for name in loader.action_names():
        meta = loader.action_meta(name)
        required = [p for p, spec in (meta.get("parameters") or {}).items()
                    if spec.get("required")]
        rows.append("| `%s` | %s | %s |" % (
            name, _first_sentence(meta.get("description")).replace("|", "\\|"),
            ", ".join("`%s`" % p for p in required) or "-"))
    return "\n".join(rows)


def render(readme_text):
    start, end = readme_text.index(START), readme_text.index(END)
    return (readme_text[:start + len(START)] + "\n" + actions_table() + "\n" +
            readme_text[end:])


def main():
    with open(README) as handle:
        text = handle.read()
    new = render(text)
    if new != text:
        with open(README, "w") as handle:
            handle.write(new)
        print("README.md action table updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
