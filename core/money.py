"""Money: Decimal amounts in the one currency (the CURRENCY setting), rounded half-up to the cent here only."""
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_to_cent(amount):
    """`amount` rounded half-up to the cent: 2.345 is 2.35, 2.344 is 2.34."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount, percent):
    """`percent` % of `amount`, rounded half-up to the cent."""
    return round_to_cent(Decimal(amount) * Decimal(percent) / 100)


def minor_units(amount):
    """An amount of whole cents as the integer number of cents that payment providers take (9.50 is 950)."""
    cents = Decimal(amount) * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of cents")
    return int(cents)


def from_minor_units(cents):
    """The Decimal amount of an integer number of cents (950 is 9.50)."""
    return (Decimal(cents) / 100).quantize(CENT)
