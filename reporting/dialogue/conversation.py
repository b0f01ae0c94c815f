"""The resident's reporting dialogue on LINE, as one pure function of values.

    outcome = handle(state, event, facts, city, now, settings)

No Flask, database, LINE client, clock or I/O here: the caller (the webhook job) loads
``State``, translates the webhook event into one of the event values below, looks up the
``Facts`` the event needs, calls ``handle``, then in one transaction persists
``outcome.state``, performs ``outcome.actions`` in order, and afterwards sends
``outcome.replies`` with the event's reply token. The function never mutates its arguments
and never raises on anything a resident can send (text, postback data, images, places).

Events (coordinates in lon, lat order)
    Follow(), Unfollow(), Text(text), Postback(data),
    Image(message_id, image_set_id, image_set_index, image_set_total),
    Location(lon, lat, address, title), Unsend(message_id), Unsupported(kind).
    ``Unsupported.kind`` in MESSAGE_KINDS (sticker, video, audio, file) is a message from the
    resident and gets a gentle reply; any other kind (join, leave, beacon, unknown...) is
    ignored: no replies, no actions, the same state. Group and room chats, and events in
    ``standby`` mode, never reach the dialogue (the channel answers or records them).

Facts the caller looks up (only what the event needs)
    Image:          facts.photo, the photo already downloaded and cleaned (PhotoOk) or not
                    (PhotoRefused, with reasons fit for the resident), in any step: a photo
                    sent first starts a report. None is read as a failed download.
    Location:       facts.place, where the point is (None: it could not be placed).
    Text, Postback: facts.recent_reports, the resident's latest reports (up to 5, newest
                    first), as any text may be a status request.
    Any event:      facts.nearby, the open reports within ``settings.same_radius_m`` of the
                    event's location, or else of the draft's point (``lon``/``lat``, or
                    ``border_point``); none when there is no point.

State (the caller persists step and draft on the conversation, the rest on the resident)
    ``State()`` is a new resident. ``draft`` is a JSON-serialisable dict: photos
    ([{message_id, content_hash}]), image_sets (sets still arriving), lon, lat, address,
    area_code, area_name_ja, area_name_en, category, subcategory, note, urgent, and the
    steps' bookkeeping (suggested kind, border_point, same_as, not_same, resume). In step
    "consent" it holds terms (the version shown), then ("report") and any report begun
    before agreeing (its photos stay attached). ``updated_at`` becomes ``now`` on every event
    that changes anything; a draft untouched for ``settings.resume_after`` is resumed only
    once the resident says so, and one untouched for ``settings.draft_idle_timeout`` is
    discarded on the next event the resident can be answered on. ``now`` and ``updated_at``
    must both be timezone-aware.

Actions, in the order given
    RecordConsent(version)  the resident agreed to these terms (store version and time);
                            ``outcome.state.consent_version`` already holds it.
    AttachPhoto(message_id, content_hash)
                            keep this event's cleaned photo on the draft. The photo of an Image
                            event without AttachPhoto is not wanted: delete it.
    DropPhoto(message_id)   delete this draft photo (unsent, retaken, or over the limit).
    DiscardDraft()          delete every photo of the draft; the draft JSON is already replaced.
    CreateReport(draft)     create the report from these values (category, subcategory,
                            photos, lon, lat, address, area_code, area_name_ja, area_name_en,
                            note, language, urgent), re-checking the area, and move the draft
                            photos onto it. ``handle`` returns no replies with it: the caller
                            owns receipt numbers and replies ``receipt_reply(number, language,
                            next_open)`` (the office's next working day when it came outside
                            office hours), or ``report_failed_reply(language)`` (deleting the
                            photos) if the report cannot be created.
    JoinReport(receipt)     the resident says an open report nearby is the same damage: add them
                            to its supporters (they then get its status notices); comes with
                            DiscardDraft and the dialogue's own reply.
    SetFollowed(followed)   the resident followed (True) or blocked the account (False).
    NotifyBlocked()         a blocked resident was told once; ``state.blocked_notified`` is True.

Rules the caller may rely on
    Blocked residents: one notice (naming the city's general contact) and NotifyBlocked on the
    first event that can be answered, then nothing at all; the state otherwise untouched.
    Consent: until a resident has agreed to any terms, only the consent answer, the language
    switch, help and emergency information are answered; a photo, place or message is held
    in the consent step with the terms shown, and taken up on agreement.
    Agreement to older terms still allows status and a draft already begun; a new report
    asks for the current terms first. A consent postback names its version and records only
    that version, if it is still the current one.
    Unfollow also discards the draft (SetFollowed(False), DiscardDraft()).

Replies respect LINE's limits, checked when values are built (ValueError, so a bad catalogue
fails loudly in tests): at most 5 per outcome, texts of at most 5,000 characters, at most 13
quick replies of at most 20 characters, and quick replies only on the last reply (LINE shows
them only there). A "uri" quick reply opens a ``tel:`` (or web) address.

Postback data are ``key=value`` pairs joined by ``&``: action=report|status|help|cancel|
emergency (rich menu and anywhere), lang=ja|en, consent=yes|no&v=<terms version>,
urgent=yes, kind=<category>.<subcategory>|other, nav=back|next|stay, photos=retake,
border=yes|no, same=yes|no, edit=kind|photos|location|note, note=clear, confirm=send,
resume=yes|no. Typed words (``texts.WORDS`` and the kind labels) do the same; commands work in
every step only when they are the whole message. Other text is kept as the report's note.

This module is the dialogue's public face; its parts live in ``reporting.dialogue``, one module
each (listed there). Import the dialogue from here.
"""

