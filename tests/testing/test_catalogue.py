"""Every catalogue entry is caught and named: a planted implementation makes exactly that mistake."""

from pathlib import Path

import pytest

from convnet.testing import MISTAKES, catalogue_table

from .planted import PLANTED

DOCS = Path(__file__).resolve().parents[2] / "docs" / "checking.md"


@pytest.mark.parametrize("name, check, arguments, planted", PLANTED,
                         ids=[f"{row[0]}-{i}" for i, row in enumerate(PLANTED)])
def test_the_planted_mistake_is_named(name, check, arguments, planted):
    with pytest.raises(AssertionError) as failure:
        check(planted, *arguments, examples=12)
    report = str(failure.value)
    named = [line for line in report.splitlines() if line.startswith("diagnosis:")]
    assert any(line.startswith(f"diagnosis: {name} (reproduces your") and "exactly" in line
               for line in named), report


def test_every_entry_has_a_planted_implementation():
    assert {entry.name for entry in MISTAKES} == {row[0] for row in PLANTED}


def test_every_entry_is_in_the_table_and_the_docs_page():
    table, page = catalogue_table(), DOCS.read_text()
    for entry in MISTAKES:
        assert entry.name in table
        assert f"| {entry.name} |" in page, entry.name
