"""Pages of the ledger (F4) under the `ledger:` namespace: trial balance, journal, account,
customer and product ledgers, periods. Thin: reads through selectors, writes through services."""
