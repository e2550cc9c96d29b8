"""CRM Desktop: complaints, compliments and comments management for a council.

This package is the core of the program. It never imports Qt: the command line,
the reports and the tests run without a screen.
"""

__version__ = "0.1.0"
