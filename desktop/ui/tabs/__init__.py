"""The pages of the main window, one module per tab; each takes the AppContext."""
