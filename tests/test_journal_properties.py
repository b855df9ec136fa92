"""Property tests of the journal's pure logic: label encoding, fingerprints
of rows and pools, and the mapping of labeled rows onto a changed CSV."""

import contextlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skal._csv import match_rows
from skal.journal import pool_fingerprint, row_fingerprints
from skal.journal._labels import decode_label, encode_label, plain_label

labels = st.one_of(
    st.text(min_size=1).filter(str.strip),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)


@given(labels)
def test_a_label_decodes_to_itself_with_its_type(label):
    back = decode_label(encode_label(plain_label(label)))
    assert type(back) is type(label) and back == label


@given(st.text())
def test_decoding_never_raises_anything_but_value_error(text):
    with contextlib.suppress(ValueError):
        decode_label(text)


@settings(max_examples=60)
@given(
    st.lists(st.lists(st.integers(-5, 5), min_size=2, max_size=2), min_size=1),
    st.data(),
)
def test_a_row_fingerprint_is_the_fingerprint_of_that_row(rows, data):
    X = np.array(rows)
    everything = row_fingerprints(X)
    assert everything == [pool_fingerprint(X[i : i + 1]) for i in range(len(X))]
    # The same numbers as floats, or picked one by one, agree.
    assert row_fingerprints(X.astype(float)) == everything
    picked = data.draw(st.lists(st.integers(0, len(X) - 1)))
    assert row_fingerprints(X, picked) == [everything[i] for i in picked]
    texts = [str(r) for r in rows]
    assert row_fingerprints(texts, picked) == [
        pool_fingerprint(texts[i : i + 1]) for i in picked
    ]


@settings(max_examples=200)
@given(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=12), st.data())
def test_labeled_rows_are_found_wherever_they_moved(contents, data):
    # The journal saw `contents`; the CSV now holds them shuffled, with some
    # rows edited (to "z") and some rows added.
    n = len(contents)
    labeled = data.draw(st.sets(st.integers(0, n - 1)))
    order = data.draw(st.permutations(range(n)))
    edited = data.draw(st.sets(st.integers(0, n - 1)))
    added = data.draw(st.lists(st.sampled_from("abcz"), max_size=3))
    now = [("z" if i in edited else contents[i]) for i in order] + added
    positions, missing = match_rows(
        sorted(labeled), {i: contents[i] for i in labeled}, now
    )
    found = set(positions)
    assert found | {i for i, _ in missing} == labeled and not found & {
        i for i, _ in missing
    }
    # Each found row maps to a distinct CSV row with the same contents.
    assert len(set(positions.values())) == len(positions)
    assert all(now[p] == contents[i] for i, p in positions.items())
    # A row is missing only if its contents are gone (fewer copies remain).
    for i, _ in missing:
        want = sum(contents[j] == contents[i] for j in labeled)
        assert now.count(contents[i]) < want
    # Unmoved rows keep their position.
    for i in labeled:
        if i < len(now) and now[i] == contents[i]:
            assert positions[i] == i
