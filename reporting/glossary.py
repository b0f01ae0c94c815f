"""One word for each status, category, action and history entry, in Japanese and English.

Staff, residents and the statistics read the same words from here: the dashboard and the stats
page show them, the LINE conversation and the status notices say them. Plain values, no Flask.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from typing import TypeVar

from reporting.city_profile import CityProfile

K = TypeVar("K")


@dataclass(frozen=True)
class Word:
    """A word in Japanese and in English."""

    ja: str
    en: str

    def said(self, language: str) -> str:
        """Return the English word for English, the Japanese word otherwise."""
        return self.en if language == "en" else self.ja


# Report statuses (reporting.models.REPORT_STATUSES).
STATUSES: Final[Mapping[str, Word]] = {
    "new": Word("受付", "received"),
    "acknowledged": Word("確認済み", "acknowledged"),
    "in_progress": Word("対応中", "in progress"),
    "resolved": Word("対応完了", "resolved"),
    "rejected": Word("対応不可", "not actionable"),
    "duplicate": Word("重複", "duplicate"),
    "referred": Word("他の管理者へ移管", "referred"),
}
# Reports still waiting for the city, as one group: received, acknowledged, in progress.
OPEN_STATUSES: Final = ("new", "acknowledged", "in_progress")
OPEN: Final = Word("未完了", "open")

PRIORITIES: Final[Mapping[int, Word]] = {
    0: Word("なし", "none"),
    1: Word("低", "low"),
    2: Word("高", "high"),
    3: Word("緊急", "urgent"),
}

# The managers of roads the city does not manage, named as residents are told of them.
ROAD_MANAGERS: Final[Mapping[str, Word]] = {
    "national": Word("国道の管理者（国）", "the national road authority"),
    "prefectural": Word("県道の管理者（県）", "the prefectural road authority"),
}

# The posting rules' grounds for hiding a report.
HIDE_REASONS: Final[Mapping[str, Word]] = {
    "privacy": Word("プライバシー", "privacy"),
    "defamation": Word("誹謗中傷・名誉毀損", "defamation"),
    "political_religious": Word("政治・宗教活動", "political or religious activity"),
    "infringement": Word("権利侵害", "infringement of rights"),
    "advertising": Word("広告・宣伝", "advertising"),
    "discrimination": Word("差別", "discrimination"),
    "public_order": Word("公序良俗", "public order and morals"),
    "falsehood": Word("虚偽", "falsehood"),
    "obscenity": Word("わいせつ", "obscenity"),
    "other": Word("その他", "other"),
}

# What the history of a report says was done (reporting.models.ReportEvent.action).
ACTIONS: Final[Mapping[str, Word]] = {
    "created": Word("通報", "reported"),
    "status": Word("状態の変更", "status changed"),
    "department": Word("所属の変更", "department changed"),
    "priority": Word("優先度の変更", "priority changed"),
    "hide": Word("非表示", "hidden"),
    "unhide": Word("再表示", "shown again"),
    "block": Word("通報者をブロック", "reporter blocked"),
    "unblock": Word("通報者のブロックを解除", "reporter unblocked"),
    "public_answer": Word("市の回答の変更", "public answer changed"),
    "photo_published": Word("写真を公開可に", "photo published"),
    "photo_unpublished": Word("写真を非公開に", "photo unpublished"),
}

# Who acted (ReportEvent.actor_kind) when it was not a named staff member.
ACTORS: Final[Mapping[str, Word]] = {
    "resident": Word("通報者", "reporter"),
    "system": Word("システム", "system"),
    "open311": Word("Open311", "Open311"),
    "line": Word("LINE", "LINE"),
    "web": Word("ウェブ", "web"),
    "staff": Word("職員", "staff"),
}

# The details a history entry may carry.
HISTORY: Final[Mapping[str, Word]] = {
    "notified": Word("通報者に通知", "reporter notified"),
    "not_notified": Word("通知なし", "not notified"),
    "message": Word("通報者へのメッセージ", "message to the reporter"),
    "after_repair_photo": Word("補修後の写真", "after-repair photo"),
    "duplicate_of": Word("元の通報", "original report"),
    "manager": Word("移管先", "referred to"),
    "reason": Word("理由", "reason"),
    "note": Word("メモ", "note"),
    "none": Word("なし", "none"),
}


def word(words: Mapping[K, Word], key: K, language: str) -> str:
    """Return the word for ``key``; a key the glossary lacks is shown as it is, never an error."""
    found = words.get(key)
    return found.said(language) if found else str(key)


def labels(words: Mapping[K, Word], language: str) -> dict[K, str]:
    """Return every word of a group in one language, keyed as the group is."""
    return {key: w.said(language) for key, w in words.items()}


def status_word(status: str, language: str) -> str:
    """Return a report status in words."""
    return word(STATUSES, status, language)


def category_word(city: CityProfile, code: str, language: str) -> str:
    """Return the name of a category of the city, or its code when the city no longer has it."""
    found = city.category(code)
    return Word(found.ja, found.en).said(language) if found else code


def subcategory_word(city: CityProfile, code: str, subcategory: str, language: str) -> str:
    """Return the name of a subcategory, or its code when the city no longer has it."""
    category = city.category(code)
    found = category.subcategory(subcategory) if category else None
    return Word(found.ja, found.en).said(language) if found else subcategory


def kind_word(city: CityProfile, code: str, subcategory: str | None, language: str) -> str:
    """Return a category with its subcategory, as 「道路 / 穴・陥没」."""
    name = category_word(city, code, language)
    if not subcategory:
        return name
    return f"{name} / {subcategory_word(city, code, subcategory, language)}"


def kind_label(city: CityProfile, code: str, subcategory: str | None, language: str) -> str:
    """Return a kind as the public site shows it: 「道路（穴・陥没）」, "Road (pothole)"."""
    name = category_word(city, code, language)
    if not subcategory:
        return name
    detail = subcategory_word(city, code, subcategory, language)
    return f"{name} ({detail})" if language == "en" else f"{name}（{detail}）"
