"""Fixtures of the catalog tests."""

import pytest

from .fixtures_catalog import make_product


@pytest.fixture
def product(db):
    return make_product()
