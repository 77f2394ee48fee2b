"""The "Overview" screen: one sentence, one card per item, and the verdict table.

The sentence and the cards (:mod:`.dashboard`) say in plain words whether the keys are
safe and what to do; the table, shown by "Details", is the full view. Each table row
shows the verdict of :func:`keyvault.backup.engine.status` (green: the rule
holds; amber: back up now; red: not met), the copies that count, the media kinds, the
offsite and immutable/offline counts, when the item was last backed up and last
verified, and the one action that fixes it. A banner appears when something needs
attention or when the last backup is older than the policy allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from keyvault.backup.drill import drill_status
from keyvault.backup.engine import status
from keyvault.backup.policy import CopyEvidence, Verdict
from keyvault.destinations.factory import open_destination
from keyvault.errors import KeyvaultError
from keyvault.schedule.timers import RunState, load_state
from keyvault.vault import identities
from keyvault.vault.config import Config, load_config
from keyvault.vault.state import open_state, utc_now

from ..tasks import TaskContext, TaskRunner
from ._common import attention_style, desktop_hints, heading, run_task
from .dashboard import ItemCard, summary_sentence

__all__ = ["ACTIONS", "OverviewView", "StatusRow", "action_for"]

#: Verdict state -> (word shown, colour).
STATE_LOOK: dict[str, tuple[str, str]] = {
    "ok": ("safe", "#2e7d32"),
    "backup-now": ("back up now", "#ef6c00"),
    "not-met": ("NOT SAFE", "#c62828"),
}

#: GUI actions: the policy's action code -> button text (every code but ``none``). The
#: overview emits ``action_requested(code, item)``.
ACTIONS: dict[str, str] = {
    "backup": "Back up now",
    "repair": "Repair",
    "verify": "Verify",
    "restore": "Restore",
    "confirm-copy": "Confirm a copy",
    "add-offsite": "Add an offsite destination",
    "add-media": "Add another kind of media",
    "add-destination": "Add a destination",
    "move-destination": "Change destinations",
    "add-immutable": "Add an offline copy",
}


def action_for(verdict: Verdict) -> str | None:
    """The GUI action for the core's one next step (None when nothing is to be done).

    Chosen by the verdict's stable :attr:`~keyvault.backup.policy.Verdict.action_code`;
    the core's words (which name the CLI command) are shown beside the button. A code
    this GUI does not know yet gets no button, only the words.
    """
    code = verdict.action_code
    return code if code in ACTIONS else None


@dataclass(frozen=True)
class StatusRow:
    """One overview row: the verdict plus the times the core keeps in local state."""

    verdict: Verdict
    last_backup: datetime | None
    last_verified: datetime | None
    #: When a copy was last proven restorable by a drill (None: never).
    last_drill: datetime | None = None
    #: The recorded wallet identity, as the drill reports it ("fingerprint 1a2b3c4d").
    identity: str | None = None


@dataclass(frozen=True)
class Overview:
    """Everything the screen shows."""

    rows: list[StatusRow]
    warnings: list[str] = field(default_factory=list)
    last_backup_run: datetime | None = None
    backup_max_age: timedelta = timedelta(days=30)
    now: datetime | None = None
    #: Drive destinations (not kept offline) that are not connected right now.
    away: frozenset[str] = frozenset()
    #: What the scheduled runs left (alerts for the tray), None when unreadable.
    schedule: RunState | None = None
    #: Item name -> kind (``file``, ``folder``, ``phrase``), for the cards' icons.
    kinds: dict[str, str] = field(default_factory=dict)
    #: Items with a copy whose drill is overdue (not proven within the drill interval).
    drill_overdue: frozenset[str] = frozenset()


def _away(config: Config, home: Path) -> frozenset[str]:
    """Local destinations that should be connected and are not (cloud ones are not asked:
    the overview must not wait on the network)."""
    away = set()
    for entry in config.destinations:
        if entry.type != "local" or entry.offline:
            continue
        try:
            open_destination(entry, home).check_available()
        except KeyvaultError:
            away.add(entry.name)
    return frozenset(away)


def load_overview(home: Path) -> Overview:
    """The status report, the last-backup times and which drives are away (core calls;
    runs on the pool)."""
    report = status(home)
    config = load_config(home)
    policy = config.policy
    rows: list[StatusRow] = []
    warnings = list(report.warnings)
    try:
        records = identities.load(home)
    except KeyvaultError as exc:  # damaged records: the verdicts still show
        records = {}
        warnings.append(exc.message)
    with open_state(home) as state:
        copies = {
            v.item: (
                [c.name for c in _all_copies(v) if c.kind == "destination"],
                min((r.created for r in state.versions(v.item)), default=None),
            )
            for v in report.verdicts
            if v.item != "vault-key"
        }
        drills = drill_status(home, copies, now=utc_now())
        for verdict in report.verdicts:
            newest = state.newest_version(verdict.item)
            checked = [
                c.verified_at
                for c in _all_copies(verdict)
                if c.kind == "destination" and c.verified_at is not None
            ]
            drilled = drills.get(verdict.item)
            record = records.get(verdict.item)
            rows.append(
                StatusRow(
                    verdict,
                    newest.created if newest else None,
                    max(checked, default=None),
                    drilled.last_proven if drilled else None,
                    record.proof if record else None,
                )
            )
        last = state.last_run("backup", result="ok")
    return Overview(
        rows,
        warnings,
        last[1] if last else None,
        timedelta(days=policy.verify_max_age_days),
        utc_now(),
        _away(config, home),
        _schedule_state(home),
        {item.name: item.kind for item in config.items},
        frozenset(item for item, d in drills.items() if d.overdue),
    )


def _all_copies(verdict: Verdict) -> list[CopyEvidence]:
    return [*verdict.counted, *(n.copy for n in verdict.not_counted)]


def _schedule_state(home: Path) -> RunState | None:
    try:
        return load_state(home)
    except KeyvaultError:  # a damaged state file: the app still shows the verdicts
        return None


def _when(moment: datetime | None, now: datetime | None) -> str:
    if moment is None:
        return "never"
    if now is not None:
        age = now - moment
        if age < timedelta(minutes=1):
            return "just now"
        if age < timedelta(hours=1):
            return f"{int(age.total_seconds() // 60)} min ago"
        if age < timedelta(days=1):
            return f"{int(age.total_seconds() // 3600)} h ago"
        if age < timedelta(days=60):
            return f"{age.days} days ago"
    return moment.strftime("%Y-%m-%d")


class OverviewView(QWidget):
    """The verdict table and the attention banner."""

    #: A row's fix button: (action key from :data:`ACTIONS`, item name).
    action_requested = Signal(str, str)
    #: Emitted with each loaded :class:`Overview` (the tray follows it).
    loaded = Signal(object)

    COLUMNS = ("Item", "Verdict", "Copies", "Media", "Badges", "Last backup", "Last verified")

    def __init__(self, home: Path, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: Refreshes asked so far: a result is shown only if no newer one was asked.
        self._refreshes = 0
        self.home = home
        self._runner = runner
        self.overview: Overview | None = None
        self.banner = QLabel(self)
        self.banner.setObjectName("attentionBanner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.table = QTableWidget(0, len(self.COLUMNS) + 1, self)
        self.table.setObjectName("overviewTable")
        self.table.setAccessibleName("Verdict of each item, in detail")
        self.table.setHorizontalHeaderLabels([*self.COLUMNS, "What to do"])
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(len(self.COLUMNS), QHeaderView.ResizeMode.ResizeToContents)
        self.advice = QLabel(self)
        self.advice.setWordWrap(True)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.clicked.connect(self.refresh)
        self.action_buttons: dict[str, QPushButton] = {}
        self.sentence = QLabel("", self)
        self.sentence.setObjectName("verdictSentence")
        self.sentence.setWordWrap(True)
        self.sentence.setStyleSheet("font-size: 150%; font-weight: bold;")
        self.cards: dict[str, ItemCard] = {}
        self._cards_box = QWidget(self)
        self._cards_layout = QVBoxLayout(self._cards_box)
        self._cards_layout.addStretch(1)
        self._cards_scroll = QScrollArea(self)
        self._cards_scroll.setWidgetResizable(True)
        self._cards_scroll.setWidget(self._cards_box)
        self._cards_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.details_button = QPushButton("Details", self)
        self.details_button.setCheckable(True)
        self.details_button.setAccessibleName("Show the detail table")
        self.details_button.toggled.connect(self._show_details)
        top = QHBoxLayout()
        top.addWidget(heading("Are my keys safe?", self), 1)
        top.addWidget(self.details_button)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.sentence)
        layout.addWidget(self.banner)
        layout.addWidget(self._cards_scroll, 1)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.advice)
        self._show_details(False)

    def _show_details(self, shown: bool) -> None:
        self.table.setVisible(shown)
        self.advice.setVisible(shown)
        self._cards_scroll.setVisible(not shown)

    def refresh(self) -> None:
        """Reload the verdicts (on the pool). Only the newest refresh is shown: an earlier
        one still queued or running when this was asked read an older state of the disks."""
        home = self.home
        self._refreshes += 1
        asked = self._refreshes

        def work(context: TaskContext) -> Overview | None:
            if load_config(home).vault is None:
                return None
            return load_overview(home)

        def show(overview: Overview | None) -> None:
            if asked == self._refreshes:
                self._show(overview)

        run_task(
            self._runner,
            self,
            "status",
            work,
            show,
            busy=[self.refresh_button],
            queue="engine",
        )

    def row_state(self, item: str) -> str | None:
        """The verdict state shown for ``item`` (``ok``, ``backup-now``, ``not-met``)."""
        if self.overview is None:
            return None
        for row in self.overview.rows:
            if row.verdict.item == item:
                return row.verdict.state
        return None

    def row_color(self, item: str) -> str | None:
        """The colour (``#rrggbb``) of ``item``'s verdict cell."""
        for index in range(self.table.rowCount()):
            name = self.table.item(index, 0)
            if name is not None and name.text() == _label(item):
                cell = self.table.item(index, 1)
                return cell.background().color().name() if cell is not None else None
        return None

    def _show(self, overview: Overview | None) -> None:
        self.overview = overview
        self.action_buttons = {}
        self._set_cards(overview)
        if overview is None:
            self.table.setRowCount(0)
            self.sentence.setText("")
            self.banner.setText("No vault yet: finish the setup first.")
            self.banner.setVisible(True)
            return
        self.sentence.setText(
            summary_sentence(
                [r.verdict for r in overview.rows], overview.away, overview.drill_overdue
            )
        )
        self.table.setRowCount(len(overview.rows))
        for index, row in enumerate(overview.rows):
            self._fill(index, row, overview.now)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        self._banner(overview)
        advice = [
            f"{_label(r.verdict.item)}: {desktop_hints(r.verdict.action)}"
            for r in overview.rows
            if not r.verdict.ok
        ]
        self.advice.setText("\n".join(advice))
        self.loaded.emit(overview)

    def _set_cards(self, overview: Overview | None) -> None:
        for card in self.cards.values():
            card.deleteLater()
        self.cards = {}
        for row in overview.rows if overview is not None else []:
            action = action_for(row.verdict)
            card = ItemCard(
                row.verdict,
                row.last_backup,
                ACTIONS[action] if action is not None else None,
                overview.away if overview is not None else (),
                overview.kinds.get(row.verdict.item, "file") if overview is not None else "file",
                self._cards_box,
                last_drill=row.last_drill,
                identity=row.identity,
                drill_overdue=overview is not None and row.verdict.item in overview.drill_overdue,
            )
            card.fix_requested.connect(self._request)
            self._cards_layout.insertWidget(self._cards_layout.count() - 1, card)
            self.cards[row.verdict.item] = card

    def _fill(self, index: int, row: StatusRow, now: datetime | None) -> None:
        verdict = row.verdict
        word, color = STATE_LOOK.get(verdict.state, (verdict.state, "#757575"))
        badges = []
        if verdict.offsite:
            badges.append(f"offsite {verdict.offsite}")
        if verdict.immutable_or_offline:
            badges.append(f"offline {verdict.immutable_or_offline}")
        cells = [
            _label(verdict.item),
            word,
            f"{verdict.copies} of {verdict.required.min_copies}",
            ", ".join(verdict.media_kinds) or "—",
            ", ".join(badges) or "—",
            _when(row.last_backup, now),
            _when(row.last_verified, now),
        ]
        for column, text in enumerate(cells):
            cell = QTableWidgetItem(text)
            if column == 1:
                cell.setBackground(QBrush(QColor(color)))
                cell.setForeground(QBrush(QColor("#ffffff")))
                cell.setToolTip("\n".join(verdict.problems) or "the 3-2-1 rule holds")
            self.table.setItem(index, column, cell)
        action = action_for(verdict)
        if action is None:
            self.table.setCellWidget(index, len(self.COLUMNS), QLabel("—"))
            return
        button = QPushButton(ACTIONS[action], self.table)
        button.setToolTip(desktop_hints(verdict.action))
        item = verdict.item
        button.clicked.connect(lambda _c=False, a=action, i=item: self._request(a, i))
        self.table.setCellWidget(index, len(self.COLUMNS), button)
        self.action_buttons[item] = button

    def _request(self, action: str, item: str) -> None:
        self.action_requested.emit(action, item)

    def _banner(self, overview: Overview) -> None:
        lines = []
        bad = [r for r in overview.rows if r.verdict.state == "not-met"]
        soon = [r for r in overview.rows if r.verdict.state == "backup-now"]
        if bad:
            lines.append(f"{len(bad)} of {len(overview.rows)} are not safe yet.")
        if soon:
            lines.append(f"{len(soon)} changed since the last backup: back up now.")
        if overview.now is not None and (
            overview.last_backup_run is None
            or overview.now - overview.last_backup_run > overview.backup_max_age
        ):
            lines.append(
                "No backup has run yet."
                if overview.last_backup_run is None
                else f"The last backup ran {_when(overview.last_backup_run, overview.now)}, "
                f"longer ago than the policy allows ({overview.backup_max_age.days} days)."
            )
        lines += [desktop_hints(warning) for warning in overview.warnings]
        self.banner.setText("\n".join(lines))
        self.banner.setStyleSheet(attention_style(bool(bad)))
        self.banner.setVisible(bool(lines))


def _label(item: str) -> str:
    return "vault key" if item == "vault-key" else item
