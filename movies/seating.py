"""Seat numbering: the one place that knows how seat numbers and labels map to each other.

Seats are numbered 1..rows*seats_per_row, row by row. A label is the row's letters and the place in
the row: with 10 seats a row, seat 1 is A1, seat 10 is A10, seat 11 is B1. Rows after Z are AA, AB, ...
"""
import re
import string

LABEL_PATTERN = re.compile(r"^([A-Z]+)([1-9][0-9]*)$")


def row_letters(row_index):
    """0 -> A, 25 -> Z, 26 -> AA, 27 -> AB (bijective base 26)."""
    letters = ""
    number = row_index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = string.ascii_uppercase[remainder] + letters
    return letters


def row_index(letters):
    """Inverse of row_letters: A -> 0, AA -> 26."""
    number = 0
    for letter in letters:
        number = number * 26 + string.ascii_uppercase.index(letter) + 1
    return number - 1


def seat_label(number, seats_per_row):
    row, place = divmod(number - 1, seats_per_row)
    return f"{row_letters(row)}{place + 1}"


def seat_number_from_label(label, rows, seats_per_row):
    """The seat number a label such as "C7" (any case) names, or None if it names no seat here."""
    match = LABEL_PATTERN.match(label.strip().upper())
    if not match or len(match.group(1)) > 3:
        return None
    row, place = row_index(match.group(1)), int(match.group(2))
    if row >= rows or place > seats_per_row:
        return None
    return row * seats_per_row + place
