"""Which of a bundle's datasets a backtest read: by resolution, then by the assets it asked for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rustybt.domain.errors import UnknownSidError
from rustybt.domain.ports.catalog import Catalog


def datasets_read(catalog: Catalog, dataset_ids: Iterable[str], sids_read: Mapping[str, set[int]]) -> list[str]:
    """The ids among ``dataset_ids`` holding bars of a sid in ``sids_read[resolution]``.

    A dataset that does not list its symbols counts as read as soon as any sid of its
    resolution was read; sids the catalog does not know match no listed symbol.
    """
    keys: dict[str, set[tuple[str, str]]] = {}
    for resolution, sids in sids_read.items():
        found = keys.setdefault(resolution, set())
        for sid in sids:
            try:
                asset = catalog.get_asset(sid)
            except UnknownSidError:
                continue
            found.add((asset.exchange, asset.symbol))
    chosen = []
    for dataset_id in dataset_ids:
        info = catalog.get_dataset_info(dataset_id)
        resolution = str(info.resolution)
        if not sids_read.get(resolution):
            continue
        if info.symbols and not any(
            symbol in info.symbols and (info.exchange is None or exchange == info.exchange)
            for exchange, symbol in keys[resolution]
        ):
            continue
        chosen.append(dataset_id)
    return chosen
