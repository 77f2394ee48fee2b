"""The overview read in three seconds: one sentence, then one card per item.

:func:`summary_sentence` says in plain words whether the keys are safe ("All 4 keys are
safe" / "1 key needs you: connect the drive 'office', then repair its copy");
:class:`ItemCard` shows one item: its kind, its copies as small media badges (offsite
and immutable/offline marked), the last backup, and the one action that fixes it.
Everything comes from the core's :class:`~keyvault.backup.policy.Verdict`; nothing is
read or computed here beyond wording.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Sequence
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from keyvault.backup.policy import CopyEvidence, Verdict

from ._common import desktop_hints

__all__ = [
    "DRILL_ACTION",
    "KIND_ICON",
    "MEDIA_ICON",
    "VERDICT_COLOR",
    "ItemCard",
    "away_copy",
    "copy_badge",
    "item_phrase",
    "needs_owner",
    "overall_state",
    "plain_action",
    "summary_sentence",
]

#: Verdict state -> colour (the card's edge, the tray icon).
VERDICT_COLOR: dict[str, str] = {"ok": "#2e7d32", "backup-now": "#ef6c00", "not-met": "#c62828"}

#: Media kind -> (the platform style's icon for it, its name). Icons come from the style,
#: so they follow the theme and scale with the screen.
_SP = QStyle.StandardPixmap
MEDIA_ICON: dict[str, tuple[QStyle.StandardPixmap, str]] = {
    "internal": (_SP.SP_ComputerIcon, "this computer"),
    "external": (_SP.SP_DriveHDIcon, "drive"),
    "nas": (_SP.SP_DriveNetIcon, "NAS"),
    "cloud": (_SP.SP_DriveNetIcon, "cloud"),
    "optical": (_SP.SP_DriveCDIcon, "disc"),
    "tape": (_SP.SP_DriveHDIcon, "tape"),
    "paper": (_SP.SP_FileIcon, "paper"),
    "metal": (_SP.SP_FileIcon, "metal"),
}
#: Item kind -> (icon, word).
KIND_ICON: dict[str, tuple[QStyle.StandardPixmap, str]] = {
    "file": (_SP.SP_FileIcon, "wallet file"),
    "folder": (_SP.SP_DirIcon, "wallet folder"),
    "phrase": (_SP.SP_FileDialogContentsView, "seed phrase"),
    "vault-key": (_SP.SP_DialogApplyButton, "vault key"),
}
ICON_SIZE = 16
#: The one action for an item whose copies were not proven restorable lately.
DRILL_ACTION = "run a drill"


#: Media kind -> how the sentence names a destination of that kind.
_PLACE: dict[str, str] = {"external": "the USB drive", "nas": "the NAS", "optical": "the disc"}


def _place(copy: CopyEvidence) -> str:
    return f"{_PLACE.get(copy.media, 'the drive')} '{copy.name}'"


def _copies(verdict: Verdict) -> list[CopyEvidence]:
    return [*verdict.counted, *(n.copy for n in verdict.not_counted)]


def away_copy(verdict: Verdict, away: Collection[str]) -> CopyEvidence | None:
    """The first of the item's destination copies whose destination is away right now."""
    for copy in _copies(verdict):
        if copy.kind == "destination" and copy.name in away:
            return copy
    return None


def needs_owner(
    verdict: Verdict, away: Collection[str], drill_overdue: Collection[str] = ()
) -> bool:
    """Whether the item needs the owner: the rule fails, one of its drives is away, or
    its drill is overdue (``drill_overdue``: the items with an overdue copy)."""
    return not verdict.ok or away_copy(verdict, away) is not None or verdict.item in drill_overdue


def item_phrase(item: str) -> str:
    """How a sentence names an item: ``the vault key`` or ``'NAME'``."""
    return "the vault key" if item == "vault-key" else f"'{item}'"


