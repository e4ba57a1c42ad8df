"""Write the analysts' notebooks from the cells below, outputs empty.

Run ``python notebooks/_build/build_notebooks.py`` after editing a cell.

The notebooks are committed as ``.ipynb`` for Jupyter users; this file is their
source, so a review reads Python, not JSON. Each notebook reads the Delta tables of
the lake the settings name (``CLARION_DELTA__ROOT``; the demo's by default)
through Spark.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent.parent


def _code(source: str) -> nbformat.NotebookNode:
    return new_code_cell(source.strip("\n"))


def _markdown(source: str) -> nbformat.NotebookNode:
    return new_markdown_cell(source.strip("\n"))


SETUP = '''\
%matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
from pyspark.sql import functions as F

from clarion.settings import load_settings
from spark_jobs.session import build_spark_session

settings = load_settings()  # CLARION_DELTA__ROOT picks the lake; the demo's by default
spark = build_spark_session(settings, app_name="{app}")
spark.sparkContext.setLogLevel("ERROR")


def table(name):
    """A Delta table of the lake by its ``layer.table`` name."""
    return spark.read.format("delta").load(settings.table_uri(name))


print("lake:", settings.lake_root)'''


def segment_explorer() -> list[nbformat.NotebookNode]:
    return [
        _markdown(
            """\
# Segment explorer

Who is in each rule-based segment (`segments/*.yaml` → `gold.user_segments`), how the
segments grow or shrink from one daily snapshot to the next, how they overlap, and what
their members look like in `gold.user_features` and `gold.user_scores`.
"""
        ),
        _code(SETUP.format(app="notebook-segment-explorer")),
        _markdown("""\
## The definitions, as checked on load
"""),
        _code(
            """\
from spark_jobs.segments import load_segments

definitions = pd.DataFrame(
    [{'segment': s.name, 'owner': s.owner, 'description': s.description,
      'file': s.source.name} for s in load_segments()]
)
definitions
"""
        ),
        _markdown("""\
## Size per daily snapshot
"""),
        _code(
            """\
segments = table('gold.user_segments')
features = table('gold.user_features')
as_of = segments.agg(F.max('as_of')).first()[0]
population = features.where(F.col('as_of') == as_of).count()
sizes = (
    segments.groupBy('as_of', 'segment').count().toPandas()
    .pivot(index='as_of', columns='segment', values='count').fillna(0).astype(int)
)
print(f'latest snapshot {as_of}: {population:,} users')
sizes
"""
        ),
        _code(
            """\
latest = sizes.loc[as_of].reindex(definitions['segment']).fillna(0).sort_values()
ax = (100 * latest / population).plot.barh(figsize=(7, 3.5))
ax.set_xlabel('% of users'); ax.set_title(f'Segment share, {as_of}')
plt.show()
assert (latest <= population).all()
"""
        ),
        _markdown(
            """\
## Overlap

Share of segment A's members (rows) who are also in segment B (columns), latest snapshot.
Computed in Spark.
"""
        ),
        _code(
            """\
today = segments.where(F.col('as_of') == as_of).select('user_id', 'segment')
pairs = (
    today.alias('a').join(today.alias('b'), 'user_id')
    .groupBy(F.col('a.segment').alias('a'), F.col('b.segment').alias('b')).count()
    .toPandas().pivot(index='a', columns='b', values='count').fillna(0)
)
overlap = pairs.div(pd.Series({s: pairs.loc[s, s] for s in pairs.index}), axis=0)
fig, ax = plt.subplots(figsize=(6, 5))
image = ax.imshow(overlap.to_numpy(), vmin=0, vmax=1, cmap='Blues')
ax.set_xticks(range(len(overlap.columns)), overlap.columns, rotation=45, ha='right')
ax.set_yticks(range(len(overlap.index)), overlap.index)
fig.colorbar(image, label='share of row segment'); ax.set_title('Segment overlap')
plt.show()
overlap.round(3)
"""
        ),
        _markdown("""\
## Profile of each segment (means over members, latest snapshot)
"""),
        _code(
            """\
PROFILE = ['score', 'purchase_amount_30d', 'purchase_count_7d',
           'days_since_last_seen', 'notification_open_rate_30d']
