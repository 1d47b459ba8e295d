"""Bundles (``.dtibundle``): a collector forwards its units' current packages, untouched,
under its own signed listing. No Qt, no storage.

- ``format``: names, limits, the signed layer ``bundle.json`` and its strict reading;
- ``build``: writing a bundle from package bytes and a signer;
- ``verify``: opening a received bundle safely, checking its layer, reading inner packages.

Storing what a bundle brought is the collector's (``local_db.collector.bundles``, ``merge``).
"""