def _first_problem_copy(verdict: Verdict) -> CopyEvidence | None:
    for entry in verdict.not_counted:
        if entry.code in ("missing-or-damaged", "older-version", "unverified", "unconfirmed"):
            return entry.copy
    return None


def plain_action(
    verdict: Verdict, away: Collection[str] = (), drill_overdue: Collection[str] = ()
) -> str:
    """The one thing to do for ``verdict``, in words a non-technical owner follows
    (``away``: destinations not connected right now; connecting one comes first; an
    overdue drill comes after anything the rule itself asks for)."""
    gone = away_copy(verdict, away)
    if gone is not None:
        return f"connect {_place(gone)}"
    if verdict.ok and verdict.item in drill_overdue:
        return DRILL_ACTION
    copy = _first_problem_copy(verdict)
    where = f"'{copy.name}'" if copy is not None else "a destination"
    code = verdict.action_code
    if code == "repair":
        return f"repair the copy at {where}"
    return {
        "none": "nothing to do",
        "backup": "back up now",
        "verify": "check the copies (Verify)",
        "restore": "restore the original, it is missing",
        "confirm-copy": f"check that the copy {where} is still there",
        "add-offsite": "keep one copy in another place (add an offsite destination)",
        "add-media": "add a copy on another kind of media",
        "add-destination": "add another place for copies",
        "move-destination": "put copies on different drives",
        "add-immutable": "add a copy kept offline",
    }.get(code, desktop_hints(verdict.action))


def overall_state(
    verdicts: Sequence[Verdict], away: Collection[str] = (), drill_overdue: Collection[str] = ()
) -> str:
    """The worst state: ``not-met`` if any item fails the rule, ``backup-now`` if any
    needs the owner otherwise (a drive away, a backup due, a drill overdue), else ``ok``."""
    if any(v.state == "not-met" for v in verdicts):
        return "not-met"
    if any(needs_owner(v, away, drill_overdue) for v in verdicts):
        return "backup-now"
    return "ok"


def summary_sentence(
    verdicts: Sequence[Verdict], away: Collection[str] = (), drill_overdue: Collection[str] = ()
) -> str:
    """One sentence for the whole vault: all safe, or how many need the owner and why."""
    if not verdicts:
        return "Nothing is protected yet: add a wallet or a seed phrase."
    needing = [v for v in verdicts if needs_owner(v, away, drill_overdue)]
    total = len(verdicts)
    if not needing:
        return f"All {total} keys are safe." if total > 1 else "Your key is safe."
    first = needing[0]
    what = plain_action(first, away, drill_overdue)
    if len(needing) == 1:
        return f"1 key needs you: {what}."
    if all(plain_action(v, away, drill_overdue) == what for v in needing):
        # One cause (a drive away, a backup due) fixes them all: say it once.
        return f"{len(needing)} keys need you: {what}."
    return f"{len(needing)} of {total} keys need you. First: {what} ({item_phrase(first.item)})."


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def _short(identity: str) -> str:
    """A long hash cut to a length an eye compares (the full one stays in the CLI)."""
    word, _, value = identity.partition(" ")
    return f"{word} {value[:16]}..." if word == "sha256" and len(value) > 16 else identity


def copy_badge(copy: CopyEvidence, counts: bool, away: bool = False) -> str:
    """A copy as a short badge: its name and marks (media, offsite, immutable...)."""
    marks = [MEDIA_ICON[copy.media][1] if copy.media in MEDIA_ICON else copy.media]
    if copy.offsite:
        marks.append("offsite")
    if copy.immutable:
        marks.append("immutable")
    elif copy.offline:
        marks.append("offline")
    if away:
        marks.append("not connected")
    if not counts:
        marks.append("does not count")
    return f"{copy.name} ({', '.join(marks)})"


