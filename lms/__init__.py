"""Enrolments, progress, assessments, credit ledger and HR reporting (built in later issues)."""
