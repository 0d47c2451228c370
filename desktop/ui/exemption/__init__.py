"""The pages of the 两免一补 tab: 学校, 学生, 学期发放, 减免记录 and 补助标准 (see
``desktop.ui.tabs.exemption``). Every read goes through ``desktop.store.exemption``; every write
through the write door (``ctx.door()``) and the store's functions."""
