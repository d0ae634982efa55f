"""The versioned ACLED label file (``resources/acled/labels-v*.yaml``): label names, event types, subtasks,
definitions and the descriptions used for zero-shot similarity."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from omegaconf import OmegaConf

NO_EVENT = "NO_EVENT"


@dataclass(frozen=True)
class LabelInfo:
    name: str
    event_type: str | None  # ACLED event type; None for the non-ACLED labels and NO_EVENT
    subtask: int  # 1: the 25 ACLED sub-types; 2: +crime and disasters; 3: +DIPLO, ATTRIB; 0: NO_EVENT
    definition: str
    descriptions: tuple[str, ...]


@dataclass(frozen=True)
class LabelSet:
    version: int
    labels: tuple[LabelInfo, ...]

    @property
    def names(self) -> list[str]:
        return [label.name for label in self.labels]

    def event_types(self) -> dict[str, str | None]:
        return {label.name: label.event_type for label in self.labels}

    def up_to_subtask(self, subtask: int) -> list[str]:
        """Names of the labels of CASE 2021 subtask 1, 2 or 3 (NO_EVENT excluded)."""
        return [label.name for label in self.labels if 1 <= label.subtask <= subtask]


def load_labels(path: str | Path) -> LabelSet:
    """Read and check a label file; errors name the file and the label."""
    raw = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    labels = []
    for name, info in raw["labels"].items():
        missing = {"event_type", "subtask", "definition", "descriptions"} - set(info)
        if missing:
            raise ValueError(f"{path}: label {name} lacks {sorted(missing)}")
        if not info["descriptions"]:
            raise ValueError(f"{path}: label {name} has no descriptions")
        labels.append(LabelInfo(name, info["event_type"], int(info["subtask"]), info["definition"],
                                tuple(info["descriptions"])))
    return LabelSet(int(raw["version"]), tuple(labels))


def register_resolver() -> None:
    """``${acled_labels:<file>}`` in a config resolves to the label names of that file, read once per config
    (``use_cache``: readers access ``cfg.labels`` per example, and each uncached access re-reads the YAML)."""
    if not OmegaConf.has_resolver("acled_labels"):
        OmegaConf.register_new_resolver("acled_labels", lambda path: load_labels(path).names, use_cache=True)
