"""The learner's transcript: every credit entry of a year and where they stand."""
