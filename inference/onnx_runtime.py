"""ONNX Runtime backends for the task models: ``backend="onnx"`` (fp32) and ``backend="onnx-int8"``.

``runner(model, backend, output)`` gives what ``runtime.forward_windows`` calls: the torch model itself for
``torch``, else an ``OnnxModel`` over an export of it. The export (``torch.onnx.export``, TorchScript exporter)
takes ``input_ids`` and ``attention_mask`` (and ``token_type_ids`` for a word-shape model, see
``inference.word_shapes``) with dynamic batch and sequence axes and returns one output,
``logits`` (classifiers) or ``last_hidden_state`` (the encoder of a similarity typer); ``onnx-int8`` quantizes
its weights with ``onnxruntime.quantization.quantize_dynamic``. ONNX Runtime computes in fp32 (``precision``
applies to the torch backend only) with as many threads as torch.

Exports are cached in ``$CONFLICT_NEWS_ONNX_CACHE`` (default ``~/.cache/conflict-news/onnx``), one folder per
model named by a hash of its weights, inputs, output and the torch and onnxruntime versions: model folders stay
read-only, an MLflow model downloaded again reuses its export, the workers of a service share it, and changed
weights never meet a stale file. Files are written under a temporary name and renamed, so concurrent loads
never read a half-written one. The first load of a model exports it (seconds); a service whose home is not
writable points the variable at a writable or pre-filled folder.

``onnxruntime`` and ``onnx`` are optional (``pip install "conflict-news[onnx]"``) and imported only when an
ONNX backend is chosen.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, SimpleNamespace

import torch
from transformers import PreTrainedModel

from inference.runtime import bf16_linears

BACKENDS = ("torch", "onnx", "onnx-int8")
OUTPUTS = ("logits", "last_hidden_state")
CACHE_ENV = "CONFLICT_NEWS_ONNX_CACHE"
DEFAULT_CACHE = Path.home() / ".cache" / "conflict-news" / "onnx"
OPSET = 17


class OnnxModel:
    """An ONNX Runtime session that ``forward_windows`` calls like the torch model it was exported from."""

    device = torch.device("cpu")

    def __init__(self, session, output: str, path: Path) -> None:
        self.session, self.output, self.path = session, output, path

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                 token_type_ids: torch.Tensor | None = None) -> SimpleNamespace:
        feed = {"input_ids": input_ids.numpy(), "attention_mask": attention_mask.numpy()}
        if token_type_ids is not None:
            feed["token_type_ids"] = token_type_ids.numpy()
        (out,) = self.session.run([self.output], feed)
        return SimpleNamespace(**{self.output: torch.from_numpy(out)})


def runner(model: PreTrainedModel, backend: str, output: str, token_types: bool = False,
           bf16: bool = False) -> torch.nn.Module | OnnxModel:
    """For ``torch``, ``model`` itself, or with ``bf16`` (bf16 autocast) its twin with bf16 ``Linear`` weights
    (``runtime.bf16_linears``); an OnnxModel over its cached export for ``onnx`` and ``onnx-int8``
    (``token_types``: the export takes ``token_type_ids`` too)."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    if backend == "torch":
        return bf16_linears(model) if bf16 else model
    ort = _require("onnxruntime", backend)
    _require("onnx", backend)
    path = export(model, output, quantize=backend == "onnx-int8", token_types=token_types)
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return OnnxModel(session, output, path)


def export(model: PreTrainedModel, output: str, quantize: bool = False, cache_dir: str | Path | None = None,
           token_types: bool = False) -> Path:
    """The ONNX file of ``model`` (int8 weights when ``quantize``; a ``token_type_ids`` input when
    ``token_types``), exported into the cache on first use."""
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, not {output!r}")
    root = Path(cache_dir or os.environ.get(CACHE_ENV) or DEFAULT_CACHE)
    folder = root / cache_key(model, output, token_types)
    fp32 = folder / "model.onnx"
    if not fp32.is_file():
        _write_atomically(fp32, lambda tmp: _export(model, output, tmp, token_types))
    if not quantize:
        return fp32
    int8 = folder / "model.int8.onnx"
    if not int8.is_file():
        _write_atomically(int8, lambda tmp: _quantize(fp32, tmp))
    return int8


def cache_key(model: PreTrainedModel, output: str, token_types: bool = False) -> str:
    """A hash of the model class, its weights, inputs and output, and the torch and onnxruntime versions."""
    from onnxruntime import __version__ as ort_version

    inputs = "|token_type_ids" if token_types else ""  # plain exports keep the keys they always had
    digest = hashlib.sha256(f"{type(model).__name__}|{output}{inputs}|{torch.__version__}|{ort_version}|{OPSET}"
                            .encode())
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy())
    return digest.hexdigest()[:24]


class _Output(torch.nn.Module):
    """The model with positional ``(input_ids, attention_mask[, token_type_ids])`` inputs and one output tensor."""

    def __init__(self, model: PreTrainedModel, output: str) -> None:
        super().__init__()
        self.model, self.output = model, output

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, *types: torch.Tensor) -> torch.Tensor:
        extra = {"token_type_ids": types[0]} if types else {}
        return getattr(self.model(input_ids=input_ids, attention_mask=attention_mask, **extra), self.output)


def _export(model: PreTrainedModel, output: str, path: Path, token_types: bool = False) -> None:
    wrapper = _Output(model, output).eval()
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if token_types else [])
    dummies = tuple(torch.ones((2, 8), dtype=torch.long) for _ in names)
    with torch.inference_mode():
        per_token = wrapper(*dummies).ndim == 3
    axes = {**{name: {0: "batch", 1: "sequence"} for name in names},
            output: {0: "batch", 1: "sequence"} if per_token else {0: "batch"}}
    try:
        with warnings.catch_warnings():  # tracer warnings about shapes taken as constants for the dummy input
            warnings.simplefilter("ignore")
            torch.onnx.export(wrapper, dummies, str(path), input_names=names,
                              output_names=[output], dynamic_axes=axes, opset_version=OPSET, dynamo=False)
    finally:
        model.eval()


def _quantize(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)  # the quantizer logs every node it skips to the root logger
    try:
        quantize_dynamic(source, target, weight_type=QuantType.QInt8)
    finally:
        logging.disable(previous)


def _write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.onnx")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _require(name: str, backend: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise ImportError(f"backend={backend!r} needs the {name!r} package, which is not installed: "
                          f"pip install 'conflict-news[onnx]' (or pip install onnxruntime onnx)") from err
