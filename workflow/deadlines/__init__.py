"""The legal clocks: the Chinese legal calendar, the deadlines each step opens and closes, pausing
them by hand, and the daily sweep that marks breaches and suspected idle land."""
