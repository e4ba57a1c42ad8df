"""Airflow DAG of campaigns/hillstrom_persuadables.yaml (doc_md is built from the file).

One small file per campaign, so a broken campaign file is an import error of this
DAG only (docs/adr/0011). Written by `clarion campaign dag-file hillstrom_persuadables`.
"""

from clarion.orchestration.campaign_dag import campaign_dag

dag = campaign_dag("hillstrom_persuadables")
