"""The layout model and the QR matrix helper: validation, secrets kept out of reprs."""

from __future__ import annotations

from datetime import date

import pytest

from keyvault.paper import qrimage, sheets
from keyvault.secret import Secret

DAY = date(2026, 11, 2)


def test_alphanumeric_mode_and_smallest_version() -> None:
    key = "AGE-SECRET-KEY-1" + "Q" * 58
    version = qrimage.smallest_version(key, mode="alphanumeric", error="M")
    assert version == 4
    matrix = qrimage.qr_matrix(key, version=version, mode="alphanumeric", error="M")
    assert len(matrix) == 17 + 4 * version
    with pytest.raises(ValueError, match="does not fit"):
        qrimage.qr_matrix(key, version=version - 1, mode="alphanumeric", error="M")


@pytest.mark.parametrize("bad", ["lower case", "", "A_B"])
def test_alphanumeric_mode_refuses_other_characters(bad: str) -> None:
    with pytest.raises(ValueError, match="alphanumeric"):
        qrimage.smallest_version(bad, mode="alphanumeric")


def test_smallest_version_refuses_too_much_data() -> None:
    with pytest.raises(ValueError, match="does not fit any"):
        qrimage.smallest_version(b"x" * 3000, mode="byte", error="H")


def test_qr_block_refuses_modules_under_one_millimetre() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        sheets.QRCode(Secret("123"), mode="numeric", module_mm=0.8)


def test_qr_block_refuses_unknown_mode() -> None:
    with pytest.raises(ValueError, match="mode"):
        sheets.QRCode(Secret("123"), mode="kanji")  # type: ignore[arg-type]


def test_checkboxes_table_columns_and_grid_validation() -> None:
    with pytest.raises(ValueError):
        sheets.Checkboxes("q", ("yes", "no"), checked=2)
    with pytest.raises(ValueError):
        sheets.Table(("a", "b"), (("1",),))
    with pytest.raises(ValueError):
        sheets.Table(("a", "b"), (("1", "2"),), widths=(1,))
    with pytest.raises(ValueError):
        sheets.BlankQRGrid(33)
    with pytest.raises(ValueError):
        sheets.Columns(left=(), right=(), left_width=0.95)
    inner = sheets.Columns(left=(), right=())
    with pytest.raises(ValueError, match="nest"):
        sheets.Columns(left=(inner,), right=())


def test_document_validation() -> None:
    page = sheets.Page("t", ())
    with pytest.raises(ValueError):
        sheets.Document("d", (), DAY)
    with pytest.raises(ValueError):
        sheets.Document("d", (page,), DAY, paper="a5")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sheets.Document("d", (page,), DAY, reference="no spaces allowed")
    document = sheets.Document("d", (page,), DAY)
    assert document.with_paper("letter").paper == "letter"
    assert not document.has_secret


def test_key_text_groups_keep_the_prefix_whole() -> None:
    block = sheets.KeyText(
        Secret("AGE-SECRET-KEY-1ABCDEFGHIJKL"), prefix="AGE-SECRET-KEY-1", groups_per_line=2
    )
    assert block.lines() == ["AGE-SECRET-KEY-1", "ABCD EFGH", "IJKL"]


def test_secret_blocks_do_not_show_secrets_in_repr() -> None:
    words = sheets.secret_words(["zoo", "wrong"])
    blocks = [
        sheets.WordGrid(words),
        sheets.StampRow(words),
        sheets.KeyText(Secret("AGE-SECRET-KEY-1XYZ")),
        sheets.QRCode(Secret("0123"), mode="numeric"),
    ]
    for block in blocks:
        assert "zoo" not in repr(block) and "XYZ" not in repr(block) and "0123" not in repr(block)
