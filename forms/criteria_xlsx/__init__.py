"""The Excel authoring form of a criteria set: read (with every problem located by cell) and write.

Province staff edit the set in a workbook with one sheet per part (see docs/criteria-format.md):
Thiết lập (settings), Trụ cột (pillars), Chỉ tiêu (indicators, one row each; sub-indicators by
code like 5.3.2), Trường nhập (input fields), Bậc điểm (tiers), Lựa chọn (choices), Xếp loại
(bands). Each sheet has a header row with fixed column names; columns may be in any order and
extra columns (notes) are ignored.

The reader never raises on a bad workbook: wrong types, formulas, merged or missing headers,
missing sheets, absurd sizes all become ``Problem``s located as ``Sheet!D14``. Work on huge
sheets is capped (``MAX_DATA_ROWS``) so a hostile file cannot make the app hang.

Where each part lives:

- ``columns``: the format (sheet names, column specs, enum spellings, settings rows, limits);
- ``guard``: the inbound file before openpyxl sees it (bounded read, zip guard, hidden sheets);
- ``cell_values``: one cell to a value of its column's kind, or the problem;
- ``tables``: a sheet as a table (header row, data rows) and the state of one read;
- ``settings_sheet``, ``indicators`` (with fields, tiers, choices), ``pillars``, ``bands``: the
  sheets themselves; ``reader``: drives them in order and runs the consistency checks;
- ``locator``: ``Sheet!D14`` for every object read; ``writer``: ``dump_xlsx``.
"""

from forms.criteria_xlsx.columns import MAX_DATA_ROWS, SHEETS
from forms.criteria_xlsx.locator import XlsxLocator
from forms.criteria_xlsx.reader import load_xlsx, read_xlsx
from forms.criteria_xlsx.writer import dump_xlsx

__all__ = ["MAX_DATA_ROWS", "SHEETS", "XlsxLocator", "dump_xlsx", "load_xlsx", "read_xlsx"]