members = (
    today.join(features.where(F.col('as_of') == as_of), 'user_id')
    .join(table('gold.user_scores').where(F.col('as_of') == as_of)
          .select('user_id', 'score'), 'user_id')
)
profile = (
    members.groupBy('segment').agg(F.count('*').alias('users'),
                                   *[F.avg(c).alias(c) for c in PROFILE])
    .toPandas().set_index('segment').sort_values('users', ascending=False)
)
profile.round(3)
"""
        ),
        _code(
            """\
sample = members.select('segment', 'score').sample(fraction=1.0, seed=7).limit(200_000)
by_segment = sample.toPandas().groupby('segment')['score']
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.boxplot([s.to_numpy() for _, s in by_segment], tick_labels=[n for n, _ in by_segment],
           vert=False)
ax.set_xlabel('purchase propensity score'); ax.set_title('Score by segment')
plt.show()
"""
        ),
    ]


def model_quality() -> list[nbformat.NotebookNode]:
    return [
        _markdown(
            """\
# Model quality

The purchase-propensity model of the daily batch: the registry's history
(`ml.model_registry`: one model per day, promoted or rejected, and why), the current
model's calibration and feature importance, its score distribution, how well it ranks
users against the synthetic world's hidden propensity, and the Great Expectations results
of the latest run.
"""
        ),
        _code(SETUP.format(app="notebook-model-quality")),
        _markdown("""\
## Registry history
"""),
        _code(
            """\
from spark_jobs.model_registry import current_model, read_registry

history = pd.DataFrame([
    {'as_of': r.as_of, 'model_version': r.model_version, 'status': r.status,
     'auc': r.auc, 'logloss': r.logloss, 'train_rows': r.train_rows,
     'holdout_rows': r.holdout_rows, 'reason': r.reason}
    for r in read_registry(spark, settings)
])
assert not history.empty, 'no model registered yet: run the daily batch first'
history
"""
        ),
        _code(
            """\
fig, ax = plt.subplots(figsize=(7, 3))
for status, marker in (('promoted', 'o'), ('rejected', 'x')):
    part = history[history['status'] == status]
    ax.plot(pd.to_datetime(part['as_of']), part['auc'], marker, label=status)
ax.set_ylabel('holdout AUC'); ax.set_title('Model per run date'); ax.legend()
fig.autofmt_xdate(); plt.show()
"""
        ),
        _markdown("""\
## The current model: calibration by decile and feature importance
"""),
        _code(
            """\
model = current_model(spark, settings)
print(f'{model.model_version}: AUC {model.auc:.4f}, log loss {model.logloss:.4f}, '
      f'{model.holdout_rows:,} holdout users')
deciles = pd.DataFrame(model.calibration_table)
fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.plot(deciles['predicted'], deciles['observed'], 'o-', label='model')
top = float(max(deciles['predicted'].max(), deciles['observed'].max()))
ax.plot([0, top], [0, top], ':', color='grey', label='perfect')
ax.set_xlabel('mean predicted'); ax.set_ylabel('observed purchase rate')
ax.set_title('Calibration by decile (holdout)'); ax.legend(); plt.show()
deciles.round(4)
"""
        ),
        _code(
            """\
import xgboost as xgb

booster = xgb.Booster(model_file=model.artifact_path)
gain = pd.Series(booster.get_score(importance_type='gain')).sort_values().tail(15)
ax = gain.plot.barh(figsize=(6, 4)); ax.set_xlabel('total gain')
ax.set_title('Top features'); plt.show()
"""
        ),
        _markdown("""\
## Scores of the latest snapshot
"""),
        _code(
            """\
scores = table('gold.user_scores')
as_of = scores.agg(F.max('as_of')).first()[0]
latest = scores.where(F.col('as_of') == as_of)
bins = latest.select((F.floor(F.col('score') * 50) / 50).alias('bin')).groupBy('bin').count()
histogram = bins.toPandas().sort_values('bin')
ax = histogram.plot.bar(x='bin', y='count', figsize=(8, 3), legend=False, width=1.0)
ax.set_xticks(range(0, len(histogram), 5), [f'{b:.2f}' for b in histogram['bin'][::5]])
ax.set_title(f'Score distribution, {as_of}'); plt.show()
latest.groupBy('model_version').count().toPandas()
"""
        ),
        _markdown(
            """\
## Against the hidden truth (synthetic worlds only)

The generator keeps each user's true `purchase_propensity` in `truth.user_traits`; a real
deployment has no such table.
"""
        ),
        _code(
            """\
