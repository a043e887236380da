"""Benchmark: load time of the full referral data and routing latency (place lookup included).

    python benchmarks/routing.py [--queries 5000] [--seed 7]

Prints numbers; it asserts nothing. The target is a routing p95 under 2 ms.
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time

from wegwijzer.catalog import store
from wegwijzer.catalog.cache import Catalog
from wegwijzer.catalog.loading import REFERRAL_FOLDER, read_and_check
from wegwijzer.storage.engine import get_engine, init_db, session_scope
from wegwijzer.referral.routing import IntakeFacts

def typo(rng: random.Random, name: str) -> str:
    """One small slip of the keyboard: a dropped, doubled or swapped letter."""
    if len(name) < 6:
        return name
    i = rng.randrange(1, len(name) - 2)
    kind = rng.choice(["drop", "double", "swap"])
    if kind == "drop":
        return name[:i] + name[i + 1:]
    if kind == "double":
        return name[:i] + name[i] + name[i:]
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    start = time.perf_counter()
    data, problems = read_and_check(REFERRAL_FOLDER)
    read_seconds = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        engine = get_engine(f"sqlite:///{folder}/bench.db")
        init_db(engine)
        start = time.perf_counter()
        with session_scope(engine) as session:
            report = store.save(session, data)
        load_seconds = time.perf_counter() - start
        start = time.perf_counter()
        with session_scope(engine) as session:
            catalog = Catalog.build(store.read(session))
        build_seconds = time.perf_counter() - start
        engine.dispose()

    rng = random.Random(args.seed)
    names = [p.name for p in data.places] + [m for r in data.regions for m in r.municipalities]
    postcodes = [p.pc4 for p in data.postcodes]
    outside = [o.name for o in data.outside_places]
    needs = [n.key for n in data.needs]
    sectors = [s.key for s in data.sectors] + [None]
    sizes = ["zzp", "5", "35", "10-49", "120", "250+", None]
    queries = []
    for _ in range(args.queries):
        roll = rng.random()
        if roll < 0.55:
            place = rng.choice(names)
        elif roll < 0.75:
            place = typo(rng, rng.choice(names))
        elif roll < 0.90:
            place = rng.choice(postcodes) + rng.choice(["", " AB"])
        else:
            place = rng.choice(outside)
        queries.append(IntakeFacts(place=place, need=rng.choice(needs), sector=rng.choice(sectors),
                                   employees=rng.choice(sizes)))

    router = catalog.router
    for facts in queries[:200]:  # warm-up
        router.route(facts, {})
    timings = []
    statuses: dict[str, int] = {}
    for facts in queries:
        start = time.perf_counter()
        referral = router.route(facts, {})
        timings.append((time.perf_counter() - start) * 1000)
        statuses[referral.status] = statuses.get(referral.status, 0) + 1

    print(f"referral data: {len(data.places)} places, {len(data.postcodes)} postcodes, {len(data.outside_places)} outside "
          f"names, {len(data.organisations)} organisations, {len(data.programs)} programs; {len(problems)} notes")
    print(f"read + check files: {read_seconds * 1000:.0f} ms; load into empty SQLite: {load_seconds * 1000:.0f} ms "
          f"({report}); build catalog from database: {build_seconds * 1000:.0f} ms")
    print(f"routing over {len(queries)} random queries (55% names, 20% typos, 15% postcodes, 10% outside): "
          f"p50 {statistics.median(timings):.3f} ms, p95 {percentile(timings, 0.95):.3f} ms, "
          f"p99 {percentile(timings, 0.99):.3f} ms, max {max(timings):.3f} ms")
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))


if __name__ == "__main__":
    main()
