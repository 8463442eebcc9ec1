"""Warehouse master data through the services: warehouses come with their quarantine location,
locations and stock rules are validated with field names, and only the keeper writes them."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from salesdept.core.errors import DomainError, ValidationFailed
from salesdept.warehouse.models import Location, StockRule, Warehouse
from salesdept.warehouse.services.setup import (
    location_create,
    location_update,
    stock_rule_delete,
    stock_rule_set,
    warehouse_create,
    warehouse_update,
)


def test_warehouse_comes_with_its_quarantine_location(org):
    warehouse = warehouse_create(
        by=org.keeper, data={"code": "sh1", "name": "上海一号库", "cycle_days": "30"}
    )
    assert warehouse.code == "SH1"
    assert warehouse.cycle_days == 30
    qc = Location.objects.get(warehouse=warehouse)
    assert (qc.code, qc.kind) == ("QC", Location.Kind.QUARANTINE)


def test_warehouse_code_is_unique_and_required(org, wh):
    with pytest.raises(ValidationFailed) as exc:
        warehouse_create(by=org.keeper, data={"code": wh.warehouse.code.lower(), "name": "重复"})
    assert "code" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        warehouse_create(by=org.keeper, data={"code": "", "name": "", "cycle_days": "-1"})
    assert set(exc.value.fields) >= {"code"}
    with pytest.raises(ValidationFailed) as exc:
        warehouse_create(by=org.keeper, data={"code": "X1", "name": "x", "colour": "red"})
    assert "colour" in exc.value.fields
    assert Warehouse.objects.count() == 1


def test_only_the_keeper_writes_master_data(org, wh):
    for person in (org.sales1, org.auditor, org.finance):
        with pytest.raises(PermissionDenied):
            warehouse_create(by=person, data={"code": "NO", "name": "不行"})
        with pytest.raises(PermissionDenied):
            location_create(by=person, data={"warehouse": wh.pk, "code": "B-1"})
    assert not Warehouse.objects.filter(code="NO").exists()


def test_warehouse_update(org, wh):
    warehouse = warehouse_update(
        warehouse_id=wh.pk,
        by=org.keeper,
        data={"name_en": "East", "keeper": org.keeper.pk, "is_active": "false"},
    )
    warehouse.refresh_from_db()
    assert (warehouse.name_en, warehouse.keeper, warehouse.is_active) == ("East", org.keeper, False)
    with pytest.raises(ValidationFailed) as exc:
        warehouse_update(warehouse_id=wh.pk, by=org.keeper, data={"region": "999999"})
    assert "region" in exc.value.fields


def test_location_codes_are_unique_per_warehouse(org, wh, make_wh):
    other = make_wh()
    assert other.a1.code == wh.a1.code  # the same code in another warehouse is fine
    with pytest.raises(ValidationFailed) as exc:
        location_create(by=org.keeper, data={"warehouse": wh.pk, "code": "a-01-01"})
    assert "code" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        location_create(by=org.keeper, data={"warehouse": "x", "code": "Z"})
    assert "warehouse" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        location_create(by=org.keeper, data={"warehouse": wh.pk, "code": "Z", "kind": "attic"})
    assert "kind" in exc.value.fields


def test_the_last_quarantine_location_stays(org, wh):
    with pytest.raises(ValidationFailed) as exc:
        location_update(location_id=wh.qc.pk, by=org.keeper, data={"kind": Location.Kind.STORAGE})
    assert "kind" in exc.value.fields
    with pytest.raises(ValidationFailed):
        location_update(location_id=wh.qc.pk, by=org.keeper, data={"is_active": False})
    location_create(by=org.keeper, data={"warehouse": wh.pk, "code": "QC2", "kind": Location.Kind.QUARANTINE})
    location_update(location_id=wh.qc.pk, by=org.keeper, data={"is_active": False})


def test_a_location_with_stock_is_not_closed(org, wh, goods, receive):
    receive(wh.a1, goods, 3)
    with pytest.raises(DomainError) as exc:
        location_update(location_id=wh.a1.pk, by=org.keeper, data={"is_active": False})
    assert exc.value.code == "location_in_use"
    location_update(location_id=wh.a2.pk, by=org.keeper, data={"is_active": False, "name": "空"})
    wh.a2.refresh_from_db()
    assert not wh.a2.is_active


def test_stock_rule_set_replaces_and_validates(org, wh, goods, service_product):
    rule = stock_rule_set(
        by=org.keeper,
        data={"product": goods.pk, "warehouse": wh.pk, "min_quantity": "5", "max_quantity": "20"},
    )
    again = stock_rule_set(
        by=org.keeper,
        data={"product": goods.pk, "warehouse": wh.pk, "min_quantity": "2", "max_quantity": "8"},
    )
    assert again.pk == rule.pk
    assert (again.min_quantity, again.max_quantity) == (Decimal("2"), Decimal("8"))
    with pytest.raises(ValidationFailed) as exc:
        stock_rule_set(
            by=org.keeper,
            data={"product": goods.pk, "warehouse": wh.pk, "min_quantity": "9", "max_quantity": "1"},
        )
    assert "max_quantity" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        stock_rule_set(
            by=org.keeper,
            data={
                "product": service_product.pk,
                "warehouse": wh.pk,
                "min_quantity": "1",
                "max_quantity": "2",
            },
        )
    assert "product" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        stock_rule_set(
            by=org.keeper,
            data={"product": goods.pk, "warehouse": wh.pk, "min_quantity": "-1", "max_quantity": "x"},
        )
    assert "min_quantity" in exc.value.fields
    with pytest.raises(PermissionDenied):
        stock_rule_delete(rule_id=rule.pk, by=org.sales1)
    stock_rule_delete(rule_id=rule.pk, by=org.keeper)
    assert not StockRule.objects.exists()
