"""The hot tier behaves like a plain LRU model over any sequence of puts, gets and drops."""

from __future__ import annotations

from collections import OrderedDict

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.cache import LruCache
from rustybt.contract.samples import daily_bars

FRAMES = [daily_bars().head(n) for n in (1, 5, 20, 60)]
SIZES = [int(f.estimated_size()) for f in FRAMES]
KEYS = [f"{i:064x}" for i in range(6)]

operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.sampled_from(KEYS), st.integers(0, len(FRAMES) - 1)),
        st.tuples(st.just("get"), st.sampled_from(KEYS), st.just(0)),
        st.tuples(st.just("drop"), st.sampled_from(KEYS), st.just(0)),
    ),
    max_size=60,
)


@settings(max_examples=150)
@given(budget=st.integers(0, 3 * max(SIZES)), ops=operations)
def test_lru_matches_a_reference_model(budget: int, ops: list[tuple[str, str, int]]) -> None:
    cache = LruCache(budget, ttl_seconds=None)
    model: OrderedDict[str, int] = OrderedDict()
    for op, key, which in ops:
        if op == "put":
            model.pop(key, None)
            if SIZES[which] <= budget:
                model[key] = which
                while sum(SIZES[w] for w in model.values()) > budget:
                    model.popitem(last=False)
            cache.put_entry(key, FRAMES[which])
        elif op == "get":
            got = cache.get_entry(key)
            if key in model:
                model.move_to_end(key)
                assert got is not None and got.collect().equals(FRAMES[model[key]])
            else:
                assert got is None
        else:
            assert cache.invalidate(key) is (model.pop(key, None) is not None)
        stats = cache.get_stats().tiers["memory"]
        assert stats.bytes == sum(SIZES[w] for w in model.values()) <= budget
        assert stats.entries == len(model)
        assert [k for k in KEYS if k in cache] == [k for k in KEYS if k in model]


def test_frames_used_by_the_model_differ_in_size() -> None:
    assert len(set(SIZES)) == len(SIZES)
    assert all(isinstance(f, pl.DataFrame) for f in FRAMES)
