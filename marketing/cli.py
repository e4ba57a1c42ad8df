"""``clarion campaign``: check a campaign file, preview its audience, write its DAG file.

``validate`` needs nothing running; ``preview`` reads the latest gold snapshot
through Spark. Errors (any :class:`~clarion.exceptions.ClarionError`) print the
file, the field and the problem, and exit 1.
"""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from clarion.exceptions import ClarionError

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

Files = Annotated[list[Path], typer.Argument(help="Campaign files (campaigns/*.yaml).")]


def _untyped(module: str) -> Any:
    """Import a module of the batch or orchestration layer (outside mypy's strict packages,
    so it is imported by name: mypy does not follow it into code it does not check)."""
    return importlib.import_module(module)


def _fail(message: str) -> None:
    typer.secho(message, err=True, fg=typer.colors.RED)
    raise typer.Exit(1)


def _segment_names() -> list[str]:
    return [s.name for s in _untyped("spark_jobs.segments").load_segments()]


@app.command()
def validate(files: Files) -> None:
    """Check campaign files: schema, templates, segments. Exit 1 if any is invalid."""
    from marketing.campaigns.loader import load_campaign

    segments = _segment_names()
    failed = 0
    for path in files:
        try:
            campaign = load_campaign(path, known_segments=segments)
        except ClarionError as exc:
            failed += 1
            typer.secho(str(exc), err=True, fg=typer.colors.RED)
            continue
        typer.echo(
            f"{path}: ok ({campaign.id}: {campaign.schedule.kind}, "
            f"{len(campaign.variants)} variant(s), holdout {campaign.holdout_percent:g} %)"
        )
    if failed:
        _fail(f"{failed} of {len(files)} campaign file(s) invalid")


def _latest_day(spark: Any, uri: str) -> date:
    from pyspark.sql import functions as F

    missing = ClarionError(f"no gold snapshot at {uri}: run the daily batch first (clarion demo)")
    if not _untyped("delta.tables").DeltaTable.isDeltaTable(spark, uri):
        raise missing
    latest = spark.read.format("delta").load(uri).agg(F.max("as_of")).first()[0]
    if latest is None:
        raise missing
    return latest  # type: ignore[no-any-return]


def _echo_targeting(spark: Any, settings: Any, campaign: Any, day: date) -> None:
    """The ranking, and the uplift model with its held-out Qini when the file names one."""
    audience = campaign.audience
    cut = f"best {audience.max_size:,} by {audience.rank_by}" if audience.max_size else "no cap"
    typer.echo(f"  targeting: {cut}")
    if audience.uplift is None:
        return
    source, outcome = audience.uplift.from_campaign, audience.uplift.outcome
    scored = _untyped("spark_jobs.uplift_scoring").read_user_uplift(
        spark, settings, as_of=day, trained_on=source, outcome=outcome
    )
    version = scored.select("model_version").first()["model_version"]
    models = _untyped("spark_jobs.uplift_models").read_uplift_models(
        spark, settings, trained_on=source
    )
    model = next((m for m in models if m.model_version == version), None)
    quality = (
        f"; held-out Qini {model.qini:.4f} (ranking by response: {model.qini_response:.4f}, "
        f"random: 0), {model.train_rows:,} members of runs {model.run_ids}"
        if model is not None
        else ""
    )
    minimum = f", min_uplift {audience.min_uplift:g}" if audience.min_uplift is not None else ""
    typer.echo(f"  uplift: {version} ({outcome} from campaign {source}{minimum}){quality}")


@app.command()
def preview(
    file: Annotated[Path, typer.Argument(help="A campaign file.")],
    as_of: Annotated[str | None, typer.Option(help="Gold day (default: the latest).")] = None,
    messages: Annotated[int, typer.Option(min=0, help="Rendered messages to show.")] = 3,
) -> None:
    """Audience size per variant and holdout from the gold tables, and a few rendered messages."""
    from clarion.settings import load_settings
    from marketing.campaigns.loader import load_campaign
    from marketing.campaigns.templates import render_message, resolve_locale

    jobs = _untyped("spark_jobs.campaign_audience")

    try:
        campaign = load_campaign(file, known_segments=_segment_names())
        settings = load_settings()
        spark = _untyped("spark_jobs.session").build_spark_session(
            settings, app_name=f"clarion-preview-{campaign.id}"
        )
        day = (
            date.fromisoformat(as_of)
            if as_of
            else _latest_day(spark, settings.table_uri("gold.user_features"))
        )
        users = jobs.audience_users(spark, settings, as_of=day, uplift=campaign.audience.uplift)
        audience = jobs.build_audience(
            users, campaign=campaign, run_id="preview", as_of=day, sent_at=datetime.now(UTC)
        ).cache()
        counts = {r["variant"]: r["count"] for r in audience.groupBy("variant").count().collect()}
        total = sum(counts.values())
        typer.echo(f"{campaign.id}: audience on gold day {day}: {total:,} users")
        _echo_targeting(spark, settings, campaign, day)
        for arm in [v.name for v in campaign.variants] + ["holdout"]:
            n = counts.get(arm, 0)
            share = 100 * n / total if total else 0.0
            typer.echo(f"  {arm:<24} {n:>10,}  {share:5.1f} %")
        sample = audience.where("not is_holdout").limit(messages).collect()
        for row in sample:
            channel = row["channels"][0]
            locale = resolve_locale(
                campaign.locales(channel), wanted=row["locale"], default=campaign.default_locale
            )
            template = campaign.template_for(variant=row["variant"], channel=channel, locale=locale)
            user = {"user_id": row["user_id"], "locale": row["locale"], "score": row["score"]}
            text = render_message(template, campaign=campaign, variant=row["variant"], user=user)
            uplift = "" if row["uplift"] is None else f" · uplift {row['uplift']:+.4f}"
            typer.echo(f"\n[{row['user_id']} · {row['variant']} · {channel} · {locale}{uplift}]")
            if text["subject"]:
                typer.echo(f"  subject: {text['subject']}")
            typer.echo("  " + (text["body"] or "").strip().replace("\n", "\n  "))
    except ClarionError as exc:
        _fail(str(exc))


@app.command("dag-file")
def dag_file(
    campaign_id: Annotated[str, typer.Argument(help="The campaign id (its file name).")],
    dags_dir: Annotated[Path, typer.Option(help="The DAGs folder.")] = Path("dags"),
) -> None:
    """Write ``dags/campaign_<id>.py``, the one-line DAG file of a campaign."""
    from marketing.campaigns.loader import default_campaigns_dir

    factory = _untyped("clarion.orchestration.campaign_dag")

    if not (default_campaigns_dir() / f"{campaign_id}.yaml").is_file():
        _fail(f"no campaign file campaigns/{campaign_id}.yaml")
    target = dags_dir / factory.dag_file_name(campaign_id)
    target.write_text(factory.dag_file_source(campaign_id), encoding="utf-8")
    typer.echo(f"wrote {target}")
