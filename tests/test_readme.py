"""README promises that users act on."""

import os
import re

from runner import PACK_ROOT, docs


def _readme():
    with open(os.path.join(PACK_ROOT, "README.md")) as handle:
        return handle.read()


def test_readme_action_table_lists_every_action_as_in_its_yaml():
    text = _readme()
    assert docs.render(text) == text, "run `python -m runner.docs` to refresh the table"


def test_ci_runs_exactly_the_readme_test_command():
    text = _readme()
    blocks = re.findall(r"```sh\n(.*?)\n```", text, re.S)
    test_command = [b for b in blocks if "pytest" in b][0].strip()
    with open(os.path.join(PACK_ROOT, ".ci", "run")) as handle:
        ci = handle.read()
    assert test_command in ci.splitlines()
