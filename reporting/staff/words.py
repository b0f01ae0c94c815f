"""The glossary's words in the page's language, for the staff templates and views."""

from dataclasses import dataclass
from functools import cached_property

from flask import current_app
from flask_babel import get_locale

from reporting import glossary
from reporting import i18n
from reporting.city_profile import CityProfile


@dataclass(frozen=True)
class Words:
    """Statuses, priorities, categories, actions and history details, in one language."""

    language: str
    city: CityProfile

    @cached_property
    def statuses(self) -> dict[str, str]:
        """Each status's word, in the order of reporting.models.REPORT_STATUSES."""
        return glossary.labels(glossary.STATUSES, self.language)

    @cached_property
    def priorities(self) -> dict[int, str]:
        return glossary.labels(glossary.PRIORITIES, self.language)

    @cached_property
    def managers(self) -> dict[str, str]:
        return glossary.labels(glossary.ROAD_MANAGERS, self.language)

    @cached_property
    def hide_reasons(self) -> dict[str, str]:
        return glossary.labels(glossary.HIDE_REASONS, self.language)

    @property
    def open(self) -> str:
        """The word for the open statuses together."""
        return glossary.OPEN.said(self.language)

    def status(self, code: str | None) -> str:
        return glossary.word(glossary.STATUSES, code or "", self.language)

    def action(self, code: str) -> str:
        return glossary.word(glossary.ACTIONS, code, self.language)

    def actor(self, code: str) -> str:
        return glossary.word(glossary.ACTORS, code, self.language)

    def history(self, code: str) -> str:
        return glossary.word(glossary.HISTORY, code, self.language)

    def category(self, code: str) -> str:
        return glossary.category_word(self.city, code, self.language)

    def kind(self, code: str, subcategory: str | None) -> str:
        """The category and subcategory, as 「道路 / 穴・陥没」."""
        return glossary.kind_word(self.city, code, subcategory, self.language)


def page_words() -> Words:
    """Return the words of the current request's language and city."""
    language = i18n.language(str(get_locale() or i18n.DEFAULT_LANGUAGE))
    return Words(language, current_app.extensions["tsuho.city"])
