"""The protocol screen (P from home) and screens following a protocol change made elsewhere."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Static

from screener.core.models import Stage, Verdict
from screener.core.protocol import parse_protocol
from screener.store import Store, open_store
from screener.tui.app import make_app
from screener.tui.refresh import REFRESH_SECONDS
from screener.tui.screens.home import HomeScreen
from screener.tui.screens.protocol import ProtocolScreen
from screener.tui.screens.screening import ScreeningScreen

TA = Stage.TITLE_ABSTRACT


def e4_first_relabelled(text: str) -> str:
    """The protocol with reason E4 moved to key 1 and relabelled 'ME/CFS'."""
    head, *blocks = text.split("[[exclusion]]")
    blocks = ["[[exclusion]]" + b for b in blocks]
    e4 = next(b for b in blocks if 'id = "E4"' in b).replace('"Chronic fatigue syndrome"', '"ME/CFS"')
    return head + "".join([e4, *(b for b in blocks if b is not e4 and 'id = "E4"' not in b)])


async def test_p_opens_the_protocol_and_its_history(review: Store):
    review.record_decision(1, TA, "NA", Verdict.EXCLUDE, ("E4",))
    text = review.protocol().text
    review.change_protocol(parse_protocol(e4_first_relabelled(text), "p.toml"), "NA", {}, "p.toml")
    app = make_app(review)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("P")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProtocolScreen)
        shown = str(screen.query_one("#protocol-text", Static).render())
        assert "  1 E4   ME/CFS" in shown and "  2 E1   Review articles" in shown
        assert "keywords: chronic fatigue" in shown and "I3" in shown and "maybe: conflict" in shown
        assert "Read-only here" in str(screen.query_one("#protocol-note", Static).render())
        history = str(screen.query_one("#protocol-history", Static).render())
        assert "by NA" in history and 'relabelled E4: "Chronic fatigue syndrome" -> "ME/CFS"' in history
        pane = screen.query_one("#protocol-pane", VerticalScroll)
        assert pane.scroll_y == 0
        await pilot.press("j")
        await pilot.pause()
        assert pane.scroll_y == 1
        await pilot.press("h")
        await pilot.pause()
        region, box = screen.query_one("#protocol-history").region, pane.region
        assert pane.scroll_y > 10 and box.y <= region.y and region.bottom <= box.bottom  # all of it in view
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_a_failed_read_is_shown(review: Store, monkeypatch):
    def broken() -> list:
        raise RuntimeError("database gone")

    monkeypatch.setattr(review, "protocol_history", broken)
    app = make_app(review)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("P")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "could not read the protocol: database gone" in str(
            app.screen.query_one("#protocol-text", Static).render()
        )


async def test_screening_follows_a_change_made_in_another_process(review: Store):
    app = make_app(review, reviewer="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        assert isinstance(screen, ScreeningScreen)
        assert " 4 Chronic fatigue syndrome" in str(screen.query_one("#criteria", Static).render())
        other = open_store(review.url)  # the lead runs 'screener protocol update' elsewhere
        other.change_protocol(
            parse_protocol(e4_first_relabelled(other.protocol().text), "p.toml"), "NA", {}, "p.toml"
        )
        other.close()
        await pilot.pause(REFRESH_SECONDS + 0.5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        criteria = str(screen.query_one("#criteria", Static).render())
        assert " 1 ME/CFS" in criteria and "Chronic fatigue" not in criteria
        rid = screen.current
        await pilot.press("e", "1")  # key 1 is E4 now
        screen.flush()
        await pilot.pause()
        assert review.current_decisions(TA, "NA")[(rid, "NA")].reasons == ("E4",)
        await pilot.press("k")  # back to it: the decision line names the new label
        await pilot.pause()
        assert screen.current == rid
        assert "ME/CFS" in str(screen.query_one("#record-decision", Static).render())


async def test_the_conflict_screen_follows_a_mapping_made_elsewhere(review: Store):
    from screener.tui.screens.conflicts import ConflictsScreen

    for rid in review.stage_pool(TA):  # NA and ZL agree everywhere but record 1: E4 against E2
        review.record_decision(rid, TA, "NA", Verdict.EXCLUDE, ("E4",) if rid == 1 else ("E1",))
        review.record_decision(
            rid, TA, "ZL", Verdict.INCLUDE if rid == 1 else Verdict.EXCLUDE, () if rid == 1 else ("E1",)
        )
    assert review.conflicts(TA) == [1]
    app = make_app(review, resolver="NA", stage=TA)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        assert "Chronic fatigue syndrome" in str(screen.query_one("#votes", Static).render())
        other = open_store(review.url)
        head, *blocks = other.protocol().text.split("[[exclusion]]")
        text = head + "".join("[[exclusion]]" + b for b in blocks if 'id = "E4"' not in b)
        other.change_protocol(parse_protocol(text, "p.toml"), "NA", {"E4": "E2"}, "p.toml")
        other.close()
        await pilot.pause(REFRESH_SECONDS + 0.5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        votes = str(screen.query_one("#votes", Static).render())
        assert "Conference papers or abstracts" in votes and "Chronic fatigue" not in votes
        criteria = str(screen.query_one("#criteria", Static).render())
        assert " 4 Commentary or expert opinion" in criteria and "Chronic fatigue" not in criteria


async def test_the_records_list_reads_reason_keys_and_mappings_of_a_change_made_elsewhere(review: Store):
    from textual.widgets import DataTable

    from screener.tui.screens.records import RecordsScreen

    review.record_decision(3, TA, "NA", Verdict.EXCLUDE, ("E5",))
    review.record_decision(4, TA, "NA", Verdict.EXCLUDE, ("E4",))
    app = make_app(review)
    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()
        screen = RecordsScreen(review, "NA", TA)
        app.push_screen(screen)
        await app.workers.wait_for_complete()
        other = open_store(review.url)  # E4 moves to key 1, E5 is merged into it
        text = e4_first_relabelled(other.protocol().text)
        head, *blocks = text.split("[[exclusion]]")
        text = head + "".join("[[exclusion]]" + b for b in blocks if 'id = "E5"' not in b)
        other.change_protocol(parse_protocol(text, "p.toml"), "NA", {"E5": "E4"}, "p.toml")
        other.close()
        await pilot.press("a")  # the list is read again, and the protocol with it
        await app.workers.wait_for_complete()
        await pilot.press("e", "1", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = screen.query_one(DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [(r[0], r[5]) for r in rows] == [("3", "exclude E4"), ("4", "exclude E4")]
