import mlflow

from training.events.compare import comparison_table


def log_run(seed_group: str, examples: int, f1: float) -> None:
    with mlflow.start_run():
        mlflow.set_tags({"approach": "fine_tune", "encoder": "minilm", "seed_group": seed_group})
        mlflow.log_params({"trainer.learning_rate": 1e-4, "trainer.num_train_epochs": 5,
                           "data_stats.train.examples": examples})
        mlflow.log_metric("dev_f1_macro", f1)


def test_runs_on_other_training_data_are_not_averaged_together(mlflow_store):
    mlflow.set_experiment("acled_distill")
    log_run("a", 3512, 0.70)
    log_run("a", 3512, 0.80)
    log_run("b", 3816, 0.60)
    table = comparison_table(["acled_distill"]).set_index("seed group")
    assert table.loc["a", "runs"] == 2 and table.loc["a", "macro F1 (31 labels)"] == "0.750 ± 0.050"
    assert table.loc["b", "runs"] == 1 and table.loc["b", "train examples"] == "3816"
    assert table.loc["b", "macro F1 (31 labels)"] == "0.600 ± 0.000"
