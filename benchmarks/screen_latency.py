"""Latency of the screening screen on a 100,000-record review.

Builds a review in a temporary SQLite file: the example protocol and 100,000 records
(titles, authors, journals, DOIs and structured abstracts of 150-400 words, generated
with a fixed seed) imported through ``Store.add_source`` as four database searches,
about a fifth of them duplicates across databases, stored as one dedup run
(``Store.save_dedup``: pairs and clusters, so screeners see merged primaries). Then opens
the real app headless with Pilot, as reviewer NA at title/abstract, and measures:

* start: from entering ``run_test`` to the first frame showing a record;
* decision: from posting the decision key (i, m, or the reason digit after e) to the
  first frame in which the screen shows the next record;
* baseline, in the same process and interleaved with the decisions since machines are
  noisy: ``store.record(rid)`` plus ``Static.update`` of the title with the same text, to
  the next frame.

A "frame" is a call of ``App._display`` with a compositor update (headless Textual skips
writing it to a terminal, so the hook renders it to escape sequences itself, as a real
terminal would). Keys are posted to the driver directly: ``Pilot.press`` itself waits for
CPU idle at least twice 20 ms, which would swamp a 30 ms target (its cost is printed too).

Usage::

    python benchmarks/screen_latency.py [--records N] [--decisions N] [--db PATH] [--profile]
        [--order relevance]

``--order relevance`` screens in relevance order: the ranker is built in its own process, the
decisions start once its first ranking is in, and it retrains after every saved decision
while they are measured; then the same decisions are measured again in the same process on a
fresh copy of the review in import order (no ranking), and both are printed side by side.
``--db PATH`` builds the review there once (without decisions) and later runs screen a
copy of it. ``--profile`` runs pyinstrument (pip install
pyinstrument) over the start and the decision loop and prints where the time goes.
Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

from rich.text import Text
from sqlalchemy import select
from textual import events
from textual._compositor import CompositorUpdate
from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from screener.core.models import Author, BibRecord, Stage
from screener.core.protocol import parse_protocol
from screener.paths import example_dir
from screener.store import SourceInput, Store, open_store
from screener.store import tables as t
from screener.store.dedup import NewCluster
from screener.store.engine import remove_sqlite
from screener.tui.app import make_app
from screener.tui.screens.screening import ScreeningScreen

TARGET_MEDIAN_MS = 30.0
TARGET_P99_MS = 100.0
TARGET_START_S = 1.5
SEED = 2022
THINK_S = 0.03  # a (very fast) reviewer's pause between keys; lets each measurement start quiet
TA = Stage.TITLE_ABSTRACT

# --------------------------------------------------------------------------- the review

CONDITIONS = [
    "fibromyalgia",
    "chronic low back pain",
    "rheumatoid arthritis",
    "migraine",
    "knee osteoarthritis",
    "chronic fatigue syndrome",
    "multiple sclerosis",
    "Crohn's disease",
    "major depressive disorder",
    "type 2 diabetes",
    "painful diabetic neuropathy",
    "irritable bowel syndrome",
    "complex regional pain syndrome",
    "long COVID",
    "alcohol dependence",
    "opioid use disorder",
    "chronic widespread pain",
    "systemic lupus erythematosus",
]
INTERVENTIONS = [
    "low-dose naltrexone",
    "naltrexone 50 mg",
    "pregabalin",
    "duloxetine",
    "amitriptyline",
    "gabapentin",
    "cognitive behavioural therapy",
    "aerobic exercise",
    "acupuncture",
    "tai chi",
    "milnacipran",
    "cannabidiol",
    "vitamin D supplementation",
    "mindfulness-based stress reduction",
    "repetitive transcranial magnetic stimulation",
    "hydrotherapy",
    "tramadol",
    "ketamine infusion",
]
COMPARATORS = [
    "placebo",
    "usual care",
    "waiting list",
    "sham stimulation",
    "standard pharmacotherapy",
    "an active control",
    "no treatment",
]
DESIGNS = [
    "a randomized controlled trial",
    "a randomised crossover trial",
    "a pilot study",
    "a systematic review and meta-analysis",
    "a prospective cohort study",
    "a retrospective cohort study",
    "a case report",
    "a cross-sectional survey",
    "a narrative review",
    "an open-label trial",
    "a conference abstract",
    "a qualitative study",
    "an editorial",
    "a multicentre trial",
]
OUTCOMES = [
    "pain intensity",
    "fatigue",
    "sleep quality",
    "health-related quality of life",
    "physical function",
    "depressive symptoms",
    "tender point count",
    "pressure pain threshold",
    "serum cytokine levels",
    "adverse events",
    "opioid consumption",
    "patient global impression of change",
    "FIQR total score",
    "anxiety",
    "cognitive complaints",
    "work absence",
]
POPULATIONS = [
    "adults",
    "women",
    "older adults",
    "veterans",
    "primary care patients",
    "adolescents",
    "outpatients",
    "community-dwelling adults",
    "patients referred to a pain clinic",
]
MECHANISMS = [
    "microglia",
    "toll-like receptor 4 (TLR4)",
    "neuroinflammation",
    "glial activation",
    "endogenous opioid signalling",
    "interleukin-6",
    "central sensitisation",
    "anti-inflammatory effects",
]
FILLER = [
    "the",
    "of",
    "and",
    "in",
    "to",
    "a",
    "with",
    "for",
    "was",
    "were",
    "on",
    "at",
    "by",
    "as",
    "from",
    "that",
    "this",
    "these",
    "patients",
    "study",
    "group",
    "groups",
    "treatment",
    "baseline",
    "follow-up",
    "weeks",
    "months",
    "score",
    "scores",
    "mean",
    "median",
    "difference",
    "significant",
    "clinically",
    "relevant",
    "compared",
    "between",
    "within",
    "analysis",
    "data",
    "trial",
    "participants",
    "reported",
    "symptoms",
    "effect",
    "effects",
    "outcome",
    "outcomes",
    "dose",
    "daily",
    "visit",
    "assessment",
    "measured",
    "secondary",
    "primary",
]
JOURNALS = [
    ("Pain Medicine", "Pain Med"),
    ("Clinical Rheumatology", "Clin Rheumatol"),
    ("Pain", "Pain"),
    ("Arthritis Research & Therapy", "Arthritis Res Ther"),
    ("Journal of Pain Research", "J Pain Res"),
    ("BMJ Open", "BMJ Open"),
    ("The Lancet Rheumatology", "Lancet Rheumatol"),
    ("Rheumatology", "Rheumatology"),
    ("Cochrane Database of Systematic Reviews", "Cochrane Database Syst Rev"),
    ("Frontiers in Psychiatry", "Front Psychiatry"),
    ("PLoS One", "PLoS One"),
    ("Medicine", "Medicine"),
]
FAMILY = [
    "Younger",
    "Mackey",
    "Aitchison",
    "Lin",
    "Tynan",
    "Bested",
    "Metyas",
    "Parkitny",
    "Kučić",
    "Rački",
    "Smith",
    "García",
    "Müller",
    "Nakamura",
    "Okafor",
    "Johansson",
    "Rossi",
    "Kowalski",
    "Nguyen",
    "Chen",
    "Wang",
    "Patel",
    "Cohen",
    "Dubois",
    "Silva",
    "Jensen",
    "O'Brien",
    "Andersen",
    "Yilmaz",
    "Singh",
]
SOURCES = [
    ("PubMed", "pubmed.nbib", "pubmed"),
    ("Embase", "embase.ris", "ris"),
    ("CINAHL", "cinahl.ris", "ris"),
    ("Web of Science", "wos.ris", "ris"),
]


def _sentence(rng: random.Random, words: int) -> str:
    body = " ".join(rng.choices(FILLER, k=words))
    return body[0].upper() + body[1:] + "."


def _abstract(rng: random.Random, cond: str, interv: str, comp: str, outcome: str, pop: str) -> str:
    n, weeks = rng.randint(12, 1200), rng.choice([4, 8, 12, 16, 24, 52])
    parts = [
        (
            f"BACKGROUND: {cond.capitalize()} is common among {pop} and treatment options remain limited. "
            f"{_sentence(rng, rng.randint(12, 30))} "
            f"{rng.choice(MECHANISMS).capitalize()} has been proposed as a mechanism "
            f"by which {interv} might act."
        ),
        (
            f"OBJECTIVE: To assess the effect of {interv} compared with {comp} on {outcome} "
            f"in {pop} with {cond}."
        ),
        (
            f"METHODS: We enrolled {n} {pop} with {cond} who received {interv} or {comp} for {weeks} weeks. "
            + " ".join(_sentence(rng, rng.randint(10, 28)) for _ in range(rng.randint(1, 4)))
        ),
        (
            f"RESULTS: {n - rng.randint(0, n // 5)} participants completed follow-up. "
            f"{outcome.capitalize()} improved "
            f"by {rng.uniform(5, 40):.1f}% with {interv} versus {rng.uniform(0, 20):.1f}% with {comp} "
            f"(p = {rng.uniform(0.001, 0.2):.3f}). "
            + " ".join(_sentence(rng, rng.randint(10, 28)) for _ in range(rng.randint(1, 5)))
        ),
        (
            f"CONCLUSIONS: {interv.capitalize()} {rng.choice(['may reduce', 'did not reduce', 'reduced'])} "
            f"{outcome} in {cond}. {_sentence(rng, rng.randint(8, 24))}"
        ),
    ]
    return " ".join(parts)


def _record(rng: random.Random, position: int, pmid: int) -> BibRecord:
    cond, interv, comp = rng.choice(CONDITIONS), rng.choice(INTERVENTIONS), rng.choice(COMPARATORS)
    outcome, pop, design = rng.choice(OUTCOMES), rng.choice(POPULATIONS), rng.choice(DESIGNS)
    title = rng.choice(
        [
            f"{interv.capitalize()} versus {comp} for {outcome} in {pop} with {cond}: {design}",
            f"Effect of {interv} on {outcome} in {cond}: {design}",
            f"{interv.capitalize()} for {cond}",
            f"The role of {rng.choice(MECHANISMS)} in {cond}: implications for {interv}",
            (
                f"{outcome.capitalize()} after {interv} in {pop} with {cond}: "
                f"{design} of {rng.randint(20, 900)} patients"
            ),
        ]
    )
    journal, abbrev = rng.choice(JOURNALS)
    year = rng.randint(1995, 2024)
    authors = tuple(
        Author(rng.choice(FAMILY), "".join(rng.choices("ABCDEFGHJKLMNPRSTW", k=rng.randint(1, 2))))
        for _ in range(rng.randint(1, 14))
    )
    abstract = _abstract(rng, cond, interv, comp, outcome, pop)
    doi = f"10.{rng.randint(1000, 9999)}/{abbrev.lower().replace(' ', '')}.{year}.{pmid % 100000:05d}"
    volume, issue, start = str(rng.randint(1, 60)), str(rng.randint(1, 12)), rng.randint(1, 2000)
    raw = "\n".join(
        [
            "TY  - JOUR",
            *(f"AU  - {a}" for a in authors),
            f"TI  - {title}",
            f"JO  - {journal}",
            f"PY  - {year}",
            f"VL  - {volume}",
            f"IS  - {issue}",
            f"SP  - {start}",
            f"EP  - {start + rng.randint(3, 15)}",
            f"DO  - {doi}",
            f"AN  - {pmid}",
            f"AB  - {abstract}",
            "ER  - ",
        ]
    )
    return BibRecord(
        position=position,
        title=title,
        authors=authors,
        year=year,
        journal=journal,
        journal_abbrev=abbrev,
        volume=volume,
        issue=issue,
        start_page=str(start),
        end_page=str(start + rng.randint(3, 15)),
        doi=doi,
        pmid=str(pmid),
        abstract=abstract,
        keywords=(cond, interv),
        language="eng",
        publication_type="Journal Article",
        source_id=str(pmid),
        raw=raw,
    )


def build_review(path: Path, n_records: int, dup_share: float, order: str = "import") -> Store:
    """Create the review: four sources; a duplicate repeats an earlier record of another source."""
    rng = random.Random(SEED)
    store = open_store(path, create=True)
    text = (example_dir() / "protocol.toml").read_text(encoding="utf-8")
    store.init_review(parse_protocol(text.replace('order = "import"', f'order = "{order}"')))
    per_source = [n_records // len(SOURCES) + (i < n_records % len(SOURCES)) for i in range(len(SOURCES))]
    made: list[BibRecord] = []  # in insertion order, over all sources
    original: dict[int, int] = {}  # index in made of a duplicate -> index of the record it repeats
    p_dup = dup_share * len(SOURCES) / (len(SOURCES) - 1)  # the first source has no earlier record to repeat
    for s, count in enumerate(per_source):
        records = []
        for pos in range(1, count + 1):
            if s and rng.random() < p_dup:
                picked = rng.randrange(sum(per_source[:s]))  # a record of an earlier source
                root = original.get(picked, picked)
                orig = made[root]
                original[len(made)] = root
                bib = BibRecord(
                    **{f: getattr(orig, f) for f in orig.__slots__ if f != "position"}, position=pos
                )
            else:
                bib = _record(rng, pos, 10_000_000 + len(made))
            made.append(bib)
            records.append(bib)
        name, file_name, fmt = SOURCES[s]
        store.add_source(SourceInput(name, file_name, f"{s:064x}", fmt, searched_on="2024-03-01"), records)
    # Records were inserted in order: the i-th made record has the i-th smallest id.
    with store.engine.connect() as conn:
        ids = list(conn.execute(select(t.Record.id).order_by(t.Record.id)).scalars())
    clusters: dict[int, list[int]] = {}
    for dup, root in original.items():
        clusters.setdefault(root, []).append(dup)
    pairs = [(ids[root], ids[dup], "duplicate", "doi", {"doi": 1.0}) for dup, root in original.items()]
    store.save_dedup(
        mode="full",
        max_record_id=ids[-1],
        thresholds={},
        pairs=pairs,
        replace_all=True,
        clusters=[
            NewCluster((ids[root], *(ids[m] for m in members)), ids[root], "automatic")
            for root, members in clusters.items()
        ],
        compared=len(ids),
        new_records=len(ids),
        seconds=0.0,
    )
    return store


def copy_review(pristine: Path, dest: Path) -> Store:
    """Open a copy of a review built earlier (upgraded in place first if the schema moved on)."""
    open_store(pristine).close()
    remove_sqlite(dest)  # a stale -wal next to the copy would be replayed onto it
    shutil.copyfile(pristine, dest)
    return open_store(dest)


# --------------------------------------------------------------------------- measuring


class Frames:
    """Timestamps of composed frames (with what the screening screen showed), via App._display."""

    def __init__(self, app: App) -> None:
        self.log: list[tuple[float, int | None]] = []
        self.app = app
        self._waiting: tuple[Callable[[int | None], bool], asyncio.Future[float]] | None = None
        original = app._display

        def display(screen, renderable):  # type: ignore[no-untyped-def]
            if renderable is not None and not app._batch_count:
                if isinstance(renderable, CompositorUpdate):
                    renderable.render_segments(app.console)  # what a real terminal would be sent
                now = time.perf_counter()
                current = screen.current if isinstance(screen, ScreeningScreen) and screen.queue else None
                self.log.append((now, current))
                if self._waiting is not None and self._waiting[0](current) and not self._waiting[1].done():
                    self._waiting[1].set_result(now)
            original(screen, renderable)

        app._display = display  # type: ignore[method-assign]

    async def wait(self, since: int, done: Callable[[int | None], bool], timeout: float = 10.0) -> float:
        """The time of the first frame after index ``since`` for which ``done(current)`` (no polling)."""
        for when, current in self.log[since:]:
            if done(current):
                return when
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting = (done, future)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._waiting = None


def send_key(app: App, key: str) -> None:
    """Post a key event as the driver does for a real key press (what Pilot.press does, without its waits)."""
    assert app._driver is not None
    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    app._driver.send_message(event)


def q(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p * (len(s) - 1)))]


class Trivial(App[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("A title", id="record-title")
        yield Footer()


async def start_baseline() -> float:
    app = Trivial()
    frames = Frames(app)
    t0 = time.perf_counter()
    async with app.run_test(size=(100, 32)):
        when = await frames.wait(0, lambda _c: True)
    return when - t0


async def run(store: Store, n_decisions: int, profiler: object | None) -> dict[str, object]:
    relevance = store.protocol().rules.order == "relevance"
    app = make_app(store, reviewer="NA", stage=TA)
    frames = Frames(app)
    out: dict[str, object] = {}
    ctx = profiler if profiler is not None else nullcontext()
    with ctx:  # type: ignore[attr-defined]
        t0 = time.perf_counter()
        async with app.run_test(size=(100, 32)) as pilot:
            first = await frames.wait(0, lambda c: c is not None, timeout=60)
            out["start"] = first - t0
            screen = app.screen
            assert isinstance(screen, ScreeningScreen)
            out["queue"] = len(screen.queue)
            title = screen.query_one("#record-title", Static)
            if relevance:  # measure decisions while the model retrains, not while it is still being built
                t1 = time.perf_counter()
                while not screen.order.built or screen._ranking:
                    await asyncio.sleep(0.05)
                out["first_ranking"] = time.perf_counter() - t1
            rng = random.Random(SEED + 1)
            decide, cpu, prompt, base, saved, kinds = [], [], [], [], [], []
            for _ in range(n_decisions):
                # Baseline, from the same quiet state as a decision: fetch the record shown and set its
                # title again, to the next frame.
                await asyncio.sleep(THINK_S)
                n0 = len(frames.log)
                t = time.perf_counter()
                stored = store.record(screen.current or 0)
                assert stored is not None
                title.update(Text(stored.bib.title or "", style="bold"))
                base.append(await frames.wait(n0, lambda _c: True) - t)
                await asyncio.sleep(THINK_S)
                r = rng.random()
                rid = screen.current
                expected = screen.queue[screen._next_undecided(screen.index)]
                if r < 0.4:  # exclusion: e shows the reason prompt, then the digit decides
                    n0 = len(frames.log)
                    t = time.perf_counter()
                    send_key(app, "e")
                    prompt.append(await frames.wait(n0, lambda _c: True) - t)
                    await asyncio.sleep(THINK_S)
                    key = str(rng.randint(1, 7))
                else:
                    key = "i" if r < 0.85 else "m"
                n0 = len(frames.log)
                c = time.thread_time()
                t = time.perf_counter()
                send_key(app, key)
                # in relevance order a retrained ranking may reorder the queue after `expected` was read:
                # then any next record counts
                decide.append(
                    await frames.wait(
                        n0,
                        (lambda c, r=rid: c is not None and c != r)
                        if relevance
                        else (lambda c, e=expected: c == e),
                    )
                    - t
                )
                cpu.append(time.thread_time() - c)
                kinds.append(key if key in "im" else "e+digit")
                while screen.pending:  # committed by the writer thread, and "saved" shown
                    await asyncio.sleep(0.0005)
                saved.append(time.perf_counter() - t)
                assert rid in screen.mine and not screen.picking_reason
            screen.flush()
            # what Pilot.press costs by itself: a key bound to nothing
            pilot_press = []
            for _ in range(20):
                t = time.perf_counter()
                await pilot.press("z")
                pilot_press.append(time.perf_counter() - t)
            out.update(
                decide=decide,
                cpu=cpu,
                prompt=prompt,
                base=base,
                saved=saved,
                kinds=kinds,
                pilot_press=pilot_press,
            )
            n_log = len(store.decision_log(TA, "NA"))
            out["logged"] = n_log
    return out


def set_order(store: Store, order: str) -> None:
    """Screen a review built (or copied) with the other queue order in ``order``."""
    protocol = store.protocol()
    if protocol.rules.order != order:
        store.change_protocol(
            parse_protocol(protocol.text.replace(f'order = "{protocol.rules.order}"', f'order = "{order}"')),
            by=store.protocol_leads()[0] if store.protocol_leads() else "NA",
            mapping={},
            path="screen_latency.py",
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--decisions", type=int, default=300)
    ap.add_argument("--duplicates", type=float, default=0.2, help="share of records that are duplicates")
    ap.add_argument("--db", type=Path, help="build the review here once and reuse it")
    ap.add_argument("--profile", action="store_true", help="profile with pyinstrument")
    ap.add_argument(
        "--order",
        choices=["import", "relevance"],
        default="import",
        help="queue order: relevance retrains the ranker in the background after every decision",
    )
    args = ap.parse_args(argv)

    tmp = tempfile.TemporaryDirectory(prefix="screen-latency-")
    store, pristine = _review(args, Path(tmp.name))

    profiler = None
    if args.profile:
        try:
            from pyinstrument import Profiler
        except ImportError:
            print("--profile needs pyinstrument: pip install pyinstrument", file=sys.stderr)
            return 2
        profiler = Profiler(interval=0.0005, async_mode="enabled")

    try:
        trivial = asyncio.run(start_baseline())
        res = asyncio.run(run(store, args.decisions, profiler))
        store_runs = store.ranking_runs()
        plain = None
        if args.order == "relevance":  # the same screen without ranking, in this process, on a fresh copy
            store.close()
            assert pristine is not None
            store = copy_review(pristine, Path(tmp.name) / "import-order.db")
            set_order(store, "import")
            plain = asyncio.run(run(store, args.decisions, None))
    finally:
        store.close()
        tmp.cleanup()

    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    med, p99, start = _print_decisions(res, trivial, store_runs)
    if plain is not None:
        _print_import_order(res, plain, med)
    if profiler is not None:
        print(profiler.output_text(unicode=True, color=False, show_all=False))  # type: ignore[attr-defined]

    missed = [
        name
        for name, ok in (
            ("median", med <= TARGET_MEDIAN_MS),
            ("p99", p99 <= TARGET_P99_MS),
            ("start", start <= TARGET_START_S),
        )
        if not ok
    ]
    print("targets: " + ("all met" if not missed else "MISSED " + ", ".join(missed)))
    return 1 if missed else 0


def _review(args: argparse.Namespace, tmp: Path) -> tuple[Store, Path | None]:
    """The review to screen (built, or copied from ``--db``) in its queue order, and the copy
    without decisions that a relevance run measures import order on (None otherwise)."""
    path = tmp / "review.db"
    t = time.perf_counter()
    if args.db is not None and args.db.exists():
        store = copy_review(args.db, path)
        print(f"copied {args.db} ({store.record_count()} records) in {time.perf_counter() - t:.1f} s")
    else:
        store = build_review(args.db or path, args.records, args.duplicates, args.order)
        size = (args.db or path).stat().st_size / 1e6
        print(
            f"built {args.db or path}: {store.record_count()} records in {len(store.sources())} sources, "
            f"{store.duplicates_removed()} duplicates, {size:.0f} MB, in {time.perf_counter() - t:.1f} s"
        )
        if args.db is not None:
            store.close()
            store = copy_review(args.db, path)

    set_order(store, args.order)
    pristine = args.db
    if args.order == "relevance" and pristine is None:  # kept without decisions for the baseline run
        store.close()
        pristine = tmp / "pristine.db"
        copy_review(path, pristine).close()
        store = open_store(path)
    return store, pristine


def _print_decisions(res: dict, trivial: float, store_runs: list) -> tuple[float, float, float]:
    """Print the measured run; return the decision median and p99 (ms) and the start (s)."""
    ms = 1000.0
    decide, base = res["decide"], res["base"]
    med, p99 = statistics.median(decide) * ms, q(decide, 0.99) * ms
    slow = [(i, round(v * ms)) for i, v in enumerate(decide) if v * ms > 100]
    if slow:
        print(f"slow decisions (index, ms): {slow}")
    bmed, bp99 = statistics.median(base) * ms, q(base, 0.99) * ms
    start = res["start"]
    print(f"queue: {res['queue']} records to screen; {len(decide)} decisions, {res['logged']} in the log")
    if "first_ranking" in res:
        runs = [r for r in store_runs if r.kind != "random-sample"]
        print(
            f"relevance order: first ranking ready {res['first_ranking']:.1f} s after the first record; "
            f"{len(runs)} rankings during the run (model: {runs[-1].model if runs else '-'}, "
            f"last trained on {runs[-1].n_train if runs else 0} decisions, "
            f"median {statistics.median(r.seconds for r in runs) if runs else 0:.2f} s "
            "each in the ranker process)"
        )
    print(
        f"start (run_test to first record shown): {start:.2f} s   [target <= {TARGET_START_S} s]   "
        f"baseline trivial app: {trivial:.2f} s   ratio {start / trivial:.1f}x"
    )
    print(
        f"decision key -> next record shown: median {med:.1f} ms, p95 {q(decide, 0.95) * ms:.1f} ms, "
        f"p99 {p99:.1f} ms, max {max(decide) * ms:.1f} ms   "
        f"[targets {TARGET_MEDIAN_MS:.0f} / {TARGET_P99_MS:.0f} ms]"
    )
    for kind in ("i", "m", "e+digit"):
        vals = [d for d, k in zip(decide, res["kinds"], strict=True) if k == kind]
        if vals:
            print(
                f"    {kind:<8} n={len(vals):<4} median {statistics.median(vals) * ms:.1f} ms, "
                f"p99 {q(vals, 0.99) * ms:.1f} ms"
            )
    cpu = res["cpu"]
    print(
        f"    UI-thread CPU time in that interval (less sensitive to other load on the machine): "
        f"median {statistics.median(cpu) * ms:.1f} ms, p99 {q(cpu, 0.99) * ms:.1f} ms"
    )
    prompt = res["prompt"]
    if prompt:
        print(
            f"e -> reason prompt shown: median {statistics.median(prompt) * ms:.1f} ms, "
            f"p99 {q(prompt, 0.99) * ms:.1f} ms"
        )
    saved = res["saved"]
    print(
        f"decision key -> committed: median {statistics.median(saved) * ms:.1f} ms, "
        f"p99 {q(saved, 0.99) * ms:.1f} ms"
    )
    print(
        f"baseline (store.record + Static.update -> frame): median {bmed:.1f} ms, p99 {bp99:.1f} ms;   "
        f"ratio decision/baseline: median {med / bmed:.1f}x, p99 {p99 / bp99:.1f}x"
    )
    pp = res["pilot_press"]
    print(f"(Pilot.press of an unbound key by itself: median {statistics.median(pp) * ms:.1f} ms)")
    return med, p99, start


def _print_import_order(res: dict, plain: dict, med: float) -> None:
    """Print the same decisions measured in import order, and relevance order against it."""
    ms = 1000.0
    decide = res["decide"]
    pd, pb, pc = plain["decide"], plain["base"], plain["cpu"]
    print(
        f"same process, same review, import order (no ranking): decision key -> next record shown: "
        f"median {statistics.median(pd) * ms:.1f} ms, p95 {q(pd, 0.95) * ms:.1f} ms, "
        f"p99 {q(pd, 0.99) * ms:.1f} ms; "
        f"UI-thread CPU median {statistics.median(pc) * ms:.1f} ms; "
        "its baseline (store.record + Static.update) "
        f"median {statistics.median(pb) * ms:.1f} ms"
    )
    print(
        f"relevance / import order: median {med / (statistics.median(pd) * ms):.2f}x, "
        f"p95 {q(decide, 0.95) / q(pd, 0.95):.2f}x"
    )


if __name__ == "__main__":
    sys.exit(main())
