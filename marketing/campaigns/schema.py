"""The campaign file schema: what a marketer may write in ``campaigns/*.yaml``.

Every model forbids unknown keys, so a typo is an error, not a silent default.
Cross-field rules (weights summing to 100, a template for every channel in the
default locale, the schedule inside ``start``..``end``) are checked here; that
templates parse is checked by :mod:`marketing.campaigns.templates` when the
file is loaded (:func:`marketing.campaigns.load_campaign`).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from clarion.events import EVENT_TYPES, Channel
from marketing.campaigns._durations import Duration

__all__ = [
    "BUCKETS",
    "HOLDOUT",
    "Attribution",
    "Audience",
    "Campaign",
    "CampaignSchedule",
    "Exclusions",
    "FrequencyCapOverride",
    "MessageTemplate",
    "SegmentFilter",
    "Templates",
    "UpliftSource",
    "Variant",
]

# Assignment resolution: 10,000 hash buckets, so percentages have two decimals.
BUCKETS = 10_000
HOLDOUT = "holdout"
_ID = r"^[a-z][a-z0-9_]{2,62}$"
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")
Locale = Annotated[str, Field(pattern=_LOCALE.pattern)]
Name = Annotated[str, Field(pattern=_ID)]
Label = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MessageTemplate(_Strict):
    """One message in one locale: Jinja text, rendered in a sandbox."""

    subject: str | None = Field(default=None, min_length=1)
    body: str = Field(min_length=1)


Templates = dict[str, dict[Locale, MessageTemplate]]  # channel -> locale -> message


class SegmentFilter(_Strict):
    """Users in any ``include`` segment (everyone when empty) and in no ``exclude`` segment."""

    include: tuple[Label, ...] = ()
    exclude: tuple[Label, ...] = ()

    @model_validator(mode="after")
    def _disjoint(self) -> SegmentFilter:
        both = sorted(set(self.include) & set(self.exclude))
        if both:
            raise ValueError(f"segments {both} are both included and excluded")
        return self


class Exclusions(_Strict):
    """Who never gets this campaign, whatever their segments."""

    users: tuple[str, ...] = ()
    campaigns: tuple[Name, ...] = Field(
        default=(), description="users sent one of these campaigns within `within` are excluded"
    )
    within: Duration = timedelta(days=7)


class UpliftSource(_Strict):
    """Where the uplift model comes from: a randomized campaign's treated arms vs its holdout.

    The model learns, from that campaign's finished runs, who responded *because*
    of the message (``outcome`` within its attribution window); it scores every
    user of the gold day the audience is built from (``gold.user_uplift``).
    """

    from_campaign: Name = Field(description="id of a campaign with a holdout (may be this one)")
    outcome: Literal["conversion", "visit"] = "conversion"


class Audience(_Strict):
    """Who the campaign is for: segments, thresholds, exclusions, a size limit and its order."""

    segments: SegmentFilter = SegmentFilter()
    min_score: float | None = Field(default=None, ge=0, le=1)
    min_uplift: float | None = Field(default=None, ge=-1, le=1)
    uplift: UpliftSource | None = None
    exclusions: Exclusions = Exclusions()
    max_size: int | None = Field(default=None, ge=1)
    rank_by: Literal["propensity", "uplift"] = "propensity"

    @model_validator(mode="after")
    def _uplift_named(self) -> Audience:
        problems = []
        if self.uplift is None and self.min_uplift is not None:
            problems.append(
                "min_uplift: needs an uplift model; add uplift: {from_campaign: <id of a "
                "randomized campaign with a holdout>}"
            )
        if self.uplift is None and self.rank_by == "uplift":
            problems.append(
                "rank_by: 'uplift' needs an uplift model; add uplift: {from_campaign: <id>}"
            )
        if self.rank_by == "uplift" and self.max_size is None:
            problems.append(
                "rank_by: only orders who is kept when max_size cuts the audience; "
                "set max_size or remove rank_by"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Variant(_Strict):
    """An A/B arm: its share of the treated audience and the templates it changes."""

    name: Label
    weight: float = Field(gt=0, le=100)
    templates: Templates = {}

    @field_validator("name")
    @classmethod
    def _not_holdout(cls, name: str) -> str:
        if name == HOLDOUT:
            raise ValueError(f"{HOLDOUT!r} is the label of held-out users; name the variant else")
        return name


class CampaignSchedule(_Strict):
    """Exactly one of: ``cron`` (recurring, in ``timezone``), ``at`` (once), ``manual: true``."""

    cron: str | None = None
    at: AwareDatetime | None = None
    manual: bool = False
    timezone: str = "UTC"

    @field_validator("cron")
    @classmethod
    def _cron(cls, cron: str | None) -> str | None:
        if cron is not None and not croniter.is_valid(cron):
            raise ValueError(f"{cron!r} is not a cron expression (e.g. '0 9 * * 1')")
        return cron

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{name!r} is not an IANA time zone (e.g. 'Europe/Paris')") from None
        return name

    @model_validator(mode="after")
    def _exactly_one(self) -> CampaignSchedule:
        given = [k for k in ("cron", "at") if getattr(self, k) is not None]
        if self.manual:
            given.append("manual")
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of cron, at or manual: true (got {given or 'none'})"
            )
        return self

    @property
    def kind(self) -> Literal["cron", "at", "manual"]:
        if self.cron is not None:
            return "cron"
        return "at" if self.at is not None else "manual"


class FrequencyCapOverride(_Strict):
    """At most ``limit`` of this campaign's sends per user in any rolling ``window``.

    Carried in each intent (``payload.caps``) and enforced by the dispatcher on top of
    its global caps, atomically with them: a campaign can only be stricter, never looser.
    """

    window: Duration
    limit: int = Field(ge=0)


class Attribution(_Strict):
    """Which events count, and for how long after the send."""

    window: Duration = timedelta(days=14)
    conversion_event: str = "purchase"
    visit_event: str | None = None

    @field_validator("conversion_event", "visit_event")
    @classmethod
    def _known_event(cls, name: str | None) -> str | None:
        if name is not None and name not in EVENT_TYPES:
            raise ValueError(f"unknown event type {name!r}; one of {list(EVENT_TYPES)}")
        return name


class Campaign(_Strict):
    """One campaign file, checked."""

    id: Name
    name: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    description: str = Field(min_length=1)
    audience: Audience = Audience()
    channels: tuple[Channel, ...] = Field(min_length=1)
    default_locale: Locale = "en-US"
    templates: Templates
    variants: tuple[Variant, ...] = Field(min_length=1)
    holdout_percent: float = Field(default=10.0, ge=0, lt=100)
    schedule: CampaignSchedule
    start: AwareDatetime
    end: AwareDatetime | None = None
    caps: tuple[FrequencyCapOverride, ...] = ()
    priority: str = "marketing"
    attribution: Attribution = Attribution()
    ttl: Duration = timedelta(hours=24)

    @field_validator("priority")
    @classmethod
    def _marketing_only(cls, priority: str) -> str:
        if priority != "marketing":
            raise ValueError(
                f"campaigns are always sent with priority 'marketing'; a campaign file cannot "
                f"claim {priority!r} (transactional and alert classes belong to services)"
            )
        return priority

    @field_validator("holdout_percent")
    @classmethod
    def _two_decimals(cls, percent: float) -> float:
        if abs(percent * 100 - round(percent * 100)) > 1e-9:
            raise ValueError("holdout_percent has at most two decimals (10,000 hash buckets)")
        return percent

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        problems: list[str] = []
        if len(set(self.channels)) != len(self.channels):
            problems.append("channels: each channel may appear once")
        for channel in self.channels:
            if self.default_locale not in self.templates.get(channel, {}):
                problems.append(
                    f"templates.{channel}: needs the default locale {self.default_locale!r}"
                )
        for key in self.templates:
            if key not in self.channels:
                problems.append(f"templates.{key}: not one of channels {list(self.channels)}")
        for key, by_locale in self.templates.items():
            for locale, template in by_locale.items():
                if key == "email" and template.subject is None:
                    problems.append(f"templates.email.{locale}.subject: an email needs a subject")
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            problems.append(f"variants: names must be unique, got {names}")
        total = sum(v.weight for v in self.variants)
        if abs(total - 100) > 1e-9:
            problems.append(f"variants: weights must sum to 100, they sum to {total:g}")
        for index, variant in enumerate(self.variants):
            for key in variant.templates:
                if key not in self.channels:
                    problems.append(f"variants.{index}.templates.{key}: not a campaign channel")
        uplift = self.audience.uplift
        if (
            uplift is not None
            and uplift.from_campaign == self.id
            and uplift.outcome == "visit"
            and self.attribution.visit_event is None
        ):
            problems.append("audience.uplift.outcome: 'visit' needs attribution.visit_event")
        if self.end is not None and self.end <= self.start:
            problems.append("end: must be after start")
        at = self.schedule.at
        if at is not None and (at < self.start or (self.end is not None and at > self.end)):
            problems.append("schedule.at: must fall between start and end")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def template_for(self, *, variant: str, channel: str, locale: str) -> MessageTemplate:
        """The variant's override if it has one, else the campaign's template (exact locale)."""
        for candidate in self.variants:
            if candidate.name == variant:
                override = candidate.templates.get(channel, {}).get(locale)
                if override is not None:
                    return override
        return self.templates[channel][locale]

    def locales(self, channel: str) -> tuple[str, ...]:
        """Locales the campaign has a template for on ``channel``."""
        return tuple(self.templates.get(channel, {}))

    def summary(self) -> dict[str, Any]:
        """A JSON-able digest for logs and task results."""
        return {
            "id": self.id,
            "channels": list(self.channels),
            "variants": {v.name: v.weight for v in self.variants},
            "holdout_percent": self.holdout_percent,
            "schedule": self.schedule.kind,
        }
