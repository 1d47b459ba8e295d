"""What was left of the officer's surprises (issue 15): where the units list comes from, the
pillar heading of the indicator being edited, column widths that do not jump."""

from __future__ import annotations

from desktop.setup.wizard import UnitPage


def test_unit_page_says_where_the_list_comes_from_and_offers_the_sample(
    qtbot, db, runner, units_file
):
    page = UnitPage(db, runner)
    qtbot.addWidget(page)
    page.show()
    # nothing to choose from: the page says why (offline) and what to do, both ways
    assert page.empty.isVisible() and not page.list.isVisible()
    text = page.empty.text()
    assert "Internet" in text and "tỉnh" in text and "mẫu" in text and "đặc khu" in text
    assert page.import_button.isVisible() and page.sample_button.isVisible()
    assert not page.isComplete()

    page.sample_button.click()
    assert "43" in page.message.text()
    assert page.list.isVisible() and page.list.count() == 43
    assert page.source.isVisible() and "danh sách mẫu" in page.source.text()
    assert "minh họa" in page.source.text()
    assert not page.sample_button.isVisible()  # offered once, never mixed into a real list
    page.search.setText("van don")
    assert page.chosen() == ("22901", "Đặc khu Vân Đồn") and page.isComplete()

    page.search.setText("")
    page.import_file(str(units_file))  # the province's list arrives
    assert "tỉnh" in page.source.text() and "mẫu" not in page.source.text()
    assert not page.sample_button.isVisible() and not page.empty.isVisible()
