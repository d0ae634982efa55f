"""The commands people launch, each a ``python -m training.jobs.<name>`` entry point (``training.train`` stays at
the package root): the main job, silver labels, zero-shot typer, continued pretraining, seed ensembles, evaluation,
packaging and promotion."""
