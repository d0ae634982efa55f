"""Offline model loading, CPU precision choice and batched, length-bucketed forward passes."""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path
from typing import Iterator

import numpy as np
import torch
from transformers import PreTrainedModel


def load_pretrained(auto_class: type, path: str | Path, **kwargs) -> PreTrainedModel:
    """``auto_class.from_pretrained(path)`` without Hugging Face Hub kernels: transformers enables them by
    default and, on CUDA, fetches them from the Hub when the model is loaded or switched to eval, which fails
    offline. The models compute the same without them."""
    return auto_class.from_pretrained(path, use_kernels=False, **kwargs)


def bf16_supported() -> bool:
    """True when this machine runs bf16 autocast natively (CUDA with bf16, or a CPU with AVX512-BF16/AMX)."""
    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    cpu = torch.cpu
    try:
        return bool(cpu._is_avx512_bf16_supported() or cpu._is_amx_tile_supported())
    except AttributeError:  # older or non-x86 builds without the probes
        return False


def resolve_precision(precision: str) -> bool:
    """Map a ``precision`` setting (``auto``, ``bf16``, ``fp32``) to whether bf16 autocast is used."""
    if precision == "auto":
        return bf16_supported()
    if precision == "bf16":
        if not bf16_supported():
            raise RuntimeError("precision=bf16 was asked for, but this machine does not support bf16 autocast")
        return True
    if precision == "fp32":
        return False
    raise ValueError(f"precision must be 'auto', 'bf16' or 'fp32', not {precision!r}")


@contextlib.contextmanager
def autocast(use_bf16: bool, device: torch.device) -> Iterator[None]:
    """bf16 autocast on ``device`` when asked for, a no-op otherwise."""
    if use_bf16:
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16):
            yield
    else:
        yield


def bf16_linears(model: torch.nn.Module) -> torch.nn.Module:
    """A twin of ``model`` for bf16 autocast: its ``Linear`` weights and biases are stored in bf16, every other
    parameter and buffer is shared with ``model``. Under autocast it computes exactly what ``model`` does (autocast
    casts these same tensors to bf16 anyway), without casting them again on every forward pass; ``model`` keeps
    its fp32 weights for saving and export. The twin copies the weights once: later changes to ``model`` do not
    reach it. A weight tied to another kind of module (an embedding) stays fp32 and shared."""
    def owned(linear: bool) -> set[int]:
        return {id(p) for m in model.modules() if isinstance(m, torch.nn.Linear) == linear
                for p in m.parameters(recurse=False)}

    cast = owned(True) - owned(False)
    shared = {id(t): t for t in [*model.parameters(), *model.buffers()] if id(t) not in cast}
    twin = copy.deepcopy(model, shared)
    for module in twin.modules():
        if isinstance(module, torch.nn.Linear):
            for param in module.parameters(recurse=False):
                if id(param) not in shared:  # a copy made for the twin, not a shared tensor
                    param.data = param.data.to(torch.bfloat16)
    return twin


def logits_of(outputs, mask: torch.Tensor) -> torch.Tensor:
    """A classifier's logits."""
    return outputs.logits


def mean_pooled(outputs, mask: torch.Tensor) -> torch.Tensor:
    """Sentence embeddings: the mean of the last hidden states over real (unpadded) tokens."""
    weights = mask.unsqueeze(-1).to(outputs.last_hidden_state.dtype)
    return (outputs.last_hidden_state * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1)


BATCH_COST_TOKENS = 64  # the fixed cost of one forward pass, counted in padded tokens


def length_batches(lengths: list[int], batch_size: int, batch_cost: int = BATCH_COST_TOKENS) -> list[list[int]]:
    """Indices grouped into batches of at most ``batch_size`` items of similar length.

    Items are sorted by length and cut where the padded area (items x longest length) plus ``batch_cost`` per
    batch is smallest overall (an exact dynamic programme over the cut points), so a few long sentences do not
    pad a batch of short ones, and short items are not run one by one either.
    """
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    ordered = [lengths[i] for i in order]
    best = [0.0] + [float("inf")] * len(order)
    cut = [0] * (len(order) + 1)
    for end in range(1, len(order) + 1):
        for start in range(max(0, end - batch_size), end):
            cost = best[start] + batch_cost + (end - start) * ordered[end - 1]
            if cost < best[end]:
                best[end], cut[end] = cost, start
    batches, end = [], len(order)
    while end:
        batches.append(order[cut[end]:end])
        end = cut[end]
    return batches[::-1]


@torch.inference_mode()
def forward_windows(model, input_ids: list[list[int]], pad_id: int, batch_size: int = 32,
                    use_bf16: bool = False, head=logits_of,
                    token_type_ids: list[list[int]] | None = None) -> list[np.ndarray]:
    """``head(outputs, mask)`` (float32; default the logits) of every window, in input order; windows are
    batched by similar length (``length_batches``). ``model`` is a Hugging Face model or an
    ``onnx_runtime.OnnxModel``; ``token_type_ids`` (one list per window, padded with 0) are passed when given."""
    device = model.device
    out: list[np.ndarray | None] = [None] * len(input_ids)
    for idx in length_batches([len(ids) for ids in input_ids], batch_size):
        width = max(len(input_ids[i]) for i in idx)
        ids = torch.full((len(idx), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(idx), width), dtype=torch.long)
        for row, i in enumerate(idx):
            ids[row, :len(input_ids[i])] = torch.tensor(input_ids[i])
            mask[row, :len(input_ids[i])] = 1
        mask = mask.to(device)
        extra = {}
        if token_type_ids is not None:
            types = torch.zeros((len(idx), width), dtype=torch.long)
            for row, i in enumerate(idx):
                types[row, :len(token_type_ids[i])] = torch.tensor(token_type_ids[i])
            extra["token_type_ids"] = types.to(device)
        with autocast(use_bf16, device):
            logits = head(model(input_ids=ids.to(device), attention_mask=mask, **extra), mask)
        logits = logits.float().cpu().numpy()
        for row, i in enumerate(idx):
            out[i] = logits[row, :len(input_ids[i])] if logits.ndim == 3 else logits[row]
    return out  # type: ignore[return-value]
