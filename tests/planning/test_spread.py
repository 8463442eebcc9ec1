"""spread(): a yearly figure over twelve months, evenly or by a seasonal profile, adding up to
exactly the yearly figure (largest remainder, to the cent or to the unit)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesdept.core.errors import ValidationFailed
from salesdept.planning.services import spread

CENT, UNIT = Decimal("0.01"), Decimal("1")


def test_even_spread_of_an_awkward_amount_adds_up_to_the_cent():
    months = spread(year_total=Decimal("100.01"))
    assert sum(months) == Decimal("100.01")
    assert months[0] == Decimal("8.34") and months[-1] == Decimal("8.33")
    assert all(m.as_tuple().exponent == -2 for m in months)


def test_even_spread_of_units_gives_the_rest_to_the_first_months():
    assert spread(year_total=7, places=UNIT) == [1] * 7 + [0] * 5


def test_seasonal_weights_follow_the_profile():
    weights = [1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3]  # sum 24
    months = spread(year_total=Decimal("2400.00"), weights=weights)
    assert months == [Decimal(w * 100) for w in weights]


def test_zero_weights_are_allowed_but_not_all_of_them():
    months = spread(year_total=Decimal("10"), weights=[0] * 11 + [1], places=UNIT)
    assert months == [0] * 11 + [10]
    with pytest.raises(ValidationFailed) as refused:
        spread(year_total=Decimal("10"), weights=[0] * 12)
    assert "weights" in refused.value.fields


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"year_total": "-1"}, "year_total"),
        ({"year_total": "abc"}, "year_total"),
        ({"year_total": "NaN"}, "year_total"),
        ({"year_total": "1.005"}, "year_total"),  # finer than a cent
        ({"year_total": "1.5", "places": UNIT}, "year_total"),  # half a unit
        ({"year_total": "12", "weights": [1] * 11}, "weights"),
        ({"year_total": "12", "weights": [1] * 11 + [-1]}, "weights"),
    ],
)
def test_bad_input_is_refused_naming_the_field(kwargs, field):
    with pytest.raises(ValidationFailed) as refused:
        spread(**kwargs)
    assert field in refused.value.fields


@settings(max_examples=200, deadline=None)
@given(
    cents=st.integers(min_value=0, max_value=10**13 - 1),
    weights=st.one_of(
        st.none(),
        st.lists(st.integers(min_value=0, max_value=10**6), min_size=12, max_size=12).filter(any),
    ),
    money=st.booleans(),
)
def test_spread_always_adds_up_exactly(cents, weights, money):
    places = CENT if money else UNIT
    total = (Decimal(cents) * places).quantize(places)
    months = spread(year_total=total, weights=weights, places=places)
    assert len(months) == 12
    assert sum(months) == total
    assert all(m >= 0 and m == m.quantize(places) for m in months)
    # largest remainder: each month is within one step of its exact share
    share = [Decimal(1)] * 12 if weights is None else [Decimal(w) for w in weights]
    whole = sum(share)
    for month, s in zip(months, share, strict=True):
        assert abs(month - total * s / whole) < places
