"""movies.pricing on its own: no database, no HTTP. The rounding rule of API.md ("Ticket types"): a percentage
discount is rounded half-up to the cent, then subtracted; no price goes below 0."""
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from movies import pricing


def ticket_type(pk=1, percent=None, amount=None):
    return SimpleNamespace(pk=pk, discount_percent=None if percent is None else Decimal(percent),
                           discount_amount=None if amount is None else Decimal(amount))


def voucher(percent=None, amount=None):
    return SimpleNamespace(discount_percent=None if percent is None else Decimal(percent),
                           discount_amount=None if amount is None else Decimal(amount))


ADULT = ticket_type(pk=1)
CHILD = ticket_type(pk=2, percent="30")
SENIOR = ticket_type(pk=3, amount="2.00")
STUDENT = ticket_type(pk=4, percent="15")


class TestDiscounted:
    def test_a_half_cent_of_discount_rounds_up_before_it_is_subtracted(self):
        # 15 % of 9.50 is 1.425: 1.43 off.
        assert str(pricing.discounted(Decimal("9.50"), percent=Decimal("15"))) == "8.07"

    def test_another_half_rounds_up_too(self):
        # 30 % of 12.35 is 3.705: 3.71 off.
        assert str(pricing.discounted(Decimal("12.35"), percent=Decimal("30"))) == "8.64"

    def test_just_under_a_half_rounds_down(self):
        # 15 % of 9.49 is 1.4235: 1.42 off.
        assert str(pricing.discounted(Decimal("9.49"), percent=Decimal("15"))) == "8.07"

    def test_an_amount_is_taken_off_as_it_is(self):
        assert str(pricing.discounted(Decimal("9.50"), amount=Decimal("2.00"))) == "7.50"

    def test_an_amount_past_the_price_leaves_zero_never_less(self):
        assert str(pricing.discounted(Decimal("1.50"), amount=Decimal("2.00"))) == "0.00"

    def test_one_hundred_percent_is_free(self):
        assert str(pricing.discounted(Decimal("9.50"), percent=Decimal("100"))) == "0.00"

    def test_no_discount_is_the_price(self):
        assert str(pricing.discounted(Decimal("9.50"))) == "9.50"


class TestTicketPrice:
    def test_a_type_price_is_the_category_price_less_the_type_discount(self):
        assert [str(pricing.type_price(Decimal("9.50"), kind)) for kind in (ADULT, CHILD, SENIOR, STUDENT)] == [
            "9.50", "6.65", "7.50", "8.07"]

    def test_a_voucher_comes_off_the_type_price_not_the_category_price(self):
        # Student: 9.50 less 1.43 is 8.07; 10 % of 8.07 is 0.807, 0.81 off: 7.26 (of 9.50 it would be 0.95 off).
        assert str(pricing.ticket_price(Decimal("9.50"), STUDENT, voucher(percent="10"))) == "7.26"

    def test_a_voucher_amount_past_the_type_price_leaves_zero(self):
        assert str(pricing.ticket_price(Decimal("9.50"), SENIOR, voucher(amount="8.00"))) == "0.00"

    def test_a_voucher_limited_to_types_takes_off_only_those(self):
        limited_to_child = voucher(amount="1.00")

        assert str(pricing.ticket_price(Decimal("9.50"), CHILD, limited_to_child, {CHILD.pk})) == "5.65"
        assert str(pricing.ticket_price(Decimal("9.50"), ADULT, limited_to_child, {CHILD.pk})) == "9.50"

    def test_a_voucher_with_no_type_limit_takes_off_every_type(self):
        assert str(pricing.ticket_price(Decimal("9.50"), ADULT, voucher(amount="1.00"), set())) == "8.50"

    def test_without_a_voucher_a_ticket_costs_its_type_price(self):
        assert str(pricing.ticket_price(Decimal("12.35"), CHILD)) == "8.64"

    def test_the_offer_prices_each_category_for_one_type(self):
        prices = {"standard": Decimal("9.50"), "premium": Decimal("12.35"), "accessible": Decimal("1.50")}

        assert {category: str(price) for category, price in pricing.offer_prices(prices, SENIOR).items()} == {
            "standard": "7.50", "premium": "10.35", "accessible": "0.00"}
        assert {category: str(price) for category, price in pricing.offer_prices(prices, CHILD).items()} == {
            "standard": "6.65", "premium": "8.64", "accessible": "1.05"}


CENTS = st.integers(min_value=0, max_value=99_999_999).map(lambda cents: Decimal(cents) / 100)
PERCENTS = st.integers(min_value=0, max_value=10_000).map(lambda hundredths: Decimal(hundredths) / 100)


@given(price=CENTS, percent=PERCENTS)
def test_a_percent_price_is_never_negative_nor_above_the_price_and_is_it_less_the_rounded_discount(price, percent):
    result = pricing.discounted(price, percent=percent)

    rounded_discount = (price * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Decimal("0") <= result <= price
    assert result == price - rounded_discount
    assert result == result.quantize(Decimal("0.01"))


@given(price=CENTS, amount=CENTS)
def test_an_amount_price_is_never_negative_nor_above_the_price(price, amount):
    result = pricing.discounted(price, amount=amount)

    assert Decimal("0") <= result <= price
    assert result == max(price - amount, Decimal("0"))


@given(price=CENTS, type_percent=PERCENTS, voucher_amount=CENTS)
def test_a_ticket_with_a_type_and_a_voucher_is_never_negative_nor_above_the_category_price(
        price, type_percent, voucher_amount):
    result = pricing.ticket_price(price, ticket_type(percent=type_percent), voucher(amount=voucher_amount))

    assert Decimal("0") <= result <= price
