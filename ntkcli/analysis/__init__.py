"""Analyses built on the pipeline: old-vs-new diffs, runtime comparisons, plot series."""
