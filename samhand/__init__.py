"""samhand: electronic cooperation between UNN and its municipalities."""

__version__ = "0.1.0"
