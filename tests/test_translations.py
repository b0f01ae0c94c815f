"""The staff UI's catalogues: every string translated to Japanese, compiled files up to date."""

import gettext
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "translations"
PYBABEL = str(Path(sys.executable).with_name("pybabel"))
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def catalogue(language: str) -> Catalog:
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


def test_every_string_in_the_code_is_translated_to_japanese(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    # The command translations/README.md gives for refreshing the catalogues.
    subprocess.run(
        [PYBABEL, "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
         "--ignore-dirs", ".* ._ var", "-o", str(pot), "."],
        cwd=ROOT, check=True, timeout=120,
    )
    with open(pot, "rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    japanese = {m.id: m.string for m in catalogue("ja") if m.id and not m.fuzzy}
    assert sorted(wanted - {k for k, v in japanese.items() if v}) == []
    for msgid, text in japanese.items():
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(msgid)), msgid


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_committed_mo_files_match_the_po_files(language: str) -> None:
    expected = {m.id: m.string for m in catalogue(language) if m.id and m.string and not m.fuzzy}
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = gettext.GNUTranslations(f)
    found = {k: v for k, v in compiled._catalog.items() if k}  # type: ignore[attr-defined]
    assert found == expected, "run: pybabel compile -d translations"
