"""Given helpers of the modules' check cells, one file per module that needs more than a few lines:
each module's `#| check_helpers` cell imports them (tito/check_helpers/convolutions.py: module 09's)."""
