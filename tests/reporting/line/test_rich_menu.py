"""The rich menu command against the fake LINE Platform: created once, default, idempotent."""

import io
from collections.abc import Iterator

import pytest
from click.testing import Result
from flask import Flask
from PIL import Image

from reporting.line import rich_menu
from reporting.line.sandbox.fake.platform import FakeLinePlatform
from tests.conftest import AppFactory
from tests.reporting.line_world import line_config
from tests.reporting.line_world import line_platform


@pytest.fixture
def platform() -> Iterator[FakeLinePlatform]:
    with line_platform() as served:
        yield served


@pytest.fixture
def app(areas_db_url: str, make_app: AppFactory, platform: FakeLinePlatform) -> Iterator[Flask]:
    application = make_app(areas_db_url, **line_config(platform))
    yield application
    application.extensions["tsuho.line"].close()


def png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#0b6e4f").save(buffer, "PNG")
    return buffer.getvalue()


def run(app: Flask) -> Result:
    return app.test_cli_runner().invoke(args=["line", "rich-menu"])


def test_the_command_creates_the_menu_with_its_image_and_makes_it_the_default(
    app: Flask, platform: FakeLinePlatform
) -> None:
    result = run(app)
    assert result.exit_code == 0, result.output
    ((menu,),) = [platform.rich_menu_list()["richmenus"]]
    assert platform.default_rich_menu == menu["richMenuId"]
    assert [a["action"]["data"] for a in menu["areas"]] == [
        "action=report", "action=status", "action=help"
    ]
    assert [a["action"]["label"] for a in menu["areas"]] == ["通報する", "状況", "ヘルプ"]
    stored = platform.rich_menu_image(menu["richMenuId"])
    assert stored == rich_menu.image()
    with Image.open(rich_menu.__file__.replace("rich_menu.py", "rich_menu.png")) as picture:
        assert picture.size == (rich_menu.WIDTH, rich_menu.HEIGHT)


def test_running_it_again_changes_nothing(app: Flask, platform: FakeLinePlatform) -> None:
    assert run(app).exit_code == 0
    before = platform.rich_menu_list()
    again = run(app)
    assert again.exit_code == 0 and "already there" in again.output
    assert platform.rich_menu_list() == before


def test_a_new_image_replaces_only_the_menus_it_made(
    app: Flask, platform: FakeLinePlatform
) -> None:
    theirs = platform.create_rich_menu(
        {"size": {"width": 2500, "height": 843}, "selected": False, "name": "campaign",
         "chatBarText": "キャンペーン", "areas": []}
    )["richMenuId"]
    assert run(app).exit_code == 0
    (ours,) = [m for m in platform.rich_menu_list()["richmenus"] if m["name"] != "campaign"]
    other = png((rich_menu.WIDTH, rich_menu.HEIGHT))
    with app.app_context():
        done = rich_menu.ensure_default(app.extensions["tsuho.line"], other)
    assert done.created and done.deleted == (ours["richMenuId"],)
    names = {m["richMenuId"] for m in platform.rich_menu_list()["richmenus"]}
    assert names == {theirs, done.rich_menu_id}
    assert platform.default_rich_menu == done.rich_menu_id


def test_line_refusing_is_a_one_line_error(app: Flask, platform: FakeLinePlatform) -> None:
    platform.fail_next(5, status=500, endpoint="richmenu")
    result = run(app)
    assert result.exit_code != 0 and "LINE" in result.output


def test_the_fake_refuses_what_line_refuses(platform: FakeLinePlatform) -> None:
    from reporting.line.sandbox.fake.rules import ApiError

    with pytest.raises(ApiError):
        platform.create_rich_menu({"size": {"width": 100, "height": 100}, "areas": []})
    menu = platform.create_rich_menu(rich_menu.definition(rich_menu.image()))["richMenuId"]
    with pytest.raises(ApiError) as no_image:
        platform.set_default_rich_menu(menu)
    assert no_image.value.status == 400
    with pytest.raises(ApiError) as wrong_size:
        platform.upload_rich_menu_image(menu, png((800, 600)), "image/png")
    assert wrong_size.value.status == 400
    platform.upload_rich_menu_image(menu, rich_menu.image(), "image/png")
    with pytest.raises(ApiError):
        platform.upload_rich_menu_image(menu, rich_menu.image(), "image/png")
