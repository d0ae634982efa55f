"""Fixtures for the data-layer tests: files in tmp_path, minimal data configs, error checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from omegaconf import DictConfig, OmegaConf

from training.data.base import DataFormatError

BASE_CFG: dict[str, Any] = {
    "name": "tiny",
    "task": "token",
    "reader": "conll",
    "options": {},
    "entity_types": None,
    "labels": None,
    "label_map": None,
    "train": None,
    "dev": None,
    "dev_carve": None,
    "test_path": None,
    "test_keys": None,
    "max_length": 128,
    "stride": 32,
}


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], str]:
    """``write(name, content)`` → path of a new file in tmp_path (str content is written as UTF-8 as is)."""

    def write(name: str, content: str | bytes) -> str:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return str(path)

    return write


@pytest.fixture
def make_cfg() -> Callable[..., DictConfig]:
    """``make_cfg(**fields)`` → a data config with every schema key, ``fields`` overriding the defaults."""
    return lambda **fields: OmegaConf.create({**BASE_CFG, **fields})


@pytest.fixture
def raises_at() -> Callable[..., Any]:
    """``with raises_at(path, line, match):`` expects a DataFormatError naming the file and the line."""

    @contextmanager
    def check(path: str, line: int | None, match: str = "") -> Iterator[None]:
        with pytest.raises(DataFormatError, match=match) as info:
            yield
        message = str(info.value)
        assert Path(path).name in message
        assert info.value.line == line
        if line is not None:
            assert f":{line}:" in message

    return check
