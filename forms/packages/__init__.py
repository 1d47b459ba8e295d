"""Signed submission packages (``.dtipkg``): build, sign, verify, trust.

A sub-package of the Qt-free core because packages are one feature with many small parts
(format, signing, keys, zip safety, trust registry, demo data) that the GUI, the command
line, the collector and the benchmarks all use; keeping them together under ``forms``
lets each part stay small without crowding the criteria/scoring modules.

Public entry points::

    from forms.packages.build import Submission, EvidenceFile, build_package
    from forms.packages.signing import Ed25519Signer, Pkcs12Signer
    from forms.packages.verify import verify_package, Verdict
    from forms.packages.trust import TrustRegistry
"""
