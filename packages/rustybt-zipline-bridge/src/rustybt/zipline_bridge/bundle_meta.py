"""``zipline/bundle.json`` in a bundle folder: what the zipline side needs beyond the bars."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rustybt.zipline_bridge.errors import BundleFormatError
from rustybt.zipline_bridge.temp_names import temp_beside

ZIPLINE_DIR = "zipline"
META_NAME = "bundle.json"


@dataclass
class BundleMeta:
    """Calendar and session span of a bundle, its datasets, and the sid renumbering applied."""

    calendar_name: str = "XNYS"
    start_session: str | None = None
    end_session: str | None = None
    first_trading_day: str | None = None
    daily: bool = False
    minute: bool = False
    dataset_ids: list[str] = field(default_factory=list)
    sid_map: dict[str, int] = field(default_factory=dict)

    def save(self, bundle_dir: Path) -> Path:
        target = bundle_dir / ZIPLINE_DIR / META_NAME
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_beside(target)
        try:
            tmp.write_text(json.dumps(asdict(self), indent=2, sort_keys=True))
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return target

    @classmethod
    def load(cls, bundle_dir: Path) -> BundleMeta:
        source = bundle_dir / ZIPLINE_DIR / META_NAME
        try:
            raw = json.loads(source.read_text())
            return cls(**raw)
        except FileNotFoundError as err:
            raise BundleFormatError(
                f"{source} is missing: {bundle_dir} was not prepared for zipline", str(source)
            ) from err
        except (ValueError, TypeError) as err:
            raise BundleFormatError(f"{source} is not a valid bundle description ({err})", str(source)) from err
