"""Task logic: encoding examples into windows, and scoring predictions, for token and text classification."""

from types import ModuleType

from training.tasks import sequence, token

TASK_MODULES = {"token": token, "single_label": sequence, "multi_label": sequence}


def task_module(task: str) -> ModuleType:
    """The module implementing ``task`` (``token``, ``single_label`` or ``multi_label``)."""
    try:
        return TASK_MODULES[task]
    except KeyError:
        raise ValueError(f"data.task must be one of {sorted(TASK_MODULES)}, not {task!r}") from None
