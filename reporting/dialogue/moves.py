"""Moving the dialogue: to a step with its prompt, on to what is missing, or asking again."""

from dataclasses import replace
from typing import Any

from reporting.dialogue.context import Ctx
from reporting.dialogue.context import Draft
from reporting.dialogue.draft import RANK
from reporting.dialogue.draft import draft_kind
from reporting.dialogue.draft import draft_list
from reporting.dialogue.draft import first_missing
from reporting.dialogue.draft import has_point
from reporting.dialogue.prompts import PROMPTS
from reporting.dialogue.reading import excerpt
from reporting.dialogue.values import MAX_TEXT
from reporting.dialogue.values import Action
from reporting.dialogue.values import Outcome
from reporting.dialogue.values import QuickReply
from reporting.dialogue.values import Reply
from reporting.dialogue.values import State


def state_at(ctx: Ctx, step: str, draft: Draft, **changes: Any) -> State:
    return replace(ctx.state, step=step, draft=draft, updated_at=ctx.now, **changes)


def text_reply(text: str, quick_replies: tuple[QuickReply, ...] = ()) -> Reply:
    return Reply(excerpt(text, MAX_TEXT), quick_replies)


def prepend(
    outcome: Outcome, replies: tuple[Reply, ...], actions: tuple[Action, ...] = ()
) -> Outcome:
    """Put replies and actions ahead of an outcome's own."""
    return replace(outcome, replies=replies + outcome.replies, actions=actions + outcome.actions)


def enter(
    ctx: Ctx,
    step: str,
    draft: Draft,
    *,
    lead: tuple[str, ...] = (),
    before: tuple[Reply, ...] = (),
    actions: tuple[Action, ...] = (),
    **changes: Any,
) -> Outcome:
    """Go to a step (or the earliest one whose data is missing) and prompt for it."""
    if step in RANK:
        missing = first_missing(ctx.city, draft)
        if RANK[step] > RANK[missing]:
            step = missing
    state = state_at(ctx, step, draft, **changes)
    ctx = replace(ctx, state=state)
    text, quick = PROMPTS[step](ctx, draft)
    prompt = text_reply("\n\n".join((*lead, text)), quick)
    return Outcome(state, before + (prompt,), actions)


def advance(ctx: Ctx, draft: Draft, **kwargs: Any) -> Outcome:
    """Go on to the first part of the report still missing.

    Once the place and the kind are known, an open report of the same kind nearby that the
    resident has not yet called different is shown first ("same").
    """
    same = same_nearby(ctx, draft)
    if same is not None:
        return enter(ctx, "same", {**draft, "same_as": same}, **kwargs)
    return enter(ctx, first_missing(ctx.city, draft), draft, **kwargs)


def same_nearby(ctx: Ctx, draft: Draft) -> str | None:
    """The receipt of an open report of the draft's kind near its place, if one is unanswered."""
    kind = draft_kind(ctx.city, draft)
    if kind is None or not has_point(draft):
        return None
    declined = draft_list(draft, "not_same")
    for report in ctx.facts.nearby:
        same_kind = (report.category, report.subcategory) == (
            kind.category.code,
            kind.subcategory.code,
        )
        if same_kind and report.receipt_number not in declined:
            return report.receipt_number
    return None


def reprompt(ctx: Ctx) -> Outcome:
    """Anything unexpected is not an error: ask again for what the step needs."""
    return enter(ctx, ctx.state.step, ctx.draft)


def stay(
    ctx: Ctx, draft: Draft, replies: tuple[Reply, ...], actions: tuple[Action, ...]
) -> Outcome:
    """Stay in the step without prompting (an image set is still arriving)."""
    return Outcome(state_at(ctx, ctx.state.step, draft), replies, actions)
