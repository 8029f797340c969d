"""itdash: Hong Kong innovation & technology figures from LegCo replies."""

__version__ = "0.1.0"
