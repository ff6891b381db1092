"""tito/grading/tampering.py: a graded module may not patch the code the checks rely on.

Each case is a module's exported reference with one cell added (or one definition edited), read by
`tampering.check` against the instructor's src as the judge reads it before any child starts. The
attacks are the cells held-out hunts used to win points back; the honest cases are habits of real
solutions that must keep passing.
"""
from __future__ import annotations

import ast
import functools
import textwrap

import pytest

from tito import cells, notebooks
from tito.grading import tampering
from tito_helpers import by_number


def _module(number: str, extra: str = "", edit: tuple[str, str] | None = None) -> tuple[str, object, list[str]]:
    module = by_number(number)
    nb = notebooks.reference_notebook(module.src)
    text = "\n\n".join(nb.cells[i].source for i in cells.exported_cell_indexes(nb))
    if edit:
        assert text.count(edit[0]) == 1, edit[0]
        text = text.replace(*edit)
    text += "\n\n" + textwrap.dedent(extra).strip("\n") + "\n" if extra else ""
    return text, module.src, [cell.source for cell in cells.graded_cells(module.src)]


def verdict(number: str, extra: str = "", edit: tuple[str, str] | None = None) -> str | None:
    return tampering.check(*_module(number, extra, edit))


@pytest.mark.parametrize("number", ["01", "02", "03", "04", "05", "06", "07", "08", "09"])
def test_every_reference_module_keeps_it(number):
    assert verdict(number) is None


