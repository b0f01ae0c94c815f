"""The folder tree is the architecture: channels import the domain, never each other or back.

``reporting/`` holds the domain at its root and in four packages: ``dialogue/`` (the
conversation), ``operations/`` (metrics, logs, photo collection, retention), ``photos/``
(cleaning, the store, records) and ``web/`` (HTTP plumbing every channel shares: input
parsing, security headers, proxies); every other package under it is a channel (a way in or out:
LINE, the staff dashboard, Open311, the analysts' APIs).
``gis/`` is geometry and formats only. Imports are read with ``ast``, lazy ones included.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Packages under reporting/ that belong to the domain rather than to a channel.
DOMAIN_PACKAGES = {"dialogue", "operations", "photos", "web"}
CHANNEL_PREFIXES = ("line_", "staff_", "open311", "ogc_", "analyst_", "public_")


def channels(package: Path) -> set[str]:
    """Return the channel packages directly under ``package``."""
    return {
        p.name
        for p in package.iterdir()
        if (p / "__init__.py").is_file() and p.name not in DOMAIN_PACKAGES
    }


def imported_modules(path: Path, package: str) -> set[str]:
    """Return every module ``path`` imports, as dotted names (``from a import b`` gives a.b too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def owner(dotted: str, channel_names: set[str]) -> str | None:
    """Return the channel a ``reporting.`` module belongs to, or None for the domain."""
    parts = dotted.split(".")
    if parts[0] != "reporting" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in channel_names else None


def violations(root: Path) -> list[str]:
    """List every import under ``root/reporting`` and ``root/gis`` that points the wrong way."""
    names = channels(root / "reporting")
    found = []
    for path in sorted((root / "reporting").rglob("*.py")):
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
        mine = owner(module, names)
        for target in imported_modules(path, package):
            theirs = owner(target, names)
            if theirs is not None and theirs != mine:
                side = "the domain" if mine is None else f"channel {mine!r}"
                found.append(f"{module} ({side}) imports channel {theirs!r}")
    for path in sorted((root / "gis").rglob("*.py")):
        for target in imported_modules(path, "gis"):
            top = target.split(".")[0]
            if top in {"reporting", "flask", "app"}:
                found.append(f"{path.relative_to(root)} imports {top}")
    return sorted(set(found))


def test_imports_point_from_channels_down_to_the_domain() -> None:
    assert violations(ROOT) == []


def test_channels_are_packages_not_prefixed_modules() -> None:
    modules = [p.name for p in (ROOT / "reporting").glob("*.py")]
    assert [m for m in modules if m.startswith(CHANNEL_PREFIXES)] == []
    assert len(modules) <= 25
    assert {"line", "staff", "open311", "analysts"} <= channels(ROOT / "reporting")


def write(root: Path, relative: str, text: str = "") -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("relative", "source", "expected"),
    [
        ("reporting/triage.py", "from reporting.line import api\n", "the domain"),
        ("reporting/triage.py", "def f():\n    from reporting.staff.map import x\n", "the domain"),
        ("reporting/dialogue/steps.py", "import reporting.open311.views\n", "the domain"),
        ("reporting/line/handler.py", "from reporting import staff\n", "channel 'line'"),
        ("reporting/staff/map.py", "from ..line import api\n", "channel 'staff'"),
        ("gis/wards.py", "from flask import request\n", "gis/wards.py"),
    ],
)
def test_a_wrong_way_import_is_caught(
    tmp_path: Path, relative: str, source: str, expected: str
) -> None:
    for package in ("reporting", "reporting/dialogue", "reporting/line", "reporting/staff",
                    "reporting/open311", "gis"):
        write(tmp_path, f"{package}/__init__.py")
    write(tmp_path, relative, source)
    [problem] = violations(tmp_path)
    assert expected in problem


def test_imports_within_a_channel_and_down_to_the_domain_are_fine(tmp_path: Path) -> None:
    for package in ("reporting", "reporting/line", "reporting/line/sandbox", "gis"):
        write(tmp_path, f"{package}/__init__.py")
    write(tmp_path, "reporting/line/handler.py", "from reporting import reports\nfrom . import x\n")
    write(tmp_path, "reporting/line/sandbox/fake.py", "from reporting.line.api import Client\n")
    write(tmp_path, "reporting/reports.py", "from gis import wards\nfrom reporting import x\n")
    assert violations(tmp_path) == []
