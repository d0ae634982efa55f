import numpy as np
import pytest
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

from inference.windows import (IGNORE_INDEX, encode_text, merge_word_logits, pool_text_logits, text_windows,
                               word_labels, word_windows)
from training.modeling.encoders import minilm_path


def test_long_word_sequence_is_windowed_without_loss(tokenizer):
    words = [f"word{i}" for i in range(300)]
    windows = word_windows(tokenizer, [words, ["short"]], max_length=32, stride=8)
    assert len(windows) > 10
    assert max(len(ids) for ids in windows.input_ids) <= 32
    # every word's first subword lies in some window
    firsts = windows.word_first_token[0]
    covered = {pos for start, length, ex in zip(windows.starts, windows.lengths, windows.example_index) if ex == 0
               for pos in range(start, start + length)}
    assert set(firsts) <= covered
    assert windows.example_index[-1] == 1


def test_window_overlap_equals_stride(tokenizer):
    windows = text_windows(tokenizer, ["alpha " * 100], max_length=20, stride=6)
    starts, lengths = windows.starts, windows.lengths
    assert all(lengths[i] + starts[i] - starts[i + 1] == 6 for i in range(len(starts) - 1))
    assert starts[-1] + lengths[-1] == 100


def test_words_without_subwords_become_unknown(tokenizer):
    windows = word_windows(tokenizer, [["a", "\u200b", "b"]], max_length=16, stride=4)
    assert windows.replaced_words == 1
    assert len(windows.word_first_token[0]) == 3
    assert tokenizer.unk_token_id in windows.input_ids[0]


def test_words_longer_than_wordpiece_encodes_keep_their_content(tokenizer):
    long_word = "kabul" * 50  # 250 characters: WordPiece alone gives one [UNK] for a word over 100
    assert tokenizer([long_word], is_split_into_words=True, add_special_tokens=False)["input_ids"] == [
        tokenizer.unk_token_id]
    windows = word_windows(tokenizer, [["In", long_word, "today"]], max_length=256, stride=16)
    tokens = tokenizer.convert_ids_to_tokens(windows.input_ids[0])
    assert tokenizer.unk_token not in tokens and windows.replaced_words == 0
    first = windows.word_first_token[0]
    assert tokens[windows.n_prefix + first[1]] == "kabul" and tokens[windows.n_prefix + first[2]] == "today"
    assert "".join(t.removeprefix("##") for t in tokens[windows.n_prefix + first[1]:windows.n_prefix + first[2]]) \
        == long_word
    text_tokens = tokenizer.convert_ids_to_tokens(text_windows(tokenizer, [f"In {long_word}, today"], 256, 16)
                                                  .input_ids[0])
    assert tokenizer.unk_token not in text_tokens and text_tokens.count("kabul") == 3  # a piece per 100 characters
    assert text_windows(tokenizer, ["In Kabul, today"], 256, 16).input_ids == \
        [tokenizer("In Kabul, today")["input_ids"]]  # ordinary text is tokenized as before
    slow = BertTokenizerLegacy.from_pretrained(minilm_path())  # no offsets: text windows do not need them
    assert text_windows(slow, ["In Kabul, today"], 256, 16).input_ids == [slow("In Kabul, today")["input_ids"]]
    text = f"In {long_word}, today x{'a' * 101}"
    ids, offsets = encode_text(tokenizer, text)  # the spans of the pieces' tokens are spans of the text
    assert [text[a:b].lower() for a, b in offsets] == [
        token.removeprefix("##") for token in tokenizer.convert_ids_to_tokens(ids)]


def test_first_subword_alignment(tokenizer):
    words = ["Raqqa", "is", "in", "Syria"]
    windows = word_windows(tokenizer, [words], max_length=16, stride=4)
    labels = word_labels(windows, [[1, 0, 0, 1]])[0]
    tokens = tokenizer.convert_ids_to_tokens(windows.input_ids[0])
    labelled = [(tok, lab) for tok, lab in zip(tokens, labels) if lab != IGNORE_INDEX]
    assert [lab for _, lab in labelled] == [1, 0, 0, 1]
    assert labels[0] == IGNORE_INDEX and labels[-1] == IGNORE_INDEX  # [CLS], [SEP]
    assert len(tokens) > len(words) + 2  # Raqqa is split into subwords, only the first is labelled


def test_merge_prefers_the_most_central_window(tokenizer):
    words = [f"w{i}" for i in range(40)]
    windows = word_windows(tokenizer, [words], max_length=24, stride=10)
    # logits that identify the window: window k predicts label k for every token
    logits = [np.eye(len(windows))[[k] * len(ids)] * 10 for k, ids in enumerate(windows.input_ids)]
    merged = merge_word_logits(windows, logits)[0]
    chosen = merged.argmax(axis=1)
    assert merged.shape == (40, len(windows))
    for word, pos in enumerate(windows.word_first_token[0]):
        k = chosen[word]
        start, length = windows.starts[k], windows.lengths[k]
        margin = min(pos - start, start + length - 1 - pos)
        others = [min(pos - s, s + n - 1 - pos) for s, n in zip(windows.starts, windows.lengths) if s <= pos < s + n]
        assert margin == max(others)


def test_pooling():
    class W:
        example_index = [0, 0, 1]

    logits = np.array([[2.0, -2.0], [-2.0, 2.0], [0.0, 0.0]])
    multi = pool_text_logits(W, logits, 2, multi_label=True, pool="max")
    assert multi[0] == pytest.approx([0.8808, 0.8808], abs=1e-4)
    single = pool_text_logits(W, logits, 2, multi_label=False, pool="mean")
    assert single[0] == pytest.approx([0.5, 0.5]) and single[1] == pytest.approx([0.5, 0.5])
    with pytest.raises(ValueError, match="unknown pool"):
        pool_text_logits(W, logits, 2, multi_label=True, pool="median")
