"""Sample list of administrative units (Phú Thọ, illustrative codes) for `dti-desk units import`."""
