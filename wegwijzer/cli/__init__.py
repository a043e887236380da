"""The ``wegwijzer`` command line, one module per command group."""
