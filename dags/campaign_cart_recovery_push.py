"""Airflow DAG of campaigns/cart_recovery_push.yaml (doc_md is built from the file).

One small file per campaign, so a broken campaign file is an import error of this
DAG only (docs/adr/0011). Written by `clarion campaign dag-file cart_recovery_push`.
"""

from clarion.orchestration.campaign_dag import campaign_dag

dag = campaign_dag("cart_recovery_push")
