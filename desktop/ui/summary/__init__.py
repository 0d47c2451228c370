"""The pieces of the 季度汇总 tab (``desktop.ui.tabs.summary``): table models over the summary,
the indicators, the completeness grid and the quality issues (``models``), and the print preview
of the official tables (``preview``)."""
