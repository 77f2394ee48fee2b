"""Every rule of the 3-2-1 policy table (ARCHITECTURE.md), one test or more each."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from keyvault.backup.policy import ACTION_CODES, CopyEvidence, evaluate, physical_location_id
from keyvault.vault.config import PolicyConfig

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
FRESH = NOW - timedelta(hours=1)
POLICY = PolicyConfig()


def original(location: str = "fs:laptop") -> CopyEvidence:
    return CopyEvidence("original", "original", location, "internal")


def dest(
    name: str,
    location: str | None,
    media: str = "external",
    *,
    offsite: bool = False,
    offline: bool = False,
    immutable: bool = False,
    verified_at: datetime | None = FRESH,
    ok: bool = True,
    current: bool = True,
) -> CopyEvidence:
    return CopyEvidence(
        "destination",
        name,
        location,
        media,
        offsite=offsite,
        offline=offline,
        immutable=immutable,
        verified_at=verified_at,
        ok=ok,
        current_version=current,
    )


def paper(
    name: str,
    place: str,
    *,
    offsite: bool = False,
    confirmed: datetime = FRESH,
    kind: str = "paper",
) -> CopyEvidence:
    return CopyEvidence(
        "physical",
        name,
        physical_location_id(place),
        kind,
        offsite=offsite,
        offline=True,
        verified_at=confirmed,
    )


def good_set() -> list[CopyEvidence]:
    """The original, an external drive and an offsite drive: 3 copies, 2 media, 1 offsite."""
    return [original(), dest("usb", "fs:usb"), dest("office", "fs:office", offsite=True)]


def reasons(verdict_not_counted: object) -> dict[str, str]:
    return {n.copy.name: n.code for n in verdict_not_counted}  # type: ignore[attr-defined]


# --- copies ----------------------------------------------------------------------------


def test_three_copies_two_media_one_offsite_holds() -> None:
    verdict = evaluate("wallet", good_set(), POLICY, now=NOW)
    assert verdict.state == "ok" and verdict.ok
    assert verdict.copies == 3
    assert [c.name for c in verdict.counted] == ["original", "usb", "office"]
    assert verdict.not_counted == ()
    assert verdict.media_kinds == ("external", "internal")
    assert verdict.offsite == 1
    assert verdict.problems == ()
    assert verdict.action == "nothing to do: the policy holds"


def test_too_few_copies() -> None:
    verdict = evaluate("wallet", good_set()[:2], POLICY, now=NOW)
    assert verdict.state == "not-met"
    assert "only 2 of 3 copies count" in verdict.problems
    assert "no offsite copy" in verdict.problems
    assert "offsite" in verdict.action and "B2" in verdict.action


def test_missing_copy_counts_not_and_repair_is_the_action() -> None:
    copies = good_set()
    copies[1] = replace(copies[1], ok=False, detail="missing at the last verify")
    verdict = evaluate("wallet", copies, POLICY, now=NOW)
    assert verdict.state == "not-met"
    assert reasons(verdict.not_counted) == {"usb": "missing-or-damaged"}
    assert "missing at the last verify" in verdict.not_counted[0].reason
    assert verdict.action.startswith("run 'keyvault repair'")
    assert "'usb'" in verdict.action


def test_damaged_extra_copy_keeps_ok_but_advises_repair() -> None:
    copies = [*good_set(), dest("nas", "net:nas:/b", "nas", ok=False)]
    verdict = evaluate("wallet", copies, POLICY, now=NOW)
    assert verdict.state == "ok"
    assert "repair" in verdict.action


def test_copy_of_an_older_version_does_not_count() -> None:
    copies = good_set()
    copies[2] = replace(copies[2], current_version=False)
    verdict = evaluate("wallet", copies, POLICY, now=NOW)
    assert reasons(verdict.not_counted) == {"office": "older-version"}
    assert verdict.state == "not-met"
    assert verdict.action == "run 'keyvault backup' to copy the current version to 'office'"


@pytest.mark.parametrize(("days", "counts"), [(29, True), (30, True), (31, False)])
def test_destination_counts_only_when_verified_within_30_days(days: int, counts: bool) -> None:
    copies = good_set()
    copies[1] = replace(copies[1], verified_at=NOW - timedelta(days=days))
    verdict = evaluate("wallet", copies, POLICY, now=NOW)
    assert (verdict.copies == 3) is counts
    if not counts:
        (item,) = verdict.not_counted
        assert item.code == "unverified"
        assert item.reason == "last verified 31 days ago (limit 30 days)"
        assert verdict.action.startswith("run 'keyvault verify --dest usb'")


def test_never_verified_destination_does_not_count() -> None:
    copies = good_set()
    copies[2] = replace(copies[2], verified_at=None)
    verdict = evaluate("wallet", copies, POLICY, now=NOW)
    assert verdict.not_counted[0].reason == "never verified"
    assert verdict.state == "not-met"


def test_verification_limit_is_configurable() -> None:
    copies = good_set()
    copies[1] = replace(copies[1], verified_at=NOW - timedelta(days=10))
    strict_days = replace(POLICY, verify_max_age_days=7)
    assert evaluate("wallet", copies, strict_days, now=NOW).state == "not-met"
    assert evaluate("wallet", copies, POLICY, now=NOW).state == "ok"


def test_min_copies_is_configurable() -> None:
    copies = [original(), dest("office", "fs:office", offsite=True)]
    assert evaluate("wallet", copies, POLICY, now=NOW).state == "not-met"
    assert evaluate("wallet", copies, replace(POLICY, min_copies=2), now=NOW).state == "ok"


def test_missing_original_does_not_count() -> None:
    copies = good_set()
    copies[0] = replace(copies[0], ok=False)
    verdict = evaluate("wallet", copies, POLICY, now=NOW)
    assert reasons(verdict.not_counted) == {"original": "original-missing"}
    assert verdict.action == "restore the original: 'keyvault restore wallet -o PATH'"


# --- one place, one copy ------------------------------------------------------------------


def test_two_destinations_on_one_device_count_once() -> None:
    copies = [
        original(),
        dest("usb-a", "fs:usb"),
        dest("usb-b", "fs:usb"),
        dest("office", "fs:office", offsite=True),
    ]
    verdict = evaluate("wallet", copies, POLICY, now=NOW)
    assert verdict.copies == 3
    assert verdict.state == "ok"
    (item,) = verdict.not_counted
    assert (item.copy.name, item.code) == ("usb-b", "same-place")
    assert item.reason == "on the same filesystem as 'usb-a': one place, one copy"


def test_same_device_shortfall_says_to_move_the_destination() -> None:
    copies = [original(), dest("usb-a", "fs:usb", offsite=True), dest("usb-b", "fs:usb")]
    verdict = evaluate("wallet", copies, POLICY, now=NOW)
    assert verdict.state == "not-met"
    assert verdict.problems == ("only 2 of 3 copies count",)
    assert verdict.action.startswith("move destination 'usb-b' to a separate drive")


def test_destination_on_the_originals_filesystem_does_not_count() -> None:
    copies = [*good_set(), dest("same-disk", "fs:laptop", "internal")]
    verdict = evaluate("wallet", copies, POLICY, now=NOW)
    (item,) = verdict.not_counted
    assert item.copy.name == "same-disk"
    assert "same filesystem as the original" in item.reason
    assert verdict.copies == 3


def test_bad_copies_do_not_take_a_place() -> None:
    copies = [original(), dest("old", "fs:usb", ok=False), dest("new", "fs:usb")]
    verdict = evaluate("wallet", copies, POLICY, now=NOW)
    assert [c.name for c in verdict.counted] == ["original", "new"]
    assert reasons(verdict.not_counted) == {"old": "missing-or-damaged"}


def test_unknown_locations_are_places_of_their_own() -> None:
    copies = [original(), dest("a", None), dest("b", None, offsite=True)]
    assert evaluate("wallet", copies, POLICY, now=NOW).copies == 3


# --- media kinds and offsite --------------------------------------------------------------


def test_one_kind_of_media_is_not_enough() -> None:
    copies = [
        original(),
        dest("disk2", "fs:disk2", "internal"),
        dest("disk3", "fs:disk3", "internal", offsite=True),
    ]
    verdict = evaluate("wallet", copies, POLICY, now=NOW)
    assert verdict.state == "not-met"
    assert verdict.media_kinds == ("internal",)
    assert verdict.problems == ("only 1 kind of media (internal); 2 needed",)
    assert verdict.action.startswith("add a copy on another kind of media")


def test_b2_is_offsite_cloud() -> None:
    copies = [original(), dest("usb", "fs:usb"), dest("b2", "b2:bucket/kv", "cloud", offsite=True)]
    verdict = evaluate("wallet", copies, POLICY, now=NOW)
    assert verdict.state == "ok"
    assert verdict.media_kinds == ("cloud", "external", "internal")


def test_offsite_copy_that_does_not_count_is_not_offsite() -> None:
    copies = good_set()
    copies[2] = replace(copies[2], verified_at=NOW - timedelta(days=90))
    verdict = evaluate("wallet", copies, POLICY, now=NOW)
    assert verdict.offsite == 0
    assert "no offsite copy" in verdict.problems
    # Verifying the offsite drive fixes both rules, so that is the one action.
    assert verdict.action.startswith("run 'keyvault verify --dest office'")


# --- physical copies ----------------------------------------------------------------------


def test_phrase_with_paper_and_metal_copies() -> None:
    copies = [
        paper("paper-1", "Home safe"),
        paper("metal-1", "Bank deposit box", offsite=True, kind="metal"),
        dest("usb", "fs:usb"),
    ]
    verdict = evaluate("seed", copies, POLICY, now=NOW, item_kind="phrase")
    assert verdict.state == "ok"
    assert verdict.media_kinds == ("external", "metal", "paper")


def test_two_paper_copies_in_one_place_count_once() -> None:
    copies = [
        paper("paper-1", "Home safe"),
        paper("paper-2", "  home   SAFE "),
        paper("paper-3", "Parents' house", offsite=True),
    ]
    verdict = evaluate("seed", copies, POLICY, now=NOW, item_kind="phrase")
    assert verdict.copies == 2
    assert reasons(verdict.not_counted) == {"paper-2": "same-place"}
    assert verdict.state == "not-met"


def test_paper_copy_must_be_confirmed_within_a_year() -> None:
    copies = [
        paper("paper-1", "Home safe", confirmed=NOW - timedelta(days=400)),
        paper("metal-1", "Bank", offsite=True, kind="metal"),
        dest("usb", "fs:usb"),
    ]
    verdict = evaluate("seed", copies, POLICY, now=NOW, item_kind="phrase")
    assert verdict.state == "not-met"
    (item,) = verdict.not_counted
    assert (item.code, item.reason) == (
        "unconfirmed",
        "last confirmed 400 days ago (limit 365 days)",
    )
    assert verdict.action.endswith("'keyvault copy confirm paper-1'")


def test_paper_copies_do_not_count_for_files() -> None:
    copies = [*good_set()[:2], paper("paper-1", "Bank", offsite=True)]
    verdict = evaluate("wallet", copies, POLICY, now=NOW, item_kind="file")
    assert reasons(verdict.not_counted) == {"paper-1": "not-applicable"}
    assert verdict.state == "not-met"
    assert "B2" in verdict.action


def test_phrase_offsite_advice_mentions_paper() -> None:
    copies = [paper("paper-1", "Home"), dest("usb", "fs:usb"), dest("nas", "net:x", "nas")]
    verdict = evaluate("seed", copies, POLICY, now=NOW, item_kind="vault-key")
    assert verdict.problems == ("no offsite copy",)
    assert "copy record" in verdict.action


# --- stale original -----------------------------------------------------------------------


def test_changed_original_means_backup_now_then_not_met_after_24h() -> None:
    copies = [*good_set(), dest("nas", "net:nas:/b", "nas")]
    soon = evaluate(
        "wallet", copies, POLICY, now=NOW, original_changed_since_backup_at=NOW - timedelta(hours=3)
    )
    assert soon.state == "backup-now"
    assert soon.problems == ("the original changed 3 h ago and is not backed up",)
    assert soon.action == "run 'keyvault backup' now: the original changed after its last backup"
    assert reasons(soon.not_counted) == {"original": "changed"}
    late = evaluate(
        "wallet",
        copies,
        POLICY,
        now=NOW,
        original_changed_since_backup_at=NOW - timedelta(hours=25),
    )
    assert late.state == "not-met"
    assert late.problems == ("the original changed 25 h ago and is still not backed up",)
    assert late.action == soon.action


def test_changed_original_with_too_few_copies_is_not_met_at_once() -> None:
    verdict = evaluate("wallet", good_set(), POLICY, now=NOW, original_changed_since_backup_at=NOW)
    assert verdict.state == "not-met"  # the original no longer counts: 2 of 3
    assert "backup" in verdict.action


# --- strict: 3-2-1-1-0 --------------------------------------------------------------------


def test_strict_needs_an_immutable_or_offline_copy() -> None:
    assert evaluate("wallet", good_set(), POLICY, now=NOW).state == "ok"
    verdict = evaluate("wallet", good_set(), POLICY, now=NOW, strict=True)
    assert verdict.state == "not-met"
    assert verdict.problems == ("no immutable or offline copy (3-2-1-1-0)",)
    assert "offline or immutable" in verdict.action
    offline = good_set()
    offline[2] = replace(offline[2], offline=True)
    assert evaluate("wallet", offline, POLICY, now=NOW, strict=True).state == "ok"
    locked = [*good_set()[:2], dest("b2", "b2:b/p", "cloud", offsite=True, immutable=True)]
    verdict = evaluate("wallet", locked, POLICY, now=NOW, strict=True)
    assert verdict.state == "ok" and verdict.immutable_or_offline == 1


def test_strict_needs_zero_errors_at_the_last_verification() -> None:
    copies = good_set()
    copies[2] = replace(copies[2], offline=True)
    verdict = evaluate("wallet", copies, POLICY, now=NOW, strict=True, last_verify_errors=2)
    assert verdict.state == "not-met"
    assert verdict.problems == ("the last verification found 2 error(s) (3-2-1-1-0)",)
    assert "0 errors" in verdict.action
    assert evaluate("wallet", copies, POLICY, now=NOW, last_verify_errors=2).state == "ok"


# --- the verdict as data, and caller mistakes ---------------------------------------------


def test_verdict_to_dict_is_json() -> None:
    copies = [*good_set(), dest("usb-b", "fs:usb")]
    document = evaluate("wallet", copies, POLICY, now=NOW, strict=True).to_dict()
    text = json.dumps(document)
    assert json.loads(text)["not_counted"][0]["code"] == "same-place"
    assert document["state"] == "not-met" and document["strict"] is True
    assert document["copies"] == 3 and document["required_copies"] == 3


def test_caller_mistakes_raise_value_error() -> None:
    with pytest.raises(ValueError):
        CopyEvidence("destination", "x", None, "floppy")
    with pytest.raises(ValueError):
        CopyEvidence("mirror", "x", None, "internal")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        CopyEvidence("destination", "x", None, "internal", verified_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        evaluate("wallet", good_set(), POLICY, now=datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        evaluate("wallet", good_set(), POLICY, now=NOW, last_verify_errors=-1)
    with pytest.raises(ValueError):
        evaluate(
            "wallet",
            good_set(),
            POLICY,
            now=NOW,
            original_changed_since_backup_at=datetime(2026, 1, 1),
        )


# --- the next action as a code ------------------------------------------------------------


def _action_cases() -> list[tuple[str, dict[str, object], str, str]]:
    """(code expected, evaluate's arguments, start of the words, id) per kind of advice."""
    damaged, older, stale = good_set(), good_set(), good_set()
    damaged[1] = replace(damaged[1], ok=False)
    older[2] = replace(older[2], current_version=False)
    stale[2] = replace(stale[2], verified_at=NOW - timedelta(days=90))
    missing = good_set()
    missing[0] = replace(missing[0], ok=False)
    old_paper = [
        paper("paper-1", "Home safe", confirmed=NOW - timedelta(days=400)),
        paper("metal-1", "Bank", offsite=True, kind="metal"),
        dest("usb", "fs:usb"),
    ]
    one_media = [
        original(),
        dest("disk2", "fs:disk2", "internal"),
        dest("disk3", "fs:disk3", "internal", offsite=True),
    ]
    crowded = [original(), dest("usb-a", "fs:usb", offsite=True), dest("usb-b", "fs:usb")]
    short = [original(), dest("office", "fs:office", "external", offsite=True)]
    sealed = good_set()
    sealed[2] = replace(sealed[2], offline=True)
    return [
        ("none", {"copies": good_set()}, "nothing to do", "ok"),
        ("repair", {"copies": damaged}, "run 'keyvault repair'", "damaged"),
        ("backup", {"copies": older}, "run 'keyvault backup'", "older"),
        ("verify", {"copies": stale}, "run 'keyvault verify --dest office'", "unverified"),
        ("restore", {"copies": missing}, "restore the original", "original-missing"),
        ("confirm-copy", {"copies": old_paper, "item_kind": "phrase"}, "check the", "paper"),
        ("add-offsite", {"copies": good_set()[:2]}, "add an offsite destination", "offsite"),
        ("add-media", {"copies": one_media}, "add a copy on another kind", "media"),
        ("move-destination", {"copies": crowded}, "move destination 'usb-b'", "same-place"),
        ("add-destination", {"copies": short}, "add another destination", "copies"),
        ("add-immutable", {"copies": good_set(), "strict": True}, "add an offline", "immutable"),
        (
            "verify",
            {"copies": sealed, "strict": True, "last_verify_errors": 1},
            "run 'keyvault verify', then",
            "errors",
        ),
        (
            "backup",
            {"copies": good_set(), "original_changed_since_backup_at": NOW},
            "run 'keyvault backup' now",
            "stale",
        ),
    ]


@pytest.mark.parametrize(
    ("code", "arguments", "words"),
    [case[:3] for case in _action_cases()],
    ids=[case[3] for case in _action_cases()],
)
def test_the_action_has_a_stable_code_beside_its_words(
    code: str, arguments: dict[str, object], words: str
) -> None:
    copies = arguments.pop("copies")
    verdict = evaluate("wallet", copies, POLICY, now=NOW, **arguments)  # type: ignore[arg-type]
    assert verdict.action_code == code
    assert code in ACTION_CODES
    assert verdict.action.startswith(words), verdict.action
    document = json.loads(json.dumps(verdict.to_dict()))
    assert (document["action_code"], document["action"]) == (code, verdict.action)
