"""Every word the reporting dialogue shows residents or understands from them, in ja and en.

Texts are ``str.format`` templates; values (addresses, notes, names) are substituted as data and
never re-read as templates. Labels are quick-reply buttons (at most 20 characters on LINE).
Words are what a resident may type instead of tapping; they are compared after NFKC
normalisation and case folding, so full-width and upper-case variants match too.
"""

from collections.abc import Mapping
from typing import Final

from reporting import glossary

JA: Final = "ja"
EN: Final = "en"

# key: (ja, en)
TEXTS: Final[Mapping[str, tuple[str, str]]] = {
    "welcome": (
        "{city}の道路・公園の損傷通報窓口です。"
        "写真と位置情報で、道路や公園の傷みを市に知らせることができます。",
        "This is {city}'s account for reporting damaged roads and parks. "
        "Send photos and a location to let the city know.",
    ),
    "terms": (
        "{terms}\n\n上記の利用規約に同意いただける場合は「同意する」を押してください。",
        "{terms}\n\nIf you agree to these terms of use, please tap \u201cAgree\u201d.",
    ),
    "consent_thanks": (
        "ご同意ありがとうございます。",
        "Thank you for agreeing to the terms of use.",
    ),
    "declined": (
        "利用規約に同意いただけない場合、通報は受け付けられません。"
        "同意いただける場合は、いつでも「通報」と送ってください。規約をもう一度お示しします。",
        "We cannot accept reports without agreement to the terms of use. "
        "If you change your mind, send \u201creport\u201d at any time and we will show them again.",
    ),
    "welcome_back": (
        "おかえりなさい。",
        "Welcome back.",
    ),
    "idle": (
        "「通報」と送るか「通報する」を押すと、損傷の通報を始められます。",
        "Send \u201creport\u201d or tap \u201cReport\u201d to report damage.",
    ),
    "idle_photo": (
        "写真ありがとうございます。通報は「通報する」を押して、種類を選んでから写真を送ってください。",
        "Thank you for the photo. To report, tap \u201cReport\u201d, choose the kind of damage, "
        "then send the photos.",
    ),
    "in_progress": (
        "通報を入力中です。続きから進めてください。最初からやり直す場合は「中止」と送ってください。",
        "You are in the middle of a report; please continue below. "
        "To start again, send \u201ccancel\u201d first.",
    ),
    "category": (
        "通報する内容を選んでください。",
        "What would you like to report? Please choose.",
    ),
    "not_understood": (
        "すみません、わかりませんでした。",
        "Sorry, we did not understand that.",
    ),
    "photo_too_early": (
        "まず種類を選んでください。写真はその後で送れます。",
        "Please choose the kind of damage first; you can send photos after that.",
    ),
    "location_too_early": (
        "まず種類を選んでください。場所はその後で伺います。",
        "Please choose the kind of damage first; we will ask for the place after that.",
    ),
    "photo_late": (
        "写真の受付は済んでいるため、この写真は追加していません。",
        "Your photos are already in, so this one was not added.",
    ),
    "emergency": (
        "事故につながるような緊急の危険は、{city}（{phone}）へお電話ください。"
        "人の命に関わる場合は、すぐに110番（警察）または119番（消防・救急）へ通報してください。",
        "For an urgent danger that could cause an accident, please call {city} on {phone}. "
        "If anyone's life is at risk, call 110 (police) or 119 (fire and ambulance) now.",
    ),
    "subcategory": (
        "{category}のどのような損傷ですか？",
        "{category}: what kind of damage is it?",
    ),
    "photos_first": (
        "損傷の写真を1〜{max}枚送ってください。まとめて選んで送ることもできます。",
        "Please send 1 to {max} photos of the damage. You can pick several at once.",
    ),
    "photos_more": (
        "あと{left}枚送れます。送り終えたら「次へ」を押してください。",
        "You can send {left} more. When you are done, tap \u201cNext\u201d.",
    ),
    "photos_needed": (
        "次へ進むには、写真が1枚以上必要です。",
        "At least one photo is needed before going on.",
    ),
    "location_before_photos": (
        "先に写真を送ってください。場所はその後で伺います。",
        "Please send a photo first; we will ask for the place after that.",
    ),
    "photo_ack": (
        "写真を受け付けました ({count}/{max})",
        "Photo received ({count}/{max})",
    ),
    "photo_set_ack": (
        "写真を{added}枚受け付けました ({count}/{max})",
        "Photos received: {added} ({count}/{max})",
    ),
    "photo_over": (
        "写真は{max}枚までのため、{over}枚は受け付けていません。",
        "Up to {max} photos can be sent, so {over} were not accepted.",
    ),
    "photo_refused": (
        "{reason}\nお手数ですが、写真を送り直してください。",
        "{reason}\nPlease send the photo again.",
    ),
    "photo_missing": (
        "写真を受け取れませんでした。",
        "We could not receive the photo.",
    ),
    "photo_duplicate": (
        "同じ写真はすでに受け付けています。",
        "This photo has already been received.",
    ),
    "location": (
        "損傷の場所を位置情報で送ってください。"
        "「位置情報を送る」を押すと、地図で場所を選べます（住所の文字入力には対応していません）。",
        "Please send the location of the damage. Tap \u201cSend location\u201d to pick the place "
        "on a map (typed addresses cannot be used).",
    ),
    "typed_location": (
        "すみません、文字では場所を受け付けられません。",
        "Sorry, a place cannot be taken from typed text.",
    ),
    "location_ok": (
        "{area}で受け付けます。",
        "Location: {area}.",
    ),
    "location_outside": (
        "この地点は{place}で、{city}の外です。{city}の道路・公園のみ受け付けています。"
        "{place}の道路・公園については、{place}へお問い合わせください。",
        "This point is in {place}, outside {city}. We can only accept reports about roads and "
        "parks in {city}; for {place}, please contact {place} directly.",
    ),
    "location_outside_near": (
        "{city}との境界のすぐ外側です。{city}側の場所であれば、少し位置をずらして送ってください。",
        "It is just outside the {city} border. If the damage is on the {city} side, "
        "please move the pin slightly and send it again.",
    ),
    "location_unknown": (
        "この地点は{city}内として確認できませんでした（{city}の外や海上の地点など）。",
        "We could not place this point in {city} (it may be outside {city} or at sea).",
    ),
    "border": (
        "市の境界付近です（{area}）。この位置でよろしいですか？",
        "This point is near the city border ({area}). Is this the right place?",
    ),
    "note": (
        "補足があれば{max}文字以内で入力してください（例: 歩道側、深さ10cmほど）。"
        "なければ「スキップ」を押してください。",
        "Add a note if you like, up to {max} characters (e.g. \u201cpavement side, about "
        "10 cm deep\u201d). Otherwise tap \u201cSkip\u201d.",
    ),
    "note_too_long": (
        "補足は{max}文字以内でお願いします（いまは{length}文字です）。"
        "短くして送り直すか、「スキップ」を押してください。",
        "Please keep the note to {max} characters (this one has {length}). "
        "Send a shorter note or tap \u201cSkip\u201d.",
    ),
    "confirm": (
        "この内容で通報します。よろしければ「送信」を押してください。\n"
        "内容: {category} / {subcategory}\n写真: {photos}枚\n場所: {place}\n補足: {note}",
        "Please check your report and tap \u201cSend\u201d.\n"
        "Kind: {category} / {subcategory}\nPhotos: {photos}\nPlace: {place}\nNote: {note}",
    ),
    "none": ("なし", "none"),
    "restarted": (
        "これまでの入力内容と写真を削除しました。最初から入力してください。",
        "Your report so far and its photos have been deleted. Let's start again.",
    ),
    "cancelled": (
        "通報を中止しました。入力内容と写真は削除しました。",
        "Your report was cancelled; what you sent for it has been deleted.",
    ),
    "nothing_to_cancel": (
        "入力中の通報はありません。",
        "There is no report in progress.",
    ),
    "expired": (
        "しばらく操作がなかったため、入力途中の通報を取り消しました。",
        "Your unfinished report was cancelled because it was left idle for a while.",
    ),
    "unsupported": (
        "スタンプ・動画・音声・ファイルには対応していません。",
        "Stickers, videos, audio and files cannot be used.",
    ),
    "status_none": (
        "まだ通報はありません。",
        "You have not sent any reports yet.",
    ),
    "status_header": (
        "最近の通報（新しい順）",
        "Your recent reports (newest first)",
    ),
    "status_kind": (
        "{category}（{subcategory}）",
        "{category} ({subcategory})",
    ),
    "status_line": (
        "・{receipt} {category}：{status}（{date}）",
        "- {receipt} {category}: {status} ({date})",
    ),
    "help": (
        "【通報のしかた】\n"
        "1.「通報」と送る\n2. 内容を選ぶ\n3. 写真を1〜{max}枚送る\n4. 位置情報を送る\n"
        "5. 補足を入力（省略可）して「送信」\n受付番号をお知らせします。\n\n"
        "「状況」: 最近の通報の対応状況\n「中止」: 入力中の通報を取り消す\n"
        "「English」: 英語で表示\n\n"
        "緊急の場合は{city}（{phone}）へお電話ください。命に関わる場合は110番・119番へ。",
        "How to report:\n"
        "1. Send \u201creport\u201d\n2. Choose the kind of damage\n3. Send 1 to {max} photos\n"
        "4. Send the location\n5. Add a note (optional) and tap \u201cSend\u201d\n"
        "You will get a receipt number.\n\n"
        "\u201cstatus\u201d: your recent reports\n"
        "\u201ccancel\u201d: cancel the report in progress\n"
        "\u201c日本語\u201d: switch to Japanese\n\n"
        "In an emergency call {city} on {phone}; if a life is at risk, call 110 or 119.",
    ),
    "language_set": (
        "日本語で表示します。",
        "Switched to English.",
    ),
    "blocked": (
        "ご利用を停止しています。お問い合わせは{city}（{phone}）までお願いします。",
        "Your use of this service has been suspended. For enquiries, please call {city} on "
        "{phone}.",
    ),
    # For the caller, which owns receipt numbers (see reporting.dialogue.conversation).
    "receipt": (
        "通報を受け付けました。受付番号は {receipt} です。ご協力ありがとうございます。"
        "対応状況は「状況」と送ると確認できます。",
        "Your report has been received. Your receipt number is {receipt}. Thank you. "
        "Send \u201cstatus\u201d to see how it is going.",
    ),
    "report_failed": (
        "申し訳ありません。通報を登録できませんでした。お手数ですが、もう一度「通報」から送ってください。",
        "Sorry, your report could not be registered. Please send \u201creport\u201d to try again.",
    ),
}

LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "agree": ("同意する", "Agree"),
    "disagree": ("同意しない", "Disagree"),
    "report": ("通報する", "Report"),
    "report_another": ("続けて通報", "Report another"),
    "status": ("状況を確認", "Check status"),
    "help": ("ヘルプ", "Help"),
    "other_language": ("English", "日本語"),
    "emergency": ("危険・緊急", "Danger / emergency"),
    "back": ("戻る", "Back"),
    "camera": ("カメラで撮る", "Take a photo"),
    "camera_roll": ("写真を選ぶ", "Choose photos"),
    "next": ("次へ", "Next"),
    "location": ("位置情報を送る", "Send location"),
    "yes": ("はい", "Yes"),
    "no": ("いいえ", "No"),
    "skip": ("スキップ", "Skip"),
    "send": ("送信", "Send"),
    "restart": ("やり直す", "Start over"),
    "cancel": ("中止", "Cancel"),
}

# Report statuses in words: the glossary's, the same staff and the statistics use.
STATUS_WORDS: Final[Mapping[str, tuple[str, str]]] = {
    status: (word.ja, word.en) for status, word in glossary.STATUSES.items()
}

# What residents may type; both languages are understood whatever the display language.
WORDS: Final[Mapping[str, frozenset[str]]] = {
    "report": frozenset({"通報", "通報する", "つうほう", "report", "report damage"}),
    "cancel": frozenset({"中止", "中止する", "キャンセル", "やめる", "cancel", "stop"}),
    "status": frozenset({"状況", "状況を確認", "状況確認", "status", "check status"}),
    "help": frozenset({"ヘルプ", "使い方", "help", "?"}),
    "emergency": frozenset({"危険・緊急", "緊急", "危険", "emergency", "danger / emergency"}),
    "lang_en": frozenset({"english", "英語", "えいご"}),
    "lang_ja": frozenset({"日本語", "にほんご", "japanese"}),
    "agree": frozenset({"同意する", "同意", "はい", "agree", "i agree", "yes"}),
    "disagree": frozenset({"同意しない", "いいえ", "disagree", "no"}),
    "yes": frozenset({"はい", "yes", "ok"}),
    "no": frozenset({"いいえ", "no"}),
    "back": frozenset({"戻る", "もどる", "back"}),
    "next": frozenset({"次へ", "次", "つぎへ", "next", "done"}),
    "skip": frozenset({"スキップ", "なし", "skip", "none"}),
    "send": frozenset({"送信", "送信する", "send"}),
    "restart": frozenset({"やり直す", "やりなおす", "start over", "restart"}),
}


def pick(pair: tuple[str, str], lang: str) -> str:
    """Return the English half only for English speakers; Japanese is the default."""
    return pair[1] if lang == EN else pair[0]


def say(key: str, lang: str, **fields: object) -> str:
    """Return a text of the catalogue in the resident's language, its fields filled in."""
    return pick(TEXTS[key], lang).format(**fields)


def label(key: str, lang: str) -> str:
    """Return a quick-reply label in the resident's language."""
    return pick(LABELS[key], lang)


def status_word(status: str, lang: str) -> str:
    """Return a report status in words; an unknown status is shown as it is, never an error."""
    pair = STATUS_WORDS.get(status)
    return pick(pair, lang) if pair else status
