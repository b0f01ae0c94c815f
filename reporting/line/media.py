"""After-repair photos for LINE's image messages, served at unguessable signed URLs.

LINE shows an image message by fetching it from the sender's server over HTTPS, without any
credentials. Each URL carries the photo's id signed with the application's secret key, so
nobody can guess another photo's; only after-repair photos are served here, never a
resident's. The URLs start with the ``PUBLIC_URL`` setting (``TSUHO_PUBLIC_URL``); without it,
image messages are left out of the push and the text still goes.
"""

import logging
from collections.abc import Callable

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import send_file
from flask.typing import ResponseReturnValue
from itsdangerous import BadData
from itsdangerous import URLSafeSerializer

from reporting.db import db
from reporting.line.api import Image
from reporting.models import Photo
from reporting.photos.store import PhotoNotFound

log = logging.getLogger(__name__)

bp = Blueprint("line_media", __name__, url_prefix="/line/media")

SALT = "tsuho.line.media"
# The full photo, and the thumbnail LINE shows in the chat.
SIZES = ("full", "preview")
# LINE fetches an image when the chat shows it, possibly days later, and may cache it.
MAX_AGE = 7 * 86_400

PhotoUrls = Callable[[int], Image | None]


def _signer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def photo_urls(app: Flask) -> PhotoUrls:
    """Return what turns a photo id into LINE's image message, or None without PUBLIC_URL."""
    base, secret = app.config.get("PUBLIC_URL"), app.config["SECRET_KEY"]

    def urls(photo_id: int) -> Image | None:
        if not base:
            log.warning("TSUHO_PUBLIC_URL is not set: photo %s is not sent to LINE", photo_id)
            return None
        path = f"{base.rstrip('/')}{bp.url_prefix}/{_signer(secret).dumps(photo_id)}"
        return Image(f"{path}/full.jpg", f"{path}/preview.jpg")

    return urls


@bp.get("/<token>/<size>.jpg")
def photo(token: str, size: str) -> ResponseReturnValue:
    """Send an after-repair photo, or its thumbnail, to whoever holds its signed URL."""
    try:
        photo_id = _signer(current_app.config["SECRET_KEY"]).loads(token)
    except BadData:
        abort(404)
    found = db.session.get(Photo, photo_id) if isinstance(photo_id, int) else None
    if size not in SIZES or found is None or found.kind != "after_repair":
        abort(404)
    key = found.storage_key if size == "full" else found.thumbnail_key
    try:
        file = current_app.extensions["tsuho.photos"].open(key)
    except PhotoNotFound:
        abort(404)
    response: Response = send_file(file, mimetype="image/jpeg", max_age=MAX_AGE)
    response.cache_control.public = True
    return response
