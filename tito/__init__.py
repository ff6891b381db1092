"""The `tito` command: the instructor's pipeline and the student's daily workflow.

Hand-written (not generated). One idea per file:
  paths.py      where things live (repo root, src, modules, the package)
  notebooks.py  literate source -> reference notebook / student notebook
  export.py     notebook -> package module, through nbdev
  build.py      the instructor's regeneration and drift check
  cells.py      reading notebooks: export target, test cells, syntax errors with cell and line
  grading/      child processes and the judge: grade.py (`tito grade`), judge.py (graded cells run in tito,
                the student's module in an isolated child: child.py, wire.py, remote.py), processes.py
                (namespaces, killing every child), limits.py, checks.py + runner.py (`tito test`'s inline checks)
  workflow.py   the student's loop (`tito module start`, `export`, `test`, `status`)
  state.py      .tito/state.json: last `tito test` result per module
  main.py       the command line
"""
