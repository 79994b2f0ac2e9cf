"""Best available and lonely seats, thrown random layouts and taken seats (hypothesis), against brute force."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from movies.seating import (
    SELLABLE,
    best_block,
    default_best_row,
    lonely_seats,
    lonely_seats_made,
    place_at,
    seat_label,
)

CATEGORY_OF = {"s": "standard", "p": "premium", "a": "accessible"}


@st.composite
def screens(draw):
    rows = draw(st.integers(1, 6))
    seats_per_row = draw(st.integers(1, 12))
    place = st.sampled_from("sssspax.")
    plan = ["".join(draw(st.lists(place, min_size=seats_per_row, max_size=seats_per_row))) for _ in range(rows)]
    seats = [number for number in range(1, rows * seats_per_row + 1)
             if place_at(plan, number, seats_per_row) in SELLABLE]
    taken = set(draw(st.lists(st.sampled_from(seats), unique=True))) if seats else set()
    return plan, seats_per_row, taken


def free(plan, seats_per_row, taken, number):
    row, place = divmod(number - 1, seats_per_row)
    return 0 <= place < seats_per_row and plan[row][place] in SELLABLE and number not in taken


def lonely_oracle(plan, seats_per_row, taken):
    """Every free seat, asked of its two neighbours in the same row one by one."""
    lonely = set()
    for number in range(1, len(plan) * seats_per_row + 1):
        place = (number - 1) % seats_per_row
        left = place > 0 and free(plan, seats_per_row, taken, number - 1)
        right = place < seats_per_row - 1 and free(plan, seats_per_row, taken, number + 1)
        if free(plan, seats_per_row, taken, number) and not left and not right:
            lonely.add(number)
    return lonely


def all_blocks(plan, seats_per_row, taken, count, category):
    """Every run of `count` free seats of the category side by side in one row, by brute force."""
    blocks = []
    for row_index in range(len(plan)):
        for start in range(seats_per_row - count + 1):
            block = [row_index * seats_per_row + start + offset + 1 for offset in range(count)]
            if all(free(plan, seats_per_row, taken, number) and CATEGORY_OF.get(place_at(plan, number, seats_per_row))
                   == category for number in block):
                blocks.append(block)
    return blocks


def makes_lonely(plan, seats_per_row, taken, block):
    return bool(lonely_oracle(plan, seats_per_row, taken | set(block)) - lonely_oracle(plan, seats_per_row, taken))


def distance(block, seats_per_row, best_row):
    """(rows from the best row, half places from the row's centre) of a block."""
    row = (block[0] - 1) // seats_per_row
    start = (block[0] - 1) % seats_per_row
    return abs(row - best_row), abs(2 * start + len(block) - 1 - (seats_per_row - 1))


@settings(max_examples=400, deadline=None)
@given(screens(), st.integers(1, 10), st.sampled_from(sorted(CATEGORY_OF.values())), st.integers(0, 5))
def test_best_block_is_free_side_by_side_of_the_category_and_the_nearest(screen, count, category, best_row):
    plan, seats_per_row, taken = screen
    best_row = min(best_row, len(plan) - 1)
    blocks = all_blocks(plan, seats_per_row, taken, count, category)
    chosen = best_block(plan, seats_per_row, taken, count, category, best_row)
    if not blocks:
        assert chosen is None
        return
    assert chosen in blocks  # free, of the category, consecutive places of one row
    clean = [block for block in blocks if not makes_lonely(plan, seats_per_row, taken, block)]
    if clean:
        assert chosen in clean
    rivals = clean or blocks
    rows_away, from_centre = distance(chosen, seats_per_row, best_row)
    assert rows_away == min(distance(block, seats_per_row, best_row)[0] for block in rivals)
    same_row = [block for block in rivals if (block[0] - 1) // seats_per_row == (chosen[0] - 1) // seats_per_row]
    assert from_centre == min(distance(block, seats_per_row, best_row)[1] for block in same_row)


@settings(max_examples=400, deadline=None)
@given(screens())
def test_lonely_seats_agree_with_brute_force(screen):
    plan, seats_per_row, taken = screen
    assert lonely_seats(plan, seats_per_row, taken) == lonely_oracle(plan, seats_per_row, taken)


@settings(max_examples=400, deadline=None)
@given(screens(), st.data())
def test_lonely_seats_made_are_the_new_lonely_seats_unless_unavoidable(screen, data):
    plan, seats_per_row, taken = screen
    free_seats = [number for number in range(1, len(plan) * seats_per_row + 1)
                  if free(plan, seats_per_row, taken, number)]
    if not free_seats:
        return
    chosen = set(data.draw(st.lists(st.sampled_from(free_seats), min_size=1, max_size=10, unique=True)))
    new_lonely = lonely_oracle(plan, seats_per_row, taken | chosen) - lonely_oracle(plan, seats_per_row, taken)
    made = lonely_seats_made(plan, seats_per_row, taken, chosen)
    assert set(made) <= new_lonely
    if not new_lonely:
        assert made == []
    row_of = {number: (number - 1) // seats_per_row for number in chosen}
    if len(set(row_of.values())) == 1 and len(chosen) <= 2:
        # One row: refused exactly when some block of as many seats in that run of free seats would be clean.
        run = _run_of(plan, seats_per_row, taken, min(chosen))
        if set(chosen) <= run and new_lonely:
            avoidable = any(not makes_lonely(plan, seats_per_row, taken, block)
                            for block in _blocks_in(sorted(run), len(chosen)))
            assert bool(made) == avoidable


def _run_of(plan, seats_per_row, taken, number):
    run, step = {number}, number
    while (step - 1) % seats_per_row and free(plan, seats_per_row, taken, step - 1):
        step -= 1
        run.add(step)
    step = number
    while step % seats_per_row and free(plan, seats_per_row, taken, step + 1):
        step += 1
        run.add(step)
    return run


def _blocks_in(run, count):
    return [run[start:start + count] for start in range(len(run) - count + 1)]


def test_an_empty_screen_gets_its_block_centred_in_the_default_best_row():
    plan = ["s" * 10] * 5
    assert default_best_row(5) == 3  # D
    assert default_best_row(10) == 6  # G
    assert [seat_label(n, 10) for n in best_block(plan, 10, set(), 3, "standard", 3)] == ["D4", "D5", "D6"]
    assert [seat_label(n, 10) for n in best_block(plan, 10, set(), 2, "standard", 3)] == ["D5", "D6"]


def test_a_block_never_crosses_an_aisle():
    plan = ["sss..sss"]
    assert best_block(plan, 8, set(), 3, "standard", 0) == [1, 2, 3]
    assert best_block(plan, 8, set(), 4, "standard", 0) is None


@pytest.mark.parametrize(("taken", "chosen", "made"), [
    ({1}, {3}, [2]),   # C2 left alone between a sold seat and the new one
    (set(), {2}, [1]),
    (set(), {1, 2}, []),
    ({1, 5}, {2, 3}, []),  # a run of 3: every pair leaves one seat
])
def test_lonely_seats_made_in_one_row_of_five(taken, chosen, made):
    assert lonely_seats_made(["sssss"], 5, taken, chosen) == made
