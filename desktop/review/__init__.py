"""Review (thẩm định) screens: the reviewer's (collector/province) and the commune's."""
