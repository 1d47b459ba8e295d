"""The first-run wizard: unit, officer, criteria set, signing key."""
