"""supportrm: train and audit Bradley-Terry reward models for customer-support assistants.

Pipeline, one package each: ``data`` (load, validate, split, synthesise) → ``model`` (base model,
rendering, scoring) → ``train`` (Bradley-Terry loop) → ``evaluate`` (metrics, diagnostics) →
``report`` (HTML/Markdown methodology report). ``cli`` is a thin shell over them.
"""

__version__ = "0.1.0"
