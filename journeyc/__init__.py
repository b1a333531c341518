"""journeyc: journeys as code. Compiles .journey files into checked, runnable workflows."""

__version__ = "0.1.0"