from reporting.dialogue.context import Draft
from reporting.dialogue.dispatch import handle
from reporting.dialogue.draft import DRAFT_STEPS
from reporting.dialogue.prompts import Prompt
from reporting.dialogue.values import DEFAULT_SETTINGS
from reporting.dialogue.values import MAX_DATA
from reporting.dialogue.values import MAX_QUICK_REPLIES
from reporting.dialogue.values import MAX_REPLIES
from reporting.dialogue.values import MAX_TEXT
from reporting.dialogue.values import MESSAGE_KINDS
from reporting.dialogue.values import Action
from reporting.dialogue.values import AttachPhoto
from reporting.dialogue.values import CreateReport
from reporting.dialogue.values import DiscardDraft
from reporting.dialogue.values import DropPhoto
from reporting.dialogue.values import Event
from reporting.dialogue.values import Facts
from reporting.dialogue.values import Follow
from reporting.dialogue.values import Image
from reporting.dialogue.values import JoinReport
from reporting.dialogue.values import Location
from reporting.dialogue.values import Message
from reporting.dialogue.values import NearbyReport
from reporting.dialogue.values import NotifyBlocked
from reporting.dialogue.values import Outcome
from reporting.dialogue.values import PhotoOk
from reporting.dialogue.values import PhotoRefused
from reporting.dialogue.values import Place
from reporting.dialogue.values import Postback
from reporting.dialogue.values import QuickReply
from reporting.dialogue.values import QuickReplyKind
from reporting.dialogue.values import RecordConsent
from reporting.dialogue.values import Reply
from reporting.dialogue.values import ReportSummary
from reporting.dialogue.values import SetFollowed
from reporting.dialogue.values import Settings
from reporting.dialogue.values import State
from reporting.dialogue.values import Text
from reporting.dialogue.values import Unfollow
from reporting.dialogue.values import Unsend
from reporting.dialogue.values import Unsupported
from reporting.dialogue.values import receipt_reply
from reporting.dialogue.values import report_failed_reply
from reporting.office_hours import JST

__all__ = [
    "DEFAULT_SETTINGS",
    "DRAFT_STEPS",
    "JST",
    "MAX_DATA",
    "MAX_QUICK_REPLIES",
    "MAX_REPLIES",
    "MAX_TEXT",
    "MESSAGE_KINDS",
    "Action",
    "AttachPhoto",
    "CreateReport",
    "DiscardDraft",
    "Draft",
    "DropPhoto",
    "Event",
    "Facts",
    "Follow",
    "Image",
    "JoinReport",
    "Location",
    "Message",
    "NearbyReport",
    "NotifyBlocked",
    "Outcome",
    "PhotoOk",
    "PhotoRefused",
    "Place",
    "Postback",
    "Prompt",
    "QuickReply",
    "QuickReplyKind",
    "RecordConsent",
    "Reply",
    "ReportSummary",
    "SetFollowed",
    "Settings",
    "State",
    "Text",
    "Unfollow",
    "Unsend",
    "Unsupported",
    "handle",
    "receipt_reply",
    "report_failed_reply",
]
