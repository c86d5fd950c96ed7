"""``python -m convnet ...``: the same as the ``convnet`` command (see :mod:`convnet.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
