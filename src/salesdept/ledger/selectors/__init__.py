"""Reads of the ledger (F4): balances and the trial balance (balances.py), the general and
detail ledgers with running balances (ledgers.py), the journal and the closed periods
(journal.py).

Ledgers are finance data: every read needs `ledger.view_journalentry` (finance, the director,
the auditor — all roles of scope "all"); inside there is no row-level scope (`SCOPE = None`).
The customer detail ledger still looks the customer up through crm's `visible()` rule, so a
role granted the permission later with a narrower scope gets 404 for another's customer.
`account_balance()` and `customer_receivable()` are helpers for other services (the credit
check): they check no permission; their caller does."""
