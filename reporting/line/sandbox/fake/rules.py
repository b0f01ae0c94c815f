"""What the fake LINE Platform refuses, as LINE documents it, with LINE's error bodies."""

from __future__ import annotations

import hmac
import re
from typing import Any

# Message types LINE documents for sending (textV2, coupon are newer; line-bot-sdk knows them).
MESSAGE_TYPES = frozenset({"text", "textV2", "image", "video", "audio", "location", "sticker",
                           "imagemap", "template", "flex", "coupon"})
# Types LINE returns a quoteToken for in sentMessages, so a later message can quote them.
QUOTABLE_TYPES = frozenset({"text", "textV2", "sticker", "image", "video"})
MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_QUICK_REPLY_ITEMS = 13
MAX_LABEL = 20
# An image message's URLs: HTTPS, at most 2000 characters (LINE fetches them itself).
MAX_URL = 2000
RETRY_KEY = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


class ApiError(Exception):
    """An error answered in LINE's shape: {"message", "details": [{"message", "property"}]}."""

    def __init__(self, status: int, message: str, details: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, **(extra or {})}
        if details:
            self.body["details"] = details
        self.headers = headers or {}


def check_token(authorization: str | None, channel_access_token: str) -> None:
    """Refuse a call without the channel access token as a bearer token."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme != "Bearer" or not token:
        raise ApiError(401, "Authorization header required. "
                            "Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'")
    if not hmac.compare_digest(token.encode(), channel_access_token.encode()):
        raise ApiError(401, "Authentication failed. Confirm that the access token"
                            " in the authorization header is valid.")


def check_reply(body: dict[str, Any]) -> None:
    """Refuse a reply body LINE would refuse, before its token is looked at."""
    errors = _messages_errors(body.get("messages"))
    if not isinstance(body.get("replyToken"), str):
        errors.insert(0, _detail("May not be empty", "replyToken"))
    if errors:
        raise _invalid_body(errors)


def check_push(body: dict[str, Any], retry_key: str | None) -> None:
    """Refuse a push body, or a retry key that is not a UUID, as LINE would."""
    if retry_key is not None and not RETRY_KEY.fullmatch(retry_key):
        raise ApiError(400, "The retry key is invalid. Specify it as a UUID in hexadecimal")
    errors = _messages_errors(body.get("messages"))
    if not isinstance(body.get("to"), str) or not body["to"]:
        errors.insert(0, _detail("May not be empty", "to"))
    if errors:
        raise _invalid_body(errors)


def loading_seconds(body: dict[str, Any]) -> int:
    """The seconds a loading animation asks for, refusing what LINE refuses."""
    seconds = body.get("loadingSeconds", 20)  # LINE's default when it is left out
    errors = []
    if not isinstance(body.get("chatId"), str) or not body["chatId"]:
        errors.append(_detail("May not be empty", "chatId"))
    if type(seconds) is not int or not 60 >= seconds >= 5 or seconds % 5:
        errors.append(_detail("Must be a multiple of 5 between 5 and 60", "loadingSeconds"))
    if errors:
        raise _invalid_body(errors)
    return seconds


def _detail(message: str, prop: str) -> dict[str, str]:
    return {"message": message, "property": prop}


def _invalid_body(details: list[dict[str, str]]) -> ApiError:
    return ApiError(400, f"The request body has {len(details)} error(s)", details)


def _messages_errors(messages: Any) -> list[dict[str, str]]:
    """Check LINE's documented limits on message objects; return one detail per violation."""
    if not isinstance(messages, list) or not MAX_MESSAGES >= len(messages) >= 1:
        return [_detail(f"Size must be between 1 and {MAX_MESSAGES}", "messages")]
    errors = []
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        kind = message.get("type") if isinstance(message, dict) else None
        if kind not in MESSAGE_TYPES:
            allowed = ", ".join(sorted(MESSAGE_TYPES))
            errors.append(_detail(f"Must be one of: {allowed}", f"{where}.type"))
            continue
        if kind in ("text", "textV2"):
            text = message.get("text")
            if not isinstance(text, str) or not text:
                errors.append(_detail("May not be empty", f"{where}.text"))
            elif len(text) > MAX_TEXT:
                errors.append(_detail(f"Length must be between 0 and {MAX_TEXT}", f"{where}.text"))
        if kind == "image":
            errors += _image_errors(message, where)
        if "quickReply" in message:
            errors += _quick_reply_errors(message["quickReply"], f"{where}.quickReply")
    return errors


