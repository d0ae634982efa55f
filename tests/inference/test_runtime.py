import numpy as np
import pytest
import torch

from inference.runtime import bf16_linears, forward_windows, length_batches


def padded_cost(batches, lengths, batch_cost):
    return sum(batch_cost + len(b) * max(lengths[i] for i in b) for b in batches)


@pytest.mark.parametrize("batch_cost", [0, 8, 10**9])
def test_length_batches_partition_the_items_at_least_cost(batch_cost):
    lengths = [5, 60, 7, 6, 58, 30, 8, 61, 5]
    batches = length_batches(lengths, batch_size=4, batch_cost=batch_cost)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert all(0 < len(b) <= 4 for b in batches)
    # brute force over every way to cut the sorted items into consecutive batches of at most 4
    ordered = sorted(range(len(lengths)), key=lengths.__getitem__)
    best = min(padded_cost([ordered[a:b] for a, b in zip(cuts, cuts[1:])], lengths, batch_cost)
               for mask in range(2 ** (len(lengths) - 1))
               for cuts in [[0, *[k + 1 for k in range(len(lengths) - 1) if mask >> k & 1], len(lengths)]]
               if all(b - a <= 4 for a, b in zip(cuts, cuts[1:])))
    assert padded_cost(batches, lengths, batch_cost) == best


def test_length_batches_split_short_from_long_items():
    batches = length_batches([4, 5, 4, 120, 118], batch_size=32, batch_cost=16)
    assert sorted(map(sorted, batches)) == [[0, 1, 2], [3, 4]]
    assert length_batches([4, 5, 4, 120, 118], batch_size=32, batch_cost=10**9) == [[0, 2, 1, 4, 3]]
    assert length_batches([], batch_size=8) == []


def test_forward_windows_returns_outputs_in_input_order(tiny_model):
    model, tokenizer = tiny_model("token", ["O", "B-LOC", "I-LOC"])
    model.eval()
    ids = [tokenizer(text)["input_ids"] for text in ["a b c d e f g h i j k", "x", "rebels shelled the town", "y z"]]
    batched = forward_windows(model, ids, tokenizer.pad_token_id, batch_size=2)
    with torch.inference_mode():
        single = [model(input_ids=torch.tensor([x])).logits[0].numpy() for x in ids]
    for got, want in zip(batched, single):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, atol=1e-4)


def test_bf16_linears_twin_computes_what_autocast_does_and_leaves_the_model_fp32(tiny_model):
    model, tokenizer = tiny_model("token", ["O", "B-LOC", "I-LOC"])
    model.eval()
    twin = bf16_linears(model)
    ids = [tokenizer(text)["input_ids"] for text in ["rebels shelled the town of x", "y z"]]
    want = forward_windows(model, ids, tokenizer.pad_token_id, use_bf16=True)
    got = forward_windows(twin, ids, tokenizer.pad_token_id, use_bf16=True)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    assert {p.dtype for p in model.parameters()} == {torch.float32}
    weights = dict(twin.named_parameters())
    for name, param in model.named_parameters():
        linear = name.endswith(("dense.weight", "dense.bias", "query.weight", "key.weight", "value.weight",
                                "query.bias", "key.bias", "value.bias", "classifier.weight", "classifier.bias"))
        assert weights[name].dtype == (torch.bfloat16 if linear else torch.float32), name
        assert (weights[name] is param) == (not linear), name  # everything else is shared, not copied


def test_bf16_linears_keeps_a_weight_tied_to_an_embedding_fp32_and_shared():
    class Tied(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed, self.out, self.head = torch.nn.Embedding(5, 4), torch.nn.Linear(4, 5), torch.nn.Linear(4, 2)
            self.out.weight = self.embed.weight

    model = Tied()
    twin = bf16_linears(model)
    assert twin.embed.weight is model.embed.weight and twin.out.weight is twin.embed.weight
    assert twin.embed.weight.dtype == torch.float32 and twin.out.bias.dtype == torch.bfloat16
    assert twin.head.weight.dtype == torch.bfloat16 and model.head.weight.dtype == torch.float32


def test_saved_models_load_without_hub_kernels(tiny_predictor_dir):
    # transformers enables Hub kernels by default and, on CUDA, fetches them when a model loads or switches to
    # eval: offline, the predictor would fail there
    from inference.predictor import Predictor

    predictor = Predictor.load(tiny_predictor_dir, precision="fp32")
    assert predictor.entities.model.use_kernels is False
    assert predictor.events.model.use_kernels is False
