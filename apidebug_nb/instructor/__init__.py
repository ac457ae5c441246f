"""Instructor tools: scenario files, a scenario generator, per-student variants, class grading.

Nothing here imports matplotlib or ipywidgets; the class report's charts live
in :mod:`apidebug_nb.views.class_report`.
"""
