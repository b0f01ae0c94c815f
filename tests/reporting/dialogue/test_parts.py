"""The dialogue's parts stay as ``reporting.dialogue`` describes them: layered, tables in step."""

import ast
import pathlib

from reporting import dialogue
from reporting.dialogue.draft import DRAFT_STEPS
from reporting.dialogue.prompts import PROMPTS
from reporting.dialogue.steps import STEPS

PACKAGE = pathlib.Path(dialogue.__file__).parent
# The parts in the order the package docstring lists them ("    name  what it owns").
PARTS = [
    line.split()[0]
    for line in (dialogue.__doc__ or "").splitlines()
    if line.startswith("    ") and line.split()
]


def test_every_part_is_listed_once():
    files = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    assert sorted(PARTS) == files


def test_parts_import_only_those_listed_before_them():
    for index, part in enumerate(PARTS):
        tree = ast.parse((PACKAGE / f"{part}.py").read_text(encoding="utf-8"))
        used = {
            node.module.rsplit(".", 1)[-1]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and node.module is not None
            and node.module.startswith("reporting.dialogue.")
        }
        assert used <= set(PARTS[:index]), part


def test_every_step_has_a_prompt_and_answers():
    assert set(PROMPTS) == set(STEPS) == {"idle", "consent"} | DRAFT_STEPS
