"""The staff forms' base class: what a wrong field says, in plain words (Japanese first).

WTForms' own messages read like a library ("フィールドは 100 文字を超えることはできません。");
every staff form says instead what to do ("100 文字以内で入力してください。"), through our
catalogue. A message not listed here keeps WTForms' wording.
"""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

# WTForms' message (its singular where it has a plural) -> ours.
MESSAGES = {
    "This field is required.": _l("Please fill this in."),
    "Field must be at least %(min)d character long.": _l(
        "Please enter at least %(min)d characters."
    ),
    "Field cannot be longer than %(max)d character.": _l(
        "Please enter no more than %(max)d characters."
    ),
    "Field must be between %(min)d and %(max)d characters long.": _l(
        "Please enter between %(min)d and %(max)d characters."
    ),
    "Field must be exactly %(max)d character long.": _l("Please enter exactly %(max)d characters."),
    "Not a valid choice.": _l("Please choose one of the options."),
    "Invalid input.": _l("Please check what you entered."),
    "Not a valid integer value.": _l("Please enter a whole number."),
}


class _Messages:
    """The translations object WTForms asks for its messages."""

    def gettext(self, string: str) -> str:
        return str(MESSAGES.get(string, string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = MESSAGES.get(singular)
        if found is not None:
            return str(found)
        return singular if n == 1 else plural


class StaffForm(FlaskForm):
    """A form of the staff pages, with CSRF protection and messages in plain words."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> _Messages:
            return _Messages()
