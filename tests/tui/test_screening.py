"""Screening with the real keys, asserting on the database."""

from __future__ import annotations

from textual.widgets import Input, Static

from screener.core.models import Stage, Verdict
from screener.store import Blinded, Store, StoreError
from screener.tui.app import make_app
from screener.tui.screens.screening import ScreeningScreen

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


def _text(screen: ScreeningScreen, wid: str) -> str:
    return str(screen.query_one(wid, Static).render())


async def _settle(pilot, screen: ScreeningScreen) -> None:
    screen.flush()
    await pilot.pause()
    await pilot.pause()


def _log(
    store: Store, reviewer: str = "NA", stage: Stage = TA
) -> list[tuple[int, str, tuple[str, ...], str | None]]:
    return [(d.record_id, d.verdict.value, d.reasons, d.note) for d in store.decision_log(stage, reviewer)]


async def test_include_exclude_maybe_and_next_record(review: Store):
    app = make_app(review, reviewer="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen)
        assert "0 of 6 screened by you" in _text(screen, "#progress-line")
        assert "randomized crossover trial" in _text(screen, "#record-title")
        await pilot.press("i")
        await _settle(pilot, screen)
        assert screen.current == 2  # the next undecided record appears at once
        await pilot.press("e", "6")  # exclusion reason 6: naltrexone 50 mg, not LDN
        await pilot.press("m")
        await pilot.press("e", "enter")  # title/abstract allows an exclusion without a reason
        await _settle(pilot, screen)
        assert _log(review) == [
            (1, "include", (), None),
            (2, "exclude", ("E6",), None),
            (3, "maybe", (), None),
            (4, "exclude", (), None),
        ]
        assert "4 of 6 screened by you" in _text(screen, "#progress-line")
        assert "✓ saved" in _text(screen, "#save-line")


async def test_reason_keys_only_after_e_and_escape_cancels(review: Store):
    app = make_app(review, reviewer="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        await pilot.press("3")  # a number alone does nothing
        await pilot.press("e")
        assert "press the reason's number" in _text(screen, "#record-decision")
        await pilot.press("escape")
        await pilot.press("e", "9")  # there is no reason 9 in this protocol
        await _settle(pilot, screen)
        assert _log(review) == []
        await pilot.press("escape")
        assert screen.current == 1


async def test_note_is_stored_when_written_and_undo_keeps_it(review: Store):
    app = make_app(review, reviewer="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        await pilot.press("n")  # a note on an undecided record: stored at once, no decision made
        await pilot.press(*"ask ZL", "enter")
        await _settle(pilot, screen)
        assert review.notes(TA, "NA") == {(1, "NA"): "ask ZL"} and _log(review) == []
        await pilot.press("i")  # record 1 included, now on record 2
        await pilot.press("left")
        await pilot.press("n")
        await pilot.press(*["backspace"] * 6, *"check dose")
        await pilot.press("enter")
        await _settle(pilot, screen)
        assert review.notes(TA, "NA") == {(1, "NA"): "check dose"}
        assert _log(review) == [(1, "include", (), None)]  # the note is not a decision
        assert "Note: check dose" in _text(screen, "#record-decision")
        await pilot.press("u")  # undo the include: undecided again, the note stays
        await _settle(pilot, screen)
        assert [v for _, v, _, _ in _log(review)] == ["include", "retracted"]
        assert review.current_decisions(TA, "NA") == {}
        assert review.notes(TA, "NA") == {(1, "NA"): "check dose"}
        assert screen.current == 1 and "undecided" in _text(screen, "#record-decision")
        assert "Note: check dose" in _text(screen, "#record-decision")


async def test_navigation_search_and_goto(review: Store):
    app = make_app(review, reviewer="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        await pilot.press("right", "j")  # vim: j is next, k previous
        assert screen.current == 3
        await pilot.press("k")
        assert screen.current == 2
        await pilot.press("left")
        assert screen.current == 1
        await pilot.press("slash")
        await pilot.press(*"chronic fatigue", "enter")
        await pilot.pause()
        assert screen.current == 4
        await pilot.press("g")
        await pilot.press("6", "enter")
        await pilot.pause()
        assert screen.current == 6 and "Conference abstract" in _text(screen, "#record-title")
        await pilot.press("g")
        assert isinstance(app.screen.query_one(Input), Input)
        await pilot.press("9", "9", "enter")
        await pilot.pause()
        assert screen.current == 6  # unknown id: stays, with a message


async def test_blind_second_reviewer_sees_nothing_of_the_first(review: Store):
    for rid in (1, 2, 3):
        review.record_decision(rid, TA, "NA", Verdict.INCLUDE, note="NA's private note")
    app = make_app(review, reviewer="ZL", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        assert "0 of 6 screened by you" in _text(screen, "#progress-line")
        assert screen.current == 1 and "undecided" in _text(screen, "#record-decision")
        assert "NA's private note" not in _text(screen, "#record-decision")
        await pilot.press("e", "1")
        await _settle(pilot, screen)
    assert set(review.visible_decisions(TA, "ZL")) == {(1, "ZL")}
    assert review.is_blind(TA)
    try:
        review.conflicts(TA)
        raise AssertionError("conflicts must be refused while blind")
    except Blinded as exc:
        assert "unblind" in str(exc)
    review.unblind(TA, "NA")
    assert review.conflicts(TA) == [1]
    assert len(review.visible_decisions(TA, "ZL")) == 4


async def test_full_text_retrieval_and_required_reason(review: Store):
    for reviewer in ("NA", "ZL"):
        for rid in (1, 5):
            review.record_decision(rid, TA, reviewer, Verdict.INCLUDE)
        for rid in (2, 3, 4, 6):
            review.record_decision(rid, TA, reviewer, Verdict.EXCLUDE)
    assert review.stage_pool(FT) == [1, 5]
    app = make_app(review, reviewer="NA", stage=FT)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        assert "0 of 2 screened by you" in _text(screen, "#progress-line")
        await pilot.press("r")
        await pilot.press(*"/tmp/younger2013.pdf", "enter")
        await pilot.pause()
        assert "retrieved /tmp/younger2013.pdf" in _text(screen, "#record-meta")
        await pilot.press("e", "enter")  # full text: a reason is required
        await _settle(pilot, screen)
        assert _log(review, stage=FT) == []
        await pilot.press("3")
        await pilot.press("x")
        await pilot.press(*"not held by library", "enter")
        await _settle(pilot, screen)
    assert _log(review, stage=FT) == [(1, "exclude", ("E3",), None)]
    retrievals = review.retrievals()
    assert retrievals[1].status == "retrieved" and retrievals[1].location == "/tmp/younger2013.pdf"
    assert retrievals[5].status == "not-retrieved" and retrievals[5].reason == "not held by library"


async def test_unreachable_database_is_never_reported_as_saved(review: Store, monkeypatch):
    def down(*args, **kwargs):
        raise StoreError("could not write to review.db: server closed the connection unexpectedly")

    app = make_app(review, reviewer="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        monkeypatch.setattr(review, "record_decision", down)
        await pilot.press("i")
        await _settle(pilot, screen)
        assert "✗ NOT saved: record 1" in _text(screen, "#save-line")
        assert 1 not in screen.mine  # the screen no longer claims a decision the database does not have
        assert "0 of 6 screened by you" in _text(screen, "#progress-line")
        assert any("was NOT saved" in n.message for n in app._notifications)
    assert review.decision_log() == []


async def test_related_records_are_shown_beside_the_record(tmp_path, screen_text):
    """An erratum kept apart from its article by the dedup is named on both records, at
    title/abstract and at full text (issue 16)."""
    from screener.core.models import Author, BibRecord
    from screener.core.protocol import load_protocol
    from screener.paths import example_dir
    from screener.store import SourceInput, open_store
    from screener.workflows.dedup import run_dedup

    store = open_store(tmp_path / "review.db", create=True)
    store.init_review(load_protocol(example_dir() / "protocol.toml"))
    title = "Low-dose naltrexone for the treatment of fibromyalgia: a randomized crossover trial"
    people = (Author("Younger", "J"), Author("Noor", "N"))
    records = [
        BibRecord(
            position=1,
            title=title,
            authors=people,
            year=2013,
            journal="Arthritis Rheum",
            volume="65",
            issue="2",
            start_page="529",
            end_page="538",
        ),
        BibRecord(
            position=2,
            title="Erratum: " + title,
            authors=people,
            year=2013,
            journal="Arthritis Rheum",
            volume="65",
            issue="6",
            start_page="1650",
        ),
        BibRecord(position=3, title="Pharmacotherapy of fibromyalgia", authors=people, year=2010),
    ]
    store.add_source(SourceInput("PubMed", "pubmed.nbib", "a" * 64, "pubmed"), records)
    run_dedup(store)
    assert store.clusters() == []
    assert [(rid, rule) for rid, rule, _ in store.related_records(1)] == [(2, "erratum-vs-article")]
    assert [(rid, rule) for rid, rule, _ in store.related_records(2)] == [(1, "erratum-vs-article")]
    assert store.related_records(3) == []
    for stage in (TA, FT):
        if stage is FT:
            for reviewer in ("NA", "ZL"):
                for rid in (1, 2, 3):
                    store.record_decision(rid, TA, reviewer, Verdict.INCLUDE)
        app = make_app(store, reviewer="NA", stage=stage)
        async with app.run_test(size=(150, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, ScreeningScreen)
            assert screen.current == 1
            assert "Related record 2 (not a duplicate: an erratum" in screen_text(app)
            await pilot.press("i")
            await _settle(pilot, screen)
            assert screen.current == 2
            assert "Related record 1 (not a duplicate" in screen_text(app)
            await pilot.press("i")
            await _settle(pilot, screen)
            assert "Related record" not in screen_text(app)
    store.close()


async def test_undo_reaches_decisions_of_an_earlier_session(review: Store):
    """Decide, undo once, quit; a new session's u goes on from there (the log has the history)."""
    app = make_app(review, reviewer="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        await pilot.press("i", "m")
        await pilot.press("e", "1")
        await pilot.press("u")  # takes back the exclusion of record 3
        await _settle(pilot, screen)
        await pilot.press("q")
    assert {rid: d.verdict.value for (rid, _), d in review.current_decisions(TA, "NA").items()} == {
        1: "include",
        2: "maybe",
    }
    app = make_app(review, reviewer="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        await pilot.press("u")
        await _settle(pilot, screen)
        assert screen.current == 2 and "undecided" in _text(screen, "#record-decision")
        await pilot.press("u")
        await _settle(pilot, screen)
        assert review.current_decisions(TA, "NA") == {}
        await pilot.press("u")
        await _settle(pilot, screen)
        assert review.current_decisions(TA, "NA") == {}
        assert len(review.decision_log(TA, "NA")) == 6  # 3 decisions, 3 undos: nothing undone twice
