"""The configuration contract and the city profiles."""

from pathlib import Path

import pytest

from app import create_app
from reporting.city_profile import InvalidProfile
from reporting.city_profile import UnknownCity
from reporting.city_profile import load_profile
from reporting.settings import ConfigError
from reporting.settings import database_url
from reporting.settings import from_environment


def test_plain_postgres_urls_use_psycopg_3() -> None:
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_defaults(tmp_path: Path) -> None:
    config = from_environment({"DATABASE_URL": "postgresql://x/y"}, tmp_path)
    assert config["TSUHO_CITY"] == "okayama"
    assert config["PHOTO_DIR"] == str(tmp_path / "var" / "photos")
    assert config["LINE_API_HOST"] is None
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://x/y"


def test_the_map_marker_limit_is_a_whole_number(tmp_path: Path) -> None:
    assert from_environment({}, tmp_path)["MAP_MARKER_LIMIT"] == 20_000
    assert from_environment({"MAP_MARKER_LIMIT": "500"}, tmp_path)["MAP_MARKER_LIMIT"] == 500
    with pytest.raises(ConfigError, match="MAP_MARKER_LIMIT"):
        from_environment({"MAP_MARKER_LIMIT": "20k"}, tmp_path)
    for wrong in (-1, "5", None):
        with pytest.raises(ConfigError, match="MAP_MARKER_LIMIT"):
            create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://x/y", "SECRET_KEY": "x",
                        "MAP_MARKER_LIMIT": wrong})


def test_the_public_url_is_https(tmp_path: Path) -> None:
    assert from_environment({}, tmp_path)["PUBLIC_URL"] is None
    found = from_environment({"TSUHO_PUBLIC_URL": "https://tsuho.city.example.jp"}, tmp_path)
    assert found["PUBLIC_URL"] == "https://tsuho.city.example.jp"
    with pytest.raises(ConfigError, match="TSUHO_PUBLIC_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://x/y", "SECRET_KEY": "x",
                    "PUBLIC_URL": "http://tsuho.city.example.jp"})


def test_a_local_secret_key_is_made_once_and_kept(tmp_path: Path) -> None:
    first = from_environment({}, tmp_path)["SECRET_KEY"]
    second = from_environment({}, tmp_path)["SECRET_KEY"]
    assert first == second
    assert len(first) == 64
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0


def test_the_local_cluster_is_found_without_database_url(tmp_path: Path) -> None:
    (tmp_path / "var" / "pg").mkdir(parents=True)
    (tmp_path / "var" / "pg" / "tsuho.port").write_text("55555\n")
    config = from_environment({}, tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://postgres@127.0.0.1:55555/tsuho"


def test_production_needs_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TSUHO_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql://x/y")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_no_database_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": None, "SECRET_KEY": "x"})


@pytest.mark.parametrize(
    "name, codes, phone",
    [
        ("okayama", {"33100", "33101", "33102", "33103", "33104"}, "086-803-1000"),
        ("meguro", {"13110"}, "03-3715-1111"),
        ("edogawa", {"13123"}, "03-3652-1151"),
    ],
)
def test_bundled_profiles(name: str, codes: set[str], phone: str) -> None:
    profile = load_profile(name)
    assert profile.service_area == codes
    assert profile.emergency_phone == phone
    assert profile.terms.version
    assert "個人情報" in profile.terms.ja
    road = profile.category("road")
    assert road is not None
    assert [s.ja for s in road.subcategories][:2] == ["穴・陥没", "ひび割れ・段差"]
    park = profile.category("park")
    assert park is not None and park.subcategory("playground") is not None


def test_every_profile_area_has_a_bundled_boundary() -> None:
    from gis.boundaries import bundled_file

    for name in ("okayama", "meguro", "edogawa"):
        for code in load_profile(name).area_codes:
            assert bundled_file(code).exists()


def test_unknown_city_lists_the_bundled_ones() -> None:
    with pytest.raises(UnknownCity, match="edogawa, meguro, okayama"):
        load_profile("atlantis")


def test_a_label_too_long_for_line_is_refused(tmp_path: Path) -> None:
    text = Path("reporting/city_profiles/_categories.toml").read_text(encoding="utf-8")
    path = tmp_path / "long.toml"
    meguro = Path("reporting/city_profiles/meguro.toml").read_text(encoding="utf-8")
    path.write_text(meguro + text.replace('en = "Bench / fence"', 'en = "' + "x" * 21 + '"'))
    with pytest.raises(InvalidProfile, match="'bench' is over 20 characters"):
        load_profile(str(path))


def test_a_profile_file_by_path(tmp_path: Path) -> None:
    text = (Path("reporting/city_profiles/meguro.toml")).read_text(encoding="utf-8")
    path = tmp_path / "mycity.toml"
    path.write_text(text.replace("notify_status_changes = true", "notify_status_changes = false"))
    profile = load_profile(str(path))
    assert profile.key == "mycity"
    assert profile.notify_status_changes is False


def test_the_public_site_is_on_with_cc_by_unless_the_profile_says_otherwise(
    tmp_path: Path,
) -> None:
    meguro = load_profile("meguro")
    assert meguro.public.enabled and meguro.public.licence == "CC BY 4.0"
    assert meguro.attribution == "目黒区 道路・公園損傷通報"
    text = Path("reporting/city_profiles/meguro.toml").read_text(encoding="utf-8")
    path = tmp_path / "closed.toml"
    path.write_text(text + '\n[public]\nenabled = false\nlicence = "CC0 1.0"\n')
    closed = load_profile(str(path))
    assert not closed.public.enabled and closed.public.licence == "CC0 1.0"


@pytest.mark.parametrize(
    "table", ['enabled = "no"', 'licence = 4', 'colour = "blue"']
)
def test_a_wrong_public_setting_is_refused(tmp_path: Path, table: str) -> None:
    text = Path("reporting/city_profiles/meguro.toml").read_text(encoding="utf-8")
    path = tmp_path / "wrong.toml"
    path.write_text(text + f"\n[public]\n{table}\n")
    with pytest.raises(InvalidProfile, match=r"\[public\]"):
        load_profile(str(path))


def test_the_hardening_settings(tmp_path: Path) -> None:
    found = from_environment(
        {
            "TSUHO_TRUSTED_PROXIES": "127.0.0.1, 172.28.0.0/16",
            "TSUHO_TRUSTED_HOSTS": "tsuho.city.example.jp, localhost",
            "TSUHO_MAX_CONCURRENT_EXPORTS": "3",
            "TSUHO_ADMIN_LOGIN": "okayama-it",
        },
        tmp_path,
    )
    assert found["TRUSTED_HOSTS"] == ["tsuho.city.example.jp", "localhost"]
    assert found["MAX_CONCURRENT_EXPORTS"] == 3
    assert found["ADMIN_LOGIN"] == "okayama-it"
    assert found["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
    defaults = from_environment({}, tmp_path)
    assert defaults["TRUSTED_HOSTS"] is None and defaults["TRUSTED_PROXIES"] == ""
    assert defaults["ADMIN_LOGIN"] == "admin"
    base = {"SQLALCHEMY_DATABASE_URI": "postgresql://x/y", "SECRET_KEY": "x"}
    with pytest.raises(ConfigError, match="TSUHO_TRUSTED_PROXIES"):
        create_app({**base, "TRUSTED_PROXIES": "nginx.internal"})
    with pytest.raises(ConfigError, match="TSUHO_MAX_CONCURRENT_EXPORTS"):
        create_app({**base, "MAX_CONCURRENT_EXPORTS": 0})
