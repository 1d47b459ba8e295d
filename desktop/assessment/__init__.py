"""The assessment editor: tree of pillars/indicators on the left, the indicator's page on the right."""
