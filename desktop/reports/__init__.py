"""Reports: the quarterly summary, the headline indicators against the city's targets, exports
(xlsx / pdf / docx / csv / json) and the narrative. Built on ``store`` and ``domain``; no Qt here.
"""
