"""Airflow DAG of campaigns/holiday_big_spenders.yaml (doc_md is built from the file).

One small file per campaign, so a broken campaign file is an import error of this
DAG only (docs/adr/0011). Written by `clarion campaign dag-file holiday_big_spenders`.
"""

from clarion.orchestration.campaign_dag import campaign_dag

dag = campaign_dag("holiday_big_spenders")
