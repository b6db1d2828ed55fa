"""``python -m supportrm.cli``: the same command as ``supportrm``."""

from supportrm.cli import main

main()
