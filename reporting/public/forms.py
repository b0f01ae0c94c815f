"""The web report form: what a resident fills in, checked field by field in plain words."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DecimalField
from wtforms import MultipleFileField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import ValidationError

from reporting.public.web_reports import MAX_NOTE
from reporting.public.web_reports import MAX_PHOTOS


def _photo_count(form: FlaskForm, field: MultipleFileField) -> None:
    files = [f for f in field.data or [] if getattr(f, "filename", "")]
    if not files:
        raise ValidationError(_l("Please add at least one photo of the damage."))
    if len(files) > MAX_PHOTOS:
        raise ValidationError(_l("Please send at most %(n)s photos.", n=MAX_PHOTOS))


class WebReportForm(FlaskForm):
    """Kind, photos, place (GPS or a pin), note and consent; ``website`` is the honeypot."""

    kind = SelectField(
        _l("Kind of damage"), validators=[InputRequired(_l("Please choose the kind of damage."))]
    )
    photos = MultipleFileField(_l("Photos (1 to 4)"), validators=[_photo_count])
    lon = DecimalField(
        _l("Longitude"), places=None,
        validators=[InputRequired(_l("Please mark the place on the map or use your location.")),
                    NumberRange(-180, 180)],
    )  # fmt: skip
    lat = DecimalField(
        _l("Latitude"), places=None,
        validators=[InputRequired(_l("Please mark the place on the map or use your location.")),
                    NumberRange(-90, 90)],
    )  # fmt: skip
    note = TextAreaField(
        _l("What is wrong, and where exactly (optional)"),
        validators=[Length(max=MAX_NOTE, message=_l(
            "Please keep the note under %(max)s characters.", max=MAX_NOTE))],
    )  # fmt: skip
    consent = BooleanField(
        _l("I agree to the terms of use"),
        validators=[DataRequired(_l("Please read the terms and agree to them to send a report."))],
    )
    # Hidden from people by the stylesheet and from screen readers; bots fill it in.
    website = StringField(_l("Leave this empty"))