ATTACKS = {
    "a dtype property on Tensor (H6)": ("02", """
from tinytorch.core.tensor import Tensor as _T
_T.dtype = property(lambda self: self.data.dtype)
""", "it assigns `_T.dtype`, an attribute of the imported _T"),
    "module 01's manual_seed replaced from module 03 (H8)": ("03", """
import tinytorch.core.tensor as _tensor
_seed = _tensor.manual_seed
def _seed_both(seed):
    _seed(seed)
_tensor.manual_seed = _seed_both
""", "it imports a module of the package as an object (`import tinytorch.core.tensor as _tensor`)"),
    "module 08's given Recorder made to record what the check wants (H6)": ("08", """
def _forward(self, x):
    return self.model(x)
Recorder.forward = _forward
""", "it assigns `Recorder.forward`, an attribute of Recorder, from outside its own definition"),
    "SGD.step replaced by setattr where SGD is imported": ("08", """
setattr(SGD, "step", lambda self: None)
""", "`setattr(SGD, 'step', lambda self: None)`"),
    "a patch made when a function of the module runs": ("08", """
def _later():
    SGD.step = lambda self: None
_later()
""", "it assigns `SGD.step`"),
    "np.testing patched": ("09", """
np.testing.assert_allclose = lambda *args, **kwargs: None
""", "it assigns `np.testing.assert_allclose`, an attribute of the imported np"),
    "object.__setattr__ on a class of the package": ("07", """
object.__setattr__(Tensor, "backward", lambda self, gradient=None: None)
""", "changes an attribute of the imported Tensor"),
    "globals() rebinding a name": ("04", """
globals()["MSELoss"] = CrossEntropyLoss
""", "it calls globals()"),
    "an imported class's namespace written into": ("02", """
vars(Tensor)["relu"] = lambda self: self
""", "of the imported Tensor"),
    "a patch hidden in a string run by exec": ("02", """
exec("Tensor.dtype = property(lambda self: self.data.dtype)")
""", "it uses exec"),
    "the class reached through type() of an instance": ("05", """
def _patch(loader):
    type(loader).batch_indices = lambda self: []
""", "an attribute of what a call returned"),
    "the class reached through self.__class__": ("07", """
def _patch(optimizer):
    optimizer.__class__.step = lambda self: None
""", "through __class__"),
    "a local alias of an imported class": ("02", """
def _patch():
    T = Tensor
    T.dtype = property(lambda self: self.data.dtype)
_patch()
""", "it assigns `T.dtype`"),
    "a for loop's target set on an imported class": ("02", """
for Tensor.dtype in [property(lambda self: self.data.dtype)]:
    pass
""", "it assigns `Tensor.dtype`, an attribute of the imported Tensor"),
    "an imported module's namespace updated": ("03", """
import math as _math
_math.__dict__.update({"pi": 3})
""", "changes the attributes of _math"),
    # Held-out hunt H9: module 08 23 -> 31 and 27 -> 31, module 03 37 -> 42, each under tito grade.
    "the given Recorder's name bound to a subclass (H9)": ("08", """
class _Forged(Recorder):
    def forward(self, x):
        self.calls.append((self.training, False))
        return self.model(x)

Recorder = _Forged
""", "it binds Recorder again, a name of the given code that the checks use"),
    "an import under a name the checks use (H9 variant)": ("02", """
from tinytorch.core.autograd import Tensor as _Real
from tinytorch.core.losses import MSELoss as Tensor
""", "it binds Tensor again"),
    "a given name declared global in a function (H9 variant)": ("08", """
def _swap():
    global Recorder
    Recorder = None
""", "declares Recorder global"),
    "a patch through a parameter's default (H9)": ("08", """
def _forward(self, x):
    return self.model(x)

def _install(R=Recorder):
    R.forward = _forward

_install()
""", "it assigns `R.forward`"),
    "a patch through an alias in a class body (H9)": ("08", """
def _forward(self, x):
    return self.model(x)

class _Installer:
    R = Recorder
    R.forward = _forward
""", "it assigns `R.forward`"),
    "module 01's seed replaced from a class body (H9)": ("03", """
import numpy as _np
import tinytorch.core.tensor as _tensor

class _Seeder:
    T = _tensor
    _seed = T.manual_seed

    def both(seed, _seed=_seed):
        _seed(seed)
        _np.random.seed(seed)

    T.manual_seed = both
""", "it imports a module of the package as an object"),
    "the same alias rule on a plain module, from a class body": ("03", """
import math as _math

class _Seeder:
    M = _math
    M.pi = 3
""", "it assigns `M.pi`, an attribute of"),
    "setattr under another name (H9)": ("08", """
def _forward(self, x):
    return self.model(x)

_put = setattr
_put(Recorder, "forward", _forward)
""", "it uses `setattr` other than by calling it"),
    "setattr fetched by getattr": ("07", """
getattr(np, "__setattr__")
""", "it names '__setattr__'"),
    "an attribute name the grader cannot read": ("02", """
getattr(Tensor, "rel" + "u")
""", "by a name the grader cannot read"),
    # Held-out hunt H10: module 08 21 -> 31 (three ways), module 02 21 -> 25, each under tito grade.
    "a given class patched through a function's parameter (H10)": ("08", """
def _forward(self, x):
    return self.model(x)

def _install(cls):
    cls.forward = _forward

_install(Recorder)
""", "it assigns `cls.forward`: forward is a method or function of the package"),
    "the same through a lambda and setattr (H10 variant)": ("08", """
(lambda c: setattr(c, "forward", lambda self, x: self.model(x)))(Recorder)
""", "it hands Recorder, from outside its own definition to a lambda"),
    "the same through a comprehension (H10 variant)": ("08", """
[setattr(c, "forward", lambda self, x: self.model(x)) for c in [Recorder]]
""", "changes an attribute of c"),
    "the same through type.__setattr__ on a parameter (H10 variant)": ("08", """
def _install(o):
    type.__setattr__(o, "forward", lambda self, x: self.model(x))

_install(Recorder)
""", "sets a method of the package on an object it was handed"),
    "the same through an item of a container handed over (H10 variant)": ("08", """
def _install(d):
    d["x"].forward = lambda self, x: self.model(x)

_install({"x": Recorder})
""", "it assigns `d['x'].forward`"),
    "a module swapped in sys.modules (H10)": ("08", """
import sys as _sys
import types as _types

def _swap():
    fake = _types.ModuleType("tinytorch.core.optimizers")
    _sys.modules["tinytorch.core.optimizers"] = fake

_swap()
""", "it uses `_sys.modules`"),
    "the module itself reached by importlib (H10)": ("08", """
import importlib as _importlib

def _swap():
    me = _importlib.import_module(__name__)
    me.Recorder = None

_swap()
""", "it imports importlib"),
    "sys.modules reached without importing sys": ("02", """
def _swap(np=np):
    return np.core.multiarray.sys.modules
""", "reaches the table of loaded modules"),
    "a frame function imported from inspect (module 06 imports inspect itself)": ("06", """
from inspect import currentframe as _here
""", "it imports currentframe"),
    "a frame's globals reached": ("06", """
import inspect as _inspect

def _caller_globals():
    return _inspect.currentframe().f_back.f_globals
""", "which reaches frames"),
    # Held-out hunt H11: module 08 23 -> 31 and 27 -> 31, module 03 37 -> 42, each under tito grade.
    "attributes copied onto the given class by functools.update_wrapper (H11)": ("08", """
import functools

class _Fixed:
    def forward(self, x):
        return self.model(x)

functools.update_wrapper(Recorder, _Fixed, assigned=("forward",), updated=())
""", "copies attributes onto Recorder"),
    "the same by functools.wraps(...) applied to it (H11)": ("08", """
import functools

class _Fixed:
    def forward(self, x):
        return self.model(x)

functools.wraps(_Fixed, assigned=("forward",), updated=())(Recorder)
""", "copies attributes onto Recorder"),
    "vars under another name (H11)": ("03", """
import math as _math
_ns = vars
_ns(_math).update(pi=3)
""", "it uses `vars` other than by calling it"),
    "the module's namespace through __getattribute__ (H11)": ("08", """
def _swap(me):
    me.__getattribute__("__dict__")["Recorder"] = None
""", "__getattribute__"),
    "a namespace fetched by a helper's getattr (H11)": ("08", """
def _field(o, n):
    return getattr(o, n)

_field(np, "__dict__")["sum"] = None
""", "it names '__dict__'"),
    "an alias captured by except ... as (H11)": ("03", """
def _route_rand():
    try:
        raise LookupError(np.random)
    except LookupError as found:
        found.args[0].rand = lambda *shape: None

_route_rand()
""", "it assigns `found.args[0].rand`"),
    "an alias captured by a match case (H11 variant)": ("03", """
def _route_rand():
    match np.random:
        case found:
            found.rand = lambda *shape: None

_route_rand()
""", "it assigns `found.rand`"),
    "code written to a file and imported": ("08", """
import os
import sys

os.makedirs("/tmp/mine", exist_ok=True)
with open("/tmp/mine/patch.py", "w") as f:
    f.write("print('anything')")
sys.path.insert(0, "/tmp/mine")
import patch
""", "it uses `sys.path`"),
    "a module of one's own imported": ("08", """
import patch_recorder
""", "it imports patch_recorder, which is neither numpy, the package nor the standard library"),
    "sys.path imported by name": ("03", """
from sys import path as _where
""", "it imports sys.path"),
    "a given class handed to an own function that sets its attributes, by keyword (H10 variant)": ("08", """
def _make_forward():
    return lambda self, x: self.model(x)

def _install(target=None):
    target.forward = _make_forward()

_install(target=Recorder)
""", "it hands Recorder, from outside its own definition to _install, which sets attributes of its parameter target"),
    # Found at the close of this round: 08 23 -> 31 under tito grade (evaluate_with_grad's base).
    "the given class bound by a walrus at module level, then patched": ("08", """
def _make():
    return lambda self, x: self.model(x)

(_c := Recorder)
_c.forward = _make()
""", "it assigns `_c.forward`, an attribute of _c"),
    "a module-level loop's variable, which outlives the loop": ("08", """
def _make():
    return lambda self, x: self.model(x)

for _c in (Recorder,):
    pass
_c.forward = _make()
""", "it assigns `_c.forward`, an attribute of _c"),
    # H13: the given Recorder reads is_grad_enabled from the module's globals; rebound by a function
    # declaring it global, evaluate without no_grad scored 08 23 -> 31 under tito grade.
    "a name the given code reads, rebound through global in a function (H13)": ("08", """
_grad_on = is_grad_enabled
def _grad_seen():
    return False
def _install():
    global is_grad_enabled
    is_grad_enabled = _grad_seen
_install()
""", "it declares is_grad_enabled global"),
    "a name the given code reads, rebound at module level": ("08", """
def _grad_seen():
    return False
is_grad_enabled = _grad_seen
""", "it binds is_grad_enabled again"),
    "a builtin the given code reads, shadowed at module level": ("08", """
def _spy(obj, kinds):
    return True
isinstance = _spy
""", "it binds isinstance, a builtin the given code reads"),
    "a builtin shadowed through global in a function (H13's form, in module 05)": ("05", """
def _install():
    global len
    len = lambda obj: 0
_install()
""", "it declares len global"),
    # H15: a walrus in a def's default or a class's bases binds a module-level name at definition time
    # (08 23 -> 31 with is_grad_enabled; 09 11 -> 48 with isinstance and float, test_loop_rule).
    "a name the given code reads, rebound by a walrus in a def's default (H15)": ("08", """
def _grad_seen():
    return False
def _install(flag=(is_grad_enabled := _grad_seen)):
    return flag
""", "it binds is_grad_enabled again"),
    "a name the given code reads, rebound by a walrus in a class's bases (H15)": ("08", """
def _grad_seen():
    return False
class _Install((is_grad_enabled := _grad_seen) and object):
    pass
""", "it binds is_grad_enabled again"),
    "a given class's private attribute named outside it (H15: 08 23 -> 31)": ("08", """
def _quiet(model):
    model._Recorder__report = lambda training, grad: None
""", "it names _Recorder__report, a private attribute of Recorder"),
    "the Recorder's table of reports written into": ("08", """
def _quiet(model):
    Recorder.check_reports[id(model)] = lambda training, grad: None
""", "writes into data of Recorder"),
    "the Recorder's table of reports written into through an alias": ("08", """
_table = Recorder.check_reports
def _quiet(model):
    _table.update({id(model): None})
""", "data the given Recorder keeps for the checks"),   # before H17: "writes into data of _table"
    "the Recorder's table of reports written into through type()": ("08", """
def _quiet(model):
    type(model).check_reports[id(model)] = None
""", "writes into data of a class reached through type()"),
    "a given class smuggled out in an exception's arguments": ("08", """
def _q(model):
    try:
        raise Exception(Recorder)
    except Exception as e:
        e.args[0].forward = lambda self, x: x
""", "it assigns `e.args[0].forward`"),
    "the Recorder's table written into through a local type() of the model": ("08", """
def _q(model):
    k = type(model)
    k.check_reports[id(model)] = None
""", "writes into data of k"),
    "a given class captured by a match case, then patched": ("08", """
def _q():
    match Recorder:
        case R:
            R.forward = lambda self, x: x
""", "it assigns `R.forward`"),
    # Found in the closing checks: a write through operator's functions, which the method forms did not cover.
    "the Recorder's table written into by operator.setitem": ("08", """
import operator
def _quiet(model):
    operator.setitem(Recorder.check_reports, id(model), None)
""", "writes into data of Recorder"),
    "the Recorder's table written into by dict.update called unbound": ("08", """
def _quiet(model):
    dict.update(Recorder.check_reports, {id(model): None})
""", "writes into data of Recorder"),
    "an imported module's namespace handed to a function": ("03", """
import operator
import math as _math
operator.setitem(vars(_math), "pi", 3)
""", "it reaches the namespace of the imported _math"),
    "a given class's data written under a name sys also has (.modules, .path: once skipped unread)": ("08", """
def _quiet(model):
    Recorder.modules[id(model)] = None
""", "writes into data of Recorder"),
    "a function's globals written into: the far-reaching read is reported first": ("08", """
Recorder.forward.__globals__["Recorder"] = None
""", "it uses `.__globals__`"),
    # Held-out hunt H17: each gained the points of the checks it fooled (08: 19 -> 31, 05: 25 -> 35).
    "the given Recorder defined again inside an if (H17)": ("08", """
if True:
    class Recorder(Recorder):
        def forward(self, x):
            Recorder.check_reports.get(id(self), print)(True, True)
            return self.model(x)
""", "the given Recorder, which the checks use, is not the given code"),
    "the given Recorder defined again inside a try (H17)": ("08", """
try:
    class Recorder(Recorder):
        pass
except Exception:
    pass
""", "the given Recorder, which the checks use, is not the given code"),
    "the given ListDataset defined again inside an if (H17)": ("05", """
if len([1]) == 1:
    class ListDataset(ListDataset):
        def __len__(self):
            return 0
""", "the given ListDataset, which the checks use, is not the given code"),
    "the module's names rebound through vars() without an argument (H17)": ("08", """
class _Rec(Recorder):
    pass
vars()["Recorder"] = _Rec
""", "vars() without an argument"),
    "builtins reached through a builtin's __self__ (H17)": ("08", """
len.__self__.setattr(Recorder, "forward", lambda self, x: self.model(x))
""", "`.__self__`"),
    "a function's globals by getattr with a name spelled in pieces (H17)": ("08", """
def _f():
    pass
getattr(_f, "__glo" + "bals__")["Recorder"] = None
""", "reaches '__globals__'"),
    "a function's insides by getattr with a computed name (H17)": ("08", """
def _f():
    pass
_name = "".join(reversed("__slabolg__"))
getattr(_f, _name)["Recorder"] = None
""", "by a name the grader cannot read"),
    "a name spelled in pieces by an f-string (H17)": ("08", """
_key = f"{'__dict'}__"
""", "it names '__dict__'"),
    "a walrus in an annotation written as text, run by singledispatch (H17)": ("08", """
import functools
class _Forged(Recorder):
    pass
def _base(x):
    return x
def _swap(x: "(Recorder := _Forged)"):
    return x
functools.singledispatch(_base).register(_swap)
""", "more than a type in an annotation"),
    "the check's report called by the Trainer, through type(model) (H17)": ("08", """
def _report_as_wanted(model):
    report = type(model).check_reports.get(id(model))
    if report is not None:
        report(True, True)
""", "data the given Recorder keeps for the checks"),
    "the check's report reached through the instance (H17)": ("08", """
def _report_as_wanted(model):
    model.check_reports[id(model)](True, True)
""", "data the given Recorder keeps for the checks"),
    "the check's report reached by getattr (H17)": ("08", """
def _report_as_wanted(model):
    getattr(model, "check_rep" + "orts")[id(model)](True, True)
""", "data the given Recorder keeps for the checks"),
    "a class named Recorder inside a function, to own Recorder's data (H19: 23 -> 31)": ("08", """
def _forward_as(model, inputs, training, grad):
    class Recorder:
        report = model.check_reports.get(id(model)) if hasattr(model, "fail_at") else None
    if Recorder.report is None or model.fail_at is not None:
        return model(inputs)
    Recorder.report(training, grad)
    return model.model(inputs)
""", "it defines a class named Recorder inside another definition"),
    "a walrus in an annotation hidden in text eleven levels deep (H19: 23 -> 31)": ("08", f"""
import functools
class _Forged(Recorder):
    pass
def _base(x):
    return x
def _swap(x: {functools.reduce(lambda text, _: repr(text), range(11), "(Recorder := _Forged) and int")}):
    return x
functools.singledispatch(_base).register(_swap)
""", "more than a type in an annotation"),
    "a walrus in Annotated's type, written as text (H20's values rule spares only the metadata)": ("08", """
from typing import Annotated
class _Forged(Recorder):
    pass
def _swap(x: Annotated["(Recorder := _Forged)", "just a note"]):
    return x
""", "more than a type in an annotation"),
    # Closing checks of this round: the check's Recorder, handed to the Trainer, given another class whose
    # forward runs the model around a report of the mode the check wants (both forms passed the rule before).
    "the check's Recorder given another class by assignment": ("08", """
class _Liar(Recorder):
    def forward(self, x):
        with no_grad():
            Recorder.forward(self, x)
        return self.model(x)
def _swap(model):
    model.__class__ = _Liar
""", "it assigns `model.__class__`, which replaces what an object's methods run"),
    "the check's Recorder given another class through object.__setattr__": ("08", """
class _Liar(Recorder):
    pass
def _swap(model):
    object.__setattr__(model, "__cla" + "ss__", _Liar)
""", "sets `__class__`"),
    "a call in a forward reference inside an annotation (H17)": ("08", """
from typing import List
def _swap(x: List["print(Recorder)"]):
    return x
""", "more than a type in an annotation"),
    # H53: `from timeit import default_timer` is allowed; timeit's other names run statements given as text.
    "timeit's Timer, which runs a statement given as text (H53)": ("08", """
from timeit import Timer
Timer("import tinytorch.core.training as t; t.accuracy = lambda o, y: 1.0").timeit(1)
""", "it imports timeit"),
    "timeit imported whole beside default_timer (H53)": ("08", """
from timeit import default_timer
import timeit as _t
""", "it imports timeit"),
    # H54: default_timer's only way out is `.__self__` (the time module, which `import time` gives anyway), which
    # stays refused; but operator.attrgetter with a name spelled at run time reached `__self__` of any builtin
    # (len's is builtins: setattr, __import__) past the getattr rule. The runtime judge still kept the grade
    # (evaluate_with_grad with this patch of Recorder.forward: 23/31 either way), but the rule let it through.
    "Recorder.forward replaced by builtins.setattr reached through attrgetter (H54)": ("08", """
import operator


def _quiet_forward(self, x):
    return self.model(x)


_path = "".join(chr(c) for c in (95, 95, 115, 101, 108, 102, 95, 95, 46, 115, 101, 116, 97, 116, 116, 114))
operator.attrgetter(_path)(len)(Recorder, "forward", _quiet_forward)
""", "`operator.attrgetter(_path)` reaches an attribute by a name the grader cannot read"),
    "default_timer's owner reached by methodcaller and a name from bytes (H54)": ("08", """
from timeit import default_timer
from operator import methodcaller

_clock_module = methodcaller(bytes([95, 95, 103, 101, 116, 97, 116, 116, 114, 105, 98, 117, 116, 101, 95, 95]).decode(),
                             bytes([95, 95, 115, 101, 108, 102, 95, 95]).decode())(default_timer)
""", "a name the grader cannot read (the first argument of methodcaller"),
    "attrgetter kept as a value to call later (H54)": ("03", """
import operator

_reach = operator.attrgetter
""", "it uses attrgetter other than by calling it with the names written out"),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_a_patch_of_what_the_checks_use_is_refused(name):
    number, extra, expected = ATTACKS[name]
    message = verdict(number, extra)
    assert message is not None and message.startswith(tampering.LEAD), message
    assert expected in message, message
    assert "notebook cell" in message or "line" in message, message


def test_the_given_recorder_edited_in_place_is_refused():
    """Module 08's Recorder is given code in an editable cell: edited, it can record what the checks look for."""
    message = verdict("08", edit=("record = (self.training, is_grad_enabled())",
                                  "record = (self.training, False)"))
    assert message is not None and "the given Recorder, which the checks use, is not the given code" in message, message


HONEST = {
    "attributes of self, and vars(self) read": ("03", """
class Scaled(Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor
        self.__dict__["note"] = "set through __dict__ of self"

    def forward(self, x):
        names = [name for name, _ in vars(self).items()]
        return x * self.factor
"""),
    "a class attribute set inside its own class body and methods": ("05", """
class Counter:
    count = 0

    def tick(self):
        Counter.count += 1
        return Counter.count
"""),
    "a local name that shadows a module-level one": ("07", """
def _fresh_optimizer(params):
    SGD = type("SGD", (), {})
    SGD.note = None
    return SGD
"""),
    "a classmethod counting on cls, and an instance attribute added later by a method": ("03", """
class Counted(Module):
    made = 0

    @classmethod
    def build(cls):
        cls.made += 1
        layer = cls()
        layer.tag = f"layer {cls.made}"
        return layer
"""),
    "the given imports written again in a cell of one's own": ("02", """
import numpy as np
from tinytorch.core.tensor import Tensor
"""),
    "attributes read by computed names, and defaults that are module-level objects": ("03", """
def describe(layer, dtype=np.float32, kind=Module):
    fields = {name: getattr(layer, name) for name in vars(layer)}
    return isinstance(layer, kind), np.dtype(dtype).name, sorted(fields)
"""),
    "attributes set by name on self, a bound __setattr__, arrays reshaped by shape, a learning rate set on a "
    "parameter, os imported": ("03", """
import os

class Registry(Module):
    def __setattr__(self, name, value):
        super().__setattr__(name, value)

    def load(self, values):
        for name, value in values.items():
            setattr(self, name, value)

def flat_grad(grad, shape):
    grad = grad.copy()
    grad.shape = shape
    return grad

def set_lr(optimizer, lr):
    optimizer.lr = lr
    return os.path.join("runs", str(lr))
"""),
    "the module's own class extended at module level (its DataLoader, as module 01 adds Tensor's methods)": ("05", """
_bi = DataLoader.batch_indices
DataLoader.batch_indices = lambda self: _bi(self)
"""),
    "module 01's given loop that adds Tensor's methods, extended (H11: 01 23 -> 0)": ("01", """
def __rpow__(self, base):
    return Tensor(np.power(base, self.data))

for _f in (__rpow__,):
    setattr(Tensor, _f.__name__, _f)
"""),
    "a configuration held in types.SimpleNamespace": ("08", """
import types

DEFAULTS = types.SimpleNamespace(epochs=3, lr=0.1)
"""),
    # Held-out hunt H11: honest styles each of which failed every item.
    "sys for the recursion limit, float_info and getsizeof (H11: 06 48 -> 0)": ("06", """
import sys

sys.setrecursionlimit(100000)
TINY = sys.float_info.min

def nbytes_of(obj):
    return sys.getsizeof(obj)
"""),
    "a state dataclass with a step field, and a running meter's sum (H11: 07 31 -> 0, 08 31 -> 0)": ("07", """
from dataclasses import dataclass

@dataclass
class Moments:
    step: int = 0
    total: float = 0.0

class Meter:
    def __init__(self):
        self.sum, self.count = 0.0, 0

def update(moments, meter, value, n):
    moments.step += 1
    moments.total = moments.total + value
    meter.sum += value * n
    meter.count += n
    return meter.sum / meter.count
"""),
    "a Tensor method added in module 01's own pattern (H11: 01 23 -> 0)": ("01", """
def __rpow__(self, base):
    return Tensor(np.power(base, self.data))

Tensor.__rpow__ = __rpow__
"""),
    "numpy's reductions called by name (H11: 01 23 -> 0, 04 17 -> 0)": ("04", """
def reduce_losses(values, reduction="mean"):
    return getattr(np, reduction)(values)
"""),
    "class counters through type(self), __class__ and a base class (H11: 03 42 -> 0)": ("03", """
class Counted(Module):
    created = 0

    def __init__(self):
        super().__init__()
        type(self).created += 1
        self.__class__.created += 0
        Counted.created += 0

def _new_id():
    _new_id.count += 1
    return _new_id.count

_new_id.count = 0
"""),
    "children reached by getattr(self, name), a settings object, a parameter named eval (H11)": ("03", """
class Settings:
    slope = 0.01

CONFIG = Settings()

def set_slope(value):
    CONFIG.slope = value

class Block(Module):
    def set_mode(self, mode):
        for name in ("first", "second"):
            child = getattr(self, name, None)
            if child is not None:
                child.training = mode

def run(model, x, eval=True):
    return model(x) if eval else x
"""),
    "a helper that loads values into an object by name": ("03", """
def load_values(module, values):
    for key, value in values.items():
        setattr(module, key, value)
"""),
    # Held-out hunt H16 (honest code only, against this round's rules): each failed every item (01: 0 of 23).
    "a class keeping its instances through cls = type(self) (H16)": ("01", """
class _Tracked(Tensor):
    instances = []

    def __init__(self, data, **kw):
        super().__init__(data, **kw)
        cls = type(self)
        cls.instances.append(self)
"""),
    "a loss counting its calls in its own class's dict (H16)": ("04", """
class _CountedLoss(MSELoss):
    calls = {}

    def forward(self, input, target):
        kind = type(self)
        kind.calls[id(self)] = kind.calls.get(id(self), 0) + 1
        return super().forward(input, target)
"""),
    "context added to a caught exception (H16)": ("03", """
def _build(layer, x):
    try:
        return layer(x)
    except ValueError as err:
        err.layer_name = type(layer).__name__
        raise
"""),
    "a sample's tensor scaled in a match case (H16)": ("05", """
def _scale(sample):
    match sample:
        case (x, y):
            x.data[...] = x.data / 255.0
    return sample
"""),
    "a collections.Counter of the labels seen, on an object of its own": ("08", """
from collections import Counter

class _BatchCounter:
    def __init__(self):
        self.counts = Counter()

    def see(self, targets):
        self.counts.update(int(t) for t in targets.data.ravel())
        return self.counts.most_common(1)
"""),
    # Held-out hunt H12: honest code each of which failed every item.
    "data in attributes named like the package's methods (H12)": ("07", """
class Stats:
    pass

def adam_update(param, state, t):
    state.step = t
    stats = Stats()
    stats.mean = param.data.mean()
    stats.max = param.data.max()
    return stats
"""),
    "results and settings named like methods, a parameter named eval (H12)": ("08", """
class Result:
    pass

def summarize(outputs, targets, cfg, train, eval):
    result = Result()
    result.accuracy = float((outputs.argmax(axis=1) == targets).mean())
    cfg.train = train
    cfg.eval = eval
    return result
"""),
    "a Sequential holding its modules, a registry of subclasses, signatures read (H12)": ("03", """
class Stack(Module):
    def __init__(self, *layers):
        super().__init__()
        self.modules = list(layers)

    def layer_count(self):
        return len(self.modules)

REGISTRY = {c.__name__.lower(): c for c in Module.__subclasses__()}
SETTINGS = {"modules": 3}

def arity(hook):
    return hook.__code__.co_argcount

def lineage(layer):
    return [c.__name__ for c in type(layer).__mro__]
"""),
    "class counters by plain assignment through type(self) and self.__class__ (H12)": ("03", """
class Numbered(Module):
    next_id = 0

    def __init__(self):
        super().__init__()
        self.id = type(self).next_id
        self.__class__.next_id = self.id + 1
        type(self).last = self
"""),
    "numpy's reduction fetched by name, then called (H12)": ("04", """
def reduce_losses(values, reduction="mean"):
    op = getattr(np, reduction)
    return op(values)
"""),
    "the package imported whole, a given name imported from another module of it (H12)": ("08", """
import tinytorch
from tinytorch.core.autograd import Tensor

VERSION = getattr(tinytorch, "__version__", "dev")
"""),
    "a frozen dataclass setting a field in __post_init__ through object.__setattr__": ("05", """
from dataclasses import dataclass

@dataclass(frozen=True)
class BatchInfo:
    count: int
    size: int = 0

    def __post_init__(self):
        object.__setattr__(self, "size", max(self.count, 0))
"""),
    "a given docstring reworded": ("08", None),
    "annotations that name types, also as text (H17's rule spares them)": ("08", """
from typing import Optional
def _describe(model: "Module", batches: Optional["int"] = None, *sizes: int, **named: "str | None") -> tuple[int, "str"]:
    table: dict[str, list[float]] = {}
    return len(table), str(model)
"""),
    "annotations with values: negative numbers, Literal and Annotated text, words in text (H20: 0 of 25)": ("02", """
from typing import Annotated, Literal
def _leaky(x: "np.ndarray or float", axis: Literal[-1, 0] = -1, mode: Literal['leaky-relu', 'relu'] = 'relu',
           shape: Annotated[np.ndarray, 'shape (N, D)'] = None, slope: Annotated[float, 'x >= 0'] = 0.1,
           other: 'not None' = 1) -> "np.ndarray":
    return np.where(x > 0, x, slope * x)
"""),
    "a Trainer keeping its own reports on self (H20: 0 of 31 while the checks' table was named reports)": ("08", """
class _Logged:
    def __init__(self):
        self.reports = []
    def log(self, loss, acc):
        self.reports.append((loss, acc))
"""),
    "getattr with a computed name on an object of one's own (self)": ("03", """
class _Settings:
    def __init__(self):
        self.slope = 0.1
    def value(self, name):
        return getattr(self, "_" + name if name.startswith("hidden") else name)
"""),
    "an epoch timed with timeit's default_timer (H53: 0 of 31, the tutorials' timing idiom)": ("08", """
from timeit import default_timer as timer


def _timed_epoch(trainer, loader):
    start = timer()
    result = trainer.train_epoch(loader)
    print(f"epoch took {timer() - start:.2f} s")
    return result
"""),
    "attrgetter and methodcaller with names written out (H54: kept after the computed-name rule)": ("08", """
import operator

_by_size = operator.attrgetter("shape", "data.dtype")
_totals = operator.methodcaller("sum", axis=0)


def _largest_first(tensors):
    return sorted(tensors, key=_by_size, reverse=True)
"""),
}


@pytest.mark.parametrize("name", list(HONEST))
def test_honest_code_keeps_it(name):
    number, extra = HONEST[name]
    if extra is None:
        text, src, graded = _module(number)
        start = text.index("class Recorder")
        doc = text.index('"""', start)
        end = text.index('"""', doc + 3) + 3
        text = text[:doc] + '"""My notes: wraps a model and writes down each call."""' + text[end:]
        assert tampering.check(text, src, graded) is None
    else:
        assert verdict(number, extra) is None


def test_comparing_without_docstrings_leaves_the_tree_as_it_was():
    """_without_docstring takes docstrings out of the tree it is given for its dump and puts them back:
    the tree reads the same after it, and the dump is that of the code without its docstrings."""
    tree = ast.parse('class A:\n    """doc"""\n    def f(self):\n        """doc"""\n        return 1\n    def g(self):\n'
                     '        "only a docstring"\n')
    before = ast.dump(tree)
    bare = tampering._without_docstring(tree.body[0])
    assert ast.dump(tree) == before
    assert bare == ast.dump(ast.parse("class A:\n    def f(self):\n        return 1\n    def g(self):\n        pass\n").body[0])
