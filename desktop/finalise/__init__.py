"""Check & finalise: problems list, signing, package export, printable PDF report."""
