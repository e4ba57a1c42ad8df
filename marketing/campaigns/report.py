"""The campaign report: one self-contained HTML page per run, plots embedded as base64 PNG.

Written to ``<state dir>/reports/<campaign id>/<run id>.html`` (``.clarion/`` locally).
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from pathlib import Path

from marketing.campaigns._durations import format_duration
from marketing.campaigns.results import MetricResult
from marketing.campaigns.schema import Campaign

__all__ = ["render_report", "report_path", "write_report"]

_NONE = "&ndash;"
_LABELS = {
    "visit_rate": "Visit rate",
    "conversion_rate": "Conversion rate",
    "revenue_per_recipient": "Revenue per recipient",
}


def report_path(state_dir: Path, *, campaign_id: str, run_id: str) -> Path:
    """``<state dir>/reports/<campaign id>/<run id>.html``."""
    return state_dir / "reports" / campaign_id / f"{run_id}.html"


def _number(value: float | None, metric: str) -> str:
    if value is None or math.isnan(value):
        return _NONE
    return f"{value:.2f}" if metric == "revenue_per_recipient" else f"{100 * value:.2f} %"


def _lift(result: MetricResult) -> tuple[str, str]:
    absolute, relative = result.absolute, result.relative
    if absolute is None or relative is None:
        return "control" if result.is_control else _NONE, _NONE
    unit = "" if result.metric == "revenue_per_recipient" else " pp"
    scale = 1.0 if result.metric == "revenue_per_recipient" else 100.0
    abs_text = (
        f"{scale * absolute.estimate:+.2f}{unit} "
        f"[{scale * absolute.low:+.2f}, {scale * absolute.high:+.2f}]"
    )
    rel_text = (
        f"{100 * relative.estimate:+.1f} % [{100 * relative.low:+.1f}, {100 * relative.high:+.1f}]"
    )
    return abs_text, rel_text


def _plot(results: Sequence[MetricResult], metric: str) -> str:
    """A bar per arm with its value, and the lift interval of each variant; base64 PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    rows = [r for r in results if r.metric == metric]
    figure, (values, lifts) = plt.subplots(1, 2, figsize=(9, 3.2))
    scale = 1.0 if metric == "revenue_per_recipient" else 100.0
    values.bar(
        [r.arm for r in rows],
        [scale * r.value for r in rows],
        color=["#999999" if r.is_control else "#2a6fdb" for r in rows],
    )
    values.set_title(_LABELS[metric] + ("" if scale == 1 else " (%)"))
    treated = [r for r in rows if r.absolute is not None]
    for y, r in enumerate(treated):
        assert r.absolute is not None
        est, low, high = (
            scale * r.absolute.estimate,
            scale * r.absolute.low,
            scale * r.absolute.high,
        )
        lifts.errorbar([est], [y], xerr=[[est - low], [high - est]], fmt="o", capsize=4)
    lifts.axvline(0, color="#666666", linewidth=1)
    lifts.set_yticks(range(len(treated)), [r.arm for r in treated])
    lifts.set_title("Lift over holdout" + (" (pp)" if scale != 1 else ""))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def render_report(campaign: Campaign, *, run_id: str, results: Sequence[MetricResult]) -> str:
    """The report's HTML: the campaign, a table per metric, a plot per metric."""
    esc = html.escape
    window = format_duration(campaign.attribution.window)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{esc(campaign.name)} &mdash; {esc(run_id)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{padding:.3em .8em;border-bottom:1px solid #ddd;"
        "text-align:right}td:first-child,th:first-child{text-align:left}</style></head><body>",
        f"<h1>{esc(campaign.name)}</h1>",
        f"<p><b>Campaign</b> {esc(campaign.id)} · <b>run</b> {esc(run_id)} · "
        f"<b>owner</b> {esc(campaign.owner)} · <b>attribution</b> "
        f"{esc(campaign.attribution.conversion_event)} within {window}</p>",
        f"<p>{esc(campaign.description)}</p>",
    ]
    for metric in _LABELS:
        rows = [r for r in results if r.metric == metric]
        if not rows:
            continue
        parts.append(
            f"<h2>{_LABELS[metric]}</h2><table><tr><th>arm</th><th>recipients</th>"
            "<th>value</th><th>absolute lift [95 % CI]</th>"
            "<th>relative lift [95 % CI]</th><th>p</th></tr>"
        )
        for r in rows:
            absolute, relative = _lift(r)
            p = _NONE if r.p_value is None or math.isnan(r.p_value) else f"{r.p_value:.3g}"
            parts.append(
                f"<tr><td>{esc(r.arm)}</td><td>{r.recipients:,}</td>"
                f"<td>{_number(r.value, metric)}</td><td>{absolute}</td>"
                f"<td>{relative}</td><td>{p}</td></tr>"
            )
        parts.append("</table>")
        parts.append(
            f"<img alt='{_LABELS[metric]}' src='data:image/png;base64,{_plot(results, metric)}'>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(
    campaign: Campaign, *, run_id: str, results: Sequence[MetricResult], state_dir: Path
) -> Path:
    """Render and write the report (replacing the run's previous one); returns its path."""
    path = report_path(state_dir, campaign_id=campaign.id, run_id=run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_report(campaign, run_id=run_id, results=results), encoding="utf-8")
    tmp.replace(path)
    return path
