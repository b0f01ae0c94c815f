"""Play a resident against a running Tsuho: signed webhooks in, the bot's replies as a transcript.

``flask --app app line simulate`` (reporting.line.cli) runs it. These modules are its parts,
each importing only those listed before it:

    demo_photos  the pictures ``photo demo:NAME`` sends, the same bytes on every run
    script       the script language: its steps, reading them, and a failed step
    buttons      the quick-reply buttons under the bot's messages, and choosing one
    transcript   the chat as the resident sees it, printed as it happens
    resident     one resident: each step sent as a webhook, the bot's answers awaited
    prompt       the interactive prompt over the same directives
    session      a whole run: the fake LINE Platform served, the server reached, scripts played
"""
