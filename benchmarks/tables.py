"""Summary rows shared by the benchmarks that score several systems (e.g. one predictor per training seed)."""

from __future__ import annotations

import numpy as np


def spread(rows: list[dict[str, float]], name: str) -> dict[str, dict[str, float]]:
    """``<name> mean`` and ``<name> std`` (sample std) rows over several systems' scores."""
    keys = list(rows[0])
    return {f"{name} mean": {k: float(np.mean([r[k] for r in rows])) for k in keys},
            f"{name} std": {k: float(np.std([r[k] for r in rows], ddof=1)) for k in keys}}
