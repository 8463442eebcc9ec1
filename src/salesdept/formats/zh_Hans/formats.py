"""Number formats for 简体中文: Django's own leave the thousands separator empty, so 860000.00
would print ungrouped; Chinese business documents group by thousands (860,000.00)."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = "."
