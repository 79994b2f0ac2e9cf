import pytest

from movies.seating import row_letters, seat_label, seat_number_from_label


@pytest.mark.parametrize(
    ("number", "seats_per_row", "label"),
    [
        (1, 10, "A1"),
        (10, 10, "A10"),
        (11, 10, "B1"),
        (50, 10, "E10"),
        (251, 10, "Z1"),
        (261, 10, "AA1"),
        (271, 10, "AB1"),
        (2600, 50, "AZ50"),
        (1, 1, "A1"),
        (27, 1, "AA1"),
    ],
)
def test_seat_label(number, seats_per_row, label):
    assert seat_label(number, seats_per_row) == label


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (51, "AZ"), (52, "BA")])
def test_row_letters(index, letters):
    assert row_letters(index) == letters


@pytest.mark.parametrize(
    ("label", "number"),
    [("A1", 1), ("a10", 10), ("B1", 11), ("c7", 27), (" E10 ", 50), ("AA1", 261), ("ab3", 273)],
)
def test_label_to_number_inverts_seat_label(label, number):
    assert seat_number_from_label(label, rows=30, seats_per_row=10) == number
    assert seat_label(number, 10) == label.strip().upper()


@pytest.mark.parametrize("label", ["", "A", "1", "A0", "A01", "A11", "AE1", "E", "A-1", "1A", "Ä1", "A1.0", "AAAA1"])
def test_label_that_names_no_seat(label):
    assert seat_number_from_label(label, rows=30, seats_per_row=10) is None
