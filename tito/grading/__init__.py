"""The judge: test cells run in child processes, and `tito grade`."""
