"""Domain rules: periods, money, identifiers, rates and fixed choice lists (no Qt, no storage)."""
