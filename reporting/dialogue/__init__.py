"""The resident's reporting dialogue: a pure state machine, its contract and its words.

Import the dialogue from ``conversation`` (its contract is documented there) and its words from
``texts``; the other modules are its parts, each importing only those listed before it:

    texts     every word shown to residents or understood from them, in ja and en
    values    events, facts, state, settings, replies, actions and the outcome (LINE's limits)
    context   Ctx: one event with everything ``handle`` was given
    reading   postback data, typed commands, and free text kept as data
    draft     which steps hold a draft, what it holds, what it still lacks
    prompts   what each step asks for, and its buttons
    moves     entering a step with its prompt, going on (a same-kind report nearby first)
    photos    photos and image sets: kept, refused or over the limit by position, retaken
    place     a sent location: kept, refused, or confirmed near the border
    absorb    a photo, place or message taken into a draft in any step; kinds from words
    consent   the terms, a report held while they are shown, and a (re)follow
    start     starting with a photo, place or message; asking a returning resident to resume
    commands  report, cancel, status, help, emergency and urgency, the language switch
    steps     how each step takes its answers (the step table)
    dispatch  ``handle``: blocked residents, expiry, and routing one event
    conversation  the contract callers import: ``handle`` and the values it takes and gives
"""
