"""The reportlab flowable that draws a :class:`~keyvault.paper.sheets.PlateGrid`.

One row per word: its position, its number in the wordlist (from 1), then a circle per
dot, filled where the plate is punched. Column heads give each dot's value (1 2 4 8 per
digit for 1248; 2048 ... 1 for binary). An empty grid (no words) leaves every circle open
and the number box blank, to be marked by hand. Imported lazily by
:mod:`keyvault.paper.render`, like :mod:`keyvault.paper.flowables`.
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import Flowable

from keyvault.seedphrase import plate

from .sheets import PlateGrid
from .typeface import MM, MONO, SANS

__all__ = ["PlateFlowable"]


class PlateFlowable(Flowable):  # type: ignore[misc]
    """A plate grid: position, word number and dots per word."""

    row_height = 6.4 * MM
    head_height = 9 * MM

    def __init__(self, block: PlateGrid) -> None:
        super().__init__()
        self.block = block
        self.count = len(block.words.reveal_text().split()) if block.words else block.count

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail = avail_width
        return (avail_width, self.head_height + self.count * self.row_height + 2 * MM)

    def _groups(self) -> list[tuple[str, tuple[int, ...]]]:
        if self.block.plate_format == "binary":
            return [("", plate.BINARY_WEIGHTS)]
        return [(name, plate.DIGIT_WEIGHTS) for name in ("thousands", "hundreds", "tens", "units")]

    def draw(self) -> None:
        canv = self.canv
        rows = plate.rows(self.block.words, self.block.plate_format) if self.block.words else None
        groups = self._groups()
        dots = sum(len(weights) for _, weights in groups)
        left = 30 * MM
        gap = 3 * MM
        pitch = min(9 * MM, (self.avail - left - gap * (len(groups) - 1)) / dots)
        radius = min(2.2 * MM, pitch * 0.36)
        top = self.head_height + self.count * self.row_height + 2 * MM
        # Column heads: group names, then each dot's value.
        canv.setFillColor(colors.black)
        canv.setFont(SANS, 8)
        canv.drawString(0, top - 4 * MM, "word")
        canv.drawString(11 * MM, top - 4 * MM, "number")
        x = left
        for name, weights in groups:
            if name:
                canv.drawCentredString(x + pitch * len(weights) / 2 - pitch / 2, top - 3 * MM, name)
            for weight in weights:
                canv.drawCentredString(x, top - 7 * MM, str(weight))
                x += pitch
            x += gap
        for index in range(self.count):
            y = top - self.head_height - (index + 0.5) * self.row_height
            canv.setFont(SANS, 9)
            canv.setFillColor(colors.HexColor("#555555"))
            canv.drawRightString(7 * MM, y - 1.2 * MM, f"{index + 1}.")
            canv.setFillColor(colors.black)
            if rows is not None:
                canv.setFont(MONO, 11)
                canv.drawString(11 * MM, y - 1.4 * MM, f"{rows[index].number:04d}")
            else:
                canv.setLineWidth(0.4)
                canv.rect(11 * MM, y - 2.4 * MM, 14 * MM, 5 * MM)
            x = left
            for group_index, (_, weights) in enumerate(groups):
                for dot_index in range(len(weights)):
                    punched = rows is not None and rows[index].dots[group_index][dot_index]
                    canv.setLineWidth(0.6)
                    canv.circle(x, y, radius, stroke=1, fill=1 if punched else 0)
                    x += pitch
                x += gap
