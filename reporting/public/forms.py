"""The web report form: what a resident fills in, checked field by field in plain words."""

import math
import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import Field
from wtforms import MultipleFileField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import ValidationError

from reporting.public.web_reports import MAX_NOTE
from reporting.public.web_reports import MAX_PHOTOS

# Text a report may hold: no control characters but tab and line breaks, no lone surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
NO_PLACE = _l("Please mark the place on the map or use your location.")
# WTForms' own words for a wrong choice read like a library; ours say what to do.
MESSAGES = {"Not a valid choice.": _l("Please choose one of the options.")}


class _Messages:
    """The translations object WTForms asks for its messages."""

    def gettext(self, string: str) -> str:
        return str(MESSAGES.get(string, string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(MESSAGES.get(singular, singular if n == 1 else plural))


def _photo_count(form: FlaskForm, field: MultipleFileField) -> None:
    files = [f for f in field.data or [] if getattr(f, "filename", "")]
    if not files:
        raise ValidationError(_l("Please add at least one photo of the damage."))
    if len(files) > MAX_PHOTOS:
        raise ValidationError(_l("Please send at most %(n)s photos.", n=MAX_PHOTOS))


def _degrees(limit: float) -> Any:
    """A validator of a coordinate: a finite decimal number within ±limit."""

    def check(form: FlaskForm, field: Field) -> None:
        text = (field.data or "").strip()
        try:
            value = float(text)
        except ValueError:
            raise ValidationError(NO_PLACE) from None
        if len(text) > 30 or not math.isfinite(value) or abs(value) > limit:
            raise ValidationError(NO_PLACE)

    return check


def _plain_text(form: FlaskForm, field: Field) -> None:
    if _CONTROL.search(field.data or ""):
        raise ValidationError(_l("Please remove the control characters from the note."))


class WebReportForm(FlaskForm):
    """Kind, photos, place (GPS or a pin), note and consent; ``website`` is the honeypot."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> _Messages:
            return _Messages()

    kind = SelectField(
        _l("Kind of damage"), validators=[InputRequired(_l("Please choose the kind of damage."))]
    )
    photos = MultipleFileField(_l("Photos (1 to 4)"), validators=[_photo_count])
    lon = StringField(_l("Longitude"), validators=[InputRequired(NO_PLACE), _degrees(180)])
    lat = StringField(_l("Latitude"), validators=[InputRequired(NO_PLACE), _degrees(90)])
    note = TextAreaField(
        _l("What is wrong, and where exactly (optional)"),
        validators=[Length(max=MAX_NOTE, message=_l(
            "Please keep the note under %(max)s characters.", max=MAX_NOTE)), _plain_text],
    )  # fmt: skip
    consent = BooleanField(
        _l("I agree to the terms of use"),
        validators=[DataRequired(_l("Please read the terms and agree to them to send a report."))],
    )
    # Hidden from people by the stylesheet and from screen readers; bots fill it in.
    website = StringField(_l("Leave this empty"))
