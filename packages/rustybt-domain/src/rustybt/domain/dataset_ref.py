"""Naming a dataset the way a person does: its id, a unique prefix of it (like git), or the
name of a bundle holding it."""

from __future__ import annotations

from rustybt.domain.errors import DatasetNotFoundError, InvalidRequestError
from rustybt.domain.ports.catalog import Catalog

_SHOWN = 5


class AmbiguousDatasetError(InvalidRequestError, LookupError):
    """A prefix or bundle name that names more than one dataset; the message lists them."""


def resolve_dataset_ids(catalog: Catalog, ref: str, *, many: bool = False) -> list[str]:
    """The dataset ids ``ref`` names: the dataset with that id, else the one whose id starts
    with ``ref``, else the datasets of the bundle named ``ref``. With ``many=False`` exactly
    one (``AmbiguousDatasetError`` listing the candidates otherwise); ``DatasetNotFoundError``
    saying what was tried when nothing matches."""
    text = ref.strip() if isinstance(ref, str) else ""
    if not text:
        raise InvalidRequestError(f"a dataset is named by its id, a unique prefix of it, or a bundle name; got {ref!r}")
    by_id = catalog.dataset_ids(text)
    if text in by_id:
        return [text]
    if len(by_id) == 1:
        return by_id
    if by_id:
        raise AmbiguousDatasetError(f"{text!r} is the start of {len(by_id)} dataset ids: {_listed(by_id)}; give more characters")
    in_bundle = [d.dataset_id for d in catalog.list_datasets(bundle=text)]
    if len(in_bundle) == 1 or (in_bundle and many):
        return in_bundle
    if in_bundle:
        raise AmbiguousDatasetError(f"bundle {text!r} holds {len(in_bundle)} datasets: {_listed(in_bundle)}; name one by its id (a unique prefix is enough)")
    raise DatasetNotFoundError(text, "no dataset id starts with it and no bundle has that name (`rustybt catalog list` shows both)")


def _listed(ids: list[str]) -> str:
    more = f" and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else ""
    return ", ".join(ids[:_SHOWN]) + more


__all__ = ["AmbiguousDatasetError", "resolve_dataset_ids"]
