"""One module per section of the methodology report, each a function of the run's data
(:class:`supportrm.report.run.RunData`) returning what its template part shows."""
