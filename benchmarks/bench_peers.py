"""RustyBT against its peers on the same bars, in one run: ArcticDB, zipline's HDF5 and bcolz.

    hatch run bench peers                          # 3000 assets × 2520 sessions; rewrites README's table
    python benchmarks/bench_peers.py --quick       # 300 × 252, a minute; prints only
    python benchmarks/bench_peers.py --quick --readme /tmp/README.md

One synthetic universe (``synthetic.daily_universe``, 20% of the assets listed later; minute
bars from ``synthetic.minute_universe``) is written by RustyBT (exact decimals), by ArcticDB
6.28 on LMDB in two layouts (long: one symbol of every asset; wide: one symbol per field,
a column per asset), and by zipline's HDF5 and bcolz writers (float64 input, stored as
uint32 × 1000). Each workload runs every side in paired ABBA rounds (``pairing``); a ratio is
RustyBT ÷ the reference, the median of the per-round ratios and their range. ArcticDB's cell
is its faster layout in each round. The floor is the fastest bare read of the project's own
files in the round (pyarrow, polars or DuckDB; no conversion, no checks); for a write it is
polars ``write_parquet`` of the frame to one file, for an append writing the session to a
fresh file, for size the entropy bound of per-column coding (``bench_storage``), for memory a
bare pyarrow read. RustyBT's research path is the Decimal frame (``load_raw_arrays``), its
zipline path float64 arrays (``load_float_arrays``); the peers read float64 either way.
Peak RSS is measured in a fresh process per side and run (``peers_rss``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from itertools import count
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic
from bench_storage import entropy_bound, tree_size
from pairing import abba_rounds, best_per_round
from peers_arctic import ArcticStore, long_frame
from peers_build import Inputs, build_daily, load_average, next_sessions, paths_under, session_like, wide_session
from peers_minute import minute_rows
from peers_rss import in_fresh_process
from peers_sides import DAILY_READERS, FLOORS, Opened, Paths, read_sides, value_sides
from peers_table import Goal, ReadmeBlockError, Row, arctic_and_floor, layouts, markdown, replace_block
from zipline_files import write_bcolz_daily, write_hdf5

from rustybt.storage.parquet import ParquetWriter

README = Path(__file__).resolve().parents[1] / "README.md"
VS_ARCTIC = Goal("arctic", 1.0)
READ_GOALS = (VS_ARCTIC, Goal("floor", 1.5))


@dataclass(frozen=True)
class Scale:
    assets: int
    sessions: int
    minute_assets: int
    minute_sessions: int
    rounds: int  # at least this many rounds per workload
    write_rounds: int
    rss_runs: int  # fresh processes per side
    budget: float  # seconds of rounds per workload (more rounds while they fit)


SCALES = {
    "full": Scale(3000, 2520, 500, 20, rounds=5, write_rounds=3, rss_runs=2, budget=20.0),
    "quick": Scale(300, 252, 50, 2, rounds=3, write_rounds=2, rss_runs=1, budget=1.0),
}


def reads(opened: Opened, scale: Scale) -> list[Row]:
    sids = opened.daily.sids()
    days = synthetic.sessions(scale.sessions)
    first, last = days[0].item(), days[-1].item()
    queries = {
        "full range, all assets": (sids, first, last),
        "last 252 sessions, all assets": (sids, days[max(len(days) - 252, 0)].item(), last),
        "last 30 sessions × 500 assets": (sids[:500], days[max(len(days) - 30, 0)].item(), last),
    }
    rows = []
    for label, (chosen, lo, hi) in queries.items():
        sides = read_sides(opened, chosen, lo, hi, DAILY_READERS, every=len(chosen) == len(sids))
        times = abba_rounds(sides, scale.rounds, budget=scale.budget)
        arctic, floor, note = arctic_and_floor(times, FLOORS)
        refs = {"arctic": arctic, "hdf5": times["hdf5"], "bcolz": times["bcolz"], "floor": floor}
        rows.append(Row(f"{label}: Decimal frame", "s", times["rustybt_decimal"], refs, note, READ_GOALS))
        rows.append(Row(f"{label}: float64 arrays", "s", times["rustybt_float"], refs, "", READ_GOALS))
        print(f"  {label} done ({len(times['hdf5'])} rounds)", flush=True)
    return rows


def write_all(inputs: Inputs, work: Path, scale: Scale) -> Row:
    """Every bar written into an empty store, each side into a folder of its own."""
    scratch = work / "writes"
    stores: dict[str, ArcticStore] = {}

    def fresh(name: str) -> None:
        shutil.rmtree(scratch / name, ignore_errors=True)
        (scratch / name).mkdir(parents=True)
        if name.startswith("arctic"):
            stores[name] = ArcticStore(scratch / name)

    sides = {
        "rustybt": lambda: ParquetWriter(scratch / "rustybt").write(inputs.daily, "1d"),
        "arctic_long": lambda: stores["arctic_long"].write_long(inputs.long),
        "arctic_wide": lambda: stores["arctic_wide"].write_wide(inputs.wide),
        "hdf5": lambda: write_hdf5(scratch / "hdf5" / "daily.h5", inputs.frames),
        "bcolz": lambda: write_bcolz_daily(scratch / "bcolz" / "daily.bcolz", inputs.frames),
        "floor": lambda: inputs.daily.write_parquet(scratch / "floor" / "one.parquet", compression="zstd", compression_level=3),
    }
    times = abba_rounds(sides, scale.write_rounds, warm=False, prepare={name: lambda n=name: fresh(n) for name in sides})
    shutil.rmtree(scratch, ignore_errors=True)
    arctic = best_per_round(times["arctic_long"], times["arctic_wide"])
    note = layouts(times)
    refs = {"arctic": arctic, "hdf5": times["hdf5"], "bcolz": times["bcolz"], "floor": times["floor"]}
    return Row("write all bars", "s", times["rustybt"], refs, note, (VS_ARCTIC,))


def one_value(paths: Paths, opened: Opened, scale: Scale) -> list[Row]:
    """The close of one sid on one session: from a store opened for the call, and 100 values
    (another sid each) from readers kept open."""
    when = synthetic.sessions(scale.sessions)[-5].item()
    traded = opened.daily.load_raw_arrays(opened.daily.sids(), ["close"], when, when).collect().get_column("sid").to_list()
    sids = traded[len(traded) // 2 :]
    rows = []
    for label, warm, batch in (("one value, store opened for the call", None, 1), ("one value, open reader (100 sids, each)", opened, 100)):
        times = abba_rounds(value_sides(paths, sids, when, warm, batch), scale.rounds, budget=scale.budget)
        each = {name: [t / batch for t in values] for name, values in times.items()}
        refs = {
            "arctic": best_per_round(each["arctic_long"], each["arctic_wide"]),
            "hdf5": each["hdf5"],
            "bcolz": each["bcolz"],
            "floor": each.get("pyarrow"),
        }
        note = layouts(each) + ("" if warm else "; floor: pyarrow read of its partition file")
        rows.append(Row(label, "s", each["rustybt"], refs, note, (VS_ARCTIC,)))
    return rows


def append_one(inputs: Inputs, paths: Paths, work: Path, scale: Scale) -> Row:
    """One new session appended to the full store (each round appends the next session, to
    copies of the RustyBT and ArcticDB stores; zipline's writers cannot append)."""
    last = inputs.daily.get_column("date").max()
    sessions = next_sessions(last, 60)
    copy = work / "appends"
    shutil.copytree(Path(paths.bundle) / "daily_bars", copy / "rustybt" / "daily_bars")
    shutil.copytree(paths.arctic, copy / "arctic")
    arctic = ArcticStore(copy / "arctic")
    turns = {name: count() for name in ("rustybt", "arctic_long", "arctic_wide", "floor")}
    bars = [session_like(inputs.daily, day) for day in sessions]
    longs = [long_frame(b) for b in bars]
    wides = [wide_session(b) for b in bars]
    writer = ParquetWriter(copy / "rustybt")
    sides = {
        "rustybt": lambda: writer.write(bars[next(turns["rustybt"])], "1d"),
        "arctic_long": lambda: arctic.append_long(longs[next(turns["arctic_long"])]),
        "arctic_wide": lambda: arctic.append_wide(wides[next(turns["arctic_wide"])]),
        "floor": lambda: bars[next(turns["floor"])].write_parquet(copy / "one.parquet", compression="zstd", compression_level=3),
    }
    times = abba_rounds(sides, scale.rounds, budget=scale.budget, max_rounds=len(sessions) - 1)
    shutil.rmtree(copy, ignore_errors=True)
    arctic_best = best_per_round(times["arctic_long"], times["arctic_wide"])
    note = layouts(times) + "; HDF5 and bcolz: no append (their writers rewrite the file)"
    return Row("append one session", "s", times["rustybt"], {"arctic": arctic_best, "floor": times["floor"]}, note, (VS_ARCTIC,))


def sizes(inputs: Inputs, paths: Paths) -> Row:
    long, wide = tree_size(Path(paths.arctic) / "long"), tree_size(Path(paths.arctic) / "wide")
    bound, _ = entropy_bound(inputs.daily)
    refs = {"arctic": [min(long, wide) / 1e6], "hdf5": [tree_size(Path(paths.hdf5)) / 1e6], "bcolz": [tree_size(Path(paths.bcolz)) / 1e6], "floor": [bound * inputs.daily.height / 1e6]}
    note = f"ArcticDB long {long / 1e6:.1f} MB · wide {wide / 1e6:.1f} MB; floor: entropy bound of per-column coding"
    return Row("size on disk", "MB", [tree_size(Path(paths.bundle) / "daily_bars") / 1e6], refs, note, (Goal("hdf5", 0.75),))


def peak_rss(paths: Paths, opened: Opened, scale: Scale, work: Path) -> list[Row]:
    """Peak resident memory of the full read, one fresh process per side and run."""
    days = synthetic.sessions(scale.sessions)
    plan = work / "plan.json"
    plan.write_text(json.dumps({"paths": asdict(paths), "sids": opened.daily.sids(), "first": str(days[0]), "last": str(days[-1])}))
    names = ["rustybt_decimal", "rustybt_float", "arctic_long", "arctic_wide", "hdf5", "bcolz", "pyarrow"]
    peaks: dict[str, list[float]] = {name: [] for name in names}
    opened_at: dict[str, list[float]] = {name: [] for name in names}
    for run in range(scale.rss_runs):
        for name in names if run % 2 == 0 else reversed(names):
            found = in_fresh_process(plan, name)
            peaks[name].append(found["peak_kib"] / 1024)
            opened_at[name].append(found["before_kib"] / 1024)
    arctic = best_per_round(peaks["arctic_long"], peaks["arctic_wide"])
    refs = {"arctic": arctic, "hdf5": peaks["hdf5"], "bcolz": peaks["bcolz"], "floor": peaks["pyarrow"]}
    note = "before the read (imports, open store): " + " · ".join(f"{n} {statistics.median(v):.0f} MiB" for n, v in opened_at.items())
    note += f"; ArcticDB long {statistics.median(peaks['arctic_long']):.0f} · wide {statistics.median(peaks['arctic_wide']):.0f} MiB; floor: bare pyarrow read"
    return [
        Row("peak RSS, full read: Decimal frame", "MiB", peaks["rustybt_decimal"], refs, note, (VS_ARCTIC,)),
        Row("peak RSS, full read: float64 arrays", "MiB", peaks["rustybt_float"], refs, "", (VS_ARCTIC,)),
    ]


def run(scale: Scale, work: Path) -> tuple[list[Row], str]:
    load_before = load_average()
    paths = paths_under(work)
    print(f"daily: {scale.assets} assets × {scale.sessions} sessions", flush=True)
    daily = synthetic.daily_universe(scale.assets, scale.sessions, 0.2, seed=7)
    inputs = build_daily(daily, paths)
    opened = Opened(paths)
    minute = synthetic.minute_universe(scale.minute_assets, scale.minute_sessions, seed=11)
    steps: list[Callable[[], Row | list[Row]]] = [
        lambda: write_all(inputs, work, scale),
        lambda: reads(opened, scale),
        lambda: one_value(paths, opened, scale),
        lambda: append_one(inputs, paths, work, scale),
        lambda: sizes(inputs, paths),
        lambda: peak_rss(paths, opened, scale, work),
        lambda: minute_rows(minute, paths, scale.rounds, scale.budget),
    ]
    rows: list[Row] = []
    for step in steps:
        done = step()
        for row in done if isinstance(done, list) else [done]:
            rows.append(row)
            print(markdown([row], "").split("\n", 4)[4], flush=True)
    header = (
        f"{scale.assets:,} assets × {scale.sessions:,} sessions ({daily.height:,} daily bars); minute: "
        f"{scale.minute_assets} assets × {scale.minute_sessions} sessions × 390 minutes ({minute.height:,} bars). "
        f"Times are medians; ratios are RustyBT ÷ the column, median (range) of the per-round ratios, "
        f"≥ {scale.rounds} ABBA rounds ({scale.write_rounds} for writes, {scale.rss_runs} processes per side for RSS). "
        f"Load average (1/5/15 min) {load_before} at the start, {load_average()} at the end, on {os.cpu_count()} cores."
    )
    return rows, header


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 assets × 252 sessions, one process per side: a smoke run")
    parser.add_argument("--readme", type=Path, default=None, help="write the table into this README's bench-peers block (default: README.md on a full run, nowhere on --quick)")
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    scale = SCALES["quick" if args.quick else "full"]
    target = None if args.no_readme else args.readme or (None if args.quick else README)
    if target is not None:
        try:
            replace_block(target.read_text(encoding="utf-8"), "")
        except (OSError, ReadmeBlockError) as err:
            print(f"bench_peers: cannot write the table into {target}: {err}", file=sys.stderr)
            return 1
    work = Path(tempfile.mkdtemp(prefix="rustybt-bench-peers-"))
    try:
        rows, header = run(scale, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    block = markdown(rows, header)
    print("\n" + block)
    if target is not None:
        target.write_text(replace_block(target.read_text(encoding="utf-8"), block), encoding="utf-8")
        print(f"\nwrote the table into {target}")
    return 0


if __name__ == "__main__":
    warnings.filterwarnings("ignore", category=FutureWarning, module="zipline")  # its pandas idioms, not ours
    os.environ.setdefault("POLARS_MAX_THREADS", str(os.cpu_count() or 2))
    sys.exit(main(sys.argv[1:]))