class ItemCard(QFrame):
    """One item: kind, copies, last backup, and the one fix (``fix_requested(code, item)``)."""

    fix_requested = Signal(str, str)

    def __init__(
        self,
        verdict: Verdict,
        last_backup: datetime | None,
        action_text: str | None,
        away: Collection[str] = (),
        kind: str = "file",
        parent: QWidget | None = None,
        *,
        last_drill: datetime | None = None,
        identity: str | None = None,
        drill_overdue: bool = False,
    ) -> None:
        super().__init__(parent)
        self.verdict = verdict
        self.setObjectName("itemCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        overdue = (verdict.item,) if drill_overdue else ()
        needs = needs_owner(verdict, away, overdue)
        state = "backup-now" if verdict.ok and needs else verdict.state
        color = VERDICT_COLOR.get(state, "#757575")
        self.color = color
        # By object name: an item's name may hold any character, a selector may not.
        self.setStyleSheet(
            f"QFrame#itemCard {{ border: 1px solid palette(mid); border-left: 6px solid {color};"
            " border-radius: 4px; }"
        )
        kind_key = "vault-key" if verdict.item == "vault-key" else kind
        kind_icon, kind_word = KIND_ICON.get(kind_key, KIND_ICON["file"])
        title = "Vault key" if verdict.item == "vault-key" else verdict.item
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setText(f"<b>{html.escape(title)}</b> ({kind_word})")
        action = plain_action(verdict, away, overdue)
        if needs and action == DRILL_ACTION:
            action = f"drill overdue: {action}"
        self.state = QLabel(action if needs else "safe", self)
        self.state.setWordWrap(True)
        listed = [(c, True) for c in verdict.counted if c.kind != "original"]
        listed += [(n.copy, False) for n in verdict.not_counted if n.copy.kind != "original"]
        self.badges: list[str] = []
        copies_row = QHBoxLayout()
        for copy, counts in listed:
            text = copy_badge(copy, counts, copy.name in away)
            self.badges.append(text)
            icon = QLabel(self)
            media_icon = MEDIA_ICON.get(copy.media, MEDIA_ICON["external"])[0]
            icon.setPixmap(self.style().standardIcon(media_icon).pixmap(ICON_SIZE, ICON_SIZE))
            icon.setAccessibleName(text)
            copies_row.addWidget(icon)
            copies_row.addWidget(QLabel(text, self))
            copies_row.addSpacing(12)
        if not listed:
            copies_row.addWidget(QLabel("no copies yet", self))
        copies_row.addStretch(1)
        when = (
            "copied with every backup"
            if verdict.item == "vault-key"
            else f"Last backup: {_when(last_backup)}"
        )
        self.last_backup = QLabel(when, self)
        self.last_drill = QLabel(
            f"Last drill: {_when(last_drill)}" + (" (overdue)" if drill_overdue else ""), self
        )
        self.identity = QLabel(f"Identity: {_short(identity)}" if identity else "", self)
        self.identity.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.identity.setVisible(bool(identity))
        self.fix_button: QPushButton | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        kind_label = QLabel(self)
        kind_label.setPixmap(
            self.style().standardIcon(kind_icon).pixmap(ICON_SIZE * 2, ICON_SIZE * 2)
        )
        top.addWidget(kind_label)
        top.addWidget(self.title, 1)
        if action_text is not None and not verdict.ok:
            self.fix_button = QPushButton(action_text, self)
            self.fix_button.setAccessibleName(f"{action_text}: {verdict.item}")
            self.fix_button.setToolTip(desktop_hints(verdict.action))
            self.fix_button.clicked.connect(self._fix)
            top.addWidget(self.fix_button)
        layout.addLayout(top)
        layout.addWidget(self.state)
        layout.addLayout(copies_row)
        layout.addWidget(self.last_backup)
        if verdict.item != "vault-key":
            layout.addWidget(self.last_drill)
        layout.addWidget(self.identity)
        self.setAccessibleName(f"{verdict.item}: {'needs you' if needs else 'safe'}")

    def copy_text(self) -> str:
        """The copies as read aloud / shown beside their icons."""
        return "; ".join(self.badges)

    def _fix(self) -> None:
        self.fix_requested.emit(self.verdict.action_code, self.verdict.item)
