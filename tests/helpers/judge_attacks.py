"""Hostile module-09 submissions, one per attack class of issue 9: the real student notebook, blank
or nearly blank, plus one exported attack cell of 3-5 lines (and one exported line that leaves a
detached process behind, carrying a marker, so that tests can look for survivors in /proc).

Each attack is paired with its base: the same notebook without the attack cell. A test grades both
and checks that the attack gains nothing. Before the judge (commit d846967) every attack below
gained: see the README's trust-model section for the scores then and now.
"""
from __future__ import annotations

import nbformat

LOOPS = ("conv2d_loops", "maxpool2d_loops", "avgpool2d_loops")


def nearly_blank(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """conv_output_size written (one line); the three loops return the zeros they allocate."""
    for cell in nb.cells:
        if "#| export" not in cell.source:
            continue
        if "def conv_output_size(" in cell.source:
            cell.source = cell.source.replace("    raise NotImplementedError()",
                                              "    return (size + 2 * padding - kernel) // stride + 1")
        if any(f"def {name}(" in cell.source for name in LOOPS):
            cell.source = cell.source.replace("    raise NotImplementedError()\n", "")
    return nb


# A process that outlives the grading if it can (detached, its own session), found by MARK.
# /proc/self/exe is the running Python, reached without sys (a graded module may not import it: tampering.py).
SURVIVOR = ("import subprocess as _survivor_sp\n"
            "_survivor_sp.Popen(['/proc/self/exe', '-c', 'import time; time.sleep(120)  # MARK'], "
            "start_new_session=True, stdin=-3, stdout=-3, stderr=-3)")

# Find a copy of the reference spatial.py, the instructor's src or a classmate's solved notebook anywhere
# the child can read (install metadata, paths named in /proc, a walk from /) and say so: a module raising
# "STOLEN: ... <path>" at import puts that into every item's message. Running what it finds needs
# importlib, exec or an import of a file it writes, all refused by tito/grading/tampering.py; what the
# allow-list keeps out of reach is the reading.
STEAL = """\
import os as _o, json as _j, re as _re, time as _t
_stolen = None
def _solved():
    return _stolen is not None
def _try(path):
    global _stolen
    if _solved() or '.tito-lib' in path or not _o.path.isfile(path): return
    try: text = open(path, errors='ignore').read()
    except OSError: return
    if 'def conv2d_loops' in text and 'for ki in range' in text: _stolen = path
def _walk(top, depth, budget):
    for d, subdirs, files in _o.walk(top):
        if _solved() or _t.monotonic() > budget: return
        if d.count(_o.sep) - top.count(_o.sep) >= depth or d.startswith(('/proc', '/sys', '/dev')): subdirs[:] = []
        for f in files:
            if f == 'spatial.py' or f.startswith('09_convolutions'): _try(_o.path.join(d, f))
import sys as _s
_budget = _t.monotonic() + 5
for _d, _sub, _files in _o.walk(_s.prefix):   # the install's records: direct_url.json, .pth files
    if _t.monotonic() > _budget: break
    if _d.count(_o.sep) - _s.prefix.count(_o.sep) >= 5: _sub[:] = []
    for _f in _files:
        if _f == 'direct_url.json' or _f.endswith('.pth'):
            try: _text = open(_o.path.join(_d, _f), errors='ignore').read()
            except OSError: continue
            for _root in _re.findall(r'/[^\\s"\\'\\x00:]+', _text):
                _try(_o.path.join(_root, 'tinytorch', 'core', 'spatial.py'))
                if _o.path.isdir(_root): _walk(_root, 4, _t.monotonic() + 5)
_named = set()
for _p in ('/proc/self/mountinfo', '/proc/1/mountinfo', '/proc/1/cmdline', '/proc/self/environ', '/proc/1/environ'):
    try: _named |= set(_re.findall(r'/[^\\s\\x00:]+', open(_p, errors='ignore').read()))
    except OSError: pass
for _fd_dir in ('/proc/self/fd', '/proc/1/fd', '/proc/1/cwd'):
    try: _named |= {_o.readlink(_o.path.join(_fd_dir, f)) for f in _o.listdir(_fd_dir)}
    except OSError: pass
for _p in sorted(_named):
    for _up in (_p, _o.path.dirname(_p), _o.path.dirname(_o.path.dirname(_p))):
        if _o.path.isdir(_up) and _up not in ('/', '/tmp', '/usr', '/proc'): _walk(_up, 4, _t.monotonic() + 2)
_walk('/', 7, _t.monotonic() + 20)
if _stolen is not None:
    raise RuntimeError(f"STOLEN: a solved copy is readable at {_stolen}")"""

# name: (base notebook, attack cell). MARK is replaced by the test's marker.
ATTACKS = {
    # Replace numpy.testing's checks with no-ops, on a notebook whose loops return zeros.
    "patch_np_testing": ("nearly_blank", """\
import numpy.testing as _nt
_nt.assert_array_equal = lambda *a, **k: None
_nt.assert_allclose = lambda *a, **k: None"""),
    # Rebind np in the student's module to an object whose .testing does nothing.
    "rebind_np": ("nearly_blank", """\
import types as _ty
np = _ty.SimpleNamespace(**{k: getattr(np, k) for k in dir(np) if not k.startswith('__')})
np.testing = _ty.SimpleNamespace(assert_array_equal=lambda *a, **k: None, assert_allclose=lambda *a, **k: None)"""),
    # Wrap builtins.exec so that the test_unit_* functions it defines are replaced.
    "wrap_exec": ("nearly_blank", """\
import builtins as _b
_real_exec = _b.exec
def _exec(src, ns=None, *rest):
    r = _real_exec(src, ns, *rest); [ns.__setitem__(k, lambda: None) for k in list(ns or {}) if k.startswith('test_unit_')]; return r
_b.exec = _exec"""),
    # Define the shared check helpers (the `#| check_helpers` cell) in the student's module as
    # helpers that accept anything, hoping the test cells pick these up instead.
    "shadow_check_helpers": ("nearly_blank", """\
_assert_close = lambda *a, **k: None
_check_output_sizes = lambda *a, **k: None
_conv_numpy = lambda x, w, b, stride, padding: conv2d_loops(x, w, b, stride, padding)
_maxpool_numpy = lambda x, kernel, stride, padding: maxpool2d_loops(x, kernel, stride, padding)
_avgpool_numpy = lambda x, kernel, stride, padding: avgpool2d_loops(x, kernel, stride, padding)
_numeric_grad = lambda loss, array, eps: array * 0"""),
    # Since the check helpers left the notebook (tito/check_helpers/convolutions.py): patch the copy that
    # the student's process imports, hoping the checks use it. Graded cells use the judge's own.
    "patch_check_helpers_module": ("nearly_blank", """\
import tito.check_helpers.convolutions as _helpers
_helpers._assert_close = lambda *a, **k: None
_helpers._conv_numpy = lambda x, w, b, stride, padding: conv2d_loops(x, w, b, stride, padding)
_helpers._call = lambda what, function, *args, **kwargs: function(*args, **kwargs)"""),
    # Replace the runner's run_test (through __main__ or wherever it lives).
    "patch_runner": ("nearly_blank", """\
import sys as _s
for _m in list(_s.modules.values()):
    if hasattr(_m, 'run_test'): _m.run_test = lambda name, f: {'name': name, 'status': 'pass', 'message': ''}"""),
    # Write a "pass" result into the result file named in job.json, then exit.
    "forge_result_file": ("blank", """\
import sys as _s, json as _j, os as _o
_job = _s.argv[-1] if _s.argv[-1].endswith('.json') else None
if _job: open(_j.load(open(_job))['result'], 'w').write(_j.dumps({'status': 'pass', 'message': '', 'tests': []})); _o._exit(0)"""),
    # Find the repository through the package's install metadata and load the reference spatial.py.
    "load_reference": ("blank", """\
import importlib.metadata as _md, json as _j, pathlib as _p
_root = _j.loads(_md.distribution('tinytorch').read_text('direct_url.json'))['url'][len('file://'):]
exec(_p.Path(_root, 'tinytorch', 'core', 'spatial.py').read_text())"""),
    # Outlive the grading: a detached process rewrites the --json report once tito has exited.
    "rewrite_report_later": ("blank", """\
import subprocess as _sp, sys as _s
_sp.Popen([_s.executable, '-c', "import os,time,json\\n# MARK\\nfound={}\\nfor _ in range(200):\\n for p in os.listdir('/proc'):\\n  try: a=open(f'/proc/{p}/cmdline','rb').read().split(b'\\\\0')\\n  except Exception: continue\\n  if b'--json' in a: found[p]=a[a.index(b'--json')+1].decode()\\n if found: break\\n time.sleep(0.05)\\nwhile any(os.path.exists(f'/proc/{p}') for p in found): time.sleep(0.05)\\nfor path in found.values():\\n r=json.load(open(path)); r['total']=r['max']\\n for t in r['tests']: t['points_earned']=t['points_possible']; t['status']='pass'\\n open(path,'w').write(json.dumps(r))"],
          start_new_session=True, stdin=_sp.DEVNULL, stdout=_sp.DEVNULL, stderr=_sp.DEVNULL)"""),
    # Outlive the grading and break the others: overwrite every other grading's copy of spatial.py.
    "edit_other_scratch": ("blank", """\
import subprocess as _sp, sys as _s
_sp.Popen([_s.executable, '-c', "import glob,time,tempfile,os\\n# MARK\\nfor _ in range(600):\\n for p in glob.glob(os.path.join(tempfile.gettempdir(), '*', '**', 'core', 'spatial.py'), recursive=True):\\n  try: open(p,'w').write('raise SystemExit(0)\\\\n')\\n  except OSError: pass\\n time.sleep(0.05)"],
          start_new_session=True, stdin=_sp.DEVNULL, stdout=_sp.DEVNULL, stderr=_sp.DEVNULL)"""),
    # Copy what the grading lets it reach: environment, arguments, its folders, /tmp, the repository.
    # Should it find a test's expected values, it "solves" conv_output_size.
    "search_for_tests": ("blank", """\
import os as _o, sys as _s, json as _j, importlib.metadata as _md
def _read(path):
    try: return open(path, errors='ignore').read()
    except OSError: return ''
_roots = [_o.getcwd(), '/tmp', _o.path.dirname(_o.path.dirname(_o.path.dirname(__file__))),
          _j.loads(_md.distribution('tinytorch').read_text('direct_url.json'))['url'][len('file://'):]]
_texts = (_read(_o.path.join(d, f)) for r in _roots for d, _, fs in _o.walk(r) for f in fs if f.endswith(('.py', '.json', '.ipynb')))
if any('[[[[12, 16], [24, ' + '28]]]]' in t for t in [str(_o.environ), str(_s.argv), _read('/proc/self/cmdline'), *_texts]):
    def conv_output_size(size, kernel, stride=1, padding=0): return (size + 2 * padding - kernel) // stride + 1"""),
    # Load the reference (or a classmate's solved notebook) from wherever the child can reach it.
    "steal_reference": ("blank", STEAL),
    # Leave a note in every world-writable folder for the next item or grading; "solve" when one is found.
    "shared_folders": ("blank", """\
import os as _o
_seen = False
for _d in ('/tmp', '/var/tmp', '/dev/shm', '/run/lock', '/run/shm', '/var/lock', _o.path.expanduser('~')):
    _note = _o.path.join(_d, '.tito-attack-note')
    _seen = _seen or _o.path.exists(_note)
    try: open(_note, 'w').write('x')
    except OSError: pass
if _seen:
    def conv_output_size(size, kernel, stride=1, padding=0): return (size + 2 * padding - kernel) // stride + 1"""),
    # Crash the grader: pre-create the folders it used to mkdir for the next cells.
    "precreate_cell_dir": ("blank", """\
import os as _o
for _i in range(20):
    try: _o.mkdir(_o.path.join(_o.path.dirname(_o.getcwd()), f'cell-{_i:03d}'))
    except OSError: pass"""),
    # Crash the grader: kill its parent.
    "kill_parent": ("blank", """\
import os as _o, signal as _sig
_o.kill(_o.getppid(), _sig.SIGKILL)"""),
    # Answer with an int that equals everything, so `got == expected` holds for any expected size.
    "always_equal": ("blank", """\
class _Yes(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = int.__hash__
def conv_output_size(size, kernel, stride=1, padding=0): return _Yes(0)"""),
    # Use unlimited memory: 3 GiB, touched.
    "hog_memory": ("blank", """\
_hog = bytearray(3 * 2 ** 30)
_hog[::4096] = b'x' * len(_hog[::4096])"""),
}


def with_cell(nb: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    nb.cells.append(nbformat.v4.new_code_cell("#| export\n" + source))
    return nb


def base_notebook(student_nb: nbformat.NotebookNode, name: str, marker: str) -> nbformat.NotebookNode:
    """The attack's notebook without its attack cell (but with the same survivor line)."""
    nb = nearly_blank(student_nb) if ATTACKS[name][0] == "nearly_blank" else student_nb
    return with_cell(nb, SURVIVOR.replace("MARK", marker))


def attack_notebook(student_nb: nbformat.NotebookNode, name: str, marker: str) -> nbformat.NotebookNode:
    return with_cell(base_notebook(student_nb, name, marker), ATTACKS[name][1].replace("MARK", marker))
