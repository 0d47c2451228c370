"""The pages of the 康检活动 tab: 名册 (roster), 康检登记 (check-in), 未检名单 (the unchecked list)
and 汇总 (progress per community with keyed totals), plus the roster form dialog.

The tab itself (``desktop.ui.tabs.kangjian``) holds the campaign picker and puts these pages in
sub-tabs. Every write goes through the write door; every read through the paged reader
(``store.paged``) or the summary queries of ``store.kangjian``.
"""
