"""The `tito` command: the instructor's pipeline and the student's daily workflow.

Hand-written (not generated); needs the `tito` extra. One idea, and one owner of each piece of
knowledge, per file:
  paths.py      where things live (repo root, src, modules, the package); CourseModule, its sources
                (the lesson, then any that continue it: src/09_convolutions/09a_fast_path.py, 09b_going_further.py)
  notebooks.py  literate source -> reference / student notebook; notebook metadata and cell ids
  export.py     the nbdev output format: export (also into a copy), module file of a target,
                origin of a generated file (yours / reference), the notebook cell behind a line
  build.py      the instructor's regeneration and drift check
  cells.py      reading notebooks: export target, test cells and test_functions (the one test
                discovery), syntax errors with cell and line
  tables.py     the one table printer (`tito status`, `tito grade`)
  grading/      child processes and the judge: grade.py (`tito grade`), judge.py (graded cells run in tito,
                the student's module in an isolated child: child.py, wire.py, remote.py), processes.py
                (namespaces, killing every child), limits.py, package_copy.py (which modules a grading's
                package copy keeps: the modules the lesson's code imports); `tito test`'s inline checks go through the judge too
                (graded cells judged as `tito grade` judges them, ungraded ones run in the child),
                gradescope.py and junit.py (`tito grade --gradescope / --junit`)
                batch.py (`tito grade NN FOLDER --csv`: a class, resumable; gradebook, item analysis, --merge)
  release.py    `tito dev release --nbgrader`: the course as an nbgrader course (locked given cells, kernel)
  nbgrader_judge.py  tito's judge inside `nbgrader autograde`: preprocessors that run `tito grade` before
                the kernel runs the notebook and make its verdict each graded cell's outputs, which nbgrader scores
  nbgrader_kernel.py  the kernel nbgrader's Execute starts (the course's kernel.json): ipykernel in tito's isolation
                (namespaces, an allow-list file system, a user id of its own), never the instructor's rights
  workflow.py   the student's loop (`tito module start`, `export`, `test`, `status`)
  test_report.py  the report `tito test` prints: one line per exported name (which name a check is
                about), the first failure's message, skip reasons and install hints
  update.py     `tito update`: pull the course's updates, notebooks merged cell by cell, exports redone
  state.py      .tito/state.json: per module, the last export (hash of its exported cells, or its refusal) and `tito test` result
  main.py       the command line (`tito`, `python -m tito` through __main__.py)
  startup.py    start-up time: two slow imports that no tito process needs, deferred to their first use
"""
from tito.startup import defer_rfc3987_syntax, skip_jupytext_contents_managers

defer_rfc3987_syntax()  # before anything imports nbformat (and with it jsonschema)
skip_jupytext_contents_managers()  # before anything imports jupytext
