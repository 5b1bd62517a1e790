"""A footer whose keys wrap onto a second line instead of being cut off at the right edge."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

GAP = 2


class _Keys(Widget):
    """The key items, packed greedily into as many lines as the width needs."""

    DEFAULT_CSS = "_Keys { width: 1fr; height: auto; }"

    def __init__(self, items: list[tuple[str, str, bool]]) -> None:
        super().__init__()
        self.items = items

    def lines(self, width: int) -> list[Text]:
        key_style = Style(bold=True, color=self.app.theme_variables.get("footer-key-foreground"))
        out: list[Text] = [Text()]
        for key, description, enabled in self.items:
            item = Text.assemble((key, key_style), " ", description)
            if not enabled:
                item.stylize("dim")
            line = out[-1]
            if line.cell_len and line.cell_len + GAP + item.cell_len > width:
                out.append(Text())
                line = out[-1]
            if line.cell_len:
                line.append(" " * GAP)
            line.append_text(item)
        return out

    def render(self) -> Text:
        return Text("\n").join(self.lines(max(self.size.width, 1)))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(max(width, 1)))


class KeyFooter(Footer):
    """The screen's keys (those shown), every one visible at any width: they wrap, never cut."""

    DEFAULT_CSS = """
    KeyFooter { height: 1; layout: vertical; padding: 0 1; }
    KeyFooter > _Keys { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield _Keys([])  # one widget, updated in place: a recompose left the footer 0 lines high for a frame

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if self.is_attached and screen is self.screen:
            self._update()

    def on_mount(self) -> None:
        self._update()

    def _update(self) -> None:
        if not self.is_attached:
            return
        items: list[tuple[str, str, bool]] = []
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            items.append((self.app.get_key_display(binding), binding.description, enabled))
        keys = self.query_one(_Keys)
        if items != keys.items:
            keys.items = items
            keys.refresh()
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """As many lines as the keys need at this width (at most 3): set, so the screen lays out again."""
        if not self.is_attached or not self.size.width:
            return
        lines = min(len(self.query_one(_Keys).lines(max(self.size.width - 2, 1))), 3)
        if self.styles.height is None or self.styles.height.value != lines or self.size.height != lines:
            self.styles.height = lines
            self.call_after_refresh(self.screen.refresh, layout=True)
