#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (Ubuntu, as root), with this
# zip's contents in /autograder/source: a Python venv holding tinytorch and its `tito` command.
set -euo pipefail
apt-get update
apt-get install -y python3 python3-venv python3-pip
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install "/autograder/source/tinytorch[tito]"
