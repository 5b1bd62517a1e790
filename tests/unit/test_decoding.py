"""Reading files safely (issue 13, item 8).

Decoding per line, cut-off PubMed files, NUL bytes, over-long fields.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.importers import ImportFileError, load_text, read_file
from screener.importers._encoding import decode_file


def _pubmed(n: int, abstract: str = "Patients received 0.25 μg/ml of naltrexone (Kučić et al.).") -> str:
    return "".join(
        f"PMID- {1000 + i}\nTI  - Low-dose naltrexone in fibromyalgia {i}\nAB  - {abstract}\n"
        f"FAU - Younger, Jarred\nDP  - 2013\nSO  - Arthritis Rheum. 2013;65(2):529-38.\n\n"
        for i in range(n)
    )


def test_a_utf8_file_with_one_cp1252_run_stays_utf8(tmp_path: Path):
    text = _pubmed(80)
    data = text.encode("utf-8")
    odd = "AB  - Patients received 0.25 μg/ml of naltrexone (Kučić et al.).\n".encode()
    fixed = "AB  - Caf\xe9 au lait \u2013 a cp1252 line from an old EndNote library.\n"
    data = data.replace(odd, fixed.encode("cp1252"), 1)
    decoded = decode_file(data)
    assert decoded.encoding == "utf-8" and decoded.repaired == [3] and decoded.repaired_as == "cp1252"
    assert decoded.text.count("0.25 μg/ml") == 79 and "Kučić" in decoded.text
    assert fixed in decoded.text

    path = tmp_path / "pubmed.nbib"
    path.write_bytes(data)
    parsed = read_file(path)
    assert parsed.encoding == "utf-8" and parsed.count == 80
    assert parsed.notes == ("repaired 1 line that was not UTF-8 (read as cp1252): line 3",)
    assert sum("0.25 μg/ml" in (r.abstract or "") for r in parsed.records) == 79


_line = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x00"), max_size=40)
_legacy = st.sampled_from(["cp1252", "latin-1"])
_run = st.text(st.characters(min_codepoint=0xA0, max_codepoint=0xFF), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(_line, min_size=1, max_size=30),
    runs=st.lists(st.tuples(st.integers(0, 1000), _run), max_size=4),
    codec=_legacy,
)
def test_fuzz_valid_utf8_lines_stay_unchanged(lines: list[str], runs: list[tuple[int, str]], codec: str):
    """Valid UTF-8 text with random runs of cp1252/latin-1 bytes: every untouched line decodes as it was."""
    encoded = [ln.encode("utf-8") for ln in lines]
    touched = set()
    for where, run in runs:
        i = where % len(encoded)
        cut = where % (len(encoded[i]) + 1)
        while 0 < cut < len(encoded[i]) and (encoded[i][cut] & 0xC0) == 0x80:  # keep UTF-8 characters whole
            cut -= 1
        encoded[i] = encoded[i][:cut] + run.encode(codec) + encoded[i][cut:]
        touched.add(i)
    decoded = decode_file(b"\n".join(encoded))
    out = decoded.text.split("\n")
    assert len(out) == len(lines)
    for i, line in enumerate(lines):
        if i not in touched:
            assert out[i] == line, (i, line, out[i], decoded.encoding)
    assert set(decoded.repaired) <= {i + 1 for i in touched}


def test_a_cut_off_pubmed_file_is_refused(tmp_path: Path):
    text = _pubmed(3)
    cut = text[: text.rindex("AB  - ") + 30]  # in the middle of the last abstract
    path = tmp_path / "cut.nbib"
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(ImportFileError) as info:
        read_file(path)
    assert str(info.value) == (
        f"{path}:15: the file ends in the middle of record 3 (from line 15): it has no "
        "'SO  -' line, which every other record ends with; the file looks cut off: "
        "export or copy it again"
    )
    for whole in (text, text.rstrip("\n"), text[: text.rindex("SO  - ")]):  # complete, or ends at a line end
        path.write_text(whole, encoding="utf-8")
        assert read_file(path).count == 3


def test_nul_bytes_are_removed(tmp_path: Path):
    path = tmp_path / "nul.ris"
    path.write_bytes(b"TY  - JOUR\nTI  - Low-dose\x00 naltrexone\nDO  - 10.1/abc\x00\nER  - \n\n")
    loaded = load_text(path)
    assert "\x00" not in loaded.text and loaded.notes == ("removed 2 NUL bytes",)
    parsed = read_file(path)
    assert parsed.records[0].title == "Low-dose naltrexone" and parsed.records[0].doi == "10.1/abc"


def test_an_over_long_field_is_refused_naming_the_entry(tmp_path: Path):
    path = tmp_path / "long.ris"
    path.write_text(
        "TY  - JOUR\nTI  - Fine\nER  - \n\nTY  - JOUR\nTI  - Broken\nDO  - 10.1000/"
        + "a" * 9000
        + "\nER  - \n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFileError) as info:
        read_file(path)
    assert str(info.value) == (
        f"{path}:5: entry 2: its DOI is 9,008 characters long (at most 1,000): the export "
        "looks broken there; fix or export it again"
    )
