"""Package: one module per record family (customers, leads, activities, feedback, letters)."""
