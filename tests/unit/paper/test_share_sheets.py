"""SLIP-39 share sheets: one page per share, every page scanned back restores its share."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import pytest

from keyvault.paper import documents, render, sheets
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, slip39

from .roundtrip import rasterise, zbar, zxing

DAY = date(2026, 11, 2)


@pytest.mark.parametrize("words", [12, 24])
def test_every_share_page_scans_back_and_any_threshold_restores(words: int, tmp_path: Path) -> None:
    phrase = bip39.generate(words)
    groups = slip39.split_bip39(phrase, threshold=2, shares=3)
    document = documents.share_sheets(groups, day=DAY, label="family", fingerprint="deadbeef")
    pdf = render.render_pdf(document)
    pages = rasterise(pdf, tmp_path)
    assert len(pages) == 3
    scanned = []
    for page, share in zip(pages, groups[0], strict=True):
        expected = documents.share_payload(share).reveal()
        assert zbar(page) == [expected]
        assert zxing(page) == [expected]
        scanned.append(Secret(zxing(page)[0].decode()))
    for pair in itertools.combinations(scanned, 2):
        assert slip39.combine_to_bip39(list(pair)).reveal_text() == phrase.reveal_text()


def test_share_page_content() -> None:
    phrase = bip39.generate(12)
    groups = slip39.split_bip39(phrase, threshold=3, shares=5)
    document = documents.share_sheets(groups, day=DAY, label="x")
    assert len(document.pages) == 5 and all(p.secret for p in document.pages)
    info = slip39.describe(groups[0][3])
    page = document.pages[3]
    assert page.title == "SLIP-39 share 4 of 5: x"
    assert "any 3 of 5" in page.subtitle
    kinds = [type(b) for b in page.blocks]
    assert sheets.CutLine in kinds
    grid = next(b for b in page.blocks if isinstance(b, sheets.WordGrid))
    assert grid.split() == groups[0][3].reveal_text().split()
    stub = page.blocks[kinds.index(sheets.CutLine) + 1]
    assert isinstance(stub, sheets.Fields)
    assert f"set {info.identifier:05d}" in stub.rows[0][1]
    # Below the cut line: no share words, only the record.
    assert not any(w in stub.rows[0][1].split() for w in grid.split())


def test_multi_group_shares_state_their_group() -> None:
    groups = slip39.split_bip39(bip39.generate(12), groups=[(2, 3), (1, 1)], group_threshold=2)
    document = documents.share_sheets(groups, day=DAY)
    assert len(document.pages) == 4
    fields = next(
        b
        for b in document.pages[3].blocks
        if isinstance(b, sheets.Columns)
        for b in b.right
        if isinstance(b, sheets.Fields)
    )
    rows = dict(fields.rows)
    assert rows["This share"] == "member 1 of group 2"
    assert "2 of 2 groups" in rows["Needed"]


def test_no_shares_is_a_caller_error() -> None:
    with pytest.raises(ValueError):
        documents.share_sheets([], day=DAY)


def test_share_sheets_are_deterministic() -> None:
    groups = slip39.split_bip39(bip39.generate(24), threshold=2, shares=2)
    first = render.render_pdf(documents.share_sheets(groups, day=DAY, paper="letter"))
    assert render.render_pdf(documents.share_sheets(groups, day=DAY, paper="letter")) == first
    assert render.count_pages(first) == 2
