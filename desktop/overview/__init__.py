"""The overview tab: points per pillar against the maximum (and last year's), as a chart."""