from deltalake import DeltaTable
from spark_jobs._evaluation import spearman

if DeltaTable.is_deltatable(settings.table_uri('truth.user_traits')):
    joined = (latest.join(table('truth.user_traits'), 'user_id')
              .select('score', 'purchase_propensity').toPandas())
    rho = spearman(joined['score'].to_numpy(), joined['purchase_propensity'].to_numpy())
    print(f'Spearman(score, hidden propensity) = {rho:.4f} over {len(joined):,} users')
    view = joined.sample(min(len(joined), 5_000), random_state=0)
    ax = view.plot.scatter(x='purchase_propensity', y='score', s=3, alpha=0.3,
                           figsize=(4.5, 4.5))
    ax.set_title('Score vs hidden propensity'); plt.show()
else:
    print('no truth.user_traits in this lake')
"""
        ),
        _markdown(
            """\
## Data quality of the latest run (Great Expectations → `quality.validation_results`)
"""
        ),
        _code(
            """\
checks = table('quality.validation_results').where(F.col('as_of') == as_of).toPandas()
print(checks.groupby(['suite', 'success']).size().unstack(fill_value=0))
checks[~checks['success']][['suite', 'expectation', 'column', 'observed_value']]
"""
        ),
    ]


def write(name: str, cells: list) -> Path:
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    path = HERE / f"{name}.ipynb"
    nbformat.validate(notebook)
    nbformat.write(notebook, path)
    return path


def campaign_results() -> list[nbformat.NotebookNode]:
    return [
        _markdown("""\
# Campaign results and lift

Every measured campaign run in `gold.campaign_results`: per arm (each A/B variant
and the holdout) the visit and conversion rates and the revenue per recipient,
with the absolute and relative lift over the holdout, their confidence intervals
and p-values. The same figures as the HTML report each campaign DAG writes.
"""),
        _code(SETUP.format(app="notebook-campaign-results")),
        _code("""\
results = table('gold.campaign_results').toPandas()
assert not results.empty, 'no campaign measured yet: run a campaign DAG first'
runs = (results.groupby(['campaign_id', 'run_id', 'arm'])['recipients'].first()
        .unstack('arm').fillna(0).astype(int))
runs
"""),
        _markdown("""\
## One run in detail

Pick a run (the latest measured one by default).
"""),
        _code("""\
campaign_id, run_id = runs.index[-1]
run = results[(results['campaign_id'] == campaign_id) & (results['run_id'] == run_id)]
window = run['attribution_window_hours'].iloc[0]
print(f'{campaign_id} / {run_id}: attribution window {window:g} h, '
      f'confidence {run["confidence"].iloc[0]:.0%}')
columns = ['arm', 'recipients', 'value', 'control_value', 'absolute_lift', 'absolute_low',
           'absolute_high', 'relative_lift', 'p_value', 'method']
run.pivot_table(index='metric', columns='arm', values='value')
"""),
        _code("""\
lifts = run[~run['is_control']][['metric', *columns]].sort_values(['metric', 'arm'])
lifts.round(4)
"""),
        _markdown("""\
## Lift over the holdout, with its interval

A bar crossing zero is a lift the data cannot tell from none.
"""),
        _code("""\
metrics = list(dict.fromkeys(lifts['metric']))
fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 2.8), squeeze=False)
for ax, metric in zip(axes[0], metrics):
    part = lifts[lifts['metric'] == metric].reset_index(drop=True)
    ax.errorbar(part['absolute_lift'], range(len(part)),
                xerr=[part['absolute_lift'] - part['absolute_low'],
                      part['absolute_high'] - part['absolute_lift']], fmt='o', capsize=4)
    ax.axvline(0, color='grey', linestyle=':')
    ax.set_yticks(range(len(part)), part['arm']); ax.set_title(metric)
    ax.set_xlabel('absolute lift vs holdout')
fig.tight_layout(); plt.show()
"""),
        _code("""\
from marketing.campaigns.report import report_path

report = report_path(settings.state_dir, campaign_id=campaign_id, run_id=run_id)
print('HTML report:', report if report.exists() else f'not written here ({report})')
"""),
    ]


NOTEBOOKS = {
    "segment_explorer": segment_explorer,
    "model_quality": model_quality,
    "campaign_results": campaign_results,
}

if __name__ == "__main__":
    for name, cells in NOTEBOOKS.items():
        print(write(name, cells()))
