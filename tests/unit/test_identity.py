"""Applicant identifier checksums."""

from __future__ import annotations

from workflow.portal.identity import id_check_char, uscc_check_char, valid_id_number, valid_uscc


def test_a_unified_social_credit_code_checksum():
    body = "91500240MA5U000X"  # 16 characters + 1 to make 17
    first17 = body + "0"
    code = first17 + uscc_check_char(first17)
    assert valid_uscc(code) and valid_uscc(code.lower())
    wrong = first17 + ("0" if code[-1] != "0" else "1")
    assert not valid_uscc(wrong)
    assert not valid_uscc(code[:-1]) and not valid_uscc(code.replace("9", "I", 1))


def test_a_published_unified_social_credit_code_verifies():
    # The code printed on a real business licence (a well-known SOE), as published.
    assert valid_uscc("91110000100017643K")


def test_an_identity_number_checksum_and_birth_date():
    first17 = "50024019900229123"  # 1990 had no 29 February
    assert not valid_id_number(first17 + id_check_char(first17))
    first17 = "50024019880229123"
    number = first17 + id_check_char(first17)
    assert valid_id_number(number)
    assert not valid_id_number(first17 + ("0" if number[-1] != "0" else "1"))
    assert valid_id_number("11010519491231002X")  # the standard's worked example
