"""The official OGC API - Features OpenAPI schemas (vendored in tests/ogcapi_features), as
JSON Schema validators of the answers."""

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator
from referencing import Registry
from referencing import Resource
from referencing.jsonschema import DRAFT4

ROOT = Path(__file__).resolve().parents[2] / "ogcapi_features"
PART1 = ROOT / "part1-1.0.1" / "core" / "openapi" / "schemas"
PART2 = ROOT / "part2-1.0.1" / "extensions" / "crs" / "openapi" / "schemas"
# Where Part 2's fragments find Part 1's schemas.
PART1_ONLINE = "http://schemas.opengis.net/ogcapi/features/part1/1.0/openapi/schemas/"


@cache
def _registry() -> Registry:
    resources = []
    for folder in (PART1, PART2):
        for path in folder.glob("*.yaml"):
            contents = yaml.safe_load(path.read_text(encoding="utf-8"))
            resource = Resource.from_contents(contents, DRAFT4)
            resources.append((path.as_uri(), resource))
            if folder == PART1:
                resources.append((PART1_ONLINE + path.name, resource))
    return Registry().with_resources(resources)


def validate(document: Any, name: str, part: int = 1) -> None:
    """Validate a document against ``name`` (``landingPage``, ``collections``...)."""
    folder = PART1 if part == 1 else PART2
    schema = {"$ref": (folder / f"{name}.yaml").as_uri()}
    Draft4Validator(schema, registry=_registry()).validate(document)
