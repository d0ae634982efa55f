"""Run bookkeeping in MLflow: store and run set-up with what every run logs (``mlflow``), run identity (skip and
resume), seed summaries, run tables and figures."""
