"""Consent, opt-out and reachability: pick the channel, or say why there is none.

Never bypassed by any priority: a transactional message to a user who opted
out of everything, or never consented to the channel, is not sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import JsonValue

from clarion.events import Channel
from serving.dispatch.intent import Intent, Recipient

__all__ = ["ChannelChoice", "choose_channel"]

Refusal = Literal["opted_out", "no_consent", "unreachable"]


@dataclass(frozen=True, slots=True)
class ChannelChoice:
    """The chosen channel, or the reason there is none, and what was looked at per channel."""

    channel: Channel | None
    refusal: Refusal | None
    evaluated: tuple[tuple[Channel, bool, bool], ...]  # (channel, consented, reachable)

    def facts(self) -> dict[str, JsonValue]:
        return {
            "channels": [
                {"channel": ch, "consented": consented, "reachable": reachable}
                for ch, consented, reachable in self.evaluated
            ]
        }


def choose_channel(intent: Intent, recipient: Recipient) -> ChannelChoice:
    """The first preferred channel that is both consented and reachable.

    With none: ``opted_out`` if the user opted out globally, else ``no_consent``
    if no preferred channel is consented, else ``unreachable``.
    """
    evaluated = tuple(
        (ch, recipient.consents_to(ch), recipient.reachable_on(ch)) for ch in intent.channels
    )
    if recipient.opted_out:
        return ChannelChoice(channel=None, refusal="opted_out", evaluated=evaluated)
    for channel, consented, reachable in evaluated:
        if consented and reachable:
            return ChannelChoice(channel=channel, refusal=None, evaluated=evaluated)
    refusal: Refusal = (
        "unreachable" if any(consented for _, consented, _ in evaluated) else "no_consent"
    )
    return ChannelChoice(channel=None, refusal=refusal, evaluated=evaluated)
