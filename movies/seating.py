"""Seats: the one place that knows seat numbers, labels, and what stands at each place of a screen's grid.

A screen is a grid of `rows` x `seats_per_row` places, numbered 1..rows*seats_per_row row by row. A label is
the row's letters and the place in the row: with 10 places a row, seat 1 is A1, seat 10 is A10, seat 11 is
B1. Rows after Z are AA, AB, ...

A layout says what stands at each place: one string per row (row A first), one character per place:
`s` standard seat, `p` premium seat, `a` accessible place, `x` blocked seat (never sold), `.` no seat (an
aisle or a gap). Numbers and labels never change with the layout: a gap keeps its place, so with an aisle at
places 5 and 6 the seats beside it are A4 and A7, and A5 and A6 name no seat.
"""
import re
import string

LABEL_PATTERN = re.compile(r"^([A-Z]+)([1-9][0-9]*)$")

STANDARD, PREMIUM, ACCESSIBLE, BLOCKED, GAP = "s", "p", "a", "x", "."
CATEGORY_NAMES = {STANDARD: "standard", PREMIUM: "premium", ACCESSIBLE: "accessible", BLOCKED: "blocked"}
# The categories a seat can be sold in, in the order clients list them.
PRICED_CATEGORIES = ("standard", "premium", "accessible")
SELLABLE = frozenset({STANDARD, PREMIUM, ACCESSIBLE})
PLACES = frozenset({*CATEGORY_NAMES, GAP})


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
    """The grid place a label such as "C7" (any case) names, or None if it is outside the grid."""
    match = LABEL_PATTERN.match(label.strip().upper())
    if not match or len(match.group(1)) > 3:
        return None
    row, place = row_index(match.group(1)), int(match.group(2))
    if row >= rows or place > seats_per_row:
        return None
    return row * seats_per_row + place


def standard_layout(rows, seats_per_row):
    """The layout of a screen without one of its own: standard seats everywhere."""
    return [STANDARD * seats_per_row] * rows


def layout_errors(layout, rows, seats_per_row):
    """What is wrong with `layout` for a grid of rows x seats_per_row, as messages naming row and place."""
    if not isinstance(layout, list) or not all(isinstance(row, str) for row in layout):
        return ["A layout is a list of strings, one per row."]
    if len(layout) != rows:
        return [f"The layout has {len(layout)} rows; the screen has {rows}."]
    errors = []
    for index, row in enumerate(layout):
        letters = row_letters(index)
        if len(row) != seats_per_row:
            errors.append(f"Row {letters} has {len(row)} places; the screen has {seats_per_row} seats per row.")
            continue
        errors += [f"Row {letters}, place {place}: {character!r} is not one of s, p, a, x or '.'."
                   for place, character in enumerate(row, 1) if character not in PLACES]
    if not errors and capacity(layout) == 0:
        errors.append("The layout has no seat that can be sold (s, p or a).")
    return errors


def capacity(layout):
    """How many seats of a (valid) layout can be sold: every place but gaps and blocked seats."""
    return sum(row.count(STANDARD) + row.count(PREMIUM) + row.count(ACCESSIBLE) for row in layout)


def screen_plan(layout, rows, seats_per_row):
    """A screen's layout as row strings: its own, or standard seats everywhere when it has none."""
    return layout or standard_layout(rows, seats_per_row)


def screen_capacity(layout, rows, seats_per_row):
    """How many seats a screen can sell: its layout's, or every place of the grid when it has none."""
    return capacity(layout) if layout else rows * seats_per_row


def place_at(layout, number, seats_per_row):
    """The layout character at grid place `number` (1-based)."""
    row, place = divmod(number - 1, seats_per_row)
    return layout[row][place]
