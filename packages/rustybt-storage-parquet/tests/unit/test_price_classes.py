"""Which file each asset's rows go to: price classes and the plan of a partition's files."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from rustybt.storage.parquet.price_classes import (
    MIN_CLASS_ROWS,
    StoredFile,
    finest_class,
    plan_files,
    sibling_name,
    sid_classes,
)


def _bars(make_bars, prices: dict[int, str], days: int) -> pl.DataFrame:
    start = date(2024, 1, 1)
    rows = [(start + timedelta(days=d), sid, p, p, p, p, "10") for d in range(days) for sid, p in sorted(prices.items())]
    return make_bars(rows)


def test_each_sid_gets_the_fewest_decimals_that_hold_all_its_prices(make_bars) -> None:
    bars = _bars(make_bars, {1: "12", 2: "12.5", 3: "0.1234", 4: "0.12345", 5: "0.00000001"}, 2)
    distinct, rank, classes = sid_classes(bars)
    assert distinct.tolist() == [1, 2, 3, 4, 5]
    assert classes.tolist() == [0, 2, 4, 6, 8]
    assert rank.tolist() == [0, 1, 2, 3, 4] * 2


def test_a_sid_takes_the_class_of_its_finest_price(make_bars) -> None:
    bars = make_bars([(date(2024, 1, 1), 1, "10", "10", "10", "10", "1"), (date(2024, 1, 2), 1, "10", "10.0001", "10", "10", "1")])
    assert sid_classes(bars)[2].tolist() == [4]


def test_the_largest_class_is_data_parquet_and_small_classes_join_a_finer_one(make_bars) -> None:
    days = MIN_CLASS_ROWS // 10 + 1  # 10 sids of each big class: just over the minimum
    prices = {**{sid: "12.25" for sid in range(1, 21)}, **{sid: "0.1234" for sid in range(21, 31)}, 31: "7"}
    bars = _bars(make_bars, prices, days)
    plans = {plan.name: plan for plan in plan_files(bars)}
    assert set(plans) == {"data.parquet", sibling_name(4)}
    head, fine = plans["data.parquet"], plans[sibling_name(4)]
    assert head.price_class == 2 and fine.price_class == 4
    sids = bars.get_column("sid").to_numpy()
    assert set(sids[head.rows]) == set(range(1, 21)) | {31}  # the whole-number sid is too small for a file
    assert set(sids[fine.rows]) == set(range(21, 31))
    assert np.array_equal(np.sort(np.concatenate([head.rows, fine.rows])), np.arange(bars.height))


def test_a_small_partition_stays_one_file(make_bars) -> None:
    bars = _bars(make_bars, {1: "12.25", 2: "0.1234"}, 5)
    (plan,) = plan_files(bars)
    assert plan.name == "data.parquet" and plan.price_class == 4 and len(plan.rows) == bars.height


def test_an_asset_stays_in_its_file_and_raises_its_class(make_bars) -> None:
    bars = _bars(make_bars, {1: "12.25", 2: "0.1234", 3: "0.123456"}, 3)
    existing = {"data.parquet": StoredFile(2, np.array([1])), sibling_name(4): StoredFile(4, np.array([2]))}
    plans = {plan.name: plan for plan in plan_files(bars, existing)}
    sids = bars.get_column("sid").to_numpy()
    assert set(plans) == {"data.parquet", sibling_name(4), sibling_name(6)}  # the new sid 3 gets its own class file
    assert set(sids[plans["data.parquet"].rows]) == {1} and set(sids[plans[sibling_name(4)].rows]) == {2}
    finer = _bars(make_bars, {1: "12.255", 2: "0.1234"}, 3)
    plans = {plan.name: plan for plan in plan_files(finer, existing)}
    assert plans["data.parquet"].price_class == 4 and set(plans) == {"data.parquet", sibling_name(4)}


def test_a_few_new_assets_join_a_finer_file_instead_of_opening_one(make_bars) -> None:
    bars = _bars(make_bars, {1: "12.25", 2: "0.1234", 3: "7"}, 3)
    existing = {"data.parquet": StoredFile(4, np.array([1, 2]))}
    (plan,) = plan_files(bars, existing)
    assert plan.name == "data.parquet" and len(plan.rows) == bars.height


def test_a_partition_of_an_older_layout_is_split_afresh(make_bars) -> None:
    prices = {**{sid: "12.25" for sid in range(1, 21)}, **{sid: "0.1234" for sid in range(21, 31)}}
    bars = _bars(make_bars, prices, MIN_CLASS_ROWS // 10 + 1)
    plans = {plan.name for plan in plan_files(bars, {"data.parquet": StoredFile(None, np.arange(1, 31))})}
    assert plans == {"data.parquet", sibling_name(4)}


def test_without_split_a_new_partition_is_one_file_of_its_finest_class(make_bars) -> None:
    bars = _bars(make_bars, {1: "10.5", 2: "0.1234", 3: "7.25"}, MIN_CLASS_ROWS)
    (plan,) = plan_files(bars, split=False)
    assert (plan.name, plan.price_class, len(plan.rows)) == ("data.parquet", 4, bars.height)


@pytest.mark.parametrize(
    "prices",
    [
        {1: "12", 2: "13"},
        {1: "12", 2: "12.5"},
        {1: "12.125", 2: "3"},
        {1: "0.1234", 2: "7.25", 3: "100"},
        {1: "0.12345", 2: "1"},
        {1: "0.00000001", 2: "5"},
        {1: "9999999999.99999999", 2: "-9999999999"},
    ],
)
def test_the_finest_class_of_a_partition_is_the_largest_asset_class(make_bars, prices: dict[int, str]) -> None:
    bars = _bars(make_bars, prices, 3)
    assert finest_class(bars) == int(sid_classes(bars)[2].max())


def test_without_split_new_assets_join_data_parquet(make_bars) -> None:
    existing = {"data.parquet": StoredFile(2, np.array([1])), sibling_name(4): StoredFile(4, np.array([2]))}
    bars = _bars(make_bars, {1: "10.5", 2: "0.1234", 3: "0.123456"}, 3)
    plans = {plan.name: plan for plan in plan_files(bars, existing, split=False)}
    assert sorted(plans) == [sibling_name(4), "data.parquet"]
    assert plans["data.parquet"].price_class == 6
    assert set(bars.get_column("sid").gather(plans["data.parquet"].rows).to_list()) == {1, 3}
    assert set(bars.get_column("sid").gather(plans[sibling_name(4)].rows).to_list()) == {2}
