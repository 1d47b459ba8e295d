"""Reviews (thẩm định) of submissions: verified points, statuses and comments per indicator.

The province (or a collector on its behalf) checks every indicator of a received submission
against its evidence, sets *verified* points within [0, max] and asks the commune to explain
where needed. The result travels back to the offline commune as a signed ``.dtireview`` file
(``docs/review-format.md``). Qt-free, like all of ``forms``.

Public entry points::

    from forms.review.model import Review, ReviewItem, ItemStatus, Reviewer, ReviewedSubmission
    from forms.review.sign import check_review, sign_review, write_review_file
    from forms.review.verify import verify_review, ReviewVerdict
    from forms.review.scoring import verified_score, pillar_comparison
"""
