"""Table rows: each cell is read like running text, masks included (fixture tables of our own)."""

from __future__ import annotations

from tests.etl.test_extract_properties import reply


def _cells(table: str) -> list[tuple[str, float, str]]:
    return [(f.text, f.value, f.unit) for f in reply(table)]


def test_a_row_holding_a_date_and_a_telephone_number_gives_only_its_count():
    table = (
        "| Centre | Opened on | Enquiry line | Visitors |\n"
        "|---|---|---|---|\n"
        "| Kowloon East | 15 March 2024 | 2180 9000 | 1 200 |\n"
    )
    assert _cells(table) == [("1 200", 1200, "visitor")]


def test_an_item_number_in_a_row_is_not_a_figure():
    table = "| Item | Cases handled |\n|---|---|\n| (3) | 12 |\n"
    assert _cells(table) == [("12", 12, "case")]


def test_a_month_label_does_not_mask_the_cell_after_it():
    """Masks are found within a cell: `January<TAB>35` is a label and a count, not a date."""
    table = "Month\tVisitors\nJanuary\t35\nFebruary\t40\n"
    assert _cells(table) == [("35", 35, "visitor"), ("40", 40, "visitor")]
