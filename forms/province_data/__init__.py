"""Province-supplied values (issue 16): the signed ``.dtidata`` file per year and criteria set.

``model`` (the body), ``values`` (each value against its field), ``sign`` (the province's
builder), ``verify`` (every reader's checks), ``shape`` (the body's types), ``workbook`` (the
province's values sheet). Spec: ``docs/criteria-format.md`` and ``docs/package-format.md``.
"""
