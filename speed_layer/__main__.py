"""``python -m speed_layer run …``: the same command as ``clarion speed-layer run``."""

from speed_layer.cli import main

if __name__ == "__main__":
    main()
