"""趋势图表: pyqtgraph chart widgets, their export, and offscreen rendering for the summary's PDF.

Modules here import pyqtgraph (and numpy) at their top: import them only when a chart is first
drawn (the 趋势图表 tab does), never at start-up. The series they draw come from
:mod:`desktop.reports.series` (plain data, no Qt).
"""
