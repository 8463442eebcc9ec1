"""The test harness's invariant check (tests/conftest.py): after a test it runs the rules that
read a table the test wrote — so a rule skipped there could not have changed its answer."""

from django.db import connection

from salesdept.core import invariants
from salesdept.crm.models import Customer
from tests import conftest


def _reading(table: str) -> set[str]:
    return {r.code for r in invariants.RULES if table in (conftest._RULE_READS.get(r.check) or ())}


def _always() -> set[str]:
    return {r.code for r in invariants.RULES if conftest._RULE_READS.get(r.check) is None}


def test_every_rule_was_read_on_the_starting_data(org):
    assert conftest._RULE_READS
    assert all(r.check in conftest._RULE_READS for r in invariants.RULES)
    assert _reading("crm_customer") and _reading("warehouse_stockmove") and _reading("billing_invoice")


# PostgreSQL 15 keeps a connection's table counters until it reports them (at most once a second),
# so pg_stat_xact_user_tables may still count the writes of the tests just before: the rules
# chosen there are a superset — more rules run, never fewer. The exact sets are checked on SQLite.
EXACT = connection.vendor == "sqlite"


def test_a_test_that_wrote_nothing_runs_only_the_rules_that_read_no_table(org, _written_tables):
    codes = conftest._rules_to_run(_written_tables)
    assert _always() <= codes
    if EXACT:
        assert codes == _always()


def test_a_write_runs_every_rule_reading_its_table(org, _written_tables):
    Customer.objects.filter(pk=-1).update(name="x")  # the statement counts, not the rows
    codes = conftest._rules_to_run(_written_tables)
    assert _reading("crm_customer") <= codes
    if EXACT:
        assert codes < {r.code for r in invariants.RULES}  # the rules of untouched tables are skipped


def test_a_statement_it_cannot_read_runs_every_rule(org, _written_tables):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE h_scratch (n integer)")
    assert conftest._rules_to_run(_written_tables) is None


def test_a_broken_rule_is_caught_after_a_write_to_its_table(org, _written_tables):
    # a customer merged into one that does not exist breaks a crm rule …
    customer = Customer.objects.create(
        code="SC-1", name="范围测试客户", name_normalized="范围测试客户", region=org.regions["east"],
        owner=org.sales1, created_by=org.sales1,
    )  # fmt: skip
    assert invariants.run(conftest._rules_to_run(_written_tables)) == []
    Customer.objects.filter(pk=customer.pk).update(merged_into_id=customer.pk)
    assert any("merged" in line for line in invariants.run(conftest._rules_to_run(_written_tables)))
    Customer.objects.filter(pk=customer.pk).update(merged_into_id=None)  # … mended for the org check
