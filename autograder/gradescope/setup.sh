#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (Ubuntu, as root), with this
# zip's contents in /autograder/source: a Python venv holding tinytorch and its `tito` command.
set -euo pipefail
apt-get update
apt-get install -y python3 python3-venv python3-pip
# tinytorch needs Python 3.10+: Gradescope's Ubuntu 22.04 base image has 3.10, 20.04 has 3.8.
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "tinytorch needs Python 3.10 or newer, and this image has $(python3 --version 2>&1)." \
         "Choose Gradescope's Ubuntu 22.04 (or newer) base image on the Configure Autograder page." >&2
    exit 1
fi
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install "/autograder/source/tinytorch[tito]"
