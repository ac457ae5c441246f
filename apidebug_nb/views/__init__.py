"""Pictures and the dashboard: the only modules that import matplotlib or ipywidgets."""
