"""hcsworkforce: workforce intelligence for the NHS healthcare science workforce."""

__version__ = "0.1.0"
