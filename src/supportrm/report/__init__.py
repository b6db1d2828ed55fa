"""report stage: the methodology report (HTML + Markdown) and the model card.

* :func:`build_report` — ``RUN_DIR/report.html`` (self-contained), ``report.md``, ``plots/*.png``
  and a model card in every seed checkpoint.
* :func:`write_model_card` — Hugging Face style ``README.md`` inside a checkpoint folder.
"""

from supportrm.report.build import SECTIONS, ReportPaths, build_report
from supportrm.report.model_card import write_model_card

__all__ = ["SECTIONS", "ReportPaths", "build_report", "write_model_card"]
