"""The channel's default rich menu (通報する / 状況 / ヘルプ): its layout, and setting it once.

Its name carries a hash of the layout and the image, so running the command again finds the
menu it made and changes nothing; a changed layout or image makes a new menu, sets it as the
default, and deletes the earlier ones this command made (never a menu made by anyone else).
"""

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from reporting.line.api import LineClient

NAME_PREFIX = "tsuho-default-"
WIDTH, HEIGHT = 2500, 843  # the image's size, reporting/line/rich_menu.png
# The same postbacks as the dialogue's own buttons (reporting.dialogue.conversation).
AREAS = (("通報する", "action=report"), ("状況", "action=status"), ("ヘルプ", "action=help"))


@dataclass(frozen=True)
class Outcome:
    rich_menu_id: str
    created: bool
    deleted: tuple[str, ...] = ()


def image() -> bytes:
    """The rich menu image the project ships (drawn by scripts/rich_menu_image.py)."""
    return resources.files("reporting.line").joinpath("rich_menu.png").read_bytes()


def definition(picture: bytes) -> dict[str, Any]:
    """The rich menu object LINE takes: three tap areas side by side, shown open."""
    width = WIDTH // len(AREAS)
    areas = [
        {
            "bounds": {
                "x": i * width,
                "y": 0,
                "width": WIDTH - i * width if i == len(AREAS) - 1 else width,
                "height": HEIGHT,
            },
            "action": {"type": "postback", "label": label, "data": data, "displayText": label},
        }
        for i, (label, data) in enumerate(AREAS)
    ]
    layout = {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": True,
        "chatBarText": "メニュー",
        "areas": areas,
    }
    digest = hashlib.sha256(json.dumps(layout, sort_keys=True).encode() + picture).hexdigest()
    return {**layout, "name": NAME_PREFIX + digest[:16]}


def ensure_default(line: LineClient, picture: bytes | None = None) -> Outcome:
    """Make this menu (with its image) the default, creating it only if it is not there."""
    picture = image() if picture is None else picture
    wanted = definition(picture)
    menus = line.rich_menus()
    found = next((menu_id for menu_id, name in menus if name == wanted["name"]), None)
    created = found is None
    menu_id = found if found is not None else line.create_rich_menu(wanted, picture)
    if line.default_rich_menu() != menu_id:
        line.set_default_rich_menu(menu_id)
    stale = tuple(
        other for other, name in menus if name.startswith(NAME_PREFIX) and other != menu_id
    )
    for other in stale:
        line.delete_rich_menu(other)
    return Outcome(menu_id, created, stale)
