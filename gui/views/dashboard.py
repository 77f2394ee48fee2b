"""The overview read in three seconds: one sentence, then one card per item.

:func:`summary_sentence` says in plain words whether the keys are safe ("All 4 keys are
safe" / "1 key needs you: connect the drive 'office', then repair its copy");
:class:`ItemCard` shows one item: its kind, its copies as small media badges (offsite
and immutable/offline marked), the last backup, and the one action that fixes it.
Everything comes from the core's :class:`~keyvault.backup.policy.Verdict`; nothing is
read or computed here beyond wording.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from keyvault.backup.policy import CopyEvidence, Verdict

__all__ = [
    "MEDIA_SYMBOL",
    "VERDICT_COLOR",
    "ItemCard",
    "away_copy",
    "copy_badge",
    "needs_owner",
    "overall_state",
    "plain_action",
    "summary_sentence",
]

#: Verdict state -> colour (the card's edge, the tray icon).
VERDICT_COLOR: dict[str, str] = {"ok": "#2e7d32", "backup-now": "#ef6c00", "not-met": "#c62828"}

#: Media kind -> a small symbol and its name (the symbol is decoration; the name is read).
MEDIA_SYMBOL: dict[str, tuple[str, str]] = {
    "internal": ("💻", "this computer"),
    "external": ("🖴", "drive"),
    "nas": ("🗄", "NAS"),
    "cloud": ("☁", "cloud"),
    "optical": ("💿", "disc"),
    "tape": ("📼", "tape"),
    "paper": ("📄", "paper"),
    "metal": ("🔩", "metal"),
}


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


def needs_owner(verdict: Verdict, away: Collection[str]) -> bool:
    """Whether the item needs the owner: the rule fails, or one of its drives is away."""
    return not verdict.ok or away_copy(verdict, away) is not None


def _label(item: str) -> str:
    return "the vault key" if item == "vault-key" else f"'{item}'"


def _first_problem_copy(verdict: Verdict) -> CopyEvidence | None:
    for entry in verdict.not_counted:
        if entry.code in ("missing-or-damaged", "older-version", "unverified", "unconfirmed"):
            return entry.copy
    return None


def plain_action(verdict: Verdict, away: Collection[str] = ()) -> str:
    """The one thing to do for ``verdict``, in words a non-technical owner follows
    (``away``: destinations not connected right now; connecting one comes first)."""
    gone = away_copy(verdict, away)
    if gone is not None:
        return f"connect {_place(gone)}"
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
    }.get(code, verdict.action)


def overall_state(verdicts: Sequence[Verdict], away: Collection[str] = ()) -> str:
    """The worst state: ``not-met`` if any item fails the rule, ``backup-now`` if any
    needs the owner otherwise (a drive away, a backup due), else ``ok``."""
    if any(v.state == "not-met" for v in verdicts):
        return "not-met"
    if any(needs_owner(v, away) for v in verdicts):
        return "backup-now"
    return "ok"


def summary_sentence(verdicts: Sequence[Verdict], away: Collection[str] = ()) -> str:
    """One sentence for the whole vault: all safe, or how many need the owner and why."""
    if not verdicts:
        return "Nothing is protected yet: add a wallet or a seed phrase."
    needing = [v for v in verdicts if needs_owner(v, away)]
    total = len(verdicts)
    if not needing:
        return f"All {total} keys are safe." if total > 1 else "Your key is safe."
    first = needing[0]
    what = plain_action(first, away)
    if len(needing) == 1:
        return f"1 key needs you: {what}."
    if all(plain_action(v, away) == what for v in needing):
        # One cause (a drive away, a backup due) fixes them all: say it once.
        return f"{len(needing)} keys need you: {what}."
    return f"{len(needing)} of {total} keys need you. First: {what} ({_label(first.item)})."


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def copy_badge(copy: CopyEvidence, counts: bool, away: bool = False) -> str:
    """A copy as a short badge: symbol, name, and its marks."""
    symbol, kind = MEDIA_SYMBOL.get(copy.media, ("•", copy.media))
    marks = [kind]
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
    return f"{symbol} {copy.name} ({', '.join(marks)})"


class ItemCard(QFrame):
    """One item: kind, copies, last backup, and the one fix (``fix_requested(code, item)``)."""

    fix_requested = Signal(str, str)

    def __init__(
        self,
        verdict: Verdict,
        last_backup: datetime | None,
        action_text: str | None,
        away: Collection[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.verdict = verdict
        self.setObjectName(f"card-{verdict.item}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        needs = needs_owner(verdict, away)
        state = "backup-now" if verdict.ok and needs else verdict.state
        color = VERDICT_COLOR.get(state, "#757575")
        self.setStyleSheet(f"#card-{verdict.item} {{ border-left: 6px solid {color}; }}")
        kind = "🔑 Vault key" if verdict.item == "vault-key" else f"🗝 {verdict.item}"
        self.title = QLabel(f"<b>{kind}</b>", self)
        self.state = QLabel(plain_action(verdict, away) if needs else "safe", self)
        self.state.setWordWrap(True)
        copies = [
            copy_badge(c, True, c.name in away) for c in verdict.counted if c.kind != "original"
        ]
        copies += [
            copy_badge(n.copy, False, n.copy.name in away)
            for n in verdict.not_counted
            if n.copy.kind != "original"
        ]
        self.copies = QLabel("   ".join(copies) or "no copies yet", self)
        self.copies.setWordWrap(True)
        self.copies.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.last_backup = QLabel(f"Last backup: {_when(last_backup)}", self)
        self.fix_button: QPushButton | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        if action_text is not None and not verdict.ok:
            self.fix_button = QPushButton(action_text, self)
            self.fix_button.setAccessibleName(f"{action_text}: {verdict.item}")
            self.fix_button.setToolTip(verdict.action)
            self.fix_button.clicked.connect(self._fix)
            top.addWidget(self.fix_button)
        layout.addLayout(top)
        layout.addWidget(self.state)
        layout.addWidget(self.copies)
        layout.addWidget(self.last_backup)
        self.setAccessibleName(f"{verdict.item}: {'needs you' if needs else 'safe'}")

    def _fix(self) -> None:
        self.fix_requested.emit(self.verdict.action_code, self.verdict.item)
