"""One event with everything ``handle`` was given, and the resident's language for replies."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import TypeAlias

from reporting.city_profile import CityProfile
from reporting.dialogue import texts as catalogue
from reporting.dialogue.values import Event
from reporting.dialogue.values import Facts
from reporting.dialogue.values import Settings
from reporting.dialogue.values import State

Draft: TypeAlias = dict[str, Any]


@dataclass(frozen=True)
class Ctx:
    """One event and everything it is answered with; handlers pass it on, never change it."""

    state: State
    event: Event
    facts: Facts
    city: CityProfile
    now: datetime
    settings: Settings

    @property
    def lang(self) -> str:
        return catalogue.EN if self.state.language == catalogue.EN else catalogue.JA

    @property
    def draft(self) -> Draft:
        """A fresh copy of the draft, so handlers may change it; a corrupt draft reads empty."""
        draft = self.state.draft
        return dict(draft) if isinstance(draft, Mapping) else {}

    @property
    def city_name(self) -> str:
        return catalogue.pick((self.city.name_ja, self.city.name_en), self.lang)

    def say(self, key: str, **fields: object) -> str:
        return catalogue.say(key, self.lang, **fields)

    def label(self, key: str) -> str:
        return catalogue.label(key, self.lang)

    def needs_consent(self) -> bool:
        return self.state.consent_version != self.city.terms.version
