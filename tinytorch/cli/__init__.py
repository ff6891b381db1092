"""The `tito` command: the instructor's pipeline and the student's daily workflow.

Hand-written (not generated). One idea per file:
  paths.py      where things live (repo root, src, modules, the package)
  notebooks.py  literate source -> reference notebook / student notebook
  export.py     notebook -> package module, through nbdev
  main.py       the command line
"""
