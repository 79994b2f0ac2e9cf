"""What a seat costs: the one place prices are worked out, for booking, holds, a show's offer and the reports.

A ticket's price is its seat category's price in the show, less its ticket type's discount, less a voucher's
discount when the voucher takes off that type. Each discount is a percentage of the price it applies to, rounded
half-up to the cent (core.money), or an amount; it is rounded, then subtracted; no price goes below 0.
"""
from decimal import Decimal

from core.money import percent_of

ZERO = Decimal("0.00")


def discounted(price, *, percent=None, amount=None):
    """`price` less `percent` % of it (rounded half-up to the cent) or less `amount`; never below 0."""
    if percent is not None:
        price -= percent_of(price, percent)
    elif amount is not None:
        price -= amount
    return max(price, ZERO)


def type_price(category_price, ticket_type):
    """A seat of a category, for a ticket type: what a show's offer lists."""
    return discounted(category_price, percent=ticket_type.discount_percent, amount=ticket_type.discount_amount)


def ticket_price(category_price, ticket_type, voucher=None, voucher_type_ids=()):
    """A ticket's price: its type's price, less the voucher's discount when the voucher takes off this type
    (`voucher_type_ids`: the types it is limited to; empty: every type)."""
    price = type_price(category_price, ticket_type)
    if voucher is not None and voucher_applies(ticket_type, voucher_type_ids):
        price = discounted(price, percent=voucher.discount_percent, amount=voucher.discount_amount)
    return price


def voucher_applies(ticket_type, voucher_type_ids):
    return not voucher_type_ids or ticket_type.pk in voucher_type_ids


def offer_prices(category_prices, ticket_type):
    """{category: price} of one ticket type, from the show's {category: price}."""
    return {category: type_price(price, ticket_type) for category, price in category_prices.items()}
