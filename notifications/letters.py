"""The mail the workflow's use cases send (`workflow.letters`): rendered, composed, queued.

An accepted update, a rejected one, an invitation: each is a `Letter` the use case
posts in its own transaction. `OutboxPostbox` renders it from the templates of its
kind (`notices.MailKind`), composes it once and puts it in the outbox, where the
next tick or `serve` sends it as it sends every other message.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from notifications import emails, outbox
from notifications.notices import MailKind, Message
from notifications.rendering import Renderer
from workflow.letters import Letter


class OutboxPostbox:
    """Posts letters to the outbox, from `sender`, in the caller's transaction."""

    def __init__(self, renderer: Renderer, sender: str) -> None:
        self.renderer, self.sender = renderer, sender

    def message(self, letter: Letter) -> Message:
        """The letter rendered: ValueError for a kind with no templates of its own."""
        kind = MailKind(letter.kind)
        context = {**letter.context, "recipient": {"name": letter.to_name, "email": letter.to}}
        subject, text, html = self.renderer.render_mail(kind.value, context)
        return Message(kind, letter.to, letter.to_name, subject, text, html)

    def post(self, session: Session, letter: Letter, now: datetime) -> None:
        email = emails.compose(self.message(letter), sender=self.sender, now=now)
        outbox.enqueue(session=session, email=email)
