"""Passphrase hashing (scrypt, per-reviewer salt) and the protocol edits behind reviewer
rename/remove/lead."""

from __future__ import annotations

import hashlib

import pytest

from screener.core import passphrase as PP
from screener.core.protocol import hand_lead, load_protocol, parse_protocol, remove_reviewer, rename_reviewer
from screener.paths import example_dir


def test_hash_is_scrypt_with_the_documented_parameters():
    salt = bytes(range(16))
    h = PP.hash_passphrase("correct horse", salt=salt)
    assert (h.n, h.r, h.p, len(h.key), h.salt) == (2**14, 8, 1, 32, salt)
    assert h.key == hashlib.scrypt(b"correct horse", salt=salt, n=2**14, r=8, p=1, dklen=32)


def test_verify_accepts_only_the_same_passphrase():
    h = PP.hash_passphrase("correct horse")
    assert PP.verify("correct horse", h)
    for wrong in ("correct hors", "Correct horse", "correct horse ", ""):
        assert not PP.verify(wrong, h)


def test_each_hash_has_its_own_salt():
    a, b = PP.hash_passphrase("same words"), PP.hash_passphrase("same words")
    assert a.salt != b.salt and a.key != b.key
    assert PP.verify("same words", a) and PP.verify("same words", b)


def test_stored_parameters_are_used_to_verify():
    salt = b"s" * 16
    old = PP.PassphraseHash(
        salt, hashlib.scrypt(b"older words", salt=salt, n=2**10, r=4, p=1, dklen=24), 2**10, 4, 1
    )
    assert PP.verify("older words", old) and not PP.verify("other words", old)


def test_unicode_is_normalised():
    h = PP.hash_passphrase("caf\u00e9 au lait")
    assert PP.verify("cafe\u0301 au lait", h)


@pytest.mark.parametrize(
    ("value", "ok"),
    [("short", False), ("12345678", True), (" leading space", False), ("a long passphrase", True)],
)
def test_weakness(value: str, ok: bool):
    assert (PP.weakness(value) is None) is ok


THREE = (
    (example_dir() / "protocol.toml")
    .read_text()
    .replace(
        "[screening]", '[[reviewers]]\ninitials = "XY"   # joined later\nname = "Xu Yang"\n\n[screening]', 1
    )
)


def test_rename_keeps_the_rest_of_the_text():
    p = parse_protocol(THREE)
    text = rename_reviewer(p, "XY", "XZ")
    assert parse_protocol(text).reviewer_initials == ("NA", "ZL", "XZ")
    assert text == THREE.replace('initials = "XY"', 'initials = "XZ"')
    with pytest.raises(ValueError, match="already a reviewer"):
        rename_reviewer(p, "XY", "zl")
    with pytest.raises(ValueError, match="letters and digits"):
        rename_reviewer(p, "XY", "X Y")


def test_remove_takes_out_one_table_only():
    p = parse_protocol(THREE)
    text = remove_reviewer(p, "ZL")
    assert parse_protocol(text).reviewer_initials == ("NA", "XY")
    assert text == THREE.replace('[[reviewers]]\ninitials = "ZL"\nname = "Zhen Lin"\n\n', "")
    with pytest.raises(ValueError, match="lead"):
        remove_reviewer(p, "NA")
    with pytest.raises(ValueError, match="reviewers_per_record"):
        remove_reviewer(load_protocol(example_dir() / "protocol.toml"), "ZL")


def test_hand_lead_moves_the_role():
    p = parse_protocol(THREE)
    new = parse_protocol(hand_lead(p, "XY"))
    assert {r.initials: r.role for r in new.reviewers} == {"NA": "reviewer", "ZL": "reviewer", "XY": "lead"}
    back = parse_protocol(hand_lead(new, "NA"))
    assert {r.initials: r.role for r in back.reviewers} == {"NA": "lead", "ZL": "reviewer", "XY": "reviewer"}
