"""Storage of reviews (thẩm định), Qt-free.

- ``local_db.review.collector``: the reviewer's side, inside the collector database
  (draft review per received submission, per-indicator verified points and comments, issued
  signed files, verified totals for rankings).
- ``local_db.review.commune``: the commune's side, inside the officer's database (imported
  reviews attached to the reviewed assessment, an explanation per flagged indicator, and the
  answering revision that supersedes the reviewed submission).

See ``docs/review-format.md``.
"""
