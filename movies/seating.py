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


# Seats chosen for the buyer, and lonely seats. `taken` is a set of seat numbers that are sold or held by a live
# hold; a free seat is a sellable place not in it. A row's places are 0-based here, seat numbers 1-based.

def default_best_row(rows):
    """The row index nearest the best view when a screen names none: row number floor(2 * rows / 3) + 1."""
    return min(2 * rows // 3, rows - 1)


def best_row_error(letters, rows):
    """Why `letters` is not a row of a screen of `rows` rows, or None when it is."""
    if not re.fullmatch(r"[A-Z]{1,3}", letters) or row_index(letters) >= rows:
        return f"Not a row of this screen: its rows run from A to {row_letters(rows - 1)}."
    return None


def _free_places(row, first_number, taken):
    return [character in SELLABLE and first_number + place not in taken for place, character in enumerate(row)]


def lonely_seats(plan, seats_per_row, taken):
    """The free seats with no free neighbour on either side (an aisle, a gap, a blocked or taken seat or the
    row's end is not a free neighbour), as seat numbers."""
    lonely = set()
    for index, row in enumerate(plan):
        first = index * seats_per_row + 1
        free = _free_places(row, first, taken)
        for place, is_free in enumerate(free):
            left = place > 0 and free[place - 1]
            right = place + 1 < len(free) and free[place + 1]
            if is_free and not left and not right:
                lonely.add(first + place)
    return lonely


def _free_runs(free):
    """(start, end) of each stretch of consecutive free places of a row, end exclusive."""
    runs, start = [], None
    for place, is_free in enumerate([*free, False]):
        if is_free and start is None:
            start = place
        elif not is_free and start is not None:
            runs.append((start, place))
            start = None
    return runs


def _leaves_lonely(run_start, run_end, start, count):
    """Whether taking `count` places from `start` inside the run leaves exactly one place free on a side."""
    return start - run_start == 1 or run_end - (start + count) == 1


def best_block(plan, seats_per_row, taken, count, category, best_row):
    """The seat numbers of the best `count` free seats of `category` side by side in one row, or None.

    Side by side: consecutive places of one row, each a free seat of the category. Among those blocks, the ones
    that leave no new lonely seat win if there are any; of the winners, the one in the row nearest `best_row`
    (an index; the row in front on a tie), and in it the one whose centre is nearest the row's centre (the left
    one on a tie).
    """
    wanted = next(character for character, name in CATEGORY_NAMES.items() if name == category)
    # Measured in half places, so that centres stay integers: a block from place s has its centre at 2s + count - 1.
    row_centre = seats_per_row - 1
    best_key, best_start = None, None
    for index, row in enumerate(plan):
        first = index * seats_per_row + 1
        free = _free_places(row, first, taken)
        for run_start, run_end in _free_runs(free):
            for start in range(run_start, run_end - count + 1):
                if any(row[place] != wanted for place in range(start, start + count)):
                    continue
                key = (_leaves_lonely(run_start, run_end, start, count), abs(index - best_row), index,
                       abs(2 * start + count - 1 - row_centre), start)
                if best_key is None or key < best_key:
                    best_key, best_start = key, first + start
    if best_start is None:
        return None
    return list(range(best_start, best_start + count))


def lonely_seats_made(plan, seats_per_row, taken, chosen):
    """The seats that taking `chosen` (free seats) would make lonely, that were not lonely before, leaving out
    those of a run of free seats where every choice of as many side-by-side seats would leave one too."""
    chosen = set(chosen)
    taken_after = taken | chosen
    made = set()
    for index, row in enumerate(plan):
        first = index * seats_per_row + 1
        free = _free_places(row, first, taken)
        after = _free_places(row, first, taken_after)
        for run_start, run_end in _free_runs(free):
            wanted = sum(first + place in chosen for place in range(run_start, run_end))
            if not wanted or wanted == run_end - run_start:
                continue
            left_lonely = [first + place for place in range(run_start, run_end) if after[place]
                           and not (place > run_start and after[place - 1])
                           and not (place + 1 < run_end and after[place + 1])]
            if left_lonely and any(not _leaves_lonely(run_start, run_end, start, wanted)
                                   for start in range(run_start, run_end - wanted + 1)):
                made.update(left_lonely)
    return sorted(made)


def free_seat_count(plan, seats_per_row, taken, category):
    """How many seats of `category` are free."""
    wanted = next(character for character, name in CATEGORY_NAMES.items() if name == category)
    return sum(character == wanted and index * seats_per_row + place + 1 not in taken
               for index, row in enumerate(plan) for place, character in enumerate(row))
