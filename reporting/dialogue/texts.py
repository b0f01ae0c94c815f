"""Every word the reporting dialogue shows residents or understands from them, in ja and en.

Texts are ``str.format`` templates; values (addresses, notes, names) are substituted as data and
never re-read as templates. Labels are quick-reply buttons (at most 20 characters on LINE).
Words are what a resident may type instead of tapping; they are compared after NFKC
normalisation and case folding, so full-width and upper-case variants match too.
"""

from collections.abc import Mapping
from datetime import date
from typing import Final

from reporting import glossary

JA: Final = "ja"
EN: Final = "en"

# key: (ja, en)
TEXTS: Final[Mapping[str, tuple[str, str]]] = {
    "welcome": (
        "{city}の道路・公園の損傷通報窓口です。"
        "写真と位置情報で、道路や公園の傷みを市にお知らせいただけます。",
        "This is {city}'s account for reporting damaged roads and parks. "
        "Send a photo and the place to let the city know.",
    ),
    "terms": (
        "{terms}\n\n上記の利用規約に同意いただける場合は「同意する」を押してください。",
        "{terms}\n\nIf you agree to these terms of use, please tap \u201cAgree\u201d.",
    ),
    "terms_holding": (
        "お送りいただいた内容はお預かりしています。利用規約に同意いただくと、通報を続けられます。",
        "We are holding what you sent. Once you agree to the terms of use, you can go on "
        "with your report.",
    ),
    "consent_thanks": (
        "ご同意いただきありがとうございます。",
        "Thank you for agreeing to the terms of use.",
    ),
    "declined": (
        "利用規約に同意いただけない場合、通報は受け付けられません。お預かりした内容は削除しました。"
        "同意いただける場合は、いつでも「通報」と送ってください。規約をもう一度お示しします。",
        "We cannot accept reports without agreement to the terms of use; what you sent has been "
        "deleted. If you change your mind, send \u201creport\u201d at any time and we will show "
        "them again.",
    ),
    "welcome_back": (
        "再び友だち追加いただき、ありがとうございます。",
        "Thank you for adding us as a friend again.",
    ),
    "idle": (
        "損傷の写真か位置情報を送ると、通報を始められます。"
        "「通報する」を押して始めることもできます。",
        "Send a photo or the location of the damage to start a report, or tap \u201cReport\u201d.",
    ),
    "thanks": (
        "ご連絡ありがとうございます。",
        "Thank you for your message.",
    ),
    "started_text": (
        "お送りいただいた文は、通報の補足として記録しました。",
        "We have kept your message as the note of a new report.",
    ),
    "in_progress": (
        "入力途中の通報があります。続きからお進みください。"
        "取り消す場合は「中止」を押してください。",
        "You have a report in progress; please carry on below. "
        "To drop it, tap \u201cCancel\u201d.",
    ),
    "not_understood": (
        "メッセージの内容を読み取れませんでした。下のボタンからお選びください。",
        "We could not read that message. Please choose one of the buttons below.",
    ),
    "emergency": (
        "事故につながるおそれのある危険は、すぐに{city}（{phone}）へお電話ください。"
        "「電話する」を押すと発信できます。"
        "人の命に関わる場合は、110番（警察）または119番（消防・救急）へ通報してください。\n\n"
        "お電話のあと、写真と場所を緊急の通報として送ることもできます。",
        "For a danger that could cause an accident, please call {city} on {phone} now: tap "
        "\u201cCall\u201d. If anyone's life is at risk, call 110 (police) or 119 (fire and "
        "ambulance).\n\nAfter calling, you can also send the photo and place as an urgent report.",
    ),
    "urgent_set": (
        "緊急の通報として受け付けます。職員が優先して確認します。",
        "This report will be marked urgent; staff will look at it first.",
    ),
    "photos_first": (
        "損傷の写真を送ってください（{max}枚まで）。下のボタンで撮影するか、写真を選べます。",
        "Please send a photo of the damage (up to {max}). Use the buttons below to take one "
        "or choose from your photos.",
    ),
    "photos_more": (
        "写真は{count}枚です（{max}枚まで）。追加する場合は写真を送ってください。"
        "すべて撮り直す場合は「撮り直す」、このままでよければ「次へ」を押してください。",
        "You have sent {count} photos (up to {max}). Send more to add them, tap \u201cRetake\u201d "
        "to replace them all, or \u201cNext\u201d to go on.",
    ),
    "photos_reset": (
        "写真を削除しました。",
        "Your photos have been deleted.",
    ),
    "photos_needed": (
        "写真が1枚以上必要です。",
        "At least one photo is needed.",
    ),
    "photo_ack": (
        "写真を受け付けました（{count}/{max}枚）。",
        "Photo received ({count}/{max}).",
    ),
    "photo_set_ack": (
        "写真を{added}枚受け付けました（{count}/{max}枚）。",
        "Photos received: {added} ({count}/{max}).",
    ),
    "photo_over": (
        "写真は{max}枚までのため、{positions}は受け付けていません。",
        "Up to {max} photos can be sent, so {positions} could not be added.",
    ),
    "photo_over_one": (
        "写真は{max}枚までのため、この写真は受け付けていません。",
        "Up to {max} photos can be sent, so this one could not be added.",
    ),
    "position": ("{n}枚目", "photo {n}"),
    "positions_join": ("・", ", "),
    "photo_refused": (
        "{reason}\nお手数ですが、別の写真を送ってください。",
        "{reason}\nPlease send another photo.",
    ),
    "photo_refused_at": (
        "{position}の写真: {reason}",
        "{position}: {reason}",
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
        "損傷の場所を送ってください。「位置情報を送る」を押すと、地図で場所を選べます。"
        "写真を追加する場合は、続けて写真を送ってください。",
        "Please send the place of the damage: tap \u201cSend location\u201d to pick it on a map. "
        "To add photos, just send them.",
    ),
    "location_again": (
        "場所: {place}\n変更する場合は、位置情報を送ってください。"
        "このままでよければ「次へ」を押してください。",
        "Place: {place}\nTo change it, send a location; otherwise tap \u201cNext\u201d.",
    ),
    "typed_location": (
        "文字の住所からは地図上の場所を特定できないため、位置情報で送ってください"
        "（お送りいただいた文は補足として記録しました）。",
        "A typed address cannot be placed on the map, so please send a location "
        "(we kept your message as the note).",
    ),
    "location_ok": (
        "場所: {area}",
        "Place: {area}",
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
    "kind": (
        "損傷の種類を選んでください。",
        "What kind of damage is it? Please choose.",
    ),
    "kind_suggested": (
        "お送りいただいた内容から「{kind}」と思われます。よろしければ「{kind}」を押してください。",
        "From your message, it looks like \u201c{kind}\u201d. If so, tap \u201c{kind}\u201d.",
    ),
    "kind_other": (
        "当てはまるものを選んでください。",
        "Please choose the one that fits.",
    ),
    "same": (
        "近くに同じ種類の通報があります（受付 {receipt}・{status}）。同じものですか？",
        "There is a report of the same kind nearby (receipt {receipt}, {status}). "
        "Is it the same one?",
    ),
    "same_joined": (
        "受付 {receipt} の通報に、同じものとして登録しました。"
        "対応状況が変わりましたらお知らせします。ご協力ありがとうございます。",
        "You have been added to report {receipt} as the same damage. We will let you know "
        "when its status changes. Thank you.",
    ),
    "same_gone": (
        "その通報は対応が終わっているため、新しい通報として続けます。",
        "That report has been closed, so yours will go on as a new report.",
    ),
    "note": (
        "補足を{max}文字以内で入力してください（例: 歩道側、深さ10cmほど）。",
        "Please type a note of up to {max} characters (e.g. \u201cpavement side, about "
        "10 cm deep\u201d).",
    ),
    "note_kept": (
        "補足を記録しました。",
        "Your note has been kept.",
    ),
    "note_cleared": (
        "補足を削除しました。",
        "The note has been removed.",
    ),
    "note_too_long": (
        "補足は{max}文字以内でお願いします（いまは{length}文字です）。短くして送り直してください。",
        "Please keep the note to {max} characters (this one has {length}). "
        "Please send a shorter one.",
    ),
    "confirm": (
        "以下の内容で通報します。よろしければ「送信」を押してください。\n"
        "種類: {kind}\n写真: {photos}枚\n場所: {place}\n補足: {note}{urgent}\n\n"
        "補足がある場合は、このまま文字で送ってください。"
        "変更する場合は、下のボタンから項目を選んでください。",
        "Please check your report and tap \u201cSend\u201d.\n"
        "Kind: {kind}\nPhotos: {photos}\nPlace: {place}\nNote: {note}{urgent}\n\n"
        "To add a note, just type it. To change something, choose it below.",
    ),
    "confirm_urgent": (
        "\n緊急: はい",
        "\nUrgent: yes",
    ),
    "none": ("なし", "none"),
    "resume": (
        "入力途中の通報があります。続けますか？\n{summary}",
        "You have an unfinished report. Would you like to continue it?\n{summary}",
    ),
    "resume_summary": (
        "（種類: {kind} / 写真: {photos}枚 / 場所: {place}）",
        "(kind: {kind}, photos: {photos}, place: {place})",
    ),
    "resume_holding": (
        "いまお送りいただいた内容は、選んだ方の通報に加えます。",
        "What you just sent will be added to the report you choose.",
    ),
    "resumed": (
        "続きから入力してください。",
        "Please carry on where you left off.",
    ),
    "started_new": (
        "前の通報は削除しました。新しい通報を入力してください。",
        "The earlier report has been deleted. Please go on with the new one.",
    ),
    "cancelled": (
        "通報を中止しました。入力内容と写真は削除しました。",
        "Your report was cancelled; what you sent for it has been deleted.",
    ),
    "nothing_to_cancel": (
        "入力途中の通報はありません。",
        "There is no report in progress.",
    ),
    "expired": (
        "入力途中の通報は、{hours}時間操作がなかったため削除しました。",
        "Your unfinished report was deleted because it was left for {hours} hours.",
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
        "1. 損傷の写真を送る（{max}枚まで）\n2. 位置情報を送る\n3. 種類を選ぶ\n"
        "4. 内容を確かめて「送信」\n受付番号をお知らせします。"
        "文章や位置情報から始めることもできます。\n\n"
        "「状況」: 最近の通報の対応状況\n「中止」: 入力途中の通報を取り消す\n"
        "「English」: 英語で表示\n\n"
        "危険な場合は{city}（{phone}）へお電話ください。命に関わる場合は110番・119番へ。",
        "How to report:\n"
        "1. Send a photo of the damage (up to {max})\n2. Send the location\n"
        "3. Choose the kind of damage\n4. Check and tap \u201cSend\u201d\n"
        "You will get a receipt number. You may also start with a message or a location.\n\n"
        "\u201cstatus\u201d: your recent reports\n"
        "\u201ccancel\u201d: cancel the report in progress\n"
        "\u201c日本語\u201d: switch to Japanese\n\n"
        "If it is dangerous, call {city} on {phone}; if a life is at risk, call 110 or 119.",
    ),
    "language_set": (
        "日本語で表示します。",
        "Switched to English.",
    ),
    "blocked": (
        "このアカウントでの通報の受付を停止しています。"
        "お問い合わせは{city}（{phone}）までお願いします。",
        "Reports from your account are no longer accepted. For enquiries, please call {city} "
        "on {phone}.",
    ),
    "group": (
        "このアカウントは1対1のトークでご利用いただけます。"
        "通報は、{city}のアカウントとの個別のトークからお送りください。",
        "This account works in one-to-one chats only. Please send reports from your own chat "
        "with {city}'s account.",
    ),
    # For the caller, which owns receipt numbers (see reporting.dialogue.conversation).
    "receipt": (
        "通報を受け付けました。受付番号は {receipt} です。ご協力ありがとうございます。"
        "対応状況は「状況」と送ると確認できます。",
        "Your report has been received. Your receipt number is {receipt}. Thank you. "
        "Send \u201cstatus\u201d to see how it is going.",
    ),
    "after_hours": (
        "受付は24時間行っています。確認は翌開庁日（{date}）以降になります。",
        "Reports are received at any time; staff will look at it from the next working day "
        "({date}).",
    ),
    "report_failed": (
        "申し訳ありません。通報を登録できませんでした。お手数ですが、もう一度「通報」から送ってください。",
        "We are sorry: your report could not be registered. Please send \u201creport\u201d "
        "to try again.",
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
    "call": ("電話する", "Call"),
    "report_urgent": ("緊急として通報", "Report as urgent"),
    "back": ("戻る", "Back"),
    "camera": ("カメラで撮る", "Take a photo"),
    "camera_roll": ("写真を選ぶ", "Choose photos"),
    "retake": ("撮り直す", "Retake"),
    "next": ("次へ", "Next"),
    "location": ("位置情報を送る", "Send location"),
    "yes": ("はい", "Yes"),
    "no": ("いいえ", "No"),
    "kind_other": ("その他", "Other"),
    "same_yes": ("同じものです", "Same one"),
    "same_no": ("別のものです", "A different one"),
    "send": ("送信", "Send"),
    "edit_kind": ("種類を変更", "Change kind"),
    "edit_photos": ("写真を変更", "Change photos"),
    "edit_location": ("場所を変更", "Change place"),
    "edit_note": ("補足を入力", "Write a note"),
    "note_clear": ("補足を削除", "Remove note"),
    "resume_yes": ("続ける", "Continue"),
    "resume_no": ("新しく始める", "Start a new one"),
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
    "urgent": frozenset({"緊急として通報", "report as urgent"}),
    "lang_en": frozenset({"english", "英語", "えいご"}),
    "lang_ja": frozenset({"日本語", "にほんご", "japanese"}),
    "agree": frozenset({"同意する", "同意", "はい", "agree", "i agree", "yes"}),
    "disagree": frozenset({"同意しない", "いいえ", "disagree", "no"}),
    "yes": frozenset({"はい", "yes", "ok", "オーケー"}),
    "no": frozenset({"いいえ", "no"}),
    "back": frozenset({"戻る", "もどる", "back"}),
    "next": frozenset({"次へ", "次", "つぎへ", "next", "done"}),
    "send": frozenset(
        {"送信", "送信する", "送る", "はい", "ok", "オーケー", "お願いします", "send", "yes"}
    ),
    "retake": frozenset({"撮り直す", "とりなおす", "retake"}),
    "other": frozenset({"その他", "other"}),
    "same_yes": frozenset({"同じものです", "同じ", "同じもの", "same", "same one"}),
    "same_no": frozenset({"別のものです", "別", "違う", "different", "a different one"}),
    "resume_yes": frozenset({"続ける", "はい", "continue", "yes"}),
    "resume_no": frozenset({"新しく始める", "新しく", "いいえ", "start a new one", "new", "no"}),
    "thanks": frozenset(
        {"ありがとう", "ありがとうございます", "ありがとうございました", "了解", "了解です",
         "わかりました", "thanks", "thank you"}
    ),
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


_WEEKDAYS_JA = "月火水木金土日"
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def day(value: date, lang: str) -> str:
    """A day as residents read it, whatever the machine's locale: 12月4日(金), Friday 4 December."""
    if lang == EN:
        return f"{_WEEKDAYS_EN[value.weekday()]} {value.day} {_MONTHS_EN[value.month - 1]}"
    return f"{value.month}月{value.day}日({_WEEKDAYS_JA[value.weekday()]})"