def _image_errors(message: dict[str, Any], where: str) -> list[dict[str, str]]:
    errors = []
    for prop in ("originalContentUrl", "previewImageUrl"):
        url = message.get(prop)
        if not isinstance(url, str) or not url:
            errors.append(_detail("May not be empty", f"{where}.{prop}"))
        elif not url.startswith("https://"):
            errors.append(_detail("Must be a valid HTTPS URL", f"{where}.{prop}"))
        elif len(url) > MAX_URL:
            errors.append(_detail(f"Length must be between 0 and {MAX_URL}", f"{where}.{prop}"))
    return errors


def _quick_reply_errors(quick_reply: Any, where: str) -> list[dict[str, str]]:
    items = quick_reply.get("items") if isinstance(quick_reply, dict) else None
    if not isinstance(items, list) or not MAX_QUICK_REPLY_ITEMS >= len(items) >= 1:
        return [_detail(f"Size must be between 1 and {MAX_QUICK_REPLY_ITEMS}", f"{where}.items")]
    errors = []
    for j, item in enumerate(items):
        action = item.get("action") if isinstance(item, dict) else None
        if not isinstance(action, dict) or not action.get("type"):
            errors.append(_detail("May not be null", f"{where}.items[{j}].action"))
        elif len(str(action.get("label", ""))) > MAX_LABEL:
            errors.append(_detail(f"Length must be between 0 and {MAX_LABEL}",
                                  f"{where}.items[{j}].action.label"))
    return errors


# Rich menus, as LINE documents them.
MAX_RICH_MENU_IMAGE = 1024 * 1024
MAX_AREAS = 20


def check_rich_menu(body: dict[str, Any]) -> None:
    """Refuse a rich menu object LINE would refuse."""
    errors = []
    size = body.get("size")
    width, height = (size.get("width"), size.get("height")) if isinstance(size, dict) else (0, 0)
    if not (isinstance(width, int) and isinstance(height, int) and 800 <= width <= 2500
            and height >= 250 and width / height >= 1.45):
        errors.append(_detail("Must be 800-2500 wide, 250 or more high, ratio 1.45 or more",
                              "size"))
        width = height = 0
    if not isinstance(body.get("selected"), bool):
        errors.append(_detail("May not be null", "selected"))
    name, bar = body.get("name"), body.get("chatBarText")
    if not isinstance(name, str) or not 1 <= len(name) <= 300:
        errors.append(_detail("Length must be between 1 and 300", "name"))
    if not isinstance(bar, str) or not 1 <= len(bar) <= 14:
        errors.append(_detail("Length must be between 1 and 14", "chatBarText"))
    areas = body.get("areas")
    if not isinstance(areas, list) or len(areas) > MAX_AREAS:
        errors.append(_detail(f"Size must be between 0 and {MAX_AREAS}", "areas"))
        areas = []
    for i, area in enumerate(areas):
        bounds = area.get("bounds") if isinstance(area, dict) else None
        raw = [bounds.get(k) for k in ("x", "y", "width", "height")] if isinstance(
            bounds, dict) else []
        box = [v for v in raw if isinstance(v, int) and not isinstance(v, bool) and v >= 0]
        if not (len(box) == 4 and box[0] + box[2] <= width and box[1] + box[3] <= height):
            errors.append(_detail("Must lie within the rich menu", f"areas[{i}].bounds"))
        action = area.get("action") if isinstance(area, dict) else None
        if not isinstance(action, dict) or not action.get("type"):
            errors.append(_detail("May not be null", f"areas[{i}].action"))
    if errors:
        raise _invalid_body(errors)


def check_rich_menu_image(data: bytes, content_type: str | None, size: dict[str, int]) -> None:
    """Refuse an image LINE would refuse for this rich menu (PNG or JPEG, its exact size)."""
    kind = (content_type or "").split(";")[0].strip()
    if kind not in ("image/png", "image/jpeg"):
        raise ApiError(415, "Unsupported Media Type")
    if len(data) > MAX_RICH_MENU_IMAGE:
        raise ApiError(413, "Request Entity Too Large")
    if _image_size(data) != (size.get("width"), size.get("height")):
        raise ApiError(400, "An image size is not match to a richmenu size")


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR or a JPEG's SOF marker, without decoding it."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    i = 2
    while data[:2] == b"\xff\xd8" and i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7],
                                                                             "big")
        i += 2 + length
    return None
