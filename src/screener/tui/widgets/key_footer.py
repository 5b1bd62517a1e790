"""A footer whose keys wrap onto a second line instead of being cut off at the right edge."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.geometry import Size
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
    KeyFooter { height: auto; max-height: 3; layout: vertical; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        items: list[tuple[str, str, bool]] = []
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            items.append((self.app.get_key_display(binding), binding.description, enabled))
        yield _Keys(items)
