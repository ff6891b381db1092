"""`python -m tito`: the same command line as `tito`, for a shell where the script is not on PATH."""
import sys

from .main import main

sys.exit(main())
