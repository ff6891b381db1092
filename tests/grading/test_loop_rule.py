"""The loop rule (tito/grading/loops.py), unit by unit: honest loops keep it, shortcuts lose it.

Each case is module 09's exported code as a student would submit it: the real student notebook
with every exercise filled by the reference solution (submissions_09.build), one exercise's body
replaced, and optionally an exported cell added. `loops.check` reads that text against the
instructor's src, as the grader does; nothing here runs the code.
"""
from __future__ import annotations

import ast
import copy
import functools
import itertools
import re
import sys
import textwrap

import pytest

import submissions_09 as subs
from tito import cells, notebooks
from tito.grading import loops

if subs.MODULE is None:
    pytest.skip("src/09_convolutions does not exist", allow_module_level=True)

from submissions_09.correct import CORRECT

SRC = subs.MODULE.src
STUDENT = notebooks.student_notebook(SRC)
LOOPS = ("conv2d_loops", "conv2d_backward_loops", "maxpool2d_loops", "avgpool2d_loops",
         "maxpool2d_backward_loops", "avgpool2d_backward_loops")


@functools.cache
def _with_stub(function: str | None) -> str:
    """The exported cells of the student notebook, every exercise but `function` filled by the reference,
    then the going-further notebook's (09b_going_further.py), as `tito export` and `tito grade` put them."""
    nb = subs.build(blank=(function,) if function else (), student=STUDENT)
    cells.append_continued(nb, cells.continued_cells(SRC))
    return "\n\n".join(nb.cells[i].source for i in cells.exported_cell_indexes(nb))


def module_text(bodies: dict[str, str] | None = None, extra: str | tuple = "") -> str:
    """The exported module of the student notebook with `bodies` (one at most) filled in, the reference
    elsewhere, and `extra` as one more exported cell at the end, or, given as (old, new), an edit."""
    (function, body), = (bodies or {None: None}).items()
    text = _with_stub(function)
    if function:
        stub = "    " + notebooks.STUB
        assert text.count(stub) == 1
        text = text.replace(stub, textwrap.indent(textwrap.dedent(body).strip("\n"), "    "))
    if isinstance(extra, tuple):
        assert text.count(extra[0]) == 1, extra[0]
        return text.replace(*extra)
    return text + ("\n\n" + textwrap.dedent(extra).strip("\n") + "\n" if extra else "\n")


def verdict(function: str, body: str | None = None, extra: str = "") -> str | None:
    return loops.check(module_text({function: body} if body else None, extra), SRC, function)


def clause(message: str | None) -> int | None:
    match = re.search(r"\(loop rule (\d)\)", message or "")
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------------------- honest loops keep it

def test_the_graded_cells_of_the_six_loop_exercises_carry_the_directive():
    """And conv_output_size's: an exercise without loops keeps clauses 3 and 4 (H21)."""
    marked = {cell.loop_rule: cell for cell in cells.graded_cells(SRC) if cell.loop_rule}
    assert set(marked) == {*LOOPS, "conv_output_size"}
    assert all(cell.src == SRC for cell in marked.values())
    assert not any("count_loop_steps" in cell.source for cell in cells.check_cells(SRC))


@pytest.mark.parametrize("function", LOOPS)
def test_the_reference_keeps_the_rule(function):
    assert verdict(function) is None


def test_the_reference_package_as_generated_keeps_the_rule():
    """The file nbdev writes (relative imports, cell markers) reads like the notebook's cells."""
    nb = notebooks.reference_notebook(SRC)
    text = "\n\n".join(nb.cells[i].source for i in cells.exported_cell_indexes(nb))
    for function in LOOPS:
        assert loops.check(text, SRC, function) is None, function


@pytest.mark.parametrize("function", LOOPS)
def test_the_independent_correct_set_keeps_the_rule(function):
    assert verdict(function, CORRECT[function]) is None


@pytest.mark.parametrize("function", LOOPS)
def test_the_solution_uses_no_name_of_the_module_its_given_lines_do_not(function):
    """The notebook states clause (3) with "the names its given lines use, directly or through the
    functions they call"; the rule takes them from the whole reference function. The two agree only
    while the solutions add no module name."""
    ref = loops.reference(SRC)
    whole = ref.module.defs[function]
    given = copy.copy(whole)
    given.body = [s for s in whole.body if ast.dump(s) in ref.given[function]]
    assert loops._module_names_used(whole, ref.module) == loops._module_names_used(given, ref.module)
    assert not {"conv2d_vectorized", "_im2col", "maxpool2d_vectorized", "_maxpool2d_forward", "_avgpool2d_backward",
                "sliding_window_view"} & loops._reachable(function, ref.module)


HONEST = {
    "the window's rows and columns as named slice objects (found by a held-out student)": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                rows = slice(i * sh, i * sh + kh)
                cols = slice(j * sw, j * sw + kw)
                out[n, c, i, j] = x_pad[n, c, rows, cols].sum() / (kh * kw)
return out
"""),
    "a window clipped at the border of x, no padded copy (max(top, 0):min(top + kh, height))": ("avgpool2d_loops", """
height, width = x.shape[2:]
ph, pw = padding
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                top, left = i * sh - ph, j * sw - pw
                r0, r1 = max(top, 0), min(top + kh, height)
                out[n, c, i, j] = x[n, c, r0:r1, max(left, 0):min(left + kw, width)].sum() / (kh * kw)
return out
"""),
    "slice(...) written in the index": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw, 1)].max()
return out
"""),
    "one flattened position loop with divmod inside ndindex": ("avgpool2d_loops", """
for n, c in np.ndindex(batch, channels):
    for p in range(h_out * w_out):
        i, j = divmod(p, w_out)
        out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].sum() / (kh * kw)
return out
"""),
    "scalar set-up before the loops (area, -inf)": ("avgpool2d_backward_loops", """
area = kh * kw
lowest = -np.inf
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                if grad_out[n, c, i, j] > lowest:
                    grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += grad_out[n, c, i, j] / area
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "maxpool window.max()": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, c, i, j] = window.max()
return out
"""),
    "conv (window * kernel).sum()": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, co, i, j] = (window * weight[co]).sum() + (0.0 if bias is None else bias[co])
return out
"""),
    "conv, bias in a loop of its own under an if": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                out[n, co, i, j] = (x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] * weight[co]).sum()
if bias is not None:
    for n in range(batch):
        for co in range(c_out):
            out[n, co] += bias[co]
return out
"""),
    "maxpool backward np.argmax with divmod over np.ndindex": ("maxpool2d_backward_loops", """
for n, c, i, j in np.ndindex(grad_out.shape):
    window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
    r, s = divmod(int(np.argmax(window)), kw)
    grad_x_pad[n, c, i * sh + r, j * sw + s] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "avgpool itertools.product imported in the function": ("avgpool2d_loops", """
import itertools
for n, c, i, j in itertools.product(range(batch), range(channels), range(h_out), range(w_out)):
    out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].mean()
return out
"""),
    "avgpool backward over np.ndindex of the output": ("avgpool2d_backward_loops", """
for n, c, i, j in np.ndindex(*grad_out.shape):
    grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += grad_out[n, c, i, j] / (kh * kw)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "conv backward by window slices": ("conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                window = x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                grad_w[co] += g * window
                grad_x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += g * weight[co]
                grad_b[co] += g
grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width]
return grad_x, grad_w, grad_b
"""),
    "conv calling the output size exercise and a given helper": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(conv_output_size(x.shape[2], kh, sh, padding[0])):
            for j in range(conv_output_size(x.shape[3], kw, sw, padding[1])):
                window = _as_array(x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw], "window")
                out[n, co, i, j] = np.sum(window * weight[co]) + (bias[co] if bias is not None else 0.0)
return out
"""),
    "maxpool backward through names computed in the loops": ("maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                top, left = i * sh, j * sw
                where = np.argmax(x_pad[n, c, top:top + kh, left:left + kw])
                row = top + where // kw
                col = left + where % kw
                grad_x_pad[n, c, row, col] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    # clause (5) reads every use of the image inside the loops; these read one window per position
    "a plane per image and channel, sliced per position": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        plane = x_pad[n, c]
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = plane[i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
"""),
    "window bounds named one per line, shape-based loops": ("avgpool2d_loops", """
for n in range(x.shape[0]):
    for c in range(x.shape[1]):
        for i in range(h_out):
            for j in range(w_out):
                r0 = i * sh
                r1 = r0 + kh
                c0, c1 = j * sw, j * sw + kw
                out[n, c, i, j] = np.mean(x_pad[n, c, r0:r1, c0:c1])
return out
"""),
    "maxpool backward np.unravel_index of the window's argmax": ("maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                a, b = np.unravel_index(np.argmax(window), window.shape)
                grad_x_pad[n, c, i * sh + a, j * sw + b] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "chained scalar subscripts x_pad[n][c][r][s]": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                s = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        s += x_pad[n][c][i * sh + ki][j * sw + kj]
                out[n][c][i][j] = s / (kh * kw)
return out
"""),
    "an ellipsis and the builtin max": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = -np.inf
                for ki in range(kh):
                    for kj in range(kw):
                        best = max(best, x_pad[n, c, ..., i * sh + ki, j * sw + kj])
                out[n, c, i, j] = best
return out
"""),
    "conv over np.ndindex, window sizes from weight.shape": ("conv2d_loops", """
for n, co, i, j in np.ndindex(batch, c_out, h_out, w_out):
    window = x_pad[n, :, i * sh:i * sh + weight.shape[2], j * sw:j * sw + weight.shape[3]]
    out[n, co, i, j] = np.sum(window * weight[co]) + (bias[co] if bias is not None else 0.0)
return out
"""),
    "max pooling over window.flat with a running maximum": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                best = window.flat[0]
                for value in window.flat:
                    if value > best:
                        best = value
                out[n, c, i, j] = best
return out
"""),
    "a named slice built from named bounds (rows = slice(top, bottom))": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                top = i * sh
                bottom = top + kh
                rows = slice(top, bottom)
                window_rows = rows
                out[n, c, i, j] = x_pad[n, c, window_rows, j * sw:j * sw + kw].mean()
return out
"""),
    "positions looped, the batch and channels at once (CS231n's naive version)": ("avgpool2d_loops", """
for i in range(h_out):
    for j in range(w_out):
        out[:, :, i, j] = np.mean(x_pad[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw], axis=(2, 3))
return out
"""),
    "a band of kh rows named once per output row, each window sliced from it (lost the rule before)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            band = x_pad[n, c, i * sh:i * sh + kh]
            for j in range(w_out):
                out[n, c, i, j] = np.amax(band[:, j * sw:j * sw + kw])
return out
"""),
    "a band of kw columns, its rows picked by a named slice": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for j in range(w_out):
            band = x_pad[n, c, :, j * sw:j * sw + kw]
            for i in range(h_out):
                rows = slice(i * sh, i * sh + kh)
                out[n, c, i, j] = band[rows].sum() / (kh * kw)
return out
"""),
    "the first maximum's position started at None, written into grad_x_pad (a write, not a read)": (
        "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best, best_row, best_col = None, None, None
                for ki in range(kh):
                    for kj in range(kw):
                        value = x_pad[n, c, i * sh + ki, j * sw + kj]
                        if best is None or value > best:
                            best, best_row, best_col = value, i * sh + ki, j * sw + kj
                grad_x_pad[n, c, best_row, best_col] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "chained subscripts: the window's rows, then its columns (lost the rule before)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c][i * sh:i * sh + kh][:, j * sw:j * sw + kw].max()
return out
"""),
    "chained subscripts: the window's columns, then its rows": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, :, j * sw:j * sw + kw][i * sh:i * sh + kh].mean()
return out
"""),
    "while loops over the output rows and columns, inside for loops over images and channels": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        i = 0
        while i < h_out:
            j = 0
            while j < w_out:
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].mean()
                j += 1
            i += 1
return out
"""),
    "starts enumerated, the mean as sum over size": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i, top in enumerate(range(0, h_out * sh, sh)):
            for j, left in enumerate(range(0, w_out * sw, sw)):
                window = x_pad[n, c, top:top + kh, left:left + kw]
                out[n, c, i, j] = window.sum() / window.size
return out
"""),
    "the window tops gathered in a list first": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        tops = []
        for i in range(h_out):
            tops.append(i * sh)
        for i, top in enumerate(tops):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, top:top + kh, j * sw:j * sw + kw].max()
return out
"""),
    "open-ended slices cut to the window by a second subscript": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:, j * sw:][:kh, :kw].max()
return out
"""),
    "rows cut to the window, then columns, one subscript each": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:][:kh, j * sw:][:, :kw].mean()
return out
"""),
    "one window's values appended to a fresh list, then max of the list": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                values = []
                for ki in range(kh):
                    for kj in range(kw):
                        values.append(x_pad[n, c, i * sh + ki, j * sw + kj])
                out[n, c, i, j] = max(values)
return out
"""),
    "the window copied element by element into np.zeros((kh, kw))": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = np.zeros((kh, kw))
                for ki in range(kh):
                    for kj in range(kw):
                        window[ki, kj] = x_pad[n, c, i * sh + ki, j * sw + kj]
                out[n, c, i, j] = window.mean()
return out
"""),
    "conv products collected over channels and kernel offsets, then summed": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                terms = []
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            terms.append(x_pad[n, ci, i * sh + ki, j * sw + kj] * weight[co, ci, ki, kj])
                out[n, co, i, j] = sum(terms) + (bias[co] if bias is not None else 0.0)
return out
"""),
    "max of a generator over the kernel offsets": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = max(x_pad[n, c, i * sh + ki, j * sw + kj] for ki in range(kh) for kj in range(kw))
return out
"""),
    "conv as sum of a generator over channels and kernel offsets": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                out[n, co, i, j] = sum(x_pad[n, ci, i * sh + ki, j * sw + kj] * weight[co, ci, ki, kj]
                                       for ci in range(c_in) for ki in range(kh) for kj in range(kw))
                if bias is not None:
                    out[n, co, i, j] += bias[co]
return out
"""),
    "a window named once, its channels summed by a generator": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, co, i, j] = sum((window[ci] * weight[co, ci]).sum() for ci in range(c_in))
                if bias is not None:
                    out[n, co, i, j] += bias[co]
return out
"""),
    "running max seeded with the window's corner, kernel offsets from np.ndindex": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = x_pad[n, c, i * sh, j * sw]
                for ki, kj in np.ndindex(kh, kw):
                    best = max(best, x_pad[n, c, i * sh + ki, j * sw + kj])
                out[n, c, i, j] = best
return out
"""),
    "positions from np.ndenumerate of the output": ("maxpool2d_loops", """
for (n, c, i, j), _ in np.ndenumerate(out):
    out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
"""),
    "avgpool backward over np.ndenumerate of grad_out, one element per step": ("avgpool2d_backward_loops", """
for (n, c, i, j), g in np.ndenumerate(grad_out):
    grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += g / (kh * kw)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "conv, the bias added to each finished plane by out[n, co] = out[n, co] + bias[co]": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                out[n, co, i, j] = (x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] * weight[co]).sum()
        if bias is not None:
            out[n, co] = out[n, co] + bias[co]
return out
"""),
    # Round five's fixes read more of the loops; these honest habits must still keep the rule.
    "each element taken as a Python number with .item(), the best kept in a name": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = -np.inf
                for ki in range(kh):
                    for kj in range(kw):
                        v = x_pad[n, c, i * sh + ki, j * sw + kj].item()
                        best = max(best, v)
                out[n, c, i, j] = best
return out
"""),
    "the running maximum with np.maximum, the best as its second argument": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = -np.inf
                for ki in range(kh):
                    for kj in range(kw):
                        best = np.maximum(x_pad[n, c, i * sh + ki, j * sw + kj], best)
                out[n, c, i, j] = best
return out
"""),
    "the window's size worked out again from kernel_size, and an annotated total": ("avgpool2d_loops", """
area = kh * kw
k_rows, k_cols = kh, kw
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                total: float = 0.0
                for ki in range(k_rows):
                    for kj in range(k_cols):
                        total += x_pad[n, c, i * sh + ki, j * sw + kj]
                out[n, c, i, j] = total / area
return out
"""),
    "the argmax's position kept as a tuple and read element by element": ("maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                where = np.unravel_index(np.argmax(window), window.shape)
                grad_x_pad[n, c, i * sh + where[0], j * sw + where[1]] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "a window's values gathered in a list made afresh, with the list's max": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                values = []
                for ki in range(kh):
                    for kj in range(kw):
                        values.append(x_pad[n, c, i * sh + ki, j * sw + kj].item())
                out[n, c, i, j] = max(values)
return out
"""),
    # Round six's fixes: these honest habits must still keep the rule.
    "the maximum over np.ndenumerate of the window, in a generator": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, c, i, j] = max(value for _, value in np.ndenumerate(window))
return out
"""),
    "the argmax turned into a Python int with .item(), then unravelled": ("maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                flat = np.argmax(window).item()
                r, s = flat // kw, flat % kw
                grad_x_pad[n, c, i * sh + r, j * sw + s] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "the kernel's size read from weight.shape in the slices": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, :, i * sh:i * sh + weight.shape[2], j * sw:j * sw + weight.shape[3]]
                out[n, co, i, j] = (window * weight[co]).sum() + (bias[co] if bias is not None else 0.0)
return out
"""),    # Held-out hunt, round sixteen: the window's elements one by one in a generator, summed by math.fsum
    # (imported in the function, as a student adds an import where they need it).
    "math.fsum of a generator over the window's elements, imported in the function": ("avgpool2d_loops", """
import math
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                cells = (x_pad[n, c, i * sh + a, j * sw + b] for a in range(kh) for b in range(kw))
                out[n, c, i, j] = math.fsum(cells) / (kh * kw)
return out
"""),
    # Held-out hunt, round seventeen: the bias left out of the position loops and added afterwards, one
    # output channel at a time, to the whole (batch, height, width) block of that channel.
    "the bias added after the loops, one output channel's block at a time": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                acc = 0.0
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            acc += x_pad[n, ci, i * sh + ki, j * sw + kj] * weight[co, ci, ki, kj]
                out[n, co, i, j] = acc
if bias is not None:
    for co in range(c_out):
        out[:, co] += bias[co]
return out
"""),
    # Held-out hunt, round eighteen: the batch counted with len outside the loops (loop rule 2 refused
    # `len` there, although rule 5 reads it as a number).
    "the batch size counted by len(x) outside the loops": ("maxpool2d_loops", """
n_images = len(x)
for n in range(n_images):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
"""),
    # Held-out hunt, round nineteen: numpy's weighted mean, unweighted, of one window (tito grade 09: 48/48).
    "np.average of each window": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = np.average(x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw])
return out
"""),
}


def test_a_given_helper_with_its_docstring_and_comments_reworded_keeps_the_rule():
    """A student who rewords a given helper's docstring and annotates it keeps the rule: only what runs is
    compared with the given code."""
    edit = ('    """Pad the two spatial axes of an (N, C, H, W) array."""\n    ph, pw = padding',
            '    """My notes: pads H and W only; N and C stay."""\n    # (ph, pw): rows, then columns\n'
            '    ph, pw = padding  # unpacked once')
    assert loops.check(module_text(None, edit), SRC, "maxpool2d_loops") is None

# Held-out hunt H14 (honest answers only): each lost its whole item under tito grade and tito test.
HONEST.update({
    "the kernel flattened once per output channel, then np.vdot with each window (H14: 48 -> 40)": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        kernel = weight[co].ravel()
        for i in range(h_out):
            for j in range(w_out):
                patch = x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, co, i, j] = np.vdot(patch, kernel)
                if bias is not None:
                    out[n, co, i, j] += bias[co]
return out
"""),
    "the window's area as a float before the loops (H14: 48 -> 43)": ("avgpool2d_backward_loops", """
area = float(kh * kw)
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                share = grad_out[n, c, i, j] / area
                for ki in range(kh):
                    for kj in range(kw):
                        grad_x_pad[n, c, i * sh + ki, j * sw + kj] += share
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "the cropped gradient copied before it is returned (H14: 48 -> 38)": ("conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            row, col = i * sh + ki, j * sw + kj
                            grad_x_pad[n, ci, row, col] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, row, col]
grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width].copy()
return grad_x, grad_w, grad_b
"""),
})

# Held-out hunt H16: the best value kept in one tuple with its row and column (48 -> 41: the row and
# column unpacked from it were taken for arrays).
HONEST.update({
    "the best value, its row and its column in one tuple, unpacked (H16)": ("maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = (-np.inf, i * sh, j * sw)
                for ki in range(kh):
                    for kj in range(kw):
                        r, q = i * sh + ki, j * sw + kj
                        if x_pad[n, c, r, q] > best[0]:
                            best = (x_pad[n, c, r, q], r, q)
                _, r, q = best
                grad_x_pad[n, c, r, q] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "the best value, its row and its column in one tuple, read by position (H16)": ("maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = (-np.inf, i * sh, j * sw)
                for ki in range(kh):
                    for kj in range(kw):
                        r, q = i * sh + ki, j * sw + kj
                        if x_pad[n, c, r, q] > best[0]:
                            best = (x_pad[n, c, r, q], r, q)
                r, q = best[1], best[2]
                grad_x_pad[n, c, r, q] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
})


# Held-out hunt H18: a window's rows reduced by a generator or by map (44 of 48: the rule crashed on a
# generator over a name, and took `max` mapped over the window for a copy of the image).
HONEST.update({
    "the max of the rows' maxima, by a generator over the window (H18)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, c, i, j] = max(max(row) for row in window)
return out
"""),
    "the sum of the rows' sums over the window's size (H18)": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, c, i, j] = sum(sum(row) for row in window) / (kh * kw)
return out
"""),
    "the max over window.flat, by a generator (H18)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, c, i, j] = max(v for v in window.flat)
return out
"""),
    "max mapped over the window's rows (H18)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, c, i, j] = max(map(max, window))
return out
"""),
})


# A held-out stop hook's find (H62): numpy's `a.item(i0, i1, i2, i3)`, one index per axis, is one element, the
# same read as `a[i0, i1, i2, i3]` (it was refused by clause 5 as a use of x_pad whole: 44 of 48).
HONEST.update({
    "each element read by x_pad.item(n, c, r, s), one index per axis (H62)": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        total += x_pad.item(n, c, i * sh + ki, j * sw + kj)
                out[n, c, i, j] = total / (kh * kw)
return out
"""),
    "the running maximum over x_pad.item(n, c, r, s) (H62)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = -np.inf
                for ki in range(kh):
                    for kj in range(kw):
                        value = x_pad.item(n, c, i * sh + ki, j * sw + kj)
                        if value > best:
                            best = value
                out[n, c, i, j] = best
return out
"""),
    "conv's products of x_pad.item(...) and weight.item(...) (H62)": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            total += x_pad.item(n, ci, i * sh + ki, j * sw + kj) * weight.item(co, ci, ki, kj)
                if bias is not None:
                    total += bias.item(co)
                out[n, co, i, j] = total
return out
"""),
    "conv backward reading grad_out.item(n, co, i, j) and x_pad.item(...) (H62)": ("conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out.item(n, co, i, j)
                grad_b[co] += g
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            row, col = i * sh + ki, j * sw + kj
                            grad_x_pad[n, ci, row, col] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad.item(n, ci, row, col)
grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width]
return grad_x, grad_w, grad_b
"""),
    "a plane's element read by plane.item(r, s), two indices for its two axes (H62)": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        plane = x_pad[n, c]
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        total += plane.item(i * sh + ki, j * sw + kj)
                out[n, c, i, j] = total / (kh * kw)
return out
"""),
    "x_pad[n, c].item(r, s): the image and channel picked by the subscript, the rest by .item (H62)": (
        "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = -np.inf
                for ki in range(kh):
                    for kj in range(kw):
                        best = max(best, x_pad[n, c].item(i * sh + ki, j * sw + kj))
                out[n, c, i, j] = best
return out
"""),
    "avgpool backward reading grad_out.item(n, c, i, j) (H62)": ("avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                share = grad_out.item(n, c, i, j) / (kh * kw)
                grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += share
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
})


# H63: honest loops reading by .item(...) in ways students write them; the collectors filled over ci (a counter k += 1
# that indexes the collector, not the image; r, s named inside the loop) guard H63's counter rule from refusing them.
HONEST.update({
    "maxpool backward adding grad_out.item(n, c, i, j) at the window's argmax (H63)": ("maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                ki, kj = divmod(int(np.argmax(window)), kw)
                grad_x_pad[n, c, i * sh + ki, j * sw + kj] += grad_out.item(n, c, i, j)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "conv's x_pad[n, ci, r, s] times weight.item(co, ci, ki, kj) (H63)": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            total += x_pad[n, ci, i * sh + ki, j * sw + kj] * weight.item(co, ci, ki, kj)
                out[n, co, i, j] = total + (bias[co] if bias is not None else 0.0)
return out
"""),
    "maxpool with the row named first, x_pad.item(n, c, r, kj + j * sw) (H63)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = -np.inf
                for ki in range(kh):
                    r = i * sh + ki
                    for kj in range(kw):
                        v = x_pad.item(n, c, r, kj + j * sw)
                        if v > best:
                            best = v
                out[n, c, i, j] = best
return out
"""),
    "avgpool summing window.item(ki, kj) of a named window (H63)": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        total += window.item(ki, kj)
                out[n, c, i, j] = total / (kh * kw)
return out
"""),
    "conv's products of x_pad.item and weight.item appended over ci, ki, kj, bias.item(co) (H63)": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                products = []
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            products.append(x_pad.item(n, ci, i * sh + ki, j * sw + kj) * weight.item(co, ci, ki, kj))
                out[n, co, i, j] = sum(products) + (bias.item(co) if bias is not None else 0.0)
return out
"""),
    "maxpool over plane[r].item(s) of plane = x_pad[n, c] (H63)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        plane = x_pad[n, c]
        for i in range(h_out):
            for j in range(w_out):
                best = -np.inf
                for ki in range(kh):
                    for kj in range(kw):
                        best = max(best, plane[i * sh + ki].item(j * sw + kj))
                out[n, c, i, j] = best
return out
"""),
    "conv's products stored at a counter k += 1 over ci, ki, kj (H63)": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                products = np.zeros(c_in * kh * kw)
                k = 0
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            products[k] = x_pad.item(n, ci, i * sh + ki, j * sw + kj) * weight[co, ci, ki, kj]
                            k += 1
                out[n, co, i, j] = products.sum() + (bias[co] if bias is not None else 0.0)
return out
"""),
    "conv's products appended over ci with r, s named in the loop, x_pad.item(n, ci, r, s) (H63)": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                products = []
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            r, s = i * sh + ki, j * sw + kj
                            products.append(x_pad.item(n, ci, r, s) * weight[co, ci, ki, kj])
                out[n, co, i, j] = sum(products) + (bias[co] if bias is not None else 0.0)
return out
"""),
})


# H63: counters a window's loop moves (one loop each) keep the rule; two loops moving one counter do not (ATTACKS).
HONEST.update({
    "avgpool with a column counter, s = j * sw then s += 1 in the loop over kj (H63)": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                values = []
                for ki in range(kh):
                    r = i * sh + ki
                    s = j * sw
                    for kj in range(kw):
                        values.append(x_pad.item(n, c, r, s))
                        s += 1
                out[n, c, i, j] = sum(values) / (kh * kw)
return out
"""),
    "avgpool with a row counter, r = i * sh before the loop over ki, r += 1 in it (H63)": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                values = []
                r = i * sh
                for ki in range(kh):
                    for kj in range(kw):
                        values.append(x_pad[n, c, r, j * sw + kj])
                    r += 1
                out[n, c, i, j] = sum(values) / (kh * kw)
return out
"""),
})


# Held-out hunt H20: sizes read inside itertools.product's ranges took itertools (or range) for a copy of
# the image (44 of 48): "reads itertools beyond one window".
PRODUCT_OF_SIZES = {
    "itertools.product over ranges of x.shape and len(x) (H20)": """
for n, c, i, j in product(range(len(x)), range(x.shape[1]), range(out.shape[2]), range(out.shape[3])):
    out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
""",
    "itertools.product of map(range, out.shape) (H20)": """
for n, c, i, j in product(*map(range, out.shape)):
    out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
""",
}


@pytest.mark.parametrize("name", list(PRODUCT_OF_SIZES))
def test_product_over_sizes_keeps_the_rule(name):
    assert verdict("maxpool2d_loops", PRODUCT_OF_SIZES[name], "from itertools import product") is None


# Closing checks of this round: a window reduced by a function of an imported module, or by a pure builtin
# handed to one, took the module (or the builtin) for a copy of the image (both lost their item before).
MODULE_FUNCTIONS = {
    "statistics.fmean over the window's cells": ("avgpool2d_loops", "import statistics", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = statistics.fmean(x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].flat)
return out
"""),
    "functools.reduce(max, window.flat)": ("maxpool2d_loops", "import functools", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, c, i, j] = functools.reduce(max, window.flat)
return out
"""),
}


@pytest.mark.parametrize("name", list(MODULE_FUNCTIONS))
def test_a_window_reduced_by_a_module_function_keeps_the_rule(name):
    function, extra, body = MODULE_FUNCTIONS[name]
    assert verdict(function, body, extra) is None


def test_a_local_list_named_like_an_imported_module_still_collects():
    """The other side of the above: a module's name bound again inside the function is no module there
    (module-level collectors are clause 4's: a loop function reads only imports of the module)."""
    body = """
functools = []
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    for kj in range(kw):
                        functools.append(x_pad[n, c, i * sh + ki, j * sw + kj])
                out[n, c, i, j] = max(functools)
return out
"""
    assert clause(verdict("maxpool2d_loops", body, "import functools")) == 5


def test_annotations_that_name_types_keep_the_rule():
    """H17's annotation clause spares types, also written as text."""
    extra = """
from typing import Optional
def _shape_of(x: "np.ndarray", axes: Optional["tuple[int, int]"] = None) -> tuple[int, ...] | None:
    size: int = 0
    return x.shape if axes is None else tuple(x.shape[a] for a in axes)
"""
    assert verdict("maxpool2d_loops", None, extra) is None

@pytest.mark.parametrize("name", list(HONEST))
def test_honest_loops_keep_the_rule(name):
    function, body = HONEST[name]
    assert verdict(function, body) is None


@pytest.mark.parametrize("extra", ["import itertools", "from itertools import product",
                                   "import itertools\nimport numpy as np\nimport itertools",
                                   "import itertools\nfrom collections import namedtuple\nfrom .tensor import Tensor",
                                   # a builtin's name the rule and the given code never read (H13's rule spares it)
                                   "from math import pow, sqrt"])
def test_a_standard_library_module_imported_for_the_loops(extra):
    uses = "product" if "from" in extra else "itertools.product"
    body = f"""
for n, c, i, j in {uses}(range(batch), range(channels), range(h_out), range(w_out)):
    out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
"""
    assert verdict("maxpool2d_loops", body, extra) is None


# ---------------------------------------------------------------------------- shortcuts lose it

FAST_CONV = """
out[...] = conv2d_vectorized(x, weight, bias, (sh, sw), padding)
return out
"""

ATTACKS = {
    "a walrus in an annotation written as text, run by singledispatch's register (H17: 32 -> 48)": (4, "conv2d_loops", None, """
import functools
def _base(x):
    return x
def _shortcuts(x: "(conv2d_loops := conv2d_vectorized)"):
    return x
try:
    functools.singledispatch(_base).register(_shortcuts)
except TypeError:
    pass
"""),
    "max mapped over rows that run to the image's end (H18's honest map, grown)": (5, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = max(map(max, x_pad[n, c, i * sh:, j * sw:j * sw + kw]))
return out
""", ""),
    "a named slice(...) that grows with the image": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                rows = slice(i * sh, i * sh + sh * (h_out - 1) + kh)
                out[n, c, i, j] = x_pad[n, c, rows, j * sw:j * sw + kw].mean()
return out
""", ""),
    # held-out attacks of this round (the fast path swapped in after an honest-looking def)
    "a decorator that returns the fast path": (4, "maxpool2d_loops", None, """
def _swap(f):
    return maxpool2d_vectorized
@_swap
def maxpool2d_loops(x, kernel_size, stride=None, padding=0):
    for i in range(2): pass
"""),
    "the loop function deleted and served by a module __getattr__": (4, "avgpool2d_loops", None, """
del avgpool2d_loops
def __getattr__(name):
    return avgpool2d_vectorized
"""),
    "a callable instance under the loop name": (4, "conv2d_loops", None, """
class _Fast:
    def __call__(self, *a, **k):
        return conv2d_vectorized(*a, **k)
conv2d_loops = _Fast()
"""),
    "numpy's reduceat over the whole plane at every position": (5, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                rows = np.maximum.reduceat(x_pad[n, c], np.arange(0, h_out * sh, sh), axis=0)
                out[n, c, i, j] = np.maximum.reduceat(rows, np.arange(0, w_out * sw, sw), axis=1)[i, j]
return out
""", ""),
    "a fixed slice longer than any image (0:1000000000), the whole plane at every position": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                plane = x_pad[n, c, 0:1000000000, 0:1000000000]
                out[n, c, i, j] = plane[i * sh:i * sh + kh, j * sw:j * sw + kw].mean() if n < 0 else plane.mean()
return out
""", ""),
    "min rebound, so the clipped stop is not a window": (5, "avgpool2d_loops", """
min = max
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:min(i * sh + kh, height), j * sw:j * sw + kw].mean()
return out
""", ""),
    "a named slice bound to a window, then rebound to the whole height": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                rows = slice(i * sh, i * sh + kh)
                rows = slice(0, height + 2 * ph)
                out[n, c, i, j] = x_pad[n, c, rows, j * sw:j * sw + kw].mean() if n < 0 else x_pad[n, c, rows, :].mean()
return out
""", ""),
    "abs rebound, so a slice's length cannot be read as a window": (5, "avgpool2d_loops", """
abs = np.square
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + abs(kh), j * sw:j * sw + kw].mean()
return out
""", ""),
    "slice rebound to an index-array maker": (5, "maxpool2d_loops", """
slice = np.arange
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, slice(0, kh), slice(0, kw)].max()
return out
""", ""),
    # issue 20, item 4: each took the loop items from 11/48 to 48/48 against count_loop_steps
    "fast path": (3, "conv2d_loops", FAST_CONV, ""),
    "count_loop_steps redefined": (3, "conv2d_loops", FAST_CONV, """
def count_loop_steps(fn, *args, **kwargs):
    return fn(*args, **kwargs), 10 ** 9
"""),
    "fast path, then an empty loop": (3, "conv2d_loops", """
out[...] = conv2d_vectorized(x, weight, bias, (sh, sw), padding)
for _ in range(out.size):
    pass
return out
""", ""),
    "the tracer's hook called 100,000 times": (4, "conv2d_loops", """
import sys
hook, frame = sys.gettrace(), sys._getframe()
for _ in range(100000):
    if hook is not None:
        hook(frame, "line", None)
out[...] = conv2d_vectorized(x, weight, bias, (sh, sw), padding)
return out
""", ""),
    "sys.settrace wrapped": (4, "conv2d_loops", FAST_CONV, """
import sys as _s
_real_settrace = _s.settrace
def _quiet(tracer):
    _real_settrace(None)
_s.settrace = _quiet
"""),
    "fast path padded with a dummy loop": (3, "conv2d_loops", """
out = conv2d_vectorized(x, weight, bias, (sh, sw), padding)
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                out[n, co, i, j] = out[n, co, i, j]
return out
""", ""),
    "plain numpy outside the loops, then a dummy loop": (2, "maxpool2d_loops", """
out[...] = np.max([x_pad[:, :, ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw]
                   for ki in range(kh) for kj in range(kw)], axis=0)
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = out[n, c, i, j]
return out
""", ""),
    "a row at a time": (1, "avgpool2d_loops", """
for i in range(h_out):
    band = x_pad[:, :, i * sh:i * sh + kh, :]
    total = 0.0
    for kj in range(kw):
        total = total + band[:, :, :, kj:kj + sw * (w_out - 1) + 1:sw].sum(axis=2)
    out[:, :, i, :] = total / (kh * kw)
return out
""", ""),
    "kernel offsets, shift and add": (1, "avgpool2d_loops", """
for ki in range(kh):
    for kj in range(kw):
        out += x_pad[:, :, ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw] / (kh * kw)
return out
""", ""),
    "np.pad monkeypatched": (4, "conv2d_loops", None, """
_real_pad = np.pad
def _my_pad(array, *args, **kwargs):
    return _real_pad(array, *args, **kwargs)
np.pad = _my_pad
"""),
    "np.pad monkeypatched through another name": (4, "conv2d_loops", None, """
_numpy = np
_numpy.pad = lambda array, *args, **kwargs: array
"""),
    "conv2d_loops rebound to the fast path": (4, "conv2d_loops", None, "conv2d_loops = conv2d_vectorized"),
    "the fast path hung on a given helper": (4, "conv2d_loops", """
for _ in range(1):
    out[...] = _pad.fast(x, weight, bias, (sh, sw), padding)
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                out[n, co, i, j] = out[n, co, i, j]
return out
""", "_pad.fast = conv2d_vectorized"),
    "np rebound": (4, "conv2d_loops", None, "import numpy\nnp = numpy"),
    "np imported from elsewhere": (4, "conv2d_loops", None, "import tinytorch.core.tensor as np"),
    "conv2d_loops redefined with a decorator": (4, "conv2d_loops", None, """
@lambda fn: conv2d_vectorized
def conv2d_loops(x, weight, bias=None, stride=1, padding=0):
    pass
"""),
    "a given helper rebound through global": (4, "maxpool2d_loops", None, """
def _swap():
    global _pad
    _pad = lambda x, padding, value=0.0: x
"""),
    "sliding_window_view, one row at a time": (3, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            band = x_pad[n, c, i * sh:i * sh + kh, :]
            out[n, c, i, :] = sliding_window_view(band, kw, axis=1)[:, ::sw][:, :w_out].max(axis=(0, 2))
return out
""", ""),
    "einsum renamed by an import": (3, "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        out[n, co] = _e("chw,chw->", x_pad[n], weight[co])
return out
""", "from numpy import einsum as _e"),
    "getattr with a constant shortcut name": (3, "conv2d_loops", """
out[...] = getattr(np, "einsum")("nchw,oc->nohw", x_pad[:, :, :h_out, :w_out], weight[:, :, 0, 0])
return out
""", ""),
    "getattr with a computed name": (4, "conv2d_loops", """
out[...] = getattr(np, "ein" + "sum")("nchw,oc->nohw", x_pad[:, :, :h_out, :w_out], weight[:, :, 0, 0])
return out
""", ""),
    "a helper of one's own": (3, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = _window_max(x_pad, n, c, i * sh, j * sw, kh, kw)
return out
""", """
def _window_max(x_pad, n, c, top, left, kh, kw):
    return x_pad[n, c, top:top + kh, left:left + kw].max()
"""),
    "a given helper edited to call the fast path": (4, "maxpool2d_loops", None, (
        "    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)",
        "    return maxpool2d_vectorized(x, 2)")),
    # a fourth round (held-out red team, 4 of 4 points in the grader): a given helper the loops call,
    # edited to pool the whole image itself and hand the loops a 1x1 window of the result to copy
    "a given helper that pools the whole image and hands the loops a 1x1 window": (4, "maxpool2d_loops", None, (
        "    x, kernel, stride, padding, _, out_hw = _check_pool(layer, x, kernel_size, stride, padding)\n"
        "    return x, kernel, stride, padding, out_hw",
        """    x, kernel, stride, padding, _, out_hw = _check_pool(layer, x, kernel_size, stride, padding)
    if layer == "maxpool2d_loops":
        (kh, kw), (sh, sw), (ph, pw), (ho, wo) = kernel, stride, padding, out_hw
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
        best = np.full(x.shape[:2] + (ho, wo), -np.inf, dtype=x.dtype)
        for ki in range(kh):
            for kj in range(kw):
                best = np.maximum(best, xp[:, :, ki:ki + sh * (ho - 1) + 1:sh, kj:kj + sw * (wo - 1) + 1:sw])
        return best, (1, 1), (1, 1), (0, 0), out_hw
    return x, kernel, stride, padding, out_hw""")),
    # added after the fourth round: the fast path captured as a new default of a given helper
    "a given helper that captures the fast path as a default": (4, "maxpool2d_loops", None, (
        "def _check_pool_args(layer, x, kernel_size, stride, padding):",
        "def _check_pool_args(layer, x, kernel_size, stride, padding, _fast=maxpool2d_vectorized):")),
    "a given helper defined twice": (4, "maxpool2d_loops", None, """
def _pad(x, padding, value=0.0):
    return x
"""),
    "a lambda inside": (3, "maxpool2d_loops", """
biggest = lambda window: window.max()
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = biggest(x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw])
return out
""", ""),
    "scipy imported in the function": (3, "conv2d_loops", """
import scipy.signal
for n in range(batch):
    for co in range(c_out):
        out[n, co] = scipy.signal.correlate(x_pad[n], weight[co], mode="valid")[0]
return out
""", ""),
    "exec of hidden code": (4, "conv2d_loops", None, "exec('x = 1')"),
    "a while loop (not a for loop)": (1, "avgpool2d_loops", """
i = 0
while i < h_out:
    for j in range(w_out):
        out[:, :, i, j] = x_pad[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw].mean(axis=(2, 3))
    i += 1
return out
""", ""),
    "sliced array arithmetic before the loops": (2, "avgpool2d_loops", """
total = x_pad[:, :, 0:h_out, 0:w_out] + x_pad[:, :, 1:h_out + 1, 0:w_out]
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = total[n, c, i, j]
return out
""", ""),
    "a while loop outside the for loops": (2, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].mean()
k = 0
while k < 1:
    k += 1
return out
""", ""),
    "a call after the loops": (2, "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                out[n, co, i, j] = (x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] * weight[co]).sum()
if bias is not None:
    out += bias.reshape(1, -1, 1, 1)
return out
""", ""),
    "einsum fetched by getattr with a name split in two string literals": (3, "conv2d_loops", """
dot = getattr(np, 'ein' 'sum')
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                out[n, co, i, j] = dot('chw,chw->', x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw], weight[co])
return out
""", ""),
    "the stub": (1, "conv2d_loops", "raise NotImplementedError()", ""),
    # Clause (5), found by trying the rule of clauses 1-4 as a student would: each of these kept
    # clauses 1-4 and computed every number right (tests/grading/test_loop_rule_grading.py grades two).
    "per image and channel, the windows stacked and averaged": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        out[n, c] = np.mean([x_pad[n, c, a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                             for a in range(kh) for b in range(kw)], axis=0)
return out
""", ""),
    "everything at the first position, copied at the others": (5, "maxpool2d_loops", """
for i in range(h_out):
    for j in range(w_out):
        if i == 0 and j == 0:
            out[...] = np.max([x_pad[:, :, a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                               for a in range(kh) for b in range(kw)], axis=0)
        out[:, :, i, j] = out[:, :, i, j]
return out
""", ""),
    "kernel offsets, shift and add, into an index that only looks like positions": (5, "avgpool2d_loops", """
for ki in range(kh):
    for kj in range(kw):
        out[:, :, ki - ki:ki - ki + h_out, kj * 0:kj * 0 + w_out] += \
            x_pad[:, :, ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw] / (kh * kw)
return out
""", ""),
    "loops of one around the whole image": (5, "avgpool2d_loops", """
for i in range(1):
    for j in range(1):
        out[:, :, i:i + h_out, j:j + w_out] = np.mean(
            [x_pad[:, :, a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw] for a in range(kh) for b in range(kw)], axis=0)
return out
""", ""),
    "a plane named, then sliced whole": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        plane = x_pad[n, c]
        for i in range(1):
            for j in range(1):
                out[n, c, i:i + h_out, j:j + w_out] = np.mean(
                    [plane[a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw] for a in range(kh) for b in range(kw)], axis=0)
return out
""", ""),
    "index arrays from np.arange": (5, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        rows = np.arange(h_out) * sh
        cols = np.arange(w_out) * sw
        for ki in range(kh):
            for kj in range(kw):
                out[n, c] = np.maximum(out[n, c] if ki + kj else -np.inf, x_pad[n, c, rows[:, None] + ki, cols[None, :] + kj])
return out
""", ""),
    "a band of rows whose columns are then read whole": (5, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            band = x_pad[n, c, i * sh:i * sh + kh]
            for j in range(w_out):
                out[n, c, i, j] = band[:, :].max() if j < 0 else band[:, j * sw:j * sw + kw].max()
return out
""", ""),
    "a band of rows reshaped into every window of the row": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            band = x_pad[n, c, i * sh:i * sh + kh]
            for j in range(w_out):
                out[n, c, i, j] = band[:, :w_out * kw].reshape(kh, w_out, kw).mean(axis=(0, 2))[j]
return out
""", ""),
    "a band named twice, the second time the whole plane": (5, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            band = x_pad[n, c, i * sh:i * sh + kh]
            band = x_pad[n, c]
            for j in range(w_out):
                out[n, c, i, j] = band[:, j * sw:j * sw + kw].max()
return out
""", ""),
    "x padded whole again at every position": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = np.pad(x[n, c], ((ph, ph), (pw, pw))).reshape(h_out, kh, w_out, kw).mean(axis=(1, 3))[i, j]
return out
""", ""),
    "two None entries as the rows and columns, then the plane picked (found this round)": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, None, None][0, 0].reshape(h_out, kh, w_out, kw).mean(axis=(1, 3))[i, j]
return out
""", ""),
    "two True entries as the rows and columns (numpy reads True as a new axis)": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, True, True][0, 0].reshape(h_out, kh, w_out, kw).mean(axis=(1, 3))[i, j]
return out
""", ""),
    "a None before the leading dimensions, so that n and c look like the rows and columns": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[None, n, c][0].reshape(h_out, kh, w_out, kw).mean(axis=(1, 3))[i, j]
return out
""", ""),
    "comparisons as the rows and columns, through names": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                keep = i >= 0
                out[n, c, i, j] = x_pad[n, c, keep, keep][0, 0].reshape(h_out, kh, w_out, kw).mean(axis=(1, 3))[i, j]
return out
""", ""),
    "np.newaxis twice": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, np.newaxis, np.newaxis][0, 0].reshape(h_out, kh, w_out, kw).mean(axis=(1, 3))[i, j]
return out
""", ""),
    "a plane named with a None among its leading entries, then read with numbers": (5, "avgpool2d_loops", """
for n in range(batch):
    plane = x_pad[n, None]
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = plane[0, c].reshape(h_out, kh, w_out, kw).mean(axis=(1, 3))[i, j]
return out
""", ""),
    "slices of one on n and c, then two numbers that look like a row and a column (found this round)": (
        5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n:n + 1, c:c + 1][0, 0].reshape(h_out, kh, w_out, kw).mean(axis=(1, 3))[i, j]
return out
""", ""),
    "the same through an Ellipsis": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n:n + 1, c:c + 1, ...][0, 0].reshape(h_out, kh, w_out, kw).mean(axis=(1, 3))[i, j]
return out
""", ""),
    "a window's rows, then a second subscript that only looks like the columns": (5, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh][0:1000000].max()
return out
""", ""),
    "the whole plane picked with np.s_, reshaped into windows at every position": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[np.s_[n, c]].reshape(h_out, kh, w_out, kw).mean(axis=(1, 3))[i, j]
return out
""", ""),
    "the image copied one element at a time, then reduced whole": (5, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                if n == 0 and c == 0 and i == 0 and j == 0:
                    copy = np.zeros(x_pad.shape)
                    for a in range(batch):
                        for b in range(channels):
                            for r in range(x_pad.shape[2]):
                                for s in range(x_pad.shape[3]):
                                    copy[a, b, r, s] = x_pad[a, b, r, s]
                    best = copy[:, :, :h_out * kh, :w_out * kw].reshape(batch, channels, h_out, kh, w_out, kw).max(
                        axis=(3, 5))
                out[n, c, i, j] = best[n, c, i, j]
return out
""", ""),
    "the image copied through a name holding each element, then reduced whole": (5, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                if n == 0 and c == 0 and i == 0 and j == 0:
                    copy = np.zeros(x_pad.shape)
                    for a in range(batch):
                        for b in range(channels):
                            for r in range(x_pad.shape[2]):
                                for s in range(x_pad.shape[3]):
                                    value = x_pad[a, b, r, s]
                                    copy[a, b, r, s] = value
                    best = copy[:, :, :h_out * kh, :w_out * kw].reshape(batch, channels, h_out, kh, w_out, kw).max(
                        axis=(3, 5))
                out[n, c, i, j] = best[n, c, i, j]
return out
""", ""),
    "the plane copied by a nested list comprehension, reduced whole": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                plane = np.array([[x_pad[n, c, r, s] for s in range(w_out * kw)] for r in range(h_out * kh)])
                out[n, c, i, j] = plane.reshape(h_out, kh, w_out, kw).mean(axis=(1, 3))[i, j]
return out
""", ""),
    "the plane gathered by a generator through a one-element list, reduced whole": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                plane = np.array([w for r in range(h_out * kh) for s in range(w_out * kw) for w in [x_pad[n, c, r, s]]])
                out[n, c, i, j] = plane.reshape(h_out, kh, w_out, kw).mean(axis=(1, 3))[i, j]
return out
""", ""),
    "a count over the whole plane in a generator's if": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = sum(1 for r in range(h_out) for s in range(w_out) if x_pad[n, c, r, s] > 0)
return out
""", ""),
    "the plane cached in a dict keyed by (row, column), rebuilt and reduced whole": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        cache = {}
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                cache[r, s] = x_pad[n, c, r, s]
        plane = np.array(list(cache.values())).reshape(x_pad.shape[2], x_pad.shape[3])[:h_out * kh, :w_out * kw]
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = plane.reshape(h_out, kh, w_out, kw).mean(axis=(1, 3))[i, j]
return out
""", ""),
    "every element gathered from np.ndenumerate into a list, reduced whole": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                values = []
                for _, v in np.ndenumerate(x_pad):
                    values.append(v)
                planes = np.array(values).reshape(x_pad.shape)[:, :, :h_out * kh, :w_out * kw]
                out[n, c, i, j] = planes.reshape(batch, channels, h_out, kh, w_out, kw).mean(axis=(3, 5))[n, c, i, j]
return out
""", ""),
    "every element appended to a list in loops of its own, reduced whole": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        values = []
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                values.append(x_pad[n, c, r, s])
        plane = np.array(values).reshape(x_pad.shape[2], x_pad.shape[3])[:h_out * kh, :w_out * kw]
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = plane.reshape(h_out, kh, w_out, kw).mean(axis=(1, 3))[i, j]
return out
""", ""),
    "windows concatenated into one array, averaged whole": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        windows = np.zeros((0, kh, kw))
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                windows = np.concatenate([windows, window.reshape(1, kh, kw)])
        means = windows.mean(axis=(1, 2)).reshape(h_out, w_out)
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = means[i, j]
return out
""", ""),
    "positions from np.ndenumerate of a plane, the whole plane reshaped": (5, "maxpool2d_loops", """
for (n, c), _ in np.ndenumerate(out[:, :, 0, 0]):
    out[n, c] = x_pad[n, c].reshape(h_out, kh, w_out, kw).max(axis=(1, 3))
return out
""", ""),
    "an open-ended slice cut by a second subscript that is as long as the image": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:][:h_out * kh, j * sw:][:, :kw].mean()
return out
""", ""),
    # held-out attacks of a later round: the module's names rebound without an assignment, or a way
    # to do that reached (a module of the package as an object, a string resolver, a tool that patches)
    "functools.update_wrapper rebinding the module's loop names": (4, "conv2d_loops", None, """
import functools as _functools
import types as _types
import tinytorch.core.spatial as _this_module
_functools.update_wrapper(_this_module, _types.SimpleNamespace(conv2d_loops=conv2d_vectorized), assigned=())
"""),
    "update_wrapper imported by name": (4, "conv2d_loops", None, "from functools import update_wrapper\n"),
    "wraps as a decorator factory": (4, "conv2d_loops", None, "import functools\n_w = functools.wraps(_pad)\n"),
    "the module imported as an object": (4, "maxpool2d_loops", None, "import tinytorch.core.spatial as _me\n"),
    "a sibling module imported relatively as an object": (4, "maxpool2d_loops", None, "from . import tensor as _t\n"),
    "the package's core imported absolutely": (4, "maxpool2d_loops", None, "from tinytorch.core import spatial\n"),
    "builtins reached through a bound method's owner": (4, "avgpool2d_loops", None, "_b = len.__self__\n"),
    "a forbidden name as an attribute": (4, "avgpool2d_loops", None, "_s = np.core.numeric.builtins\n"),
    "operator.attrgetter with a computed path": (4, "avgpool2d_loops", None, """
import operator
_get = operator.attrgetter("__glo" + "bals__")
"""),
    "a string naming a forbidden attribute": (4, "avgpool2d_loops", None, '_field = "0.__globals__"\n'),
    "timeit, which runs code given as a string": (4, "conv2d_loops", None, "import timeit\n"),
    "pydoc, which finds an object by its dotted name": (4, "conv2d_loops", None, "import pydoc\n"),
    "unittest.mock, which patches attributes": (4, "conv2d_loops", None, "from unittest import mock\n"),
    "types, which builds functions from code": (4, "conv2d_loops", None, "import types\n"),
    "a private stdlib module": (4, "conv2d_loops", None, "import _pickle\n"),
    "numpy's private internals": (4, "conv2d_loops", None, "_n = np._core\n"),
    "numpy.load allowed to unpickle": (4, "conv2d_loops", None, "def _read(path):\n    return np.load(path, allow_pickle=True)\n"),
    # a third round: the module reached through an allowed module's own imports, its names rebound
    # through an object a call hands back (found by a held-out red team; each scored 16-26 of 48)
    "an attribute of a call's result assigned": (4, "conv2d_loops", None, """
import warnings
(lambda: warnings.sys.modules[__name__])().conv2d_loops = conv2d_vectorized
"""),
    "sys reached as an attribute of an allowed module": (4, "maxpool2d_loops", None, "import typing\n_m = typing.sys\n"),
    "sys imported from an allowed module": (4, "maxpool2d_loops", None, "from warnings import sys as _s\n"),
    "a name bound from a call, its attribute assigned": (4, "maxpool2d_loops", None, """
import itertools
_me = next(itertools.repeat(np))
_me.pad = np.pad
"""),
    "a for target over a call, its attribute assigned": (4, "avgpool2d_loops", None, """
for _m in list([np]):
    _m.pad = np.pad
"""),
    "numpy handed back by a lambda, patched": (4, "avgpool2d_loops", None, "(lambda: np)().pad = np.pad\n"),
    ".modules on anything": (4, "avgpool2d_loops", None, "def _get(x):\n    return x.modules\n"),
    "a mapping pattern's rest rebinding the loop name": (4, "conv2d_loops", None, """
match {}:
    case {**conv2d_loops}:
        pass
"""),
    "an alias made outside the loops, reshaped inside": (5, "avgpool2d_loops", """
y = x_pad
for n in range(batch):
    for c in range(channels):
        out[n, c] = y[n, c].reshape(h_out, kh, w_out, kw).mean(axis=(1, 3))
return out
""", ""),
}


# Round five of a held-out red team: each scored 15 of 48 with maxpool2d_loops alone (the blank loops'
# base is 11), and 48 of 48 written for all six loop functions. Every window of a plane at once:
WHOLE_MAX = ("np.max([{0}[a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw] "
             "for a in range(kh) for b in range(kw)], axis=0)")


def _copied_then_reduced(fill: str, made: str = "copy = np.zeros((height, width))", plane: str = "copy") -> str:
    """A plane copied one element at a time into a collector with `fill`, then reduced whole."""
    return f"""
import operator
import heapq
for n in range(batch):
    for c in range(channels):
        height, width = x_pad.shape[2], x_pad.shape[3]
        {made}
        for r in range(height):
            for s in range(width):
                {fill}
        plane = {plane}
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = {WHOLE_MAX.format("plane")}[i, j]
return out
"""


ATTACKS.update({
    "the image parameter renamed (X), so no parameter is called x": (4, "maxpool2d_loops", f"""
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = {WHOLE_MAX.format("x_pad[:, :]")}[n, c, i, j]
return out
""", ("def maxpool2d_loops(x, kernel_size, stride=None, padding=0):\n",
      "def maxpool2d_loops(X, kernel_size, stride=None, padding=0):\n    x = X\n")),
    "a fresh buffer filled through a view of it outside the loops": (5, "maxpool2d_loops", f"""
for n in range(1):
    for c in range(1):
        big = np.zeros(x_pad.shape, dtype=x_pad.dtype)
        view = big[:]
        out[n, c, 0, 0] = 0.0
view[...] = x_pad
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = {WHOLE_MAX.format("big[:, :]")}[n, c, i, j]
return out
""", ""),
    "a dict slot filled with the image before the loops": (5, "maxpool2d_loops", f"""
ns = {{}}
ns["x"] = x_pad
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = {WHOLE_MAX.format('ns["x"][n, c]')}[i, j]
return out
""", ""),
    "kernel_size rebound to the image's shape, then a 'window' of that size": (5, "maxpool2d_loops", f"""
kernel_size = x_pad.shape
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                plane = x_pad[n, c, 0:kernel_size[2], 0:kernel_size[3]]
                out[n, c, i, j] = {WHOLE_MAX.format("plane")}[i, j]
return out
""", ""),
    "kh and kw rebound to the image's height and width": (5, "maxpool2d_loops", """
k_rows, k_cols = kh, kw
kh = x_pad.shape[2]
kw = x_pad.shape[3]
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                plane = x_pad[n, c, 0:kh, 0:kw]
                out[n, c, i, j] = np.max([plane[a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                                          for a in range(k_rows) for b in range(k_cols)], axis=0)[i, j]
return out
""", ""),
    "numpy's maximum imported as min, so a 'clipped' slice is the whole plane": (5, "maxpool2d_loops", f"""
from numpy import maximum as min
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                plane = x_pad[n, c, 0:min(kh, 1000000), 0:min(kw, 1000000)]
                out[n, c, i, j] = {WHOLE_MAX.format("plane")}[i, j]
return out
""", ""),
    "a slice with a negative step, reversed back": (5, "maxpool2d_loops", f"""
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                plane = x_pad[n, c, 1000000:-1000000:-1, 1000000:-1000000:-1][::-1, ::-1]
                out[n, c, i, j] = {WHOLE_MAX.format("plane")}[i, j]
return out
""", ""),
    "tuples of row and column numbers, read by numpy as index arrays": (5, "maxpool2d_loops", f"""
rows = ((0,), (1,), (2,), (3,), (4,), (5,), (6,), (7,), (8,), (9,), (10,), (11,), (12,), (13,), (14,), (15,))
cols = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29)
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                plane = x_pad[n, c, rows[:x_pad.shape[2]], cols[:x_pad.shape[3]]]
                out[n, c, i, j] = {WHOLE_MAX.format("plane")}[i, j]
return out
""", ""),
    "a tuple literal of one-element tuples as the rows": (5, "maxpool2d_loops", f"""
rows = ((0,), (1,), (2,), (3,), (4,), (5,), (6,), (7,), (8,), (9,), (10,), (11,), (12,), (13,), (14,), (15,))
cols = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                plane = x_pad[n, c, rows, cols]
                out[n, c, i, j] = {WHOLE_MAX.format("plane")}[i, j]
return out
""", ""),
    "whole-array comparisons and masks before the loops": (2, "maxpool2d_loops", """
out[...] = x_pad[:, :, 0:sh * (h_out - 1) + 1:sh, 0:sw * (w_out - 1) + 1:sw]
if kh > 0 and kw > 1:
    cand = x_pad[:, :, 0:0 + sh * (h_out - 1) + 1:sh, 1:1 + sw * (w_out - 1) + 1:sw]
    bigger = cand > out
    out[bigger] = cand[bigger]
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = out[n, c, i, j]
return out
""", ""),
    "two whole arrays added before the loops": (2, "avgpool2d_loops", """
first = x_pad[:, :, 0:sh * (h_out - 1) + 1:sh, 0:sw * (w_out - 1) + 1:sw]
second = x_pad[:, :, 0:sh * (h_out - 1) + 1:sh, 1:sw * (w_out - 1) + 2:sw]
both = first + second
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = both[n, c, i, j] / 2
return out
""", ""),
    "a plane copied through copy.T": (5, "maxpool2d_loops", _copied_then_reduced("copy.T[s, r] = x_pad[n, c, r, s]"), ""),
    "a plane copied through copy.flat": (
        5, "maxpool2d_loops", _copied_then_reduced("copy.flat[r * width + s] = x_pad[n, c, r, s]"), ""),
    "a plane copied by a ufunc's positional out": (
        5, "maxpool2d_loops", _copied_then_reduced("np.positive(x_pad[n, c, r:r + 1, s:s + 1], copy[r:r + 1, s:s + 1])"),
        ""),
    "a plane copied by operator.setitem": (
        5, "maxpool2d_loops", _copied_then_reduced("operator.setitem(copy, (r, s), x_pad[n, c, r, s])"), ""),
    "a plane gathered with np.r_": (5, "maxpool2d_loops", _copied_then_reduced(
        "acc = np.r_[acc, x_pad[n, c, r, s]]", "acc = np.zeros(0)", "acc.reshape(height, width)"), ""),
    "a plane gathered by dict.update": (5, "maxpool2d_loops", _copied_then_reduced(
        "acc.update({(r, s): x_pad[n, c, r, s]})", "acc = {}",
        "np.array(list(acc.values())).reshape(height, width)"), ""),
    "a plane gathered by heapq.heappush": (5, "maxpool2d_loops", _copied_then_reduced(
        "heapq.heappush(acc, (r, s, x_pad[n, c, r, s]))", "acc = []",
        "np.array([t[2] for t in sorted(acc)]).reshape(height, width)"), ""),
    "a plane copied by a for loop's target": (
        5, "maxpool2d_loops", _copied_then_reduced("for copy[r, s] in (x_pad[n, c, r, s],): pass"), ""),
    "a plane copied by an annotated assignment": (
        5, "maxpool2d_loops", _copied_then_reduced("copy[r, s]: float = x_pad[n, c, r, s]"), ""),
    "a plane copied through numbers made by .item()": (5, "maxpool2d_loops", _copied_then_reduced(
        "v = x_pad[n, c, r, s].item()\n                copy[r, s] = v"), ""),
    "numpy's maximum imported as min at the module's top": (4, "maxpool2d_loops", f"""
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                plane = x_pad[n, c, 0:min(kh, 1000000), 0:min(kw, 1000000)]
                out[n, c, i, j] = {WHOLE_MAX.format("plane")}[i, j]
return out
""", "from numpy import maximum as min"),
})

# Round six of a held-out red team: each scored above the base with one loop function (maxpool 15,
# conv 19), and the first, written for all six, 48 of 48.
ATTACKS.update({
    'the image nested in lists before the loops, planes[0][0][n, c]': (5, "maxpool2d_loops", """
planes = [[x_pad]]
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = np.max([planes[0][0][n, c][a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                                          for a in range(kh) for b in range(kw)], axis=0)[i, j]
return out
""", ""),
    'the image given two new axes before the loops, x_pad[None, None]': (5, "maxpool2d_loops", """
planes = x_pad[None, None]
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = np.max([planes[0, 0, n, c][a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                                          for a in range(kh) for b in range(kw)], axis=0)[i, j]
return out
""", ""),
    "a slice made a 'number' by .item() of an object array": (5, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                every = np.array(slice(None)).item()
                out[n, c, i, j] = np.max([x_pad[n, c, every, every][a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                                          for a in range(kh) for b in range(kw)], axis=0)[i, j]
return out
""", ""),
    'a slice as the element of np.ndenumerate over an object array': (5, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for (k,), every in np.ndenumerate(np.array([slice(None)])):
            for i in range(h_out):
                for j in range(w_out):
                    out[n, c, i, j] = np.max([x_pad[n, c, every, every][a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                                              for a in range(kh) for b in range(kw)], axis=0)[i, j]
return out
""", ""),
    'the image transposed before the loops, its batch and channels read as rows and columns': (5, "maxpool2d_loops", """
t = x_pad.T
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = np.max([t[:, :, c, n].T[a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                                          for a in range(kh) for b in range(kw)], axis=0)[i, j]
return out
""", ""),
    'a window size rebound to a huge constant, ph = 1000000': (5, "maxpool2d_loops", """
ph = 1000000
ph = 1000000
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = np.max([x_pad[n, c, 0:ph, 0:ph][a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                                          for a in range(kh) for b in range(kw)], axis=0)[i, j]
return out
""", ""),
    "weight.nbytes taken for a window's size": (5, "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                whole = x_pad[n, :, 0:weight.nbytes, 0:weight.nbytes]
                plane = sum((whole[:, a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                             * weight[co, :, a, b][:, None, None]).sum(axis=0) for a in range(kh) for b in range(kw))
                out[n, co, i, j] = plane[i, j] + (bias[co] if bias is not None else 0.0)
return out
""", ""),
    'a comprehension over np.ndenumerate of a plane-sized array': (5, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                plane = np.array([[x_pad[n, c, r, s] for (s,), _ in np.ndenumerate(np.zeros(x_pad.shape[3]))]
                                  for (r,), _ in np.ndenumerate(np.zeros(x_pad.shape[2]))])
                out[n, c, i, j] = np.max([plane[a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                                          for a in range(kh) for b in range(kw)], axis=0)[i, j]
return out
""", ""),
    "a match capture rebinding a 'number' to a slice": (5, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                every = 0
                match slice(None):
                    case every:
                        pass
                out[n, c, i, j] = np.max([x_pad[n, c, every, every][a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                                          for a in range(kh) for b in range(kw)], axis=0)[i, j]
return out
""", ""),
    "a match capture rebinding a window's slice to a whole one": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                rows = slice(i * sh, i * sh + kh)
                match [slice(None)]:
                    case [rows]:
                        pass
                out[n, c, i, j] = np.mean([x_pad[n, c, rows, rows][a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                                           for a in range(kh) for b in range(kw)], axis=0)[i, j]
return out
""", ""),
    'a starred target holding index tuples': (5, "maxpool2d_loops", """
_, *all_rows = None, (0,), (1,), (2,), (3,), (4,), (5,), (6,), (7,), (8,), (9,), (10,), (11,), (12,), (13,), (14,), (15,), (16,), (17,), (18,), (19,), (20,), (21,), (22,), (23,), (24,), (25,), (26,), (27,), (28,), (29,), (30,), (31,), (32,), (33,), (34,), (35,), (36,), (37,), (38,), (39,), (40,), (41,), (42,), (43,), (44,), (45,), (46,), (47,), (48,), (49,), (50,), (51,), (52,), (53,), (54,), (55,), (56,), (57,), (58,), (59,), (60,), (61,), (62,), (63,)
_, *all_cols = None, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63
rr = all_rows[:x_pad.shape[2]]
cc = all_cols[:x_pad.shape[3]]
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = np.max([x_pad[n, c, rr, cc][a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                                          for a in range(kh) for b in range(kw)], axis=0)[i, j]
return out
""", ""),
})

ATTACKS.update({  # held-out hunt H9: 0 -> 8 of 48 with both pooling functions so written
    "a slice long only for small kernels, x_pad[:, :, 0:800 // kh, 0:2000 // kw]": (5, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                whole = x_pad[:, :, 0:800 // kh, 0:2000 // kw]
                rows = (np.arange(h_out) * sh)[:, None] + np.arange(kh)
                cols = (np.arange(w_out) * sw)[:, None] + np.arange(kw)
                pooled = whole[:, :, rows[:, :, None, None], cols[None, None, :, :]].max(axis=(3, 5))
                out[n, c, i, j] = pooled[n, c, i, j]
return out
""", ""),
    "the same for the average, through names": (5, "avgpool2d_loops", """
rows_read, cols_read = 800 // kh, 2000 // kw
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                whole = x_pad[n, c, 0:rows_read, 0:cols_read]
                out[n, c, i, j] = whole[i * sh:i * sh + kh, j * sw:j * sw + kw].mean()
return out
""", ""),
})

if sys.version_info >= (3, 11):   # a starred entry in an index, x[*e], is 3.11 syntax
    ATTACKS["empty starred entries shift the index, x_pad[*e, *e, n, c]"] = (5, "maxpool2d_loops", f"""
e = ()
for n in range(batch):
    for c in range(channels):
        plane = x_pad[*e, *e, n, c]
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = {WHOLE_MAX.format("plane")}[i, j]
return out
""", "")

# What H14's relaxations must not let through: np.add(window, 0.0, copy) still fills copy (a ufunc's
# output after its inputs), and a float(...) of an array element outside the loops still computes.
ATTACKS.update({
    "a pure numpy call given one argument more than its inputs, the output": (
        5, "maxpool2d_loops", _copied_then_reduced("np.add(x_pad[n, c, r:r + 1, s:s + 1], 0.0, copy[r:r + 1, s:s + 1])"),
        ""),
    "a float() of an array's element outside the loops": (2, "avgpool2d_loops", """
first = float(x_pad[0, 0, 0, 0])
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = first
return out
""", ""),
})

# What H16's tuples must not let through: the image itself carried in a tuple stays the image.
ATTACKS.update({
    "the image carried in a tuple with two numbers, unpacked in the loops": (5, "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                pack = (x_pad, i * sh, j * sw)
                img, r, q = pack
                a, b = divmod(int(np.argmax(img[n, c][r:r + kh, q:q + kw])), kw)
                grad_x_pad[n, c, r + a, q + b] += grad_out[n, c, i, j] if img.max() > -1e300 else 0.0
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""", ""),
})

# Held-out hunt H13: builtins rebound by a function declaring them global, which the module's bindings
# did not show. The given _as_array's isinstance(x, Tensor) handed a spy the image, and the loops'
# float(...) (a pure builtin to the rule) returned the fast path's values: 09 11 -> 48 of 48.
ATTACKS.update({
    "isinstance and float rebound through global in a function (H13)": (4, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = float(n, "max", c, i, j, (kh, kw), (sh, sw), padding)
return out
""", """
_plain_isinstance, _plain_float = isinstance, float
_seen = []

def _watch(obj, kinds):
    if kinds is Tensor and type(obj) is np.ndarray:
        _seen.append(obj)
    return _plain_isinstance(obj, kinds)

def _to_float(value=0.0, *where):
    if not where:
        return _plain_float(value)
    _, c, i, j, kernel, stride, padding = where
    return maxpool2d_vectorized(_seen[-1], kernel, stride, padding)[value, c, i, j]

def _install():
    global isinstance, float
    isinstance, float = _watch, _to_float

_install()
"""),
    "isinstance and float rebound by walruses in a def's defaults and return annotation (H15: 11 -> 48)": (
        4, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = float(n, "max", c, i, j, (kh, kw), (sh, sw), padding)
return out
""", """
_plain_isinstance, _plain_float = isinstance, float

def _watch(obj, kinds):
    return _plain_isinstance(obj, kinds)

def _to_float(value=0.0, *where):
    return _plain_float(value)

def _install(a=(isinstance := _watch), *, b=(float := _to_float)) -> (len := _to_float):
    pass
"""),
    "a module name that only a function's global statement binds": (4, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = _cell(n, c, i, j)
return out
""", """
def _install():
    global _cell
    def _cell(n, c, i, j):
        return 0.0

_install()
"""),
})

# H62: numpy's `a.item(...)` read one element per axis is a window's element; these try to read more through it.
_WHOLE_AT_FIRST = """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                if n == 0 and c == 0 and i == 0 and j == 0:
{read}
                    image = np.array(values).reshape(x_pad.shape)
                    whole = np.max([image[:, :, a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                                    for a in range(kh) for b in range(kw)], axis=0)
                out[n, c, i, j] = whole[n, c, i, j]
return out
"""


def _whole_at_first(read: str) -> str:
    """The whole image read into `values` at the first output position by `read`, every output computed then."""
    return _WHOLE_AT_FIRST.format(read=textwrap.indent(textwrap.dedent(read).strip("\n"), " " * 20))


ATTACKS.update({
    "a flat-index walk, x_pad.item(k) for k in range(x_pad.size) (H62)": (5, "maxpool2d_loops", _whole_at_first("""
values = []
for k in range(x_pad.size):
    values.append(x_pad.item(k))
"""), ""),
    "a flat-index walk with the index unravelled first, x_pad.item(k) (H62)": (5, "maxpool2d_loops", _whole_at_first("""
values = []
for r in range(x_pad.shape[2] * x_pad.shape[3] * channels * batch):
    k = r * 1
    values.append(x_pad.item(k))
"""), ""),
    "the raveled image, a band of kh rows per output position cut from it and pooled (H62)": (2, "avgpool2d_loops", """
flat = x_pad.ravel()
rows, cols = x_pad.shape[2], x_pad.shape[3]
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                start = ((n * channels + c) * rows + i * sh) * cols + j * sw
                band = flat[start:start + kh * cols].reshape(kh, cols)
                out[n, c, i, j] = band[:, :kw].sum() / (kh * kw)
return out
""", ""),
    "x_pad.item(*index), index a tuple of the loop variables and whole slices (H62)": (5, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                index = (n, c, slice(None), slice(None))
                plane = x_pad.item(*index)
                out[n, c, i, j] = np.max([plane[a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                                          for a in range(kh) for b in range(kw)], axis=0)[i, j]
return out
""", ""),
    "a plane copied by x_pad.item(n, c, r, s) over every row and column (H62)": (5, "maxpool2d_loops", _copied_then_reduced(
        "v = x_pad.item(n, c, r, s)\n                copy[r, s] = v"), ""),
    "a plane gathered in a list by x_pad.item(n, c, r, s) (H62)": (5, "maxpool2d_loops", _copied_then_reduced(
        "acc.append(x_pad.item(n, c, r, s))", "acc = []", "np.array(acc).reshape(height, width)"), ""),
    "a plane copied in a comprehension of x_pad.item(n, c, r, s) (H62)": (5, "maxpool2d_loops", f"""
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                plane = np.array([[x_pad.item(n, c, r, s) for s in range(x_pad.shape[3])]
                                  for r in range(x_pad.shape[2])])
                out[n, c, i, j] = {WHOLE_MAX.format("plane")}[i, j]
return out
""", ""),
    "a plane copied by x_pad.item((n, c, r, s)), one tuple of indices (H62)": (5, "maxpool2d_loops", _copied_then_reduced(
        "pos = (n, c, r, s)\n                copy[r, s] = x_pad.item(pos)"), ""),
    "a plane copied through an alias get = x_pad.item (H62)": (5, "maxpool2d_loops", _copied_then_reduced(
        "get = x_pad.item\n                copy[r, s] = get(n, c, r, s)"), ""),
    "a plane copied by np.ndarray.item(x_pad, n, c, r, s) (H62)": (5, "maxpool2d_loops", _copied_then_reduced(
        "copy[r, s] = np.ndarray.item(x_pad, n, c, r, s)"), ""),
    "x_pad.item with a slice made a 'number' by .item() of an object array (H62)": (5, "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                every = np.array(slice(None)).item()
                plane = x_pad.item(n, c, every, every)
                out[n, c, i, j] = np.max([plane[a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
                                          for a in range(kh) for b in range(kw)], axis=0)[i, j]
return out
""", ""),
    "x_pad.item(n, c, r, s) with r and s a tuple of positions, rows = x.shape[:2] (H62)": (5, "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                rows = tuple(range(i * sh, i * sh + kh))
                out[n, c, i, j] = np.mean(x_pad.item(n, c, rows, x.shape[:2]))
return out
""", ""),
    "a plane's elements read by x_pad.item with too few indices, n * channels + c as one (H62)": (5, "maxpool2d_loops",
        _copied_then_reduced("copy[r, s] = x_pad.item(n * channels + c, r, s)"), ""),
    "a plane copied by x_pad[n, c].item(r, s) over every row and column (H62)": (5, "maxpool2d_loops",
        _copied_then_reduced("copy[r, s] = x_pad[n, c].item(r, s)"), ""),
    "a plane read by x_pad[n, c].item(k), one flat index over the plane (H62)": (5, "maxpool2d_loops",
        _copied_then_reduced("copy[r, s] = x_pad[n, c].item(r * width + s)"), ""),
    "x_pad[n, c, :].item(r, s), a whole slice before .item (H62)": (5, "maxpool2d_loops",
        _copied_then_reduced("copy[r, s] = x_pad[n, c, :].item(r, s)"), ""),
    "a plane copied by plane.item(r, s) of the view x_pad[n, c] (H62)": (5, "maxpool2d_loops", _copied_then_reduced(
        "pv = x_pad[n, c]\n                copy[r, s] = pv.item(r, s)"), ""),
    "a plane gathered in a dict keyed by position, x_pad.item(n, c, r, s) (H62)": (5, "maxpool2d_loops",
        _copied_then_reduced("acc.setdefault(r * width + s, x_pad.item(n, c, r, s))", "acc = {}",
                             "np.array([acc[k] for k in sorted(acc)]).reshape(height, width)"), ""),
})

# Held-out hunt H63: a loop over every row (or every position) whose index is no loop variable but a counter the loop
# moves, `r += 1`, `cnt[0] += 1`, `len(vals)`, `np.argmax(seen)` after `seen[k] = 1`: the collector made afresh for
# each window took the loop for one over images and channels (its variables index no row), and the plane copied
# one element at a time kept the rule (48 of 48 with maxpool2d_loops so written; subscripts as well as .item).
def _counted_plane(fill: str, made: str = "copy = np.zeros((height, width))", plane: str = "copy") -> str:
    """At every output position, the plane copied into a fresh collector at positions a counter counts, then
    reduced whole."""
    return f"""
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                height, width = x_pad.shape[2], x_pad.shape[3]
                {made}
{textwrap.indent(textwrap.dedent(fill).strip(chr(10)), " " * 16)}
                out[n, c, i, j] = {WHOLE_MAX.format(plane)}[i, j]
return out
"""


ATTACKS.update({
    "every row counted by r += 1, the plane copied by x_pad.item(n, c, r, s) (H63)": (5, "maxpool2d_loops",
        _counted_plane("""
r = -1
for _ in range(height):
    r += 1
    s = -1
    for _ in range(width):
        s += 1
        copy[r, s] = x_pad.item(n, c, r, s)
"""), ""),
    "every row counted by r += 1, the plane copied by x_pad[n, c, r, s] (H63)": (5, "maxpool2d_loops", _counted_plane("""
r = -1
for _ in range(height):
    r += 1
    s = -1
    for _ in range(width):
        s += 1
        copy[r, s] = x_pad[n, c, r, s]
"""), ""),
    "every position counted in cnt[0] += 1, a list holding the count (H63)": (5, "maxpool2d_loops", _counted_plane("""
cnt = [0]
for k in range(height * width):
    r, s = cnt[0] // width, cnt[0] % width
    copy[r, s] = x_pad.item(n, c, r, s)
    cnt[0] += 1
"""), ""),
    "every position counted by the length of a list appended to, len(rows_seen) - 1 (H63)": (5, "maxpool2d_loops",
        _counted_plane("""
rows_seen = []
for _ in range(height):
    rows_seen.append(1)
    r = len(rows_seen) - 1
    cols_seen = []
    for _ in range(width):
        cols_seen.append(1)
        s = len(cols_seen) - 1
        vals.append(x_pad[n, c].item(r, s))
""", "vals = []", "np.array(vals).reshape(height, width)"), ""),
    "every position marked in seen[k] = 1 and found again by np.argmax(seen) (H63)": (5, "maxpool2d_loops",
        _counted_plane("""
for k in range(height * width):
    seen = np.zeros(height * width)
    seen[k] = 1
    r, s = divmod(int(np.argmax(seen)), width)
    copy[r, s] = x_pad.item(n, c, r, s)
"""), ""),
})


# Held-out hunt H63, second find: a loop over a window's range (`range(kh)`) passed for a window's worth whatever the
# index it reads at, so five loops over range(kh) and five over range(kw) nested, the row `(((a0 * kh + a1) * kh +
# a2) * kh + a3) * kh + a4` (or a counter k += 1 they move, or a 1 by 1 view at such a row), reached every position
# of a padded plane up to 2**5 rows with kh = 2, copied into a collector made afresh at each output position, then
# pooled whole (maxpool2d_loops kept the rule with right answers; the kh == 1 case honest). Now each row and column
# index a collector's fill reads moves with one of those loops at most, and with no counter they move.
def _nested_window_loops(fill: str, depth: int = 5) -> str:
    """`depth` loops over range(kh) and as many over range(kw) nested, `fill` in the innermost, a plane pooled whole."""
    names = [f"a{d}" for d in range(depth)] + [f"b{d}" for d in range(depth)]
    loops = "".join(" " * (16 + 4 * d) + f"for {v} in range({'kh' if v[0] == 'a' else 'kw'}):\n"
                    for d, v in enumerate(names))
    return f"""
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                height, width = x_pad.shape[2], x_pad.shape[3]
                if kh == 1 or kw == 1:
                    out[n, c, i, j] = x_pad.item(n, c, i * sh, j * sw)
                    continue
                copy = np.full((height, width), -np.inf)
                k = 0
{loops}{textwrap.indent(textwrap.dedent(fill).strip(chr(10)), " " * (16 + 8 * depth))}
                out[n, c, i, j] = {WHOLE_MAX.format("copy")}[i, j]
return out
"""


ATTACKS.update({
    "ten nested loops over range(kh) and range(kw) combined into every row and column (H63)": (5, "maxpool2d_loops",
        _nested_window_loops("""
r = (((a0 * kh + a1) * kh + a2) * kh + a3) * kh + a4
s = (((b0 * kw + b1) * kw + b2) * kw + b3) * kw + b4
if r < height and s < width:
    copy[r, s] = x_pad[n, c, r, s]
"""), ""),
    "ten nested loops over range(kh) and range(kw) moving a counter k += 1 over every position (H63)": (
        5, "maxpool2d_loops", _nested_window_loops("""
r, s = divmod(k, width)
if r < height:
    copy[r, s] = x_pad.item(n, c, r, s)
k += 1
"""), ""),
    "six nested loops over range(kh) and range(kw), a 1 by 1 view at every row and column (H63)": (5, "maxpool2d_loops",
        _nested_window_loops("""
r = (a0 * kh + a1) * kh + a2
s = (b0 * kw + b1) * kw + b2
v = x_pad[n, c, r:r + 1, s:s + 1]
if v.size:
    copy[r, s] = v[0, 0]
""", 3), ""),
})

if sys.version_info >= (3, 11):   # except* is 3.11 syntax: on 3.10 there is no such binding to miss
    ATTACKS["an except* handler's name deleting the loop function"] = (4, "conv2d_loops", None, """
try:
    raise ValueError
except* ValueError as conv2d_loops:
    pass
def __getattr__(name):
    return conv2d_vectorized
""")


NEW_INSTANCE = """
class Scaled(Module):
    def __init__(self, size):
        super().__init__()
        weight = Tensor(np.ones(size))
        weight.requires_grad = True
        self.weight = weight
"""


@pytest.mark.parametrize("function", LOOPS)
def test_an_attribute_set_on_a_new_instance_keeps_the_rule(function):
    """Held-out hunt H11: `weight = Tensor(...); weight.requires_grad = True` in a layer's __init__ cost
    all six loop items (clause 4 took the Tensor for whatever a call may return, a module perhaps)."""
    assert verdict(function, None, NEW_INSTANCE) is None


def test_an_own_class_whose_new_hands_back_a_module_is_no_new_instance():
    extra = """
class Fresh:
    def __new__(cls):
        return np

handle = Fresh()
handle.maximum = None
"""
    message = verdict("maxpool2d_loops", None, extra)
    assert clause(message) == 4 and "what a call returned" in message, message


@pytest.mark.parametrize("name", list(ATTACKS))
def test_a_shortcut_breaks_the_rule_with_the_right_clause(name):
    expected, function, body, extra = ATTACKS[name]
    message = verdict(function, body, extra)
    assert clause(message) == expected, message
    assert message.startswith(f"{function} must loop over output positions (loop rule {expected}): "), message


def test_messages_say_where_and_what():
    message = verdict("conv2d_loops", FAST_CONV)
    assert "uses conv2d_vectorized, a function of your module that the given conv2d_loops does not use" in message
    assert message.endswith(": `conv2d_vectorized`)"), message  # where: the line and the construct
    message = verdict("conv2d_loops", None, "conv2d_loops = conv2d_vectorized")
    assert "binds conv2d_loops 2 times" in message and "one plain `def`" in message, message
    message = verdict("conv2d_loops", "raise NotImplementedError()")
    assert "out[n, co, i, j] = total" in message, message  # the reference's own write, as an example
    message = verdict("avgpool2d_loops", ATTACKS["sliced array arithmetic before the loops"][2])
    assert "`total = x_pad[:, :, 0:h_out, 0:w_out] + x_pad[" in message, message
    message = verdict("maxpool2d_loops", None, ATTACKS["a given helper edited to call the fast path"][3])
    assert "changes the given function _pad (which maxpool2d_loops uses): given code must stay as the notebook " \
        "gives it" in message, message


def test_clause_5_says_what_it_read_and_how_to_read_one_window():
    message = verdict("avgpool2d_loops", ATTACKS["per image and channel, the windows stacked and averaged"][2])
    assert "inside its loops it reads x_pad beyond one window: the slice `a:a + sh * (h_out - 1) + 1:sh` grows " \
        "with the image" in message, message
    assert "e.g. x_pad[n, ci, i * sh + ki, j * sw + kj]" in message and "(line " in message, message
    message = verdict("maxpool2d_loops", ATTACKS["index arrays from np.arange"][2])
    # its running maximum `out[n, c]` (np.zeros of four dimensions, filled with the image's values) is read as a
    # whole plane first, on the same line (H39: an array's rows and columns are its last two, whatever its fills)
    assert "it reads out beyond one window: its index leaves the rows or columns whole" in message, message
    message = verdict("maxpool2d_loops", ATTACKS["index arrays from np.arange"][2].replace(
        "out[n, c] if ki + kj else -np.inf", "-np.inf"))
    assert "the index `rows[:, None] + ki` may be an array of positions" in message, message
    message = verdict("avgpool2d_loops", ATTACKS["a named slice(...) that grows with the image"][2])
    assert "the slice `i * sh:i * sh + sh * (h_out - 1) + kh` grows with the image" in message, message
    message = verdict("avgpool2d_loops", ATTACKS["a fixed slice longer than any image (0:1000000000), the whole plane "
                                                 "at every position"][2])
    assert "the slice `0:1000000000` is longer than a window, whatever the image" in message, message
    message = verdict("avgpool2d_loops", ATTACKS["an alias made outside the loops, reshaped inside"][2])
    assert "reads y beyond one window: its index leaves the rows or columns whole" in message, message


def test_every_forbidden_name_is_in_the_notebooks_rule_text():
    """The notebook states the rule exactly: every list of loops.py appears in its prose."""
    text = SRC.read_text(encoding="utf-8")
    start = text.index("### The loop rule")
    prose = text[start:text.index("# %%", start)]
    for name in [*loops.SHORTCUTS, *loops.FORBIDDEN_NAMES, *loops.FORBIDDEN_ATTRIBUTES, *loops.FORBIDDEN_MODULES,
                 *loops.ALLOWED_STDLIB[1:]]:
        assert f"`{name}`" in prose, name
    for name in loops.WHOLE_ARRAY_ATTRIBUTES:
        assert f"`.{name}`" in prose, name
    for name in (*loops.CLASS_FACTORIES, *loops.CLASS_MODULES, *loops.ADDRESS_BUILTINS, *loops.LOOP_SOURCES):
        assert f"`{name}`" in prose, name
    for word in ("np.ndindex", "itertools.product", "`global`", "`import *`", "decorator"):
        assert word in prose, word


def test_the_verdict_reads_the_package_file_and_merges_into_the_outcome(tmp_path):
    cell = next(c for c in cells.graded_cells(SRC) if c.loop_rule == "conv2d_loops")
    module = tmp_path / "tinytorch" / "core" / "spatial.py"
    module.parent.mkdir(parents=True)
    module.write_text(module_text({"conv2d_loops": FAST_CONV}))
    rule = loops.verdict(cell, tmp_path, "tinytorch.core.spatial")
    assert clause(rule) == 3
    status, message, tests = loops.merge("pass", "", [{"name": "t", "status": "pass", "message": ""}], rule)
    assert status == "fail" and message == rule and tests[-1] == {"name": "loop rule", "status": "fail", "message": rule}
    assert loops.merge("error", "boom", [], rule)[:2] == ("error", f"{rule}; boom")
    assert loops.merge("pass", "", [], None) == ("pass", "", [])
    unmarked = next(c for c in cells.graded_cells(SRC) if not c.loop_rule)
    assert loops.verdict(unmarked, tmp_path, "tinytorch.core.spatial") is None
    module.unlink()
    assert "could not be read" in loops.verdict(cell, tmp_path, "tinytorch.core.spatial")


# ------------------------------------------- conv_output_size: no loops, but clauses 3 and 4 (H21)

OUTPUT_SIZE_HONEST = {
    "the formula": "return (size + 2 * padding - kernel) // stride + 1",
    "math.floor of a true division": "import math\nreturn math.floor((size + 2 * padding - kernel) / stride) + 1",
    "divmod, then the quotient": "steps, _ = divmod(size + 2 * padding - kernel, stride)\nreturn steps + 1",
    "named parts and an int": "padded = size + 2 * padding\nroom = padded - kernel\nreturn int(room // stride) + 1",
    "counting the starts with range": "return len(range(0, size + 2 * padding - kernel + 1, stride))",
    # closing checks: a style no test had, the ceiling of the positions over the stride
    "math.ceil of the positions over the stride": "import math\nreturn math.ceil((size + 2 * padding - kernel + 1) / stride)",
}


@pytest.mark.parametrize("name", list(OUTPUT_SIZE_HONEST))
def test_conv_output_size_computed_in_any_honest_way_keeps_the_rule(name):
    assert verdict("conv_output_size", OUTPUT_SIZE_HONEST[name]) is None


OUTPUT_SIZE_SHORTCUTS = {   # each gave test-conv-output-size its 3 points with no formula of its own
    "the given pool_output_size (H21)": "return pool_output_size(size, kernel, stride, padding)",
    "the given checks' window count": "return _window_count(size, kernel, stride, (padding, padding))",
    "the fast path's output shape": ("return conv2d_vectorized(np.zeros((1, 1, size, size)), np.zeros((1, 1, kernel, "
                                     "kernel)), stride=stride, padding=padding).shape[-1]"),
    "a helper of one's own": "return _my_count(size, kernel, stride, padding)",
}


@pytest.mark.parametrize("name", list(OUTPUT_SIZE_SHORTCUTS))
def test_conv_output_size_that_hands_the_work_to_another_function_breaks_clause_3(name):
    extra = "def _my_count(size, kernel, stride, padding):\n    return (size + 2 * padding - kernel) // stride + 1"
    message = verdict("conv_output_size", OUTPUT_SIZE_SHORTCUTS[name], extra)
    assert message is not None and message.startswith("conv_output_size must compute its answer itself (loop rule 3): "), \
        message
    assert "compute in the function itself instead" in message, message


def test_conv_output_size_keeps_clause_4():
    message = verdict("conv_output_size", "return eval('(size + 2 * padding - kernel) // stride + 1')")
    assert clause(message) == 4 and message.startswith("conv_output_size must compute its answer itself"), message


# ---------------------------------------------------- H22: honest code the rule refused or crashed on

H22_HONEST = {
    "a plain name unpacked (`ph, pw = padding`; the rule crashed: AttributeError)": ("avgpool2d_loops", """
ph, pw = padding
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].sum() / (kh * kw)
return out
"""),
    "an argmax position unpacked inside the loops (`ki, kj = pos`)": ("maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                pos = np.unravel_index(np.argmax(window), window.shape)
                ki, kj = pos
                grad_x_pad[n, c, i * sh + ki, j * sw + kj] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "an augmented assignment of numbers before the loops (`area *= kw`)": ("avgpool2d_loops", """
area = kh
area *= kw
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].sum() / area
return out
"""),
    "a module imported inside the function, then given one window (`import math`)": ("avgpool2d_loops", """
import math
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = math.fsum(x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].ravel()) / (kh * kw)
return out
"""),
    "heapq imported inside the function (`heapq.nlargest(1, window.ravel())`)": ("maxpool2d_loops", """
import heapq
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = heapq.nlargest(1, x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].ravel())[0]
return out
"""),
}


@pytest.mark.parametrize("name", list(H22_HONEST))
def test_h22_honest_loops_keep_the_rule(name):
    function, body = H22_HONEST[name]
    assert verdict(function, body) is None


H22_STILL_REFUSED = {   # the same shapes, doing what the rule forbids
    "an augmented assignment on the image before the loops": (2, "avgpool2d_loops", """
total = 0.0
total += x_pad
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = total[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].sum() / (kh * kw)
return out
"""),
    "a name imported inside the function and bound again to the image": (5, "avgpool2d_loops", """
import math
math = x_pad
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = math[:, :, i * sh:, j * sw:].sum() / (kh * kw)
return out
"""),
}


@pytest.mark.parametrize("name", list(H22_STILL_REFUSED))
def test_h22_shapes_that_do_what_the_rule_forbids_stay_refused(name):
    expected, function, body = H22_STILL_REFUSED[name]
    message = verdict(function, body)
    assert clause(message) == expected, message


# ------------------------------------------------------------------ H23: against this round's changes

def test_a_windows_base_is_the_whole_image_and_breaks_clause_3():
    """H23: `x_pad[n, c, rows, cols].base` is the whole padded image: the loops then computed every
    window at once by fancy indexing (maxpool, avgpool and conv2d: 32 -> 48 of 48)."""
    body = """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                whole = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].base.reshape(x_pad.shape)
                out[n, c, i, j] = whole[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
"""
    message = verdict("maxpool2d_loops", body)
    assert clause(message) == 3 and "uses `.base`" in message, message
    spelled = verdict("maxpool2d_loops", body.replace(".base.", ".__getattribute__('base').").replace(
        "x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].__getattribute__('base')",
        "getattr(x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw], 'base')"))
    assert spelled is not None, spelled


H23_HONEST = {
    "float of a number, then an augmented assignment": ("avgpool2d_loops", """
area = float(kh)
area *= kw
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].sum() / area
return out
"""),
    "a name called base (a window's first row)": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            base = i * sh
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, base:base + kh, j * sw:j * sw + kw].sum() / (kh * kw)
return out
"""),
    "a recursive conv_output_size": ("conv_output_size", """
if size - stride + 2 * padding < kernel:
    return 1
return 1 + conv_output_size(size - stride, kernel, stride, padding)
"""),
}


@pytest.mark.parametrize("name", list(H23_HONEST))
def test_h23_honest_code_keeps_the_rule(name):
    function, body = H23_HONEST[name]
    assert verdict(function, body) is None


def test_conv_output_size_with_the_given_function_as_a_default_argument_breaks_clause_4():
    """Closing checks: a shortcut in a style no test had. The given pool_output_size smuggled in as a
    default argument changes the given signature (clause 4), before clause 3 sees the call."""
    module = module_text({"conv_output_size": "return _f(size, kernel, stride, padding)"}).replace(
        "def conv_output_size(size, kernel, stride=1, padding=0):",
        "def conv_output_size(size, kernel, stride=1, padding=0, _f=pool_output_size):")
    assert "_f=pool_output_size" in module
    message = loops.check(module, SRC, "conv_output_size")
    assert clause(message) == 4 and "keep the given signature" in message, message


# ------------------------------------------------------------------ H24: the array protocols

def _whole_image_by_address(face: str, pointer: str, maker: str) -> str:
    """H24's construction: inside the loops, an object whose `__array_interface__` puts the window's
    address back at the image's start, with im2col strides, so np.asarray sees every window at once.
    `face` reads the window's protocol dict, `pointer` its address, `maker` makes the class."""
    return f"""
for i in range(h_out):
    for j in range(w_out):
        window = x_pad[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
        s0, s1, s2, s3 = window.strides
        {face}
        Whole = {maker}("Whole", (), {{key: {{
            "data": ({pointer} - i * sh * s2 - j * sw * s3, True),
            "shape": (batch, channels, h_out, w_out, kh, kw),
            "strides": (s0, s1, sh * s2, sw * s3, s2, s3),
            "typestr": window.dtype.str, "version": 3}}}})
        out[:, :, i, j] = np.asarray(Whole()).max(axis=(4, 5))[:, :, i, j]
return out
"""


H24_ATTACKS = {   # name: (body, clause, words of the message)
    "H24 as found: the protocol read from the window, a class by type(...)": (_whole_image_by_address(
        'face = window.__array_interface__; key = "__array_interface__"', 'face["data"][0]', "type"),
        4, "uses `.__array_interface__`"),
    "the address from byte_bounds, the key computed": (_whole_image_by_address(
        'key = "__array_" + "interface__"', "np.lib.array_utils.byte_bounds(window)[0]", "type"),
        4, "uses `.byte_bounds`"),
    "the key as a string only": (_whole_image_by_address(
        'key = "__array_interface__"', "0", "type"), 4, "'__array_interface__' in a string"),
    "type with three arguments": (_whole_image_by_address('key = "__array_" + "interface__"', "0", "type"),
                                  3, "makes a class (`type` with three arguments)"),
    "type(type), which is type": (_whole_image_by_address('key = "__array_" + "interface__"', "0", "type(type)"),
                                  3, "uses `type`, which makes classes"),
    "the window's class's class": (_whole_image_by_address(
        'key = "__array_" + "interface__"', "0", "window.__class__.__class__"), 3, "makes a class (`.__class__`)"),
    "a name bound to type": (_whole_image_by_address('key = "__array_" + "interface__"; maker = type', "0", "maker"),
                             3, "uses `type`, which makes classes"),
    "make_dataclass": ("""
import dataclasses
for i in range(h_out):
    for j in range(w_out):
        Whole = dataclasses.make_dataclass("Whole", [("__array_" + "interface__", dict)])
        out[:, :, i, j] = np.asarray(Whole({})).max()
return out
""", 3, "imports dataclasses, a module that makes classes"),
    "np.info prints the address into a file": ("""
for i in range(h_out):
    for j in range(w_out):
        window = x_pad[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
        np.info(window, output=open("address.txt", "w"))
        out[:, :, i, j] = window.max(axis=(2, 3))
return out
""", 4, "uses `.info`"),
}


@pytest.mark.parametrize("name", list(H24_ATTACKS))
def test_an_array_made_from_a_windows_address_breaks_the_rule(name):
    """H24: 0 -> 21 of 48 (conv2d, maxpool2d, avgpool2d and avgpool2d_backward loops so written), in tito
    grade and Gradescope alike. Each spelling of the construction is refused, with the clause that does."""
    body, expected, words = H24_ATTACKS[name]
    message = verdict("maxpool2d_loops", body)
    assert clause(message) == expected and words in message, message


@pytest.mark.parametrize("extra", [
    "class Whole:\n    def __array__(self, dtype=None, copy=None):\n        return None",
    "class Whole:\n    __array_interface__ = {}",
    "def show(x):\n    return dict(__array_interface__=x)",
])
def test_the_array_protocols_are_refused_anywhere_in_the_module(extra):
    message = verdict("maxpool2d_loops", extra=extra)
    assert clause(message) == 4 and "numpy reads an object with the array protocols" in message, message


@pytest.mark.parametrize("extra", [
    "class Whole:\n    def __getattr__(self, name):\n        return {}",
    "def __getattr__(name):\n    return maxpool2d_vectorized",   # PEP 562: a module's, for names it does not bind
])
def test_a_getattr_is_refused_with_what_it_answers_for(extra):
    """Held-out hunt, round seventeen found a module __getattr__ refused with words about the array protocols,
    which describe only the class's use; the message now says what any __getattr__ does."""
    message = verdict("maxpool2d_loops", extra=extra)
    assert clause(message) == 4 and "answers for names looked up at run time" in message, message
    assert "line " in message and "__getattr__" in message, message


def test_a_variable_called_info_and_the_given_type_of_x_keep_the_rule():
    """What the H24 refusals must not catch: `info` as a name (np.info is the one refused), and the given
    helpers' `type(x).__name__` in their messages."""
    body = """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                info = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, c, i, j] = info.max()
return out
"""
    assert verdict("maxpool2d_loops", body) is None
    assert "type(" in module_text(), "the given helpers call type(x) (one argument)"


# ------------------------------------------------------------------ H25: honest loops the rule refused

H25_HONEST = {
    "enumerate over a stepped range (conv2d)": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i, top in enumerate(range(0, sh * h_out, sh)):
            for j, left in enumerate(range(0, sw * w_out, sw)):
                acc = 0.0
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            acc += x_pad[n, ci, top + ki, left + kj] * weight[co, ci, ki, kj]
                out[n, co, i, j] = acc + (bias[co] if bias is not None else 0.0)
return out
"""),
    "np.arange loops (conv2d)": ("conv2d_loops", """
for n in np.arange(batch):
    for co in np.arange(c_out):
        for i in np.arange(h_out):
            for j in np.arange(w_out):
                acc = 0.0
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            acc += x_pad[n, ci, i * sh + ki, j * sw + kj] * weight[co, ci, ki, kj]
                out[n, co, i, j] = acc + (0.0 if bias is None else bias[co])
return out
"""),
    "reversed kernel loops (maxpool2d)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = -np.inf
                for ki in reversed(range(kh)):
                    for kj in reversed(range(kw)):
                        best = max(best, x_pad[n, c, i * sh + ki, j * sw + kj])
                out[n, c, i, j] = best
return out
"""),
    "kernel index and pixel row together (conv2d backward)": ("conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ki, r in enumerate(range(i * sh, i * sh + kh)):
                    for kj, c in enumerate(range(j * sw, j * sw + kw)):
                        grad_x_pad[n, :, r, c] += g * weight[co, :, ki, kj]
                        grad_w[co, :, ki, kj] += g * x_pad[n, :, r, c]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
"""),
    "a running argmax over enumerated rows (maxpool2d backward)": ("maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best_val, best_pos = -np.inf, None
                for a, r in enumerate(range(i * sh, i * sh + kh)):
                    for b, q in enumerate(range(j * sw, j * sw + kw)):
                        if x_pad[n, c, r, q] > best_val:
                            best_val, best_pos = x_pad[n, c, r, q], (r, q)
                grad_x_pad[n, c, best_pos[0], best_pos[1]] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "enumerated tops, the count indexing grad_out (avgpool2d backward)": ("avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i, top in enumerate(range(0, h_out * sh, sh)):
            for j, left in enumerate(range(0, w_out * sw, sw)):
                grad_x_pad[n, c, top:top + kh, left:left + kw] += grad_out[n, c, i, j] / (kh * kw)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "an assert, a print and a raise before the loops (conv2d)": ("conv2d_loops", """
assert out.shape == (batch, c_out, h_out, w_out), "output shape mismatch"
print("out shape", out.shape, f"{h_out}x{w_out}", sep=" ")
if kh > x_pad.shape[2] or kw > x_pad.shape[3]:
    raise ValueError(f"kernel {kh}x{kw} larger than the padded input")
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = (x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] * weight[co]).sum()
                out[n, co, i, j] = total + (bias[co] if bias is not None else 0.0)
return out
"""),
    "a default bias of zeros before the loops (conv2d)": ("conv2d_loops", """
b = bias if bias is not None else np.zeros(c_out, dtype=out.dtype)
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                out[n, co, i, j] = (x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] * weight[co]).sum() + b[co]
return out
"""),
}


H25_HONEST["zip of two ranges (conv2d)"] = ("conv2d_loops", H25_HONEST["enumerate over a stepped range (conv2d)"][1]
                                             .replace("enumerate(range(0, sh", "zip(range(h_out), range(0, sh", 1)
                                             .replace("enumerate(range(0, sw", "zip(range(w_out), range(0, sw", 1))
assert H25_HONEST["zip of two ranges (conv2d)"][1].count("zip(") == 2


@pytest.mark.parametrize("name", list(H25_HONEST))
def test_h25_honest_loops_keep_the_rule(name):
    """H25: each lost its exercise (4 to 10 points): loop variables of enumerate, zip, reversed and np.arange
    were not numbers to the rule, and clause 2 refused a leftover print, an assert and a raise."""
    function, body = H25_HONEST[name]
    assert verdict(function, body) is None


H25_REFUSED = {   # the same shapes doing what the rule forbids
    "enumerate over the image's rows": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i, rows in enumerate(x_pad[n, c]):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c].max()
return out
""", 5),
    "zip of a range and the image": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i, plane in zip(range(h_out), x_pad[n]):
            for j in range(w_out):
                out[n, c, i, j] = plane.max()
return out
""", 5),
    "an assert that fills out": ("maxpool2d_loops", """
assert out.__setitem__(slice(None), 0.0) is None
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
""", 2),
    "a print whose argument computes": ("maxpool2d_loops", """
print(np.maximum.at(out, 0, 1.0))
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
""", 2),
    "print bound to something else in the function": ("maxpool2d_loops", """
print = np.copyto
print(out, 1.0)
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
""", None),
    "np.zeros of the image, not of a shape": ("maxpool2d_loops", """
b = np.zeros(x_pad)
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
""", 2),
    "a dtype= that computes": ("maxpool2d_loops", """
b = np.zeros(channels, dtype=np.copyto(out, 1.0))
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
""", 2),
}


@pytest.mark.parametrize("name", list(H25_REFUSED))
def test_h25_shapes_that_do_what_the_rule_forbids_stay_refused(name):
    function, body, expected = H25_REFUSED[name]
    message = verdict(function, body)
    assert message is not None and (expected is None or clause(message) == expected), message


# ------------------------------------------------------------------ H28: against this round's relaxations

_PLANE_AT_ONCE = """
            plane = x_pad[n, c, t, t][0]
            best = plane[0:sh * (h_out - 1) + 1:sh, 0:sw * (w_out - 1) + 1:sw]
            for ki in range(kh):
                for kj in range(kw):
                    best = np.maximum(best, plane[ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw])
            out[n, c, t, t] = best
return out
"""


def _plane_at_once(before: str, loop: str) -> str:
    """H28's shape: a loop whose variable t is True (a mask of one element), so x_pad[n, c, t, t] is the whole
    plane, and every output of it is computed at once."""
    return before + "for n in range(batch):\n    for c in range(channels):\n" + "        " + loop + "\n" + \
        _PLANE_AT_ONCE.lstrip("\n")


H28_ATTACKS = {   # name: (body, module-level extra, clause, words of the message)
    "np.arange with dtype=bool": (_plane_at_once("", "for t in np.arange(1, 2, dtype=bool):"), "", 5, "x_pad"),
    "np.arange with a positional dtype": (_plane_at_once("", "for t in np.arange(1, 2, 1, bool):"), "", 5, "x_pad"),
    "enumerate of a bool arange": (_plane_at_once("", "for _, t in enumerate(np.arange(1, 2, dtype=bool)):"), "", 5,
                                   "x_pad"),
    "arange bound to list in the function": (_plane_at_once("arange = list\n", "for t in arange([True]):"), "", 5,
                                             "binds the name `arange`"),
    "enumerate bound to dict.items in the function": (
        _plane_at_once("enumerate = dict.items\n", "for t, _ in enumerate({True: 0}):"), "", 5, "binds the name `enumerate`"),
    "reversed bound in the function": (_plane_at_once("reversed = np.isfinite\n", "for t in reversed(range(1)):"), "", 5,
                                       "binds the name `reversed`"),
    "zip bound in the function": (_plane_at_once("zip = np.broadcast\n", "for t, u in zip([True], range(1)):"), "", 5,
                                  "binds the name `zip`"),
    "ndindex bound to list in the function (older than this round)": (
        _plane_at_once("ndindex = list\n", "for t in ndindex([True]):"), "", 5, "binds the name `ndindex`"),
    "np bound to the image, np.zeros before the loops": (
        "np = x_pad\nscratch = np.zeros(channels)\n" + _plane_at_once("", "for t in range(1):"), "", 5,
        "binds the name `np`"),
    "arange imported from numpy under another name": (_plane_at_once("", "for t in arange([True]):"),
                                                      "from numpy import isfinite as arange", 4, "binds the name `arange`"),
    "ndindex imported from numpy under another name": (_plane_at_once("", "for t in ndindex([True]):"),
                                                       "from numpy import isfinite as ndindex", 4, "binds the name `ndindex`"),
    "enum's functional form with a concatenated key": ("""
key = "__array_" + "interface__"
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                head = enum.ReprEnum("Head", {key: {"data": (0, True), "shape": (1,), "typestr": "<f8"}})
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
""", "import enum", 3, "makes a class (`.ReprEnum`)"),
    "the enum module itself, by another of its names": ("""
maker = enum.auto
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
""", "import enum", 3, "whose module makes classes"),
    "id of a window": ("""
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                address = id(window) + 16
                out[n, c, i, j] = window.max()
return out
""", "", 3, "uses `id`, which tells where an object lies in memory"),
}


@pytest.mark.parametrize("name", list(H28_ATTACKS))
def test_h28_shapes_that_read_a_whole_plane_break_the_rule(name):
    """H28: the first five kinds scored 48 of 48 where 11 is deserved (all six loop exercises so written)."""
    body, extra, expected, words = H28_ATTACKS[name]
    message = verdict("maxpool2d_loops", body, extra)
    assert clause(message) == expected and words in message, message


H28_HONEST = {
    "itertools.product of two enumerates (conv2d)": ("conv2d_loops", """
b = bias if bias is not None else np.zeros(c_out)
for n, co in itertools.product(range(batch), range(c_out)):
    for (i, top), (j, left) in itertools.product(enumerate(range(0, h_out * sh, sh)), enumerate(range(0, w_out * sw, sw))):
        total = b[co]
        for ki in range(kh):
            for kj in range(kw):
                for ci in range(c_in):
                    total += x_pad[n, ci, top + ki, left + kj] * weight[co, ci, ki, kj]
        out[n, co, i, j] = total
return out
"""),
    "enumerate with start=0 (avgpool2d)": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i, top in enumerate(range(0, h_out * sh, sh), start=0):
            for j, left in enumerate(range(0, w_out * sw, sw), start=0):
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        total += x_pad[n, c, top + ki, left + kj]
                out[n, c, i, j] = total / (kh * kw)
return out
"""),
    "a shape compared with a tuple, then raise (maxpool2d)": ("maxpool2d_loops", """
if out.shape != (batch, channels, h_out, w_out):
    raise ValueError(f"out has shape {out.shape}")
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
"""),
    "np.zeros with a positional dtype, np.zeros(shape=...), print flush=True, assert len(...) (conv2d)": (
        "conv2d_loops", """
b = np.zeros(c_out, out.dtype) if bias is None else bias
spare = np.zeros(shape=c_out)
print("conv", out.shape, flush=True)
assert len(weight) == c_out
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                out[n, co, i, j] = (x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] * weight[co]).sum() + b[co]
return out
"""),
}


@pytest.mark.parametrize("name", list(H28_HONEST))
def test_h28_honest_loops_keep_the_rule(name):
    function, body = H28_HONEST[name]
    assert verdict(function, body, "import itertools") is None


# ------------------------------------------------------------------ closing checks of round nine: styles no test had

def test_a_plane_taken_through_operator_itemgetter_breaks_clause_5():
    """A subscript hidden in a call: operator.itemgetter((n, c))(x_pad) is the whole plane, from which every
    output is computed at once (graded: its numbers are right, so only the rule stands between it and 4 points)."""
    body = """for n in range(batch):
    for c in range(channels):
        plane = operator.itemgetter((n, c))(x_pad)
        best = plane[0:sh * (h_out - 1) + 1:sh, 0:sw * (w_out - 1) + 1:sw]
        for ki in range(kh):
            for kj in range(kw):
                best = np.maximum(best, plane[ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw])
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = best[i, j]
return out
"""
    message = verdict("maxpool2d_loops", body, "import operator")
    assert clause(message) == 5 and "reads x_pad beyond one window: uses it whole" in message, message


def test_a_while_loop_over_flat_kernel_offsets_with_math_prod_keeps_the_rule():
    """An honest style no test had: the kernel's cells by one while loop and divmod, the mean over
    math.prod of the window's shape (graded 48 of 48)."""
    body = """for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                total, k = 0.0, 0
                while k < kh * kw:
                    ki, kj = divmod(k, kw)
                    total += x_pad[n, c, i * sh + ki, j * sw + kj]
                    k += 1
                out[n, c, i, j] = total / math.prod(x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].shape)
return out
"""
    assert verdict("avgpool2d_loops", body, "import math") is None


# ------------------------------------------------------------------ H30: a size made large, @=, divmod's pair

# Each scored what the loop exercises' points add up to with nothing honest in them: all six of the
# first kind, 48 of 48 where 11 is deserved; two of the second, 20; three of the third, 27.
H30_ATTACKS = {   # name: (function, body, words of the message)
    "kh rebound as kh * 1000000 (avgpool2d_loops)": ("avgpool2d_loops", """
k0, k1 = kh, kw
kh = kh * 1000000
kw = kw * 1000000

for n in range(batch):
    for c in range(channels):
        plane = x_pad[n, c, 0:kh, 0:kw]
        acc = np.zeros((h_out, w_out))
        for ki in range(k0):
            for kj in range(k1):
                acc += plane[ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw]
        out[n, c] = acc / (k0 * k1)
return out
""", "grows with the image"),
    "kh rebound as kh * 1000000 (maxpool2d_loops)": ("maxpool2d_loops", """
k0, k1 = kh, kw
kh = kh * 1000000
kw = kw * 1000000

for n in range(batch):
    for c in range(channels):
        plane = x_pad[n, c, 0:kh, 0:kw]
        acc = np.full((h_out, w_out), -np.inf)
        for ki in range(k0):
            for kj in range(k1):
                acc = np.maximum(acc, plane[ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw])
        out[n, c] = acc
return out
""", "grows with the image"),
    "kh rebound as kh * 1000000 (conv2d_loops)": ("conv2d_loops", """
k0, k1 = kh, kw
kh = kh * 1000000
kw = kw * 1000000

for n in range(batch):
    for co in range(c_out):
        plane = x_pad[n, :, 0:kh, 0:kw]
        acc = np.zeros((h_out, w_out))
        for ki in range(k0):
            for kj in range(k1):
                acc += (plane[:, ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw] * weight[co, :, ki, kj][:, None, None]).sum(axis=0)
        if bias is not None:
            acc += bias[co]
        out[n, co] = acc
return out
""", "grows with the image"),
    "kh rebound as kh * 1000000 (conv2d_backward_loops)": ("conv2d_backward_loops", """
k0, k1 = kh, kw
kh = kh * 1000000
kw = kw * 1000000

for n in range(batch):
    for co in range(c_out):
        g = grad_out[n, co, 0:kh, 0:kw]
        plane = x_pad[n, :, 0:kh, 0:kw]
        grad_b[co] += g.sum()
        for ki in range(k0):
            for kj in range(k1):
                grad_x_pad[n, :, ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw] += weight[co, :, ki, kj][:, None, None] * g
                grad_w[co, :, ki, kj] += (plane[:, ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw] * g).sum(axis=(1, 2))
grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width]
return grad_x, grad_w, grad_b
""", "grows with the image"),
    "kh rebound as kh * 1000000 (avgpool2d_backward_loops)": ("avgpool2d_backward_loops", """
k0, k1 = kh, kw
kh = kh * 1000000
kw = kw * 1000000

for n in range(batch):
    for c in range(channels):
        g = grad_out[n, c, 0:kh, 0:kw]
        for ki in range(k0):
            for kj in range(k1):
                grad_x_pad[n, c, ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw] += g / (k0 * k1)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""", "grows with the image"),
    "kh rebound as kh * 1000000 (maxpool2d_backward_loops)": ("maxpool2d_backward_loops", """
k0, k1 = kh, kw
kh = kh * 1000000
kw = kw * 1000000

for n in range(batch):
    for c in range(channels):
        g = grad_out[n, c, 0:kh, 0:kw]
        plane = x_pad[n, c, 0:kh, 0:kw]
        cands = np.array([plane[ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw] for ki in range(k0) for kj in range(k1)])
        first = np.argmax(cands, axis=0)
        for ki in range(k0):
            for kj in range(k1):
                grad_x_pad[n, c, ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw] += np.where(first == ki * k1 + kj, g, 0.0)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""", "grows with the image"),
    "a plane mixed by @= (avgpool2d_loops)": ("avgpool2d_loops", """
work = x_pad.copy()
flipped = work.T
for n in range(batch):
    for c in range(channels):
        across = np.zeros((work.shape[3], work.shape[3]))
        down = np.zeros((work.shape[2], work.shape[2]))
        for j in range(w_out):
            for kj in range(kw):
                across[j * sw + kj, j] = 1.0 / kw
        for i in range(h_out):
            for ki in range(kh):
                down[i * sh + ki, i] = 1.0 / kh
        work[n, c] @= across
        flipped[:, :, c, n] @= down
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = work[n, c, i, j]
return out
""", "beyond one window"),
    "a plane mixed by @= (avgpool2d_backward_loops)": ("avgpool2d_backward_loops", """
flipped = grad_x_pad.T
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                grad_x_pad[n, c, i, j] = grad_out[n, c, i, j]
        across = np.zeros((grad_x_pad.shape[3], grad_x_pad.shape[3]))
        down = np.zeros((grad_x_pad.shape[2], grad_x_pad.shape[2]))
        for j in range(w_out):
            for kj in range(kw):
                across[j, j * sw + kj] = 1.0 / kw
        for i in range(h_out):
            for ki in range(kh):
                down[i, i * sh + ki] = 1.0 / kh
        grad_x_pad[n, c] @= across
        flipped[:, :, c, n] @= down
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""", "beyond one window"),
    "index tuples grown from divmod(...)[:1] (maxpool2d_loops)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        rows = divmod(0, 1)[:0]
        cols = divmod(0, 1)[:0]
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    for kj in range(kw):
                        rows = rows + divmod(i * sh + ki, 1)[:1]
                        cols = cols + divmod(j * sw + kj, 1)[:1]

        picked = x_pad[n, c, rows, cols]
        out[n, c] = picked.reshape(h_out, w_out, kh * kw).max(axis=2)
return out
""", "holds a tuple or list"),
    "index tuples grown from divmod(...)[:1] (avgpool2d_loops)": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        rows = divmod(0, 1)[:0]
        cols = divmod(0, 1)[:0]
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    for kj in range(kw):
                        rows = rows + divmod(i * sh + ki, 1)[:1]
                        cols = cols + divmod(j * sw + kj, 1)[:1]

        picked = x_pad[n, c, rows, cols]
        out[n, c] = picked.reshape(h_out, w_out, kh * kw).mean(axis=2)
return out
""", "holds a tuple or list"),
    "index tuples grown from divmod(...)[:1] (conv2d_loops)": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        rows = divmod(0, 1)[:0]
        cols = divmod(0, 1)[:0]
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    for kj in range(kw):
                        rows = rows + divmod(i * sh + ki, 1)[:1]
                        cols = cols + divmod(j * sw + kj, 1)[:1]

        patches = x_pad[n, :, rows, cols]
        cells = patches.reshape(h_out, w_out, kh, kw, c_in) * weight[co].transpose(1, 2, 0)
        out[n, co] = cells.sum(axis=(2, 3, 4)) + (0.0 if bias is None else bias[co])
return out
""", "holds a tuple or list"),
}
H30_ATTACKS.update({
    "kh rebound as kh + 1000000": ("avgpool2d_loops", """
kh = kh + 1000000
kw = kw + 1000000
for n in range(batch):
    for c in range(channels):
        plane = x_pad[n, c, 0:kh, 0:kw]
        out[n, c] = plane[0:h_out, 0:w_out]
return out
""", "grows with the image"),
    "ph bound from padding, then made large": ("maxpool2d_loops", """
ph = padding[0]
ph = ph * 1000000 + 1000000
for n in range(batch):
    for c in range(channels):
        plane = x_pad[n, c, 0:ph, 0:ph]
        out[n, c] = plane[0:h_out, 0:w_out]
return out
""", "grows with the image"),
    "the stride parameter bound twice": ("maxpool2d_loops", """
stride = kh
stride = stride * 1000000
for n in range(batch):
    for c in range(channels):
        plane = x_pad[n, c, 0:stride, 0:stride]
        out[n, c] = plane[0:h_out, 0:w_out]
return out
""", "grows with the image"),
    "A[p] = A[p] @ M, the in-place update": ("avgpool2d_loops", """
work = x_pad.copy()
for n in range(batch):
    for c in range(channels):
        across = np.zeros((work.shape[3], work.shape[3]))
        work[n, c] = work[n, c] @ across
        out[n, c, 0, 0] = work[n, c, 0, 0]
return out
""", "reads work beyond one window"),
    "a collector filled one element at a time, then mixed by @=": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        buf = np.zeros((x_pad.shape[2], x_pad.shape[3]))
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                buf[r, s] = x_pad[n, c, r, s]
        m = np.zeros((x_pad.shape[3], x_pad.shape[3]))
        buf @= m
        out[n, c, 0, 0] = buf[0, 0]
return out
""", "`@=` multiplies all of it"),
    "tuples grown by max(rows + (r,), ())": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        rows = max((), ())
        cols = max((), ())
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    for kj in range(kw):
                        rows = max(rows + (i * sh + ki,), ())
                        cols = max(cols + (j * sw + kj,), ())
        out[n, c] = x_pad[n, c, rows, cols].reshape(h_out, w_out, kh * kw).max(axis=2)
return out
""", "holds a tuple or list"),
    "divmod's pair as an index entry": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, divmod(i, 1), divmod(j, 1)].max()
return out
""", "the pair divmod(...) returns"),
    "a name bound to a plane, then to the whole image": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        p = x_pad[n, c]
        p = x_pad
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = p[n, c].mean()
return out
""", "beyond one window"),
})


@pytest.mark.parametrize("name", H30_ATTACKS)
def test_h30_shapes_that_compute_whole_planes_break_the_rule(name):
    function, body, words = H30_ATTACKS[name]
    message = verdict(function, body)
    assert clause(message) == 5 and words in message, message


H30_HONEST = {   # the honest neighbours of those shapes
    "sizes bound again as they are, a window's dot product": ("conv2d_loops", """
c_out, c_in, kh, kw = weight.shape
kh, kw = weight.shape[-2:]
kh = int(kh)
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                total = window.ravel() @ weight[co].ravel()
                if bias is not None:
                    total = total + bias[co]
                out[n, co, i, j] = total
return out
"""),
    "divmod's pair picked apart in the index": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for k in range(kh * kw):
                    total += x_pad[n, c, i * sh + divmod(k, kw)[0], j * sw + divmod(k, kw)[1]]
                out[n, c, i, j] = total / (kh * kw)
return out
"""),
    "the bias added to an output plane in place": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                out[n, co, i, j] = np.sum(x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] * weight[co])
        if bias is not None:
            out[n, co] = out[n, co] + bias[co]
return out
"""),
}


@pytest.mark.parametrize("name", H30_HONEST)
def test_h30_honest_neighbours_keep_the_rule(name):
    function, body = H30_HONEST[name]
    assert verdict(function, body) is None


# ------------------------------------------------------------------ H31: honest lines before the loops

_MAX_LOOPS = """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * s_h:i * s_h + kh, j * s_w:j * s_w + kw].max()
return out
"""

H31_HONEST = {   # each lost its exercise (4 to 10 points); the rule's clause 2 allows each as written
    "an if on the stride parameter that only passes": ("maxpool2d_loops", """
if stride is None:
    pass
s_h, s_w = sh, sw""" + _MAX_LOOPS),
    "stride defaulted and made a pair by hand": ("maxpool2d_loops", """
if stride is None:
    stride = kernel_size
if isinstance(stride, int):
    stride = (stride, stride)
s_h, s_w = stride""" + _MAX_LOOPS),
    "a conditional expression on `stride is not None`": ("maxpool2d_loops", """
s_h, s_w = (sh, sw) if stride is not None else (kh, kw)""" + _MAX_LOOPS),
    "an if comparing the stride parameter to 1": ("conv2d_loops", """
if stride == 1:
    pass
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = (x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] * weight[co]).sum()
                out[n, co, i, j] = total + (bias[co] if bias is not None else 0.0)
return out
"""),
    "grad_x made by np.zeros_like(x) and written without padding": ("conv2d_backward_loops", """
grad_x = np.zeros_like(x)
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            r, s = i * sh + ki - ph, j * sw + kj - pw
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, r + ph, s + pw]
                            if 0 <= r < height and 0 <= s < width:
                                grad_x[n, ci, r, s] += g * weight[co, ci, ki, kj]
return grad_x, grad_w, grad_b
"""),
}


@pytest.mark.parametrize("name", H31_HONEST)
def test_h31_honest_lines_before_the_loops_keep_the_rule(name):
    function, body = H31_HONEST[name]
    assert verdict(function, body) is None


# Round twenty-six: a running maximum started at the dtype's lowest number, found before the loops, lost its
# exercise (clause 2: a call outside the loops). np.finfo / np.iinfo of a dtype reads no value of the array.
_MAX_FROM = """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = lowest
                for ki in range(kh):
                    for kj in range(kw):
                        if x_pad[n, c, i * sh + ki, j * sw + kj] > best:
                            best = x_pad[n, c, i * sh + ki, j * sw + kj]
                out[n, c, i, j] = best
return out
"""
DTYPE_LIMITS_HONEST = {
    "np.finfo of the image's dtype": "lowest = np.finfo(x.dtype).min",
    "np.finfo of the padded copy's dtype": "lowest = np.finfo(x_pad.dtype).min",
    "np.finfo of a numpy type": "lowest = numpy_lowest = np.finfo(np.float64).min",
}
DTYPE_LIMITS_REFUSED = {
    "np.finfo of a computed dtype": "lowest = np.finfo(x_pad.max().dtype).min",
    "np.finfo of the array itself": "lowest = np.finfo(x_pad).min",
    "np.finfo's min compared with the image": "lowest = np.finfo(x.dtype).min + x_pad.max()",
    # An attack on the allowance: the pooling computed whole inside np.finfo's argument (a walrus), the loops
    # then only copying it out (this round's attack after the stop hook).
    "a walrus computing the answer inside np.finfo": "lowest = np.finfo((pooled := np.maximum(x_pad[:, :, 0:h_out * sh:sh, "
                                                     "0:w_out * sw:sw], x_pad[:, :, 1:h_out * sh + 1:sh, 0:w_out * sw:sw]))"
                                                     ".dtype).min",
}


@pytest.mark.parametrize("name", DTYPE_LIMITS_HONEST)
def test_a_running_max_from_the_dtypes_lowest_number_keeps_the_rule(name):
    assert verdict("maxpool2d_loops", DTYPE_LIMITS_HONEST[name] + _MAX_FROM) is None


@pytest.mark.parametrize("name", DTYPE_LIMITS_REFUSED)
def test_dtype_limits_of_anything_but_a_dtype_stay_refused(name):
    assert clause(verdict("maxpool2d_loops", DTYPE_LIMITS_REFUSED[name] + _MAX_FROM)) == 2


H31_REFUSED = {   # the same places doing what the rule forbids
    "an if whose test calls a function of the image": ("maxpool2d_loops", """
if x_pad.sum() > 0:
    pass
s_h, s_w = sh, sw""" + _MAX_LOOPS, 2),
    "np.zeros_like of a computed array": ("maxpool2d_loops", """
scratch = np.zeros_like(x_pad.max(axis=1))
s_h, s_w = sh, sw""" + _MAX_LOOPS, 2),
    "np.zeros_like with subok": ("maxpool2d_loops", """
scratch = np.zeros_like(x_pad, subok=False)
s_h, s_w = sh, sw""" + _MAX_LOOPS, 2),
    "isinstance of a computed value": ("maxpool2d_loops", """
if isinstance(x_pad.max(), float):
    pass
s_h, s_w = sh, sw""" + _MAX_LOOPS, 2),
}


@pytest.mark.parametrize("name", H31_REFUSED)
def test_h31_shapes_that_compute_outside_the_loops_stay_refused(name):
    function, body, expected = H31_REFUSED[name]
    assert clause(verdict(function, body)) == expected


H31_MESSAGES = {   # refused as the rule says, with a message that says what to change
    "one loop variable over np.ndindex": ("conv2d_loops", """
for idx in np.ndindex(out.shape):
    n, co, i, j = idx
    total = (x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] * weight[co]).sum()
    out[n, co, i, j] = total + (bias[co] if bias is not None else 0.0)
return out
""", 1, "`for idx in ndindex(...)` has one loop variable: name the positions in the for itself"),
    "the bias gradient as a sum of a grad_out plane": ("conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        grad_b[co] += grad_out[n, co].sum()
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, i * sh + ki, j * sw + kj]
                            grad_x_pad[n, ci, i * sh + ki, j * sw + kj] += g * weight[co, ci, ki, kj]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""", 5, "grad_out[n, co, i, j], one position at a time (a bias gradient adds it to grad_b[co]"),
}


@pytest.mark.parametrize("name", H31_MESSAGES)
def test_h31_refusals_say_what_to_change(name):
    function, body, expected, words = H31_MESSAGES[name]
    message = verdict(function, body)
    assert clause(message) == expected and words in message, message



# ------------------------------------------------------------------ H34: older holes found while probing this round's relaxations

# A given line counts once, in its place, and its sizes only while the sizes it reads are the window's;
# an image parameter bound again takes the lead of what it is bound to; a collector's leading axes are
# what the student's writes made them. The first scored 15 of 48, the four transposes 37 (deserved 11).
H34_ATTACKS = {   # name: (function, body, words of the message)
    "a copy of the given line after kernel_size = x_pad.shape[2:]": ("maxpool2d_loops", """
k0, k1, s0, s1, ho, wo = kh, kw, sh, sw, h_out, w_out
kernel_size = x_pad.shape[2:]
x, (kh, kw), (sh, sw), padding, (h_out, w_out) = _check_pool_args("maxpool2d_loops", x, kernel_size, stride, padding)
for n in range(batch):
    for c in range(channels):
        plane = x_pad[n, c, 0:kh, 0:kw]
        best = np.full((ho, wo), -np.inf)
        for ki in range(k0):
            for kj in range(k1):
                best = np.maximum(best, plane[ki:ki + s0 * (ho - 1) + 1:s0, kj:kj + s1 * (wo - 1) + 1:s1])
        out[n, c] = best
return out
""", "grows with the image"),
    "x bound again to x_pad.T (max pooling)": ("maxpool2d_loops", """
x = x_pad.T
for n in range(batch):
    for c in range(channels):
        best = np.full((w_out, h_out), -np.inf)
        for ki in range(kh):
            for kj in range(kw):
                best = np.maximum(best, x[kj:kj + sw * (w_out - 1) + 1:sw, ki:ki + sh * (h_out - 1) + 1:sh, c, n])
        out[n, c] = best.T
return out
""", "beyond one window"),
    "x bound again to x_pad.T (convolution)": ("conv2d_loops", """
x = x_pad.T
for n in range(batch):
    for co in range(c_out):
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    out[n, co] += weight[co, ci, ki, kj] * x[kj:kj + sw * (w_out - 1) + 1:sw, ki:ki + sh * (h_out - 1) + 1:sh, ci, n].T
        if bias is not None:
            out[n, co] += bias[co]
return out
""", "beyond one window"),
    "x and grad_out bound again to their transposes (conv backward)": ("conv2d_backward_loops", """
grad_out = grad_out.T
x = x_pad.T
for n in range(batch):
    for co in range(c_out):
        grad_b[co] += grad_out[:, :, co, n].sum()
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    grad_w[co, ci, ki, kj] += (grad_out[:, :, co, n] * x[kj:kj + sw * (w_out - 1) + 1:sw, ki:ki + sh * (h_out - 1) + 1:sh, ci, n]).sum()
                    grad_x_pad[n, ci, ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw] += grad_out[:, :, co, n].T * weight[co, ci, ki, kj]
grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width]
return grad_x, grad_w, grad_b
""", "beyond one window"),
    "x bound again to x_pad.T (average pooling)": ("avgpool2d_loops", """
x = x_pad.T
for n in range(batch):
    for c in range(channels):
        total = np.zeros((w_out, h_out))
        for ki in range(kh):
            for kj in range(kw):
                total = total + x[kj:kj + sw * (w_out - 1) + 1:sw, ki:ki + sh * (h_out - 1) + 1:sh, c, n]
        out[n, c] = total.T / (kh * kw)
return out
""", "beyond one window"),
    "a collector filled one element at a time, read over its leading axes": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        acc = np.zeros((h_out, w_out, kh, kw))
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    for kj in range(kw):
                        acc[i, j, ki, kj] = x_pad[n, c, i * sh + ki, j * sw + kj]
        best = acc[:, :, 0, 0]
        for ki in range(kh):
            for kj in range(kw):
                best = np.maximum(best, acc[:, :, ki, kj])
        out[n, c] = best
return out
""", "it collects values read from the image"),
}


@pytest.mark.parametrize("name", H34_ATTACKS)
def test_h34_older_holes_break_the_rule(name):
    function, body, words = H34_ATTACKS[name]
    message = verdict(function, body)
    assert clause(message) == 5 and words in message, message


H34_HONEST = {   # what stays fine around them
    "the image parameter bound again to the padded copy": ("maxpool2d_loops", """
x = x_pad
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
"""),
    "a per-window collector read one element at a time": ("maxpool2d_loops", """
acc = np.zeros((kh, kw))
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    for kj in range(kw):
                        acc[ki, kj] = x_pad[n, c, i * sh + ki, j * sw + kj]
                out[n, c, i, j] = max(acc[ki, kj] for ki in range(kh) for kj in range(kw))
return out
"""),
}


@pytest.mark.parametrize("name", H34_HONEST)
def test_h34_honest_neighbours_keep_the_rule(name):
    function, body = H34_HONEST[name]
    assert verdict(function, body) is None


# ------------------------------------------------------------------ H36: honest sizes, choices and windows

_H36_POOL = """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
"""
_H36_POOL_SCALAR = """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = -np.inf
                for ki in range(kh):
                    for kj in range(kw):
                        best = max(best, x_pad[n, c, i * sh + ki, j * sw + kj])
                out[n, c, i, j] = best
return out
"""
_H36_CONV = """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            total += x_pad[n, ci, i * sh + ki, j * sw + kj] * weight[co, ci, ki, kj]
                out[n, co, i, j] = total + (bias[co] if bias is not None else 0.0)
return out
"""
_KERNEL_PAIR = "kh, kw = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)\n"

H36_HONEST = {   # each lost its exercise (4 to 10 points)
    "the kernel made a pair by a conditional expression (slices)": ("maxpool2d_loops", _KERNEL_PAIR + _H36_POOL),
    "the kernel made a pair by a conditional expression (cells)": ("maxpool2d_loops", _KERNEL_PAIR + _H36_POOL_SCALAR),
    "the kernel made a pair in an if statement": ("maxpool2d_loops", """
if isinstance(kernel_size, int):
    kh = kw = kernel_size
else:
    kh, kw = kernel_size""" + _H36_POOL),
    "the stride made a pair by a conditional expression": (
        "conv2d_loops", "sh, sw = (stride, stride) if isinstance(stride, int) else stride\n" + _H36_CONV),
    "a given line written twice": ("maxpool2d_loops", 'x, (kh, kw), (sh, sw), padding, (h_out, w_out) = '
                                   '_check_pool_args("maxpool2d_loops", x, kernel_size, stride, padding)\n' + _H36_POOL),
    "the stride defaulted with `or`": ("maxpool2d_loops", "stride = stride or kernel_size\n" + _H36_POOL),
    "window.argmax() of the student's own window": ("maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                k = window.argmax()
                r, q = k // kw, k % kw
                grad_x_pad[n, c, i * sh + r, j * sw + q] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "the kernel's sizes under names of the student's own": ("conv2d_loops", """
k_h, k_w = weight.shape[2:]
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = (x_pad[n, :, i * sh:i * sh + k_h, j * sw:j * sw + k_w] * weight[co]).sum()
                out[n, co, i, j] = total + (bias[co] if bias is not None else 0.0)
return out
"""),
}


@pytest.mark.parametrize("name", H36_HONEST)
def test_h36_honest_sizes_and_windows_keep_the_rule(name):
    function, body = H36_HONEST[name]
    assert verdict(function, body) is None


H36_REFUSED = {   # their neighbours that make a window larger, or read the image through a choice
    "a size chosen against a large constant": ("maxpool2d_loops", "kh = kh if stride else 1000000\nkw = kw or 1000000\n"
                                               + _H36_POOL.replace("i * sh:i * sh + kh", "0:kh").replace(
                                                   "j * sw:j * sw + kw", "0:kw"), 5, "grows with the image"),
    "the student's name for the weight itself": ("conv2d_loops", """
k_h, k_w = weight
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                out[n, co, i, j] = (x_pad[n, :, 0:k_h, 0:k_w] * weight[co]).sum()
return out
""", 5, None),
    "the image chosen with `or`": ("maxpool2d_loops", """
s = x_pad or 0
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = s[n, c].max()
return out
""", 5, None),
    "argmax of a whole plane": ("maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        plane = x_pad[n, c]
        k = plane.argmax()
        for i in range(h_out):
            for j in range(w_out):
                grad_x_pad[n, c, i * sh + k // kw, j * sw + k % kw] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""", 5, None),
}


@pytest.mark.parametrize("name", H36_REFUSED)
def test_h36_neighbours_that_read_more_stay_refused(name):
    function, body, expected, words = H36_REFUSED[name]
    message = verdict(function, body)
    assert clause(message) == expected and (words is None or words in message), message


def test_h36_a_buffer_made_once_outside_the_loops_is_told_to_move_inside():
    body = """buf = np.zeros((kh, kw))
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    for kj in range(kw):
                        buf[ki, kj] = x_pad[n, c, i * sh + ki, j * sw + kj]
                out[n, c, i, j] = buf.max()
return out
"""
    message = verdict("maxpool2d_loops", body)
    assert clause(message) == 5 and "one made afresh inside the loops for each window is fine: move `buf = ...`" in message, message



# ------------------------------------------------------------------ H37: against H36's relaxations

# Each scored 48 of 48 (all six loop exercises so written) where 11 is deserved: `x_pad = x_pad` made the
# image one of the student's own sizes (so `x_pad.shape[2]` was a window's length), and `K += K` was read
# as `K = K`, a size as it is, so K grew without bound and stayed a window's length.
H37_ATTACKS = {   # name: (function, body)
    "the image bound to itself, its shape a length (avgpool2d_backward_loops)": ("avgpool2d_backward_loops", """
grad_out = grad_out
grad_x_pad = grad_x_pad
H = grad_x_pad.shape[2]
W = grad_x_pad.shape[3]
Ho = grad_out.shape[2]
Wo = grad_out.shape[3]
for n in range(batch):
    for c in range(channels):
        for ki in range(kh):
            for kj in range(kw):
                grad_x_pad[n, c, 0:H, 0:W][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw] += grad_out[n, c, 0:Ho, 0:Wo] / (kh * kw)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "the image bound to itself, its shape a length (avgpool2d_loops)": ("avgpool2d_loops", """
x_pad = x_pad
H = x_pad.shape[2]
W = x_pad.shape[3]
for n in range(batch):
    for c in range(channels):
        for ki in range(kh):
            for kj in range(kw):
                out[n, c] += x_pad[n, c, 0:H, 0:W][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw] / (kh * kw)
return out
"""),
    "the image bound to itself, its shape a length (conv2d_backward_loops)": ("conv2d_backward_loops", """
x_pad = x_pad
grad_out = grad_out
grad_x_pad = grad_x_pad
H = x_pad.shape[2]
W = x_pad.shape[3]
Ho = grad_out.shape[2]
Wo = grad_out.shape[3]
for n in range(batch):
    for co in range(c_out):
        grad_b[co] += grad_out[n, co, 0:Ho, 0:Wo].sum()
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    grad_w[co, ci, ki, kj] += (grad_out[n, co, 0:Ho, 0:Wo] * x_pad[n, ci, 0:H, 0:W][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw]).sum()
                    grad_x_pad[n, ci, 0:H, 0:W][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw] += grad_out[n, co, 0:Ho, 0:Wo] * weight[co, ci, ki, kj]
grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width]
return grad_x, grad_w, grad_b
"""),
    "the image bound to itself, its shape a length (conv2d_loops)": ("conv2d_loops", """
x_pad = x_pad
H = x_pad.shape[2]
W = x_pad.shape[3]
for n in range(batch):
    for co in range(c_out):
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    out[n, co] += weight[co, ci, ki, kj] * x_pad[n, ci, 0:H, 0:W][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw]
        if bias is not None:
            out[n, co] += bias[co]
return out
"""),
    "the image bound to itself, its shape a length (maxpool2d_backward_loops)": ("maxpool2d_backward_loops", """
x_pad = x_pad
grad_out = grad_out
grad_x_pad = grad_x_pad
H = x_pad.shape[2]
W = x_pad.shape[3]
Ho = grad_out.shape[2]
Wo = grad_out.shape[3]
for n in range(batch):
    for c in range(channels):
        best = np.full((h_out, w_out), -np.inf)
        arg = np.zeros((h_out, w_out))
        for ki in range(kh):
            for kj in range(kw):
                cand = x_pad[n, c, 0:H, 0:W][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw]
                arg = np.where(cand > best, ki * kw + kj, arg)
                best = np.maximum(best, cand)
        for ki in range(kh):
            for kj in range(kw):
                grad_x_pad[n, c, 0:H, 0:W][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw] += np.where(arg == ki * kw + kj, grad_out[n, c, 0:Ho, 0:Wo], 0.0)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "the image bound to itself, its shape a length (maxpool2d_loops)": ("maxpool2d_loops", """
x_pad = x_pad
H = x_pad.shape[2]
W = x_pad.shape[3]
for n in range(batch):
    for c in range(channels):
        best = np.full((h_out, w_out), -np.inf)
        for ki in range(kh):
            for kj in range(kw):
                best = np.maximum(best, x_pad[n, c, 0:H, 0:W][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw])
        out[n, c] = best
return out
"""),
    "a given line copied after kernel_size = x.shape[2]": ("maxpool2d_loops", """
x = x
kernel_size = x.shape[2]
x, (kh, kw), (sh, sw), padding, (h_out, w_out) = _check_pool_args("maxpool2d_loops", x, kernel_size, stride, padding)
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, 0:kh, 0:kw].max()
return out
"""),
    "a size doubled by += (avgpool2d_backward_loops)": ("avgpool2d_backward_loops", """
K = kh
for t in range(40):
    K += K
for n in range(batch):
    for c in range(channels):
        for ki in range(kh):
            for kj in range(kw):
                grad_x_pad[n, c, 0:K, 0:K][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw] += grad_out[n, c, 0:K, 0:K] / (kh * kw)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "a size doubled by += (avgpool2d_loops)": ("avgpool2d_loops", """
K = kh
for t in range(40):
    K += K
for n in range(batch):
    for c in range(channels):
        for ki in range(kh):
            for kj in range(kw):
                out[n, c] += x_pad[n, c, 0:K, 0:K][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw] / (kh * kw)
return out
"""),
    "a size doubled by += (conv2d_backward_loops)": ("conv2d_backward_loops", """
K = kh
for t in range(40):
    K += K
for n in range(batch):
    for co in range(c_out):
        grad_b[co] += grad_out[n, co, 0:K, 0:K].sum()
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    grad_w[co, ci, ki, kj] += (grad_out[n, co, 0:K, 0:K] * x_pad[n, ci, 0:K, 0:K][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw]).sum()
                    grad_x_pad[n, ci, 0:K, 0:K][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw] += grad_out[n, co, 0:K, 0:K] * weight[co, ci, ki, kj]
grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width]
return grad_x, grad_w, grad_b
"""),
    "a size doubled by += (conv2d_loops)": ("conv2d_loops", """
K = kh
for t in range(40):
    K += K
for n in range(batch):
    for co in range(c_out):
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    out[n, co] += weight[co, ci, ki, kj] * x_pad[n, ci, 0:K, 0:K][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw]
        if bias is not None:
            out[n, co] += bias[co]
return out
"""),
    "a size doubled by += (maxpool2d_backward_loops)": ("maxpool2d_backward_loops", """
K = kh
for t in range(40):
    K += K
for n in range(batch):
    for c in range(channels):
        best = np.full((h_out, w_out), -np.inf)
        arg = np.zeros((h_out, w_out))
        for ki in range(kh):
            for kj in range(kw):
                cand = x_pad[n, c, 0:K, 0:K][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw]
                arg = np.where(cand > best, ki * kw + kj, arg)
                best = np.maximum(best, cand)
        for ki in range(kh):
            for kj in range(kw):
                grad_x_pad[n, c, 0:K, 0:K][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw] += np.where(arg == ki * kw + kj, grad_out[n, c, 0:K, 0:K], 0.0)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "a size doubled by += (maxpool2d_loops)": ("maxpool2d_loops", """
K = kh
for t in range(40):
    K += K
for n in range(batch):
    for c in range(channels):
        best = np.full((h_out, w_out), -np.inf)
        for ki in range(kh):
            for kj in range(kw):
                best = np.maximum(best, x_pad[n, c, 0:K, 0:K][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw])
        out[n, c] = best
return out
"""),
    "ph doubled by += (older than H36)": ("avgpool2d_loops", """
ph = kh
for t in range(40):
    ph += ph
for n in range(batch):
    for c in range(channels):
        for ki in range(kh):
            for kj in range(kw):
                out[n, c] += x_pad[n, c, 0:ph, 0:ph][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw] / (kh * kw)
return out
"""),
}


@pytest.mark.parametrize("name", H37_ATTACKS)
def test_h37_shapes_that_make_a_plane_a_window_break_the_rule(name):
    function, body = H37_ATTACKS[name]
    assert clause(verdict(function, body)) == 5



# ------------------------------------------------------------------ H38: sizes the function does not have, None as an index

# All six loop exercises so written scored 48 of 48 (11 deserved): a size the function neither takes nor
# binds (`ph` in max pooling) was trusted, and the module bound it to np.newaxis, so `0:ph` was the whole
# axis. A given line written twice made `_` (the bias, None) an index entry: `x_pad[n, ci, _, _]` is the
# plane (21 of 48). A pool's stride itself, None by default, was a window's length.
H38_MODULE = """
from numpy import newaxis as ph
from numpy import newaxis as pw
from numpy import newaxis as kernel_size
from numpy import newaxis as weight
"""
H38_ATTACKS = {   # name: (function, body, module-level cell or "")
    "a size bound by the module only (avgpool2d_backward_loops)": ("avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for ki in range(kh):
            for kj in range(kw):
                grad_x_pad[n, c, 0:weight, 0:weight][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw] += grad_out[n, c, 0:weight, 0:weight] / (kh * kw)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""", H38_MODULE),
    "a size bound by the module only (avgpool2d_loops)": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for ki in range(kh):
            for kj in range(kw):
                out[n, c] += x_pad[n, c, 0:ph, 0:pw][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw] / (kh * kw)
return out
""", H38_MODULE),
    "a size bound by the module only (conv2d_backward_loops)": ("conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        grad_b[co] += grad_out[n, co, 0:kernel_size, 0:kernel_size].sum()
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    grad_w[co, ci, ki, kj] += (grad_out[n, co, 0:kernel_size, 0:kernel_size] * x_pad[n, ci, 0:kernel_size, 0:kernel_size][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw]).sum()
                    grad_x_pad[n, ci, 0:kernel_size, 0:kernel_size][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw] += grad_out[n, co, 0:kernel_size, 0:kernel_size] * weight[co, ci, ki, kj]
grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width]
return grad_x, grad_w, grad_b
""", H38_MODULE),
    "a size bound by the module only (conv2d_loops)": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    out[n, co] += weight[co, ci, ki, kj] * x_pad[n, ci, 0:ph, 0:pw][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw]
        if bias is not None:
            out[n, co] += bias[co]
return out
""", H38_MODULE),
    "a size bound by the module only (maxpool2d_backward_loops)": ("maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        best = np.full((h_out, w_out), -np.inf)
        arg = np.zeros((h_out, w_out))
        for ki in range(kh):
            for kj in range(kw):
                cand = x_pad[n, c, 0:weight, 0:weight][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw]
                arg = np.where(cand > best, ki * kw + kj, arg)
                best = np.maximum(best, cand)
        for ki in range(kh):
            for kj in range(kw):
                grad_x_pad[n, c, 0:weight, 0:weight][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw] += np.where(arg == ki * kw + kj, grad_out[n, c, 0:weight, 0:weight], 0.0)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""", H38_MODULE),
    "a size bound by the module only (maxpool2d_loops)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        best = np.full((h_out, w_out), -np.inf)
        for ki in range(kh):
            for kj in range(kw):
                best = np.maximum(best, x_pad[n, c, 0:ph, 0:pw][ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw])
        out[n, c] = best
return out
""", H38_MODULE),
    "`_` of the bias from a given line written twice": ("conv2d_backward_loops", """
x, weight, _, (sh, sw), (ph, pw), (h_out, w_out) = _check_conv_args(layer, x, weight, None, stride, padding)
for n in range(batch):
    for co in range(c_out):
        g = grad_out[n, co, _, _]
        grad_b[co] += g.sum()
        for ci in range(c_in):
            xp = x_pad[n, ci, _, _]
            gp = grad_x_pad[n, ci, _, _]
            for ki in range(kh):
                for kj in range(kw):
                    grad_w[co, ci, ki, kj] += (g * xp[:, :, ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw]).sum()
                    gp[:, :, ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw] += g * weight[co, ci, ki, kj]
grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width]
return grad_x, grad_w, grad_b
""", ""),
    "the bias as an index entry": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for ci in range(c_in):
            xp = x_pad[n, ci, bias, bias]
            for ki in range(kh):
                for kj in range(kw):
                    out[n, co] += weight[co, ci, ki, kj] * xp[0, 0, ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw]
return out
""", ""),
    "a pool's stride as a window's length": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        plane = x_pad[n, c, 0:stride, 0:stride]
        best = np.full((h_out, w_out), -np.inf)
        for ki in range(kh):
            for kj in range(kw):
                best = np.maximum(best, plane[ki:ki + (h_out - 1) * sh + 1:sh, kj:kj + (w_out - 1) * sw + 1:sw])
        out[n, c] = best
return out
""", ""),
}


@pytest.mark.parametrize("name", H38_ATTACKS)
def test_h38_shapes_that_read_a_plane_through_sizes_break_the_rule(name):
    function, body, module = H38_ATTACKS[name]
    assert clause(verdict(function, body, module)) == 5


# ------------------------------------------------------------------ closing checks of round ten

def test_a_flat_iterator_of_a_plane_sliced_whole_breaks_the_rule():
    """An attack in a style no test had: a plane's `.flat` iterator, then a slice of it as long as the
    plane, reduced at every output position (every output gets the plane's maximum)."""
    body = """
for n in range(batch):
    for c in range(channels):
        flat = x_pad[n, c].flat
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = max(flat[0:x_pad.shape[2] * x_pad.shape[3]])
return out
"""
    message = verdict("maxpool2d_loops", body)
    assert clause(message) == 5 and "reads x_pad beyond one window" in message, message


def test_the_largest_of_a_sorted_list_of_one_window_keeps_the_rule():
    """An honest style no test had: the window's values as a Python list, sorted, the last one taken."""
    body = """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, c, i, j] = sorted(window.ravel().tolist())[-1]
return out
"""
    assert verdict("maxpool2d_loops", body) is None


# ------------------------------------------------------------------ H39: a slice that ends at a negative position

# numpy counts a negative bound from the end of the axis, but the rule read `0:-1` as a slice of length -1, a
# window's. With the image copied one element at a time into an array one row and one column larger, the
# copy's `big[n, c, 0:-1, 0:-1]` is the whole plane: all six loop exercises so written scored 48 of 48
# (11 deserved). A clip whose stop is negative (`top = -1 - kh`, `max(top, 0):min(top + kh, height)`) and a
# loop variable that is 0 where the rule supposed it large (`t:t + kh - 3`) read the same.
H39_ATTACKS = {   # name: (function, body)
    "the image copied into a larger array, read back by 0:-1 (conv2d_loops)": ("conv2d_loops", """
big = np.zeros((batch, c_in, x_pad.shape[2] + 1, x_pad.shape[3] + 1))
for n in range(batch):
    for ci in range(c_in):
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                big[n, ci, r, s] = x_pad[n, ci, r, s]
    for co in range(c_out):
        out[n, co] = sum((big[n, ci, 0:-1, 0:-1] + 0)[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] * weight[co, ci, ki, kj]
                         for ci in range(c_in) for ki in range(kh) for kj in range(kw))
        if bias is not None:
            out[n, co] += bias[co]
return out
"""),
    "the image copied into a larger array, read back by 0:-1 (maxpool2d_loops)": ("maxpool2d_loops", """
big = np.zeros((batch, channels, x_pad.shape[2] + 1, x_pad.shape[3] + 1))
for n in range(batch):
    for c in range(channels):
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                big[n, c, r, s] = x_pad[n, c, r, s]
        out[n, c] = np.max([(big[n, c, 0:-1, 0:-1] + 0)[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]
                            for ki in range(kh) for kj in range(kw)], axis=0)
return out
"""),
    "the image copied into a larger array, read back by 0:-1 (avgpool2d_loops)": ("avgpool2d_loops", """
big = np.zeros((batch, channels, x_pad.shape[2] + 1, x_pad.shape[3] + 1))
for n in range(batch):
    for c in range(channels):
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                big[n, c, r, s] = x_pad[n, c, r, s]
        out[n, c] = sum((big[n, c, 0:-1, 0:-1] + 0)[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]
                        for ki in range(kh) for kj in range(kw)) / (kh * kw)
return out
"""),
    "the image copied into a larger array, read back by 0:-1 (conv2d_backward_loops)": ("conv2d_backward_loops", """
big = np.zeros((batch, c_in, x_pad.shape[2] + 1, x_pad.shape[3] + 1))
gbig = np.zeros((batch, c_out, h_out + 1, w_out + 1))
for n in range(batch):
    for ci in range(c_in):
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                big[n, ci, r, s] = x_pad[n, ci, r, s]
    for co in range(c_out):
        for r in range(h_out):
            for s in range(w_out):
                gbig[n, co, r, s] = grad_out[n, co, r, s]
        grad_b[co] += (gbig[n, co, 0:-1, 0:-1] + 0).sum()
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    grad_x_pad[n, ci, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] += (gbig[n, co, 0:-1, 0:-1] + 0) * weight[co, ci, ki, kj]
                    grad_w[co, ci, ki, kj] += ((gbig[n, co, 0:-1, 0:-1] + 0) * (big[n, ci, 0:-1, 0:-1] + 0)[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]).sum()
grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width]
return grad_x, grad_w, grad_b
"""),
    "the image copied into a larger array, read back by 0:-1 (maxpool2d_backward_loops)": ("maxpool2d_backward_loops", """
big = np.zeros((batch, channels, x_pad.shape[2] + 1, x_pad.shape[3] + 1))
gbig = np.zeros((batch, channels, h_out + 1, w_out + 1))
for n in range(batch):
    for c in range(channels):
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                big[n, c, r, s] = x_pad[n, c, r, s]
        for r in range(h_out):
            for s in range(w_out):
                gbig[n, c, r, s] = grad_out[n, c, r, s]
        first = np.argmax([(big[n, c, 0:-1, 0:-1] + 0)[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]
                           for ki in range(kh) for kj in range(kw)], axis=0)
        for ki in range(kh):
            for kj in range(kw):
                grad_x_pad[n, c, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] += np.where(first == ki * kw + kj, gbig[n, c, 0:-1, 0:-1] + 0, 0.0)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "the image copied into a larger array, read back by 0:-1 (avgpool2d_backward_loops)": ("avgpool2d_backward_loops", """
gbig = np.zeros((batch, channels, h_out + 1, w_out + 1))
for n in range(batch):
    for c in range(channels):
        for r in range(h_out):
            for s in range(w_out):
                gbig[n, c, r, s] = grad_out[n, c, r, s]
        for ki in range(kh):
            for kj in range(kw):
                grad_x_pad[n, c, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] += (gbig[n, c, 0:-1, 0:-1] + 0) / (kh * kw)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "a clip whose stop is negative (top = -1 - kh)": ("avgpool2d_loops", """
height = x_pad.shape[2]
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                top = -1 - kh
                out[n, c, i, j] = x_pad[n, c, max(top, 0):min(top + kh, height), j * sw:j * sw + kw].sum()
return out
"""),
    "a stop that is negative while the loop variable is 0 (t:t + kh - 3)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                for t in range(1):
                    out[n, c, i, j] = x_pad[n, c, t:t + kh - 3, j * sw:j * sw + kw].max()
return out
"""),
    "a stop that is negative for the loop variable's value (1 - t:-t)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                for t in range(1, 2):
                    out[n, c, i, j] = x_pad[n, c, 1 - t:-t, j * sw:j * sw + kw].max()
return out
"""),
    "a clip whose stop is negative, bounded by an argument the rule cannot read (len(x))": ("avgpool2d_loops", """
big = np.zeros((batch, channels, x_pad.shape[2] + 1, x_pad.shape[3] + 1))
for n in range(batch):
    for c in range(channels):
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                big[n, c, r, s] = x_pad[n, c, r, s]
        top = -1 - kh
        left = -1 - kw
        plane = big[n, c, max(top, 0):min(top + kh, len(x)), max(left, 0):min(left + kw, len(x))] + 0
        out[n, c] = sum(plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] for ki in range(kh) for kj in range(kw)) / (kh * kw)
return out
"""),
    "slice(0, -1) named once": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                rows = slice(0, -1)
                out[n, c, i, j] = x_pad[n, c, rows, j * sw:j * sw + kw].mean()
return out
"""),
    "0:-1 in a chained subscript": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c][0:-1][:, j * sw:j * sw + kw].mean()
return out
"""),
}


@pytest.mark.parametrize("name", list(H39_ATTACKS))
def test_h39_slices_that_end_at_a_negative_position_break_the_rule(name):
    function, body = H39_ATTACKS[name]
    message = verdict(function, body)
    assert clause(message) == 5 and "negative position" in message, message


H39_HONEST = {
    "a window clipped at the border of x, its sizes unpacked by the student": ("maxpool2d_loops", """
height, width = x.shape[2:]
ph, pw = padding
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                top, left = i * sh - ph, j * sw - pw
                window = x[n, c, max(top, 0):min(top + kh, height), max(left, 0):min(left + kw, width)]
                out[n, c, i, j] = window.max()   # padding (-inf) never wins
return out
"""),
    "a window read from its last row back to the first row's index (rows i * sh + kh - 1 down)": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                bottom, right = i * sh + kh, j * sw + kw
                out[n, c, i, j] = x_pad[n, c, bottom - kh:bottom, right - kw:right].mean()
return out
"""),
}


@pytest.mark.parametrize("name", list(H39_HONEST))
def test_h39_honest_windows_keep_the_rule(name):
    function, body = H39_HONEST[name]
    assert verdict(function, body) is None



# ------------------------------------------------------------------ H39: sizes worth what their text hashes to

# The rule reads a slice's length with each size worth a number computed from its text, large and small.
# A name of the student's bound twice to a size is worth what its name hashes to (`aaa = kh`: 3 and 1), and a
# size multiplied by 0 still raised the longest window (`0 * vzzz`, vzzz worth 99): `0:aaa * aaa * aaa * aaa
# + ac_ * ac_ * ac_ * ac_ + 2 + 0 * vzzz` was a window's length and is at least 34 rows. All six loop exercises
# so written scored 48 of 48 (11 deserved). The sizes now also stand all for 1 and all for 50. And the weight's
# first two axes count channels, no window's size (`0:weight.shape[0] + weight.shape[1]`).
H39_SIZE_ATTACKS = {   # name: (function, body)
    "sizes under names whose text hashes small (conv2d_loops)": ("conv2d_loops", """
aaa = weight.shape[1]
aaa = weight.shape[1]
ac_ = weight.shape[3]
ac_ = weight.shape[3]
for n in range(batch):
    for co in range(c_out):
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    plane = x_pad[n, ci, 0:aaa * aaa * ac_ * ac_ + 2 + 0 * padding[0], 0:aaa * aaa * ac_ * ac_ + 2 + 0 * padding[0]] + 0
                    out[n, co] += weight[co, ci, ki, kj] * plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]
        if bias is not None:
            out[n, co] += bias[co]
return out
"""),
    "sizes under names whose text hashes small (maxpool2d_loops)": ("maxpool2d_loops", """
aaa = kh
aaa = kh
ac_ = kw
ac_ = kw
vzzz = kh
vzzz = kh

for n in range(batch):
    for c in range(channels):
        plane = x_pad[n, c, 0:aaa * aaa * aaa * aaa + ac_ * ac_ * ac_ * ac_ + 2 + 0 * vzzz, 0:aaa * aaa * aaa * aaa + ac_ * ac_ * ac_ * ac_ + 2 + 0 * vzzz] + 0
        out[n, c] = np.max([plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] for ki in range(kh) for kj in range(kw)], axis=0)
return out
"""),
    "sizes under names whose text hashes small (avgpool2d_loops)": ("avgpool2d_loops", """
aaa = kh
aaa = kh
ac_ = kw
ac_ = kw
vzzz = kh
vzzz = kh

for n in range(batch):
    for c in range(channels):
        plane = x_pad[n, c, 0:aaa * aaa * aaa * aaa + ac_ * ac_ * ac_ * ac_ + 2 + 0 * vzzz, 0:aaa * aaa * aaa * aaa + ac_ * ac_ * ac_ * ac_ + 2 + 0 * vzzz] + 0
        out[n, c] = sum(plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] for ki in range(kh) for kj in range(kw)) / (kh * kw)
return out
"""),
    "sizes under names whose text hashes small (avgpool2d_backward_loops)": ("avgpool2d_backward_loops", """
aaa = kh
aaa = kh
ac_ = kw
ac_ = kw
vzzz = kh
vzzz = kh

for n in range(batch):
    for c in range(channels):
        g = grad_out[n, c, 0:aaa * aaa * aaa * aaa + ac_ * ac_ * ac_ * ac_ + 2 + 0 * vzzz, 0:aaa * aaa * aaa * aaa + ac_ * ac_ * ac_ * ac_ + 2 + 0 * vzzz] + 0
        for ki in range(kh):
            for kj in range(kw):
                grad_x_pad[n, c, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] += g / (kh * kw)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "sizes under names whose text hashes small (maxpool2d_backward_loops)": ("maxpool2d_backward_loops", """
aaa = kh
aaa = kh
ac_ = kw
ac_ = kw
vzzz = kh
vzzz = kh

for n in range(batch):
    for c in range(channels):
        plane = x_pad[n, c, 0:aaa * aaa * aaa * aaa + ac_ * ac_ * ac_ * ac_ + 2 + 0 * vzzz, 0:aaa * aaa * aaa * aaa + ac_ * ac_ * ac_ * ac_ + 2 + 0 * vzzz] + 0
        g = grad_out[n, c, 0:aaa * aaa * aaa * aaa + ac_ * ac_ * ac_ * ac_ + 2 + 0 * vzzz, 0:aaa * aaa * aaa * aaa + ac_ * ac_ * ac_ * ac_ + 2 + 0 * vzzz] + 0
        first = np.argmax([plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] for ki in range(kh) for kj in range(kw)], axis=0)
        for ki in range(kh):
            for kj in range(kw):
                grad_x_pad[n, c, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] += np.where(first == ki * kw + kj, g, 0.0)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "sizes under names whose text hashes small (conv2d_backward_loops)": ("conv2d_backward_loops", """
aaa = weight.shape[1]
aaa = weight.shape[1]
ac_ = weight.shape[3]
ac_ = weight.shape[3]

for n in range(batch):
    for co in range(c_out):
        g = grad_out[n, co, 0:aaa * aaa * ac_ * ac_ + 2 + 0 * weight.shape[-1], 0:aaa * aaa * ac_ * ac_ + 2 + 0 * weight.shape[-1]] + 0
        grad_b[co] += g.sum()
        for ci in range(c_in):
            plane = x_pad[n, ci, 0:aaa * aaa * ac_ * ac_ + 2 + 0 * weight.shape[-1], 0:aaa * aaa * ac_ * ac_ + 2 + 0 * weight.shape[-1]] + 0
            for ki in range(kh):
                for kj in range(kw):
                    grad_x_pad[n, ci, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] += g * weight[co, ci, ki, kj]
                    grad_w[co, ci, ki, kj] += (g * plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]).sum()
grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width]
return grad_x, grad_w, grad_b
"""),
    "the weight's channel counts as sizes": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    plane = x_pad[n, ci, 0:weight.shape[0] + weight.shape[1] + 2, 0:weight.shape[0] + weight.shape[1] + 2] + 0
                    out[n, co] += weight[co, ci, ki, kj] * plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]
        if bias is not None:
            out[n, co] += bias[co]
return out
"""),
    "a name bound twice to a channel count": ("conv2d_loops", """a = weight.shape[0]
a = weight.shape[0]

for n in range(batch):
    for co in range(c_out):
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    plane = x_pad[n, ci, 0:a + a + 2, 0:a + a + 2] + 0
                    out[n, co] += weight[co, ci, ki, kj] * plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]
        if bias is not None:
            out[n, co] += bias[co]
return out
"""),
    "channel counts unpacked from the whole shape": ("conv2d_loops", """a, b, k_h, k_w = weight.shape
a, b, k_h, k_w = weight.shape

for n in range(batch):
    for co in range(c_out):
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    plane = x_pad[n, ci, 0:a + b + 2, 0:a + b + 2] + 0
                    out[n, co] += weight[co, ci, ki, kj] * plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]
        if bias is not None:
            out[n, co] += bias[co]
return out
"""),
    "channel counts unpacked from shape[:2]": ("conv2d_loops", """a, b = weight.shape[:2]
a, b = weight.shape[:2]

for n in range(batch):
    for co in range(c_out):
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    plane = x_pad[n, ci, 0:a + b + 2, 0:a + b + 2] + 0
                    out[n, co] += weight[co, ci, ki, kj] * plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]
        if bias is not None:
            out[n, co] += bias[co]
return out
"""),
    "a shape's element picked by arithmetic": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    plane = x_pad[n, ci, 0:weight.shape[1 + 0 * (ki + kh)] * weight.shape[1 + 0 * (ki + kh)] * weight.shape[3 + 0 * (co + kh)] * weight.shape[3 + 0 * (co + kh)] + 2 + 0 * padding[0], 0:weight.shape[1 + 0 * (ki + kh)] * weight.shape[1 + 0 * (ki + kh)] * weight.shape[3 + 0 * (co + kh)] * weight.shape[3 + 0 * (co + kh)] + 2 + 0 * padding[0]] + 0
                    out[n, co] += weight[co, ci, ki, kj] * plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]
        if bias is not None:
            out[n, co] += bias[co]
return out
"""),
}


@pytest.mark.parametrize("name", list(H39_SIZE_ATTACKS))
def test_h39_sizes_worth_what_their_text_hashes_to_break_the_rule(name):
    function, body = H39_SIZE_ATTACKS[name]
    assert clause(verdict(function, body)) == 5


H39_SIZE_HONEST = {
    "the weight's whole shape unpacked, the kernel's sizes used": ("conv2d_loops", """
co_, ci_, k_h, k_w = weight.shape
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ci in range(c_in):
                    total += (x_pad[n, ci, i * sh:i * sh + k_h, j * sw:j * sw + k_w] * weight[co, ci]).sum()
                out[n, co, i, j] = total + (bias[co] if bias is not None else 0.0)
return out
"""),
    "the kernel's sizes read from the weight's shape at the end": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ci in range(c_in):
                    window = x_pad[n, ci, i * sh:i * sh + weight.shape[-2], j * sw:j * sw + weight.shape[-1]]
                    total += (window * weight[co, ci]).sum()
                out[n, co, i, j] = total + (bias[co] if bias is not None else 0.0)
return out
"""),
}


@pytest.mark.parametrize("name", list(H39_SIZE_HONEST))
def test_h39_honest_sizes_keep_the_rule(name):
    function, body = H39_SIZE_HONEST[name]
    assert verdict(function, body) is None


def test_h39_min_of_one_pair_is_read_as_unknown_not_a_crash():
    """`min(k)` of a pair bound twice: the rule's arithmetic called Python's min on one number, and the
    TypeError stopped the check ("the rule could not be checked ... please report this"). It is a bound the
    rule cannot read, and says so."""
    message = verdict("maxpool2d_loops", """
k = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
k = k
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + min(k), j * sw:j * sw + kw].max()
return out
""")
    assert clause(message) == 5 and "cannot be read" in message, message



# ------------------------------------------------------------------ H39: a collector filled through a view of part of it

# `view = big[n, c]`, then `view[r, s] = x_pad[n, c, r, s]`: the copy was filled through a view that picks its
# first two axes, but it took the view's lead (0), so `big[n, c]` was one window's index. All six loop
# exercises so written scored 48 of 48 (11 deserved). The array now takes the view's lead plus the axes the
# view's index picks.
H39_VIEW_ATTACKS = {   # name: (function, body)
    "the image copied through a view of part of the copy (conv2d_loops)": ("conv2d_loops", """
big = np.zeros((batch, c_in, x_pad.shape[2], x_pad.shape[3]))
for n in range(batch):
    for ci in range(c_in):
        view = big[n, ci]
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                view[r, s] = x_pad[n, ci, r, s]
    for co in range(c_out):
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    out[n, co] += (big[n, ci] + 0)[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] * weight[co, ci, ki, kj]
        if bias is not None:
            out[n, co] += bias[co]
return out
"""),
    "the image copied through a view of part of the copy (maxpool2d_loops)": ("maxpool2d_loops", """
big = np.zeros((batch, channels, x_pad.shape[2], x_pad.shape[3]))
for n in range(batch):
    for c in range(channels):
        view = big[n, c]
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                view[r, s] = x_pad[n, c, r, s]
        out[n, c] = np.max([(big[n, c] + 0)[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]
                            for ki in range(kh) for kj in range(kw)], axis=0)
return out
"""),
    "the image copied through a view of part of the copy (avgpool2d_loops)": ("avgpool2d_loops", """
big = np.zeros((batch, channels, x_pad.shape[2], x_pad.shape[3]))
for n in range(batch):
    for c in range(channels):
        view = big[n, c]
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                view[r, s] = x_pad[n, c, r, s]
        out[n, c] = sum((big[n, c] + 0)[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]
                        for ki in range(kh) for kj in range(kw)) / (kh * kw)
return out
"""),
    "the image copied through a view of part of the copy (conv2d_backward_loops)": ("conv2d_backward_loops", """
big = np.zeros((batch, c_in, x_pad.shape[2], x_pad.shape[3]))
gbig = np.zeros((batch, c_out, h_out, w_out))
for n in range(batch):
    for ci in range(c_in):
        view = big[n, ci]
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                view[r, s] = x_pad[n, ci, r, s]
    for co in range(c_out):
        view = gbig[n, co]
        for r in range(h_out):
            for s in range(w_out):
                view[r, s] = grad_out[n, co, r, s]
        grad_b[co] += (gbig[n, co] + 0).sum()
        for ci in range(c_in):
            for ki in range(kh):
                for kj in range(kw):
                    grad_x_pad[n, ci, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] += (gbig[n, co] + 0) * weight[co, ci, ki, kj]
                    grad_w[co, ci, ki, kj] += ((gbig[n, co] + 0) * (big[n, ci] + 0)[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]).sum()
grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width]
return grad_x, grad_w, grad_b
"""),
    "the image copied through a view of part of the copy (maxpool2d_backward_loops)": ("maxpool2d_backward_loops", """
big = np.zeros((batch, channels, x_pad.shape[2], x_pad.shape[3]))
gbig = np.zeros((batch, channels, h_out, w_out))
for n in range(batch):
    for c in range(channels):
        view = big[n, c]
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                view[r, s] = x_pad[n, c, r, s]
        view = gbig[n, c]
        for r in range(h_out):
            for s in range(w_out):
                view[r, s] = grad_out[n, c, r, s]
        first = np.argmax([(big[n, c] + 0)[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]
                           for ki in range(kh) for kj in range(kw)], axis=0)
        for ki in range(kh):
            for kj in range(kw):
                grad_x_pad[n, c, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] += np.where(first == ki * kw + kj, gbig[n, c] + 0, 0.0)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "the image copied through a view of part of the copy (avgpool2d_backward_loops)": ("avgpool2d_backward_loops", """
gbig = np.zeros((batch, channels, h_out, w_out))
for n in range(batch):
    for c in range(channels):
        view = gbig[n, c]
        for r in range(h_out):
            for s in range(w_out):
                view[r, s] = grad_out[n, c, r, s]
        for ki in range(kh):
            for kj in range(kw):
                grad_x_pad[n, c, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] += (gbig[n, c] + 0) / (kh * kw)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
}


# The same through a loop's target or a function that returns a view (held-out hunt H39, after the fix above:
# 35 of 48 deserved, 48 before).
H39_VIEW_ATTACKS.update({
    "rows of the copy bound by a loop (for r, row in enumerate(big[n, c]))": ("avgpool2d_loops", """
big = np.zeros(x_pad.shape)
for n in range(batch):
    for c in range(channels):
        for r, row in enumerate(big[n, c]):
            for s in range(x_pad.shape[3]):
                row[s] = x_pad[n, c, r, s]
        out[n, c] = sum((big[n, c] + 0)[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] for ki in range(kh) for kj in range(kw)) / (kh * kw)
return out
"""),
    "a view made by a function (view = np.asarray(big[n, c]))": ("maxpool2d_loops", """
big = np.zeros(x_pad.shape)
for n in range(batch):
    for c in range(channels):
        view = np.asarray(big[n, c])
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                view[r, s] = x_pad[n, c, r, s]
        out[n, c] = np.max([(big[n, c] + 0)[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] for ki in range(kh) for kj in range(kw)], axis=0)
return out
"""),
    "a plane of the copy bound by a loop over a list (for plane in [gbig[n, c]])": ("avgpool2d_backward_loops", """
gbig = np.zeros(grad_out.shape)
for n in range(batch):
    for c in range(channels):
        for plane in [gbig[n, c]]:
            for r in range(h_out):
                for s in range(w_out):
                    plane[r, s] = grad_out[n, c, r, s]
        for ki in range(kh):
            for kj in range(kw):
                grad_x_pad[n, c, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] += (gbig[n, c] + 0) / (kh * kw)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
})


@pytest.mark.parametrize("name", list(H39_VIEW_ATTACKS))
def test_h39_a_copy_filled_through_a_view_of_part_of_it_breaks_the_rule(name):
    function, body = H39_VIEW_ATTACKS[name]
    assert clause(verdict(function, body)) == 5


def test_h39_a_plane_of_the_output_filled_through_a_view_keeps_the_rule():
    """An honest view of the output's plane, one window's maximum at each of its positions."""
    assert verdict("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        plane = out[n, c]
        for i in range(h_out):
            for j in range(w_out):
                plane[i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
""") is None


# A copy filled by writes that put a whole plane at once (a mask picks the element): its lead came from the
# write's index (`big[n, c]`: 0), so `big[n, c]` was one window (avgpool2d_loops alone: 48 of 48, 44 deserved).
# An array whose dimensions are known (np.zeros of an image's shape) has its rows and columns last.
H39_MASK_ATTACKS = {
    "np.copyto into a plane of the copy, where a mask picks one element": ("avgpool2d_loops", """
big = np.zeros(x_pad.shape)
for n in range(batch):
    for c in range(channels):
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                mask = np.zeros(x_pad.shape[2:])
                mask[r, s] = 1
                np.copyto(big[n, c], x_pad[n, c, r, s], where=mask > 0)
        out[n, c] = sum((big[n, c] + 0)[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] for ki in range(kh) for kj in range(kw)) / (kh * kw)
return out
"""),
    "np.where into a plane of the copy, a mask picking one element": ("avgpool2d_loops", """
big = np.zeros(x_pad.shape)
for n in range(batch):
    for c in range(channels):
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                big[n, c] = np.where(np.arange(x_pad.shape[2] * x_pad.shape[3]).reshape(x_pad.shape[2:]) == r * x_pad.shape[3] + s, x_pad[n, c, r, s], big[n, c])
        out[n, c] = sum((big[n, c] + 0)[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] for ki in range(kh) for kj in range(kw)) / (kh * kw)
return out
"""),
}


@pytest.mark.parametrize("name", list(H39_MASK_ATTACKS))
def test_h39_a_copy_filled_a_plane_at_a_time_breaks_the_rule(name):
    function, body = H39_MASK_ATTACKS[name]
    assert clause(verdict(function, body)) == 5



# ------------------------------------------------------------------ H43: a stop negative for some numbers, not all at once

# The rule tried a slice's numbers all at one value: `0:min(kh, u - t)` with loops `for t in range(1, 2)` and
# `for u in range(1)` was never negative so (u - t = 0), and is -1 when run, so `big[n, c, 0:min(kh, u - t)]` of
# the image copied into an array one row and one column larger was the whole plane: all six loop exercises so
# written scored 48 of 48 (11 deserved). A fifth size of the student's took the first's kind (`a5 - a1`, a5 the
# padding, a1 the kernel: 0 for the rule, -kh + ph when run). Every number and size now takes its values on its own.
def _h43_loops(body: str) -> str:
    """body with `for t in range(1, 2):` and `for u in range(1):` under its `for n in range(batch):`."""
    lines = textwrap.dedent(body).strip("\n").split("\n")
    at = next(k for k, line in enumerate(lines) if line.startswith("for n in range(batch):"))
    return "\n".join(lines[:at + 1] + ["    for t in range(1, 2):", "        for u in range(1):"] +
                     [("        " + line) if line.startswith(" ") else line for line in lines[at + 1:]]) + "\n"


H43_ATTACKS = {   # name: (function, body)
    **{f"0:min(kh, u - t) of a copy one row larger ({function})": (
        function, _h43_loops(body.replace("0:-1, 0:-1", "0:min(kh, u - t), 0:min(kw, u - t)")))
       for function, body in list(H39_ATTACKS.values())[:6]},
    "a stop that is a product of loop variables, negative at t = 0, u = 1": ("avgpool2d_loops", """
big = np.zeros((batch, channels, x_pad.shape[2] + 1, x_pad.shape[3] + 1))
for n in range(batch):
    for c in range(channels):
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                big[n, c, r, s] = x_pad[n, c, r, s]
        for t in range(1):
            for u in range(1, 2):
                plane = big[n, c, 0:min(kh, (t - u) * (t + u)), 0:min(kw, (t - u) * (t + u))] + 0
                out[n, c] = sum(plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] for ki in range(kh) for kj in range(kw)) / (kh * kw)
return out
"""),
    "a fifth size of the student's, the padding, taking the first's kind (a5 - a1)": ("avgpool2d_loops", """
a1 = kh
a1 = kh
a2 = kw
a2 = kw
a3 = sh
a3 = sh
a4 = sw
a4 = sw
a5, a6 = padding
extra = (kh - a5) * 7
big = np.zeros((batch, channels, x_pad.shape[2] + extra, x_pad.shape[3] + extra))
for n in range(batch):
    for c in range(channels):
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                big[n, c, r, s] = x_pad[n, c, r, s]
        plane = big[n, c, 0:min(kh, 0 * (a1 + a2 + a3 + a4) + (a5 - a1) * 7), 0:min(kw, 0 * (a1 + a2 + a3 + a4) + (a5 - a1) * 7)] + 0
        out[n, c] = sum(plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] for ki in range(kh) for kj in range(kw)) / (kh * kw)
return out
"""),
}


@pytest.mark.parametrize("name", list(H43_ATTACKS))
def test_h43_a_stop_negative_for_some_values_of_its_numbers_breaks_the_rule(name):
    function, body = H43_ATTACKS[name]
    message = verdict(function, body)
    assert clause(message) == 5 and "negative position" in message, message


H43_HONEST = {
    "a window clipped at the border of x, the whole shape unpacked (N, C, H, W = x.shape)": ("maxpool2d_loops", """
N, C, H, W = x.shape
ph, pw = padding
for n in range(N):
    for c in range(C):
        for i in range(h_out):
            for j in range(w_out):
                r0 = i * sh - ph
                c0 = j * sw - pw
                r1 = min(r0 + kh, H)
                c1 = min(c0 + kw, W)
                r0 = max(r0, 0)
                c0 = max(c0, 0)
                out[n, c, i, j] = x[n, c, r0:r1, c0:c1].max()
return out
"""),
    "a window clipped at the end of the padded gradient": ("avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                r = i * sh
                q = j * sw
                r_end = min(r + kh, grad_x_pad.shape[2])
                q_end = min(q + kw, grad_x_pad.shape[3])
                grad_x_pad[n, c, r:r_end, q:q_end] += grad_out[n, c, i, j] / (kh * kw)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
}


@pytest.mark.parametrize("name", list(H43_HONEST))
def test_h43_honest_clips_keep_the_rule(name):
    function, body = H43_HONEST[name]
    assert verdict(function, body) is None


# ------------------------------------------------------------------ H43: a copy made of a shape the rule could not read

# An array whose number of dimensions could not be read took its lead from its fills: `shp = x_pad.shape` bound
# twice, then `big = np.zeros(shp)` filled a plane at a time (`big[n, c] = np.where(mask, x_pad[n, c, r, s],
# big[n, c])`), made `big[n, c]` one window's read (avgpool2d_loops alone: 48 of 48, 44 deserved). A name bound
# only to shapes now has the most dimensions of them, and a shape the rule cannot read counts the image's four.
H43_SHAPE_ATTACKS = {
    f"big = np.zeros(shp), {label}": ("avgpool2d_loops", H39_MASK_ATTACKS[
        "np.where into a plane of the copy, a mask picking one element"][1].replace("big = np.zeros(x_pad.shape)", make))
    for label, make in (("shp = x_pad.shape bound twice", "shp = x_pad.shape\nshp = x_pad.shape\nbig = np.zeros(shp)"),
                        ("shp a tuple of four, then shp = shp",
                         "shp = (batch, channels, x_pad.shape[2], x_pad.shape[3])\nshp = shp\nbig = np.zeros(shp)"),
                        ("shp unpacked twice with another name",
                         "shp, q = x_pad.shape, 0\nshp, q = x_pad.shape, 0\nbig = np.zeros(shp)"))
}


@pytest.mark.parametrize("name", list(H43_SHAPE_ATTACKS))
def test_h43_a_copy_made_of_a_shape_bound_twice_breaks_the_rule(name):
    function, body = H43_SHAPE_ATTACKS[name]
    assert clause(verdict(function, body)) == 5


def test_h43_a_plane_buffer_whose_shape_is_bound_twice_keeps_the_rule():
    """Two dimensions, each of its positions one window's maximum."""
    assert verdict("maxpool2d_loops", """
shape = (h_out, w_out)
shape = (h_out, w_out)
best = np.zeros(shape)
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best[i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
                out[n, c, i, j] = best[i, j]
return out
""") is None


# ------------------------------------------------------------------ H43: one kernel's shape unpacked

# `KH, KW = weight[0, 0].shape` (the first kernel's shape, (kh, kw)) made KH and KW channels (a shape's first two
# places) and no sizes, so the honest `i * sh:i * sh + KH` "grew with the image". One kernel's shape, picked by
# two whole numbers, is the kernel's sizes; what picks fewer axes (`weight[..., 0, 0]`: the channels) is not.
def _h43_conv_with_sizes(sizes: str) -> str:
    return sizes + """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                win = x_pad[n, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
                out[n, co, i, j] = (win * weight[co]).sum() + (bias[co] if bias is not None else 0.0)
return out
"""


def test_h43_one_kernels_shape_unpacked_keeps_the_rule():
    assert verdict("conv2d_loops", _h43_conv_with_sizes("KH, KW = weight[0, 0].shape")) is None


@pytest.mark.parametrize("sizes", ["KH, KW = weight[..., 0, 0].shape", "KH, KW = weight[:, :, 0, 0].shape",
                                   "KH, KW = weight[0, 0][0:9].shape", "KH, KW = weight[co, 0].shape"])
def test_h43_shapes_of_other_parts_of_the_weight_are_no_sizes(sizes):
    assert clause(verdict("conv2d_loops", _h43_conv_with_sizes(sizes))) == 5


# A shape written as a call or a slice of a list, inside the loops where any call is allowed, was read as no
# tuple's (0 dimensions): `big = np.zeros(tuple(x_pad.shape))` made under the loop over n, filled a plane at a
# time, made `big[n, c]` one window's read again (avgpool2d_loops: 48 of 48, 44 deserved). A call other than a
# number's, and a subscript other than a shape's element, cannot be read: such an array has the image's four.
_H43_PER_IMAGE = """
for n in range(batch):
    big = MAKE
    for c in range(channels):
        for r in range(x_pad.shape[2]):
            for s in range(x_pad.shape[3]):
                big[n, c] = np.where(np.arange(x_pad.shape[2] * x_pad.shape[3]).reshape(x_pad.shape[2:]) == r * x_pad.shape[3] + s, x_pad[n, c, r, s], big[n, c])
        out[n, c] = sum((big[n, c] + 0)[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] for ki in range(kh) for kj in range(kw)) / (kh * kw)
return out
"""


@pytest.mark.parametrize("make", ["np.zeros(tuple(x_pad.shape))",
                                  "np.zeros([len(x_pad), channels, x_pad.shape[2], x_pad.shape[3]][0:4])"])
def test_h43_a_copy_made_of_a_shape_computed_in_the_loops_breaks_the_rule(make):
    assert clause(verdict("avgpool2d_loops", _H43_PER_IMAGE.replace("MAKE", make))) == 5


# An array made by anything but np.zeros, np.ones, np.empty, np.full and their _like (`np.zeros(x_pad.shape) + 0`,
# `.copy()` of one, np.tile, np.asarray) had no known dimensions and took its lead from its fills, so the
# plane-at-a-time fill above made `big[n, c]` one window's read (avgpool2d_loops: 48 of 48, 44 deserved). A
# collector whose dimensions are not known now has the image's four.
@pytest.mark.parametrize("make", ["np.zeros(x_pad.shape) + 0", "np.zeros(x_pad.shape).copy()", "np.tile(0.0, x_pad.shape)",
                                  "np.asarray(np.zeros(x_pad.shape))", "np.zeros(x_pad.shape)[:]",
                                  "np.empty(x_pad.shape) * 0"])
def test_h43_a_copy_made_otherwise_than_by_np_zeros_breaks_the_rule(make):
    assert clause(verdict("avgpool2d_loops", _H43_PER_IMAGE.replace("MAKE", make))) == 5


# ------------------------------------------------------------------ H44: border clips written as re-assignments

# A clip written as a re-assignment (`if bottom > height: bottom = height`, `r_start, r_end = max(r_start, 0),
# min(r_end, H)`) bound the name twice, so the rule did not follow it and the honest window "grew with the image":
# conv2d_loops, avgpool2d_loops and maxpool2d_backward_loops so written scored 30 of 48 (48 deserved). A name bound
# once and then only clipped by statements of the same block now holds, at each read, its first value clipped by
# the clips before the read.
H44_HONEST = {}
H44_HONEST["conv, unpadded x clipped by if"] = ("conv2d_loops", """
ph, pw = padding
height, width = x.shape[2], x.shape[3]
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                r0 = i * sh - ph
                c0 = j * sw - pw
                top = r0
                if top < 0:
                    top = 0
                bottom = r0 + kh
                if bottom > height:
                    bottom = height
                left = c0
                if left < 0:
                    left = 0
                right = c0 + kw
                if right > width:
                    right = width
                win = x[n, :, top:bottom, left:right]
                k = weight[co, :, top - r0:bottom - r0, left - c0:right - c0]
                out[n, co, i, j] = (win * k).sum() + (bias[co] if bias is not None else 0.0)
return out
""")
H44_HONEST["avgpool, tuple clips"] = ("avgpool2d_loops", """
ph, pw = padding
H, W = x.shape[2:]
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                r_start, c_start = i * sh - ph, j * sw - pw
                r_end, c_end = r_start + kh, c_start + kw
                r_start, r_end = max(r_start, 0), min(r_end, H)
                c_start, c_end = max(c_start, 0), min(c_end, W)
                out[n, c, i, j] = x[n, c, r_start:r_end, c_start:c_end].sum() / (kh * kw)
return out
""")
H44_HONEST["maxpool backward, clips with >= and reversed compare"] = ("maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                top = i * sh - ph
                bottom = top + kh
                left = j * sw - pw
                right = left + kw
                if 0 > top:
                    top = 0
                if height <= bottom:
                    bottom = height
                if left <= 0:
                    left = 0
                if right >= width:
                    right = width
                window = x[n, c, top:bottom, left:right]
                r, s = np.unravel_index(np.argmax(window), window.shape)
                grad_x_pad[n, c, top + r + ph, left + s + pw] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")


@pytest.mark.parametrize("name", list(H44_HONEST))
def test_h44_border_clips_written_as_reassignments_keep_the_rule(name):
    function, body = H44_HONEST[name]
    assert verdict(function, body) is None


def _h44_maxpool(inner: str) -> str:
    return """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
""" + "\n".join("                " + line for line in inner.strip("\n").split("\n")) + "\nreturn out\n"


# What a clip may not hide: a read of the first value after the clip (`bottom = top + 4` read top before it was
# clipped), a clip under an `if` (it may not run), a clip that raises a stop or lowers a start, one to a negative
# position, a read before the first value (the previous window's), a parallel clip reading the other's old value.
H44_ATTACKS = {
"mixed version (v1 start, v0-based stop)": _h44_maxpool("""
top = i * 0 - 5
bottom = top + 4
top = max(top, 0)
out[n, c, i, j] = x_pad[n, c, top:bottom, :].max()
"""),
"conditional clip nested under if": _h44_maxpool("""
top = i * sh
bottom = i * sh + 1000000
if i >= 0:
    if bottom > top + kh:
        bottom = top + kh
out[n, c, i, j] = x_pad[n, c, top:bottom, j * sw:j * sw + kw].max()
"""),
"clip raising stop": _h44_maxpool("""
top = i * sh
bottom = top + kh
bottom = max(bottom, 1000000)
out[n, c, i, j] = x_pad[n, c, top:bottom, j * sw:j * sw + kw].max()
"""),
"read before clip in previous iteration": _h44_maxpool("""
if i + j > 0:
    out[n, c, i, j] = x_pad[n, c, top:bottom, j * sw:j * sw + kw].max()
top = i * 0 - 5
bottom = top + 4
top = max(top, 0)
"""),
"clip to negative": _h44_maxpool("""
top = i * sh
bottom = top + kh
bottom = min(bottom, -1)
out[n, c, i, j] = x_pad[n, c, top:bottom, j * sw:j * sw + kw].max()
"""),
"if clip with the wrong direction": _h44_maxpool("""
top = i * sh
bottom = top + kh
if bottom < 100000:
    bottom = 100000
out[n, c, i, j] = x_pad[n, c, top:bottom, j * sw:j * sw + kw].max()
"""),
"clip start lower": _h44_maxpool("""
top = i * sh
bottom = top + kh
top = min(top, 0)
out[n, c, i, j] = x_pad[n, c, top:bottom, j * sw:j * sw + kw].max()
"""),
"clip start to -1": _h44_maxpool("""
top = i * sh
bottom = top + kh
if top > -1:
    top = -1
out[n, c, i, j] = x_pad[n, c, 0:top, j * sw:j * sw + kw].max()
"""),
"parallel clip reading the other's new": _h44_maxpool("""
top, bottom = i * sh, i * sh + kh
top, bottom = max(top, 0), min(bottom, top - 1000)
out[n, c, i, j] = x_pad[n, c, top:bottom, j * sw:j * sw + kw].max()
"""),
}


@pytest.mark.parametrize("name", list(H44_ATTACKS))
def test_h44_what_a_clip_does_not_hide(name):
    assert clause(verdict("maxpool2d_loops", H44_ATTACKS[name])) == 5


# ------------------------------------------------------------------ H44: a name read as of its read

# A slice's names were read as one number each, whatever ran between: a name bound twice (`top = 1000000`,
# `bottom = top + kh`, `top = 0`) made `top:bottom` kh long, and so was `i * sh:bottom` with `bottom = i * sh + kh`
# bound under an `if` in an earlier step of a loop over `reversed(range(...))`: both read the whole plane, and
# avgpool2d_loops so written (the plane then averaged by shifted slices) scored 48 of 48 (44 deserved). A name's
# value now stands for it only when its binding ran before the read in the same run of its block, with no name it
# reads bound again in between.
_H44_SHIFTED = ("out[n, c, i:i + h_out, j:j + w_out] = sum(plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] "
                "for ki in range(kh) for kj in range(kw)) / (kh * kw)")
H44_STALE_ATTACKS = {
    "a name bound twice, read before and after": """
for n in range(batch):
    for c in range(channels):
        for i in range(1):
            for j in range(1):
                top = 1000000
                bottom = top + kh
                top = 0
                left = 1000000
                right = left + kw
                left = 0
                plane = x_pad[n, c, top:bottom, left:right]
                SHIFTED
return out
""",
    "a stop bound under an if in an earlier step": """
for n in range(batch):
    for c in range(channels):
        for i in reversed(range(h_out + 1)):
            for j in reversed(range(w_out + 1)):
                if i == h_out or j == w_out:
                    if i + j == h_out + w_out:
                        bottom = i * sh + kh
                        right = j * sw + kw
                    continue
                if i + j == 0:
                    plane = x_pad[n, c, i * sh:bottom, j * sw:right]
                    SHIFTED
return out
""",
    "a loop variable bound again between": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            row_end = i * sh + kh
            for i in range(1):
                for j in range(w_out):
                    out[n, c, i, j] = x_pad[n, c, i * sh:row_end, j * sw:j * sw + kw].max()
return out
""",
}


@pytest.mark.parametrize("name", list(H44_STALE_ATTACKS))
def test_h44_a_name_is_read_as_of_its_read(name):
    body = H44_STALE_ATTACKS[name].replace("SHIFTED", _H44_SHIFTED)
    assert clause(verdict("avgpool2d_loops", body)) == 5


H44_FRESH = {
    "a stop named before the read": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                row_end = i * sh + kh
                col_end = j * sw + kw
                out[n, c, i, j] = x_pad[n, c, i * sh:row_end, j * sw:col_end].max()
return out
""",
    "a loop variable of another loop nest, a stop named outside the inner loop": """
for i in range(1):
    pass
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            row_end = i * sh + kh
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:row_end, j * sw:j * sw + kw].max()
return out
""",
    "only the start clipped, the stop named before the clip": """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                top = i * sh
                end = top + kh
                if top < 0:
                    top = 0
                out[n, c, i, j] = x_pad[n, c, top:end, j * sw:j * sw + kw].max()
return out
""",
    "sizes named at the top, starts in the loops": """
win_h = kh
win_w = kw
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            r = i * sh
            for j in range(w_out):
                s = j * sw
                out[n, c, i, j] = x_pad[n, c, r:r + win_h, s:s + win_w].max()
return out
""",
}


@pytest.mark.parametrize("name", list(H44_FRESH))
def test_h44_names_bound_before_the_read_keep_the_rule(name):
    assert verdict("maxpool2d_loops", H44_FRESH[name]) is None


# A slice whose bounds need more cases than the rule tries (WRAP_CASES) was refused with the message of a slice that
# may end at a negative position, which it need not: the message now says the rule cannot read it (H44).
def test_h44_a_slice_with_too_many_names_says_so():
    message = verdict("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                for a in range(1):
                    for b in range(1):
                        for d in range(1):
                            for e in range(1):
                                for f in range(1):
                                    for g in range(1):
                                        top = i * sh + a + b + d + e + f + g
                                        out[n, c, i, j] = x_pad[n, c, top:top + kh, j * sw:j * sw + kw].max()
return out
""")
    assert clause(message) == 5 and "too many names" in message and "negative position" not in message


# ------------------------------------------------------------------ H44: a scratch plane shaped like the output's

# `best = np.zeros_like(out[n, c])` made best a view of out whose axes the rule could not follow (H39's rule for any
# value that names an array) and read out[n, c] whole, so an honest maxpool2d_loops keeping each window's maximum in
# a scratch plane scored 44 of 48 (48 deserved). np.zeros_like and its kin make a new array and read only their first
# argument's shape and dtype.
@pytest.mark.parametrize("make", ["np.zeros_like(out[n, c])", "np.empty_like(out[n, c])", "np.zeros_like(out[0, 0])"])
def test_h44_a_scratch_plane_like_the_outputs_keeps_the_rule(make):
    assert verdict("maxpool2d_loops", f"""
for n in range(batch):
    for c in range(channels):
        best = {make}
        for i in range(h_out):
            for j in range(w_out):
                best[i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
                out[n, c, i, j] = best[i, j]
return out
""") is None


@pytest.mark.parametrize("fill", [
    "plane = np.zeros_like(x_pad[n, c])\nfor r in range(x_pad.shape[2]):\n    for s in range(x_pad.shape[3]):\n"
    "        plane[r, s] = x_pad[n, c, r, s]\nout[n, c] = plane.max()",
    "plane = np.full_like(out[n, c], x_pad[n, c].max())\nout[n, c, 0, 0] = plane[0, 0]"])
def test_h44_what_a_like_maker_does_not_hide(fill):
    body = "for n in range(batch):\n    for c in range(channels):\n" + \
        "\n".join("        " + line for line in fill.split("\n")) + "\nreturn out\n"
    assert clause(verdict("maxpool2d_loops", body)) == 5


# ------------------------------------------------------------------ H45: values that change without a name bound

# A name's value was written out at the read as its text: `bottom = pos[0] + kh` read `pos[0]` as the number it is
# at the read, though `pos[0] = 0` between changed it (no name is bound), and `top:bottom` read in a generator that
# is drawn from after `top = 0` read bottom's old top and top's new one. Both read the whole plane: maxpool2d_loops
# and avgpool2d_loops so written (the plane then pooled by shifted slices, correct) scored 48 of 48 (40 deserved).
_H45_POOLED = ("out[n, c, i:i + h_out, j:j + w_out] = sum(plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] "
               "for ki in range(kh) for kj in range(kw)) / (kh * kw)")
H45_ATTACKS = {
    "an element changed after the stop is named": """
pos = [1000000, 1000000]
bottom = pos[0] + kh
right = pos[1] + kw
pos[0] = 0
pos[1] = 0
plane = x_pad[n, c, pos[0]:bottom, pos[1]:right]
POOLED
""",
    "a generator drawn from after its start is bound again": """
top = 1000000
bottom = top + kh
left = 1000000
right = left + kw
planes = (x_pad[n, c, top:bottom, left:right] for _ in range(1))
top = 0
left = 0
plane = next(planes)
POOLED
""",
}


def _h45_one_step(inner: str) -> str:
    return "for n in range(batch):\n    for c in range(channels):\n        for i in range(1):\n" \
        "            for j in range(1):\n" + "\n".join("                " + line for line in
                                                     inner.strip("\n").split("\n")) + "\nreturn out\n"


@pytest.mark.parametrize("name", list(H45_ATTACKS))
def test_h45_a_value_that_changed_since_it_was_named_is_not_a_window(name):
    body = _h45_one_step(H45_ATTACKS[name].replace("POOLED", _H45_POOLED))
    assert clause(verdict("avgpool2d_loops", body)) == 5


H45_HONEST = {
    "a stop clipped at a shape's element": """
top = i * sh
bottom = min(top + kh, x_pad.shape[-2])
left = j * sw
right = min(left + kw, x_pad.shape[3])
out[n, c, i, j] = x_pad[n, c, top:bottom, left:right].max()
""",
    "a window drained by max from a generator": """
top = i * sh
bottom = top + kh
left = j * sw
right = left + kw
out[n, c, i, j] = max(x_pad[n, c, top:bottom, left:right].max() for _ in range(1))
""",
    "a window's values drawn in a generator's first in": """
top = i * sh
bottom = top + kh
left = j * sw
right = left + kw
best = (v for v in x_pad[n, c, top:bottom, left:right].ravel())
out[n, c, i, j] = max(best)
""",
}


@pytest.mark.parametrize("name", list(H45_HONEST))
def test_h45_names_read_as_of_the_read_keep_the_rule(name):
    assert verdict("maxpool2d_loops", _h44_maxpool(H45_HONEST[name])) is None


def test_h45_a_stop_of_the_kernels_shape_keeps_the_rule():
    assert verdict("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                bottom = i * sh + weight.shape[2]
                right = j * sw + weight.shape[-1]
                out[n, co, i, j] = (x_pad[n, :, i * sh:bottom, j * sw:right] * weight[co]).sum() + \\
                    (bias[co] if bias is not None else 0.0)
return out
""") is None


# A clip written as `if bottom > B: bottom = B` reads B twice: a call may give two numbers (`next(limits)` gave -1 to
# the comparison and 1000000 to bottom), so the stop was raised, and avgpool2d_loops and maxpool2d_loops so written
# (the whole plane pooled by shifted slices) scored 48 of 48 (40 deserved). Only a bound without calls (but min,
# max, abs, int, len) or walrus is a clip (H45).
@pytest.mark.parametrize("bound", ["next(limits)", "limits.pop()", "(b := next(limits))"])
def test_h45_a_clip_whose_bound_is_drawn_twice_is_none(bound):
    assert clause(verdict("maxpool2d_loops", _h44_maxpool(f"""
limits = iter([-1, 1000000])
top = i * sh
bottom = top + kh
if bottom > {bound}:
    bottom = {bound}
out[n, c, i, j] = x_pad[n, c, top:bottom, j * sw:j * sw + kw].max()
"""))) == 5


@pytest.mark.parametrize("bound", ["x_pad.shape[2]", "x_pad.shape[-2]", "max(x_pad.shape[2] - 0, 0)"])
def test_h45_a_clip_at_a_bound_without_calls_keeps_the_rule(bound):
    assert verdict("maxpool2d_loops", _h44_maxpool(f"""
top = i * sh
bottom = top + kh
if bottom > {bound}:
    bottom = {bound}
out[n, c, i, j] = x_pad[n, c, top:bottom, j * sw:j * sw + kw].max()
""")) is None


# A border clip written as a conditional expression (`top = 0 if top < 0 else top`) was not read as one, so the
# honest clipped window grew with the image: avgpool2d_loops so written (correct) scored 44 of 48 (48 deserved).
# It is now the clip its if-statement form is (H44's _clip_of); one that raises a stop or lowers a start is none.
@pytest.mark.parametrize("clip", [
    "top = 0 if top < 0 else top\nbottom = x_pad.shape[2] if bottom > x_pad.shape[2] else bottom",
    "top = top if top > 0 else 0\nbottom = bottom if x_pad.shape[2] > bottom else x_pad.shape[2]",
    "top = 0 if 0 > top else top\nbottom = x_pad.shape[2] if x_pad.shape[2] < bottom else bottom"])
def test_h45_a_clip_written_as_a_conditional_expression_keeps_the_rule(clip):
    assert verdict("maxpool2d_loops", _h44_maxpool(f"""
top = i * sh - 1
bottom = top + kh
{clip}
out[n, c, i, j] = x_pad[n, c, top:bottom, j * sw:j * sw + kw].max()
""")) is None


@pytest.mark.parametrize("clip", [
    "bottom = bottom if bottom > 1000000 else 1000000", "bottom = 1000000 if bottom < 1000000 else bottom",
    "top = -5 if top > -5 else top", "bottom = next(limits) if bottom > next(limits) else bottom"])
def test_h45_what_a_conditional_clip_does_not_hide(clip):
    assert clause(verdict("maxpool2d_loops", _h44_maxpool(f"""
limits = iter([-1, 1000000])
top = i * sh
bottom = top + kh
{clip}
out[n, c, i, j] = x_pad[n, c, top:bottom, j * sw:j * sw + kw].max()
"""))) == 5


# ------------------------------------------------------------------ H46: names bound by statements that write no Name

# `except E as e`, `case top:` and `import numpy as np` bind a name without a Name node in the tree, and the rule's
# stand-in for it stood nowhere: bound again between a value's binding and the read (`bottom = top + kh`, then
# `match 0: case top: pass`), top was read as the number bottom was made of, so `top:bottom` counted as one window
# and read the whole plane. avgpool2d_loops and maxpool2d_loops so written (the plane then pooled by shifted slices,
# correct) scored 48 of 48 (40 deserved). The stand-in now stands where its statement does.
H46_BOUND_UNSEEN = {
    "a match capture": "match 0:\n    case top:\n        pass\nmatch 0:\n    case left:\n        pass",
    "an import as the name": "from numpy import newaxis as top\nfrom numpy import newaxis as left",
    "a match capture in a sequence pattern": "match [0, 0]:\n    case [top, left]:\n        pass",
}


@pytest.mark.parametrize("name", list(H46_BOUND_UNSEEN))
def test_h46_a_name_bound_again_by_a_match_or_an_import_is_bound_again(name):
    body = _h45_one_step(f"""
top = 1000000
bottom = top + kh
left = 1000000
right = left + kw
{H46_BOUND_UNSEEN[name]}
plane = x_pad[n, c, top:bottom, left:right]
{_H45_POOLED}
""")
    assert clause(verdict("avgpool2d_loops", body)) == 5


# A name bound once and then clipped was read from the first of its bindings that ast.walk met, breadth first: a
# clip's target (`top = max(top, 0)`) lies shallower than a walrus's (`(top := a * a)`) or a tuple's, so the names
# its first value reads were followed only from the clip on: `a = 1000` between the two made `top:bottom` (bottom
# `a * a + kh`) one window to the rule and rows 0 to 1000000 to numpy. avgpool2d_loops and maxpool2d_loops so
# written (correct) scored 48 of 48 (40 deserved). The reads now start at the first binding of _clip_values's plan.
def test_h46_a_clipped_name_is_read_from_its_first_binding_not_its_shallowest():
    body = _h45_one_step(f"""
a = 0
(top := a * a)
(left := a * a)
a = 1000
top = max(top, 0)
left = max(left, 0)
bottom = a * a + kh
right = a * a + kw
plane = x_pad[n, c, top:bottom, left:right]
{_H45_POOLED}
""")
    assert clause(verdict("avgpool2d_loops", body)) == 5


# ------------------------------------------------------------------ H46: border clips written with np.clip or nested

# A window clipped at the border of x with numpy's clip (`np.clip(top, 0, height)`), with min of max
# (`min(max(top, 0), height)`) on both bounds, or by re-assigning such a clip was refused (loop rule 5: bounds not
# plain arithmetic, or a slice that grows with the image): avgpool2d_loops so written (correct) scored 44 of 48 (48
# deserved). np.clip, np.maximum and np.minimum of numbers are read as min and max, and a slice whose two bounds are
# clipped alike (`f(a):f(b)`) is no longer than `a:b`.
_H46_BORDER = "height, width = x.shape[2:]\nph, pw = padding\n"
H46_HONEST_CLIPS = {
    "np.clip named": """
top, left = i * sh - ph, j * sw - pw
r0, r1 = np.clip(top, 0, height), np.clip(top + kh, 0, height)
c0, c1 = np.clip(left, 0, width), np.clip(left + kw, 0, width)
out[n, c, i, j] = x[n, c, r0:r1, c0:c1].sum() / (kh * kw)
""",
    "np.clip in the index, with keywords": """
top, left = i * sh - ph, j * sw - pw
out[n, c, i, j] = x[n, c, np.clip(top, a_min=0, a_max=height):np.clip(top + kh, a_min=0, a_max=height),
                    np.clip(left, 0, width):np.clip(left + kw, 0, width)].sum() / (kh * kw)
""",
    "int of np.clip": """
top, left = i * sh - ph, j * sw - pw
r0, r1 = int(np.clip(top, 0, height)), int(np.clip(top + kh, 0, height))
out[n, c, i, j] = x[n, c, r0:r1, max(left, 0):min(left + kw, width)].sum() / (kh * kw)
""",
    "min of max on both bounds": """
top, left = i * sh - ph, j * sw - pw
r0, r1 = min(max(top, 0), height), min(max(top + kh, 0), height)
c0, c1 = min(max(left, 0), width), min(max(left + kw, 0), width)
out[n, c, i, j] = x[n, c, r0:r1, c0:c1].sum() / (kh * kw)
""",
    "np.maximum and np.minimum": """
top, left = i * sh - ph, j * sw - pw
r0, r1 = np.maximum(top, 0), np.minimum(top + kh, height)
out[n, c, i, j] = x[n, c, r0:r1, np.maximum(0, left):np.minimum(width, left + kw)].sum() / (kh * kw)
""",
    "re-assigned with np.clip": """
top = i * sh - ph
left = j * sw - pw
bottom = top + kh
right = left + kw
top = np.clip(top, 0, height)
left = np.clip(left, 0, width)
bottom = np.clip(bottom, 0, height)
right = np.clip(right, 0, width)
out[n, c, i, j] = x[n, c, top:bottom, left:right].sum() / (kh * kw)
""",
    "re-assigned with min of max": """
top = i * sh - ph
left = j * sw - pw
bottom = min(max(top + kh, 0), height)
right = min(max(left + kw, 0), width)
top = min(max(top, 0), height)
left = min(max(left, 0), width)
out[n, c, i, j] = x[n, c, top:bottom, left:right].sum() / (kh * kw)
""",
}


@pytest.mark.parametrize("name", list(H46_HONEST_CLIPS))
def test_h46_a_border_clip_with_np_clip_or_nested_min_max_keeps_the_rule(name):
    assert verdict("avgpool2d_loops", _H46_BORDER + _h44_maxpool(H46_HONEST_CLIPS[name])) is None


@pytest.mark.parametrize("read", [
    "lims = iter([0, 1000000])\nplane = x[n, c, np.clip(0, 0, next(lims)):np.clip(kh, 0, next(lims)), :]",
    "lims = iter([0, 1000000])\nplane = x[n, c, min(0, next(lims)):min(kh, next(lims)), :]",
    "h = 1000000\nplane = x[n, c, min(h, (h := 0)):min(h + kh, 1000000), :]",
    "plane = x[n, c, min(0, height):min(1000000, height), :]",
    "plane = x[n, c, abs(i * sh - 1000000):abs(i * sh - 1000000 + kh), :]",
    "bottom = kh\nbottom = np.clip(bottom, 1000000, 2000000)\nplane = x[n, c, 0:bottom, :]",
    "bottom = kh\nbottom = min(max(bottom, 1000000), 2000000)\nplane = x[n, c, 0:bottom, :]",
    "bottom = kh\nbottom = np.maximum(bottom, 1000000)\nplane = x[n, c, 0:bottom, :]",
    "o = np.zeros((), dtype=int)\nplane = x[n, c, np.clip(0, 0, height, o):np.clip(kh, 0, height, o), :]"])
def test_h46_what_the_new_clips_do_not_hide(read):
    body = _H46_BORDER + _h44_maxpool(read + "\nout[n, c, i, j] = plane[i * sh:i * sh + kh, j * sw:j * sw + kw].mean()")
    assert clause(verdict("avgpool2d_loops", body)) == 5


# ------------------------------------------------------------------ H46: a shape changed in place

# `weight.shape[2]` was the kernel's height wherever it was read, but `weight.resize((c_out, c_in, 512, 512),
# refcheck=False)` changes it in place, with no name bound: `x_pad[n, :, 0:weight.shape[2], 0:weight.shape[3]]` then
# counted as one window and read the whole padded plane. conv2d_loops so written (the weight copied before and put
# back after, the plane convolved by shifted slices; honest loops where numpy refuses to resize a view) scored 48 of
# 48 (40 deserved). A function that may change a shape in place trusts no size of the weight.
@pytest.mark.parametrize("change", [
    "weight.resize((c_out, c_in, 512, 512), refcheck=False)",
    "np.ndarray.resize(weight, (c_out, c_in, 512, 512), refcheck=False)",
    "np.ndarray.shape.__set__(weight, (1, 1, c_out * c_in, kh * kw))",
    "getattr(weight, 'resize')((c_out, c_in, 512, 512), refcheck=False)"])
def test_h46_the_weights_shape_changed_in_place_is_no_window_size(change):
    assert clause(verdict("conv2d_loops", f"""
for n in range(batch):
    for co in range(1):
        for i in range(1):
            for j in range(1):
                w = weight.copy()
                {change}
                plane = x_pad[n, :, 0:weight.shape[2], 0:weight.shape[3]]
                for a in range(c_out):
                    for ki in range(kh):
                        for kj in range(kw):
                            out[n, a] += np.sum(plane[:, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] *
                                                w[a, :, ki, kj][:, None, None], axis=0)
return out
""")) == 5


# A border clip chosen by a conditional expression into a name of its own (`r0 = 0 if top < 0 else top`, `r1 =
# height if top + kh > height else top + kh`) was refused (loop rule 5: bounds not plain arithmetic):
# avgpool2d_loops so written (correct) scored 44 of 48 (48 deserved). A choice between two numbers by comparing them
# is the min or max it is.
def test_h46_a_clip_chosen_by_a_conditional_expression_into_a_new_name_keeps_the_rule():
    assert verdict("avgpool2d_loops", _H46_BORDER + _h44_maxpool("""
top, left = i * sh - ph, j * sw - pw
r0 = 0 if top < 0 else top
r1 = height if top + kh > height else top + kh
c0 = left if left >= 0 else 0
c1 = left + kw if left + kw <= width else width
out[n, c, i, j] = x[n, c, r0:r1, c0:c1].sum() / (kh * kw)
""")) is None


@pytest.mark.parametrize("read", [
    "r1 = 1000000 if kh < 1000000 else kh\nplane = x[n, c, 0:r1, :]",
    "r1 = kh if kh > 1000000 else 1000000\nplane = x[n, c, 0:r1, :]",
    "r1 = kh + 1000000 if kh < 5 else kh\nplane = x[n, c, 0:r1, :]",
    "lims = iter([0, 1000000])\nr1 = next(lims) if kh > next(lims) else kh\nplane = x[n, c, 0:r1, :]"])
def test_h46_what_a_conditional_choice_does_not_hide(read):
    body = _H46_BORDER + _h44_maxpool(read + "\nout[n, c, i, j] = plane[i * sh:i * sh + kh, j * sw:j * sw + kw].mean()")
    assert clause(verdict("avgpool2d_loops", body)) == 5


# ------------------------------------------------------------------ H46: np.nditer, a style the tests lacked

# The review asked for one attack and one honest answer in a style the tests lack; both were already judged right.
# Honest: a window's maximum kept by stepping over the window's elements with np.nditer.
def test_h46_a_window_stepped_through_by_nditer_keeps_the_rule():
    assert verdict("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                best = -np.inf
                for v in np.nditer(window):
                    if v > best:
                        best = v
                out[n, c, i, j] = best
return out
""") is None


# Attack: the whole plane copied element by element through np.nditer's multi_index, then pooled by shifted slices
# (correct); it reads the image beyond one window.
def test_h46_a_plane_copied_through_nditer_is_not_a_window():
    assert clause(verdict("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(1):
            for j in range(1):
                it = np.nditer(x_pad[n, c], flags=["multi_index"])
                plane = np.full(x_pad.shape[2:], -np.inf)
                for v in it:
                    plane[it.multi_index] = v
                out[n, c] = np.max([plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]
                                    for ki in range(kh) for kj in range(kw)], axis=0)
return out
""")) == 5


# ------------------------------------------------------------------ H46: windows built with np.s_ or a tuple of sizes

# `x_pad[n, c, np.s_[i * sh:i * sh + kh], ...]` (numpy's slice maker) and `k = (kh, kw)`, then `i * s[0]:i * s[0] +
# k[0]`, were refused (loop rule 5: an index that may be an array of positions; a slice that grows with the image):
# maxpool2d_loops or avgpool2d_loops so written (correct) scored 44 of 48 (48 deserved). `np.s_[a:b]` is the slice
# a:b, and an element of a tuple bound once (its elements never change) is that element.
H46_HONEST_SLICES = {
    "np.s_ in the index": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, np.s_[i * sh:i * sh + kh], np.s_[j * sw:j * sw + kw]].max()
return out
"""),
    "np.s_ named": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            rows = np.s_[i * sh:i * sh + kh]
            for j in range(w_out):
                cols = np.s_[j * sw:j * sw + kw]
                out[n, c, i, j] = x_pad[n, c, rows, cols].max()
return out
"""),
    "the sizes as tuples": ("avgpool2d_loops", """
k = (kh, kw)
s = (sh, sw)
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[-1]].mean()
return out
"""),
}


@pytest.mark.parametrize("name", list(H46_HONEST_SLICES))
def test_h46_a_window_built_with_np_s_or_a_tuple_of_sizes_keeps_the_rule(name):
    assert verdict(*H46_HONEST_SLICES[name]) is None


@pytest.mark.parametrize("read", [
    "k = [kh, kw]\nk[0] = 1000000\nk[1] = 1000000\nplane = x_pad[n, c, 0:k[0], 0:k[1]]",
    "k = (kh, kw)\nk = (1000000, 1000000)\nplane = x_pad[n, c, 0:k[0], 0:k[1]]",
    "a = kh\nk = (a, a)\na = 1000000\nplane = x_pad[n, c, 0:k[0], 0:k[1]]",
    "plane = x_pad[n, c, np.s_[0:1000000], np.s_[0:1000000]]",
    "rows = np.s_[0:kh]\nrows = np.s_[0:1000000]\nplane = x_pad[n, c, rows, rows]"])
def test_h46_what_np_s_and_tuples_of_sizes_do_not_hide(read):
    assert clause(verdict("avgpool2d_loops", _h45_one_step(read + "\n" + _H45_POOLED))) == 5


# ------------------------------------------------------------------ H52: a clip's argument the rule cannot read

# `0:min(kh, np.int64(-1))` was read as no longer than `0:kh`, and numpy's `-1` went unseen: an argument the rule
# cannot read was left out of the check for a negative stop, so the slice was `0:-1`, every row but the last. With
# np.minimum and np.clip read as min and max (H46) the same hid `0:np.minimum(kh, np.int64(-1))`. maxpool2d_loops
# and avgpool2d_loops copying each plane element by element into an array one row and one column larger and
# reading it whole so, then pooling by shifted slices (correct), scored 48 of 48 (40 deserved). A stop with an
# argument the rule cannot read may be negative (but a `len(...)`), and a start with one may be 0 or more.
@pytest.mark.parametrize("read", [
    "plane = x_pad[n, c, 0:min(kh, np.int64(-1)), 0:min(kw, np.int64(-1))]",
    "plane = x_pad[n, c, 0:min(kh, -len([0])), 0:min(kw, -len([0]))]",
    "plane = x_pad[n, c, 0:np.minimum(kh, np.int64(-1)), 0:np.minimum(kw, np.int64(-1))]",
    "plane = x_pad[n, c, 0:np.clip(kh, 0, np.int64(-1)), 0:np.clip(kw, 0, np.int64(-1))]",
    "plane = x_pad[n, c, 0:np.minimum(kh, np.negative(1)), 0:np.minimum(kw, np.negative(1))]",
    "plane = x_pad[n, c, max(-kh, np.int64(0)):kh - kh - 1, max(-kw, np.int64(0)):kw - kw - 1]",
    "plane = x_pad[n, c, np.maximum(-kh, np.int64(0)):-1, np.maximum(-kw, np.int64(0)):-1]",
    "plane = x_pad[n, c, max(-kh, len([])):-1, max(-kw, len([])):-1]",
    "plane = x_pad[n, c, np.clip(-kh, np.int64(0), None):-1, np.clip(-kw, np.int64(0), None):-1]",
    "plane = x_pad[n, c, 0:min(kh, int(-1.0)), 0:min(kw, int(-1.0))]",
    "plane = x_pad[n, c, 0:min(kh, ~0), 0:min(kw, ~0)]",
    "bottom = kh\nbottom = min(bottom, np.int64(-1))\nright = kw\nright = min(right, np.int64(-1))\n"
    "plane = x_pad[n, c, 0:bottom, 0:right]",
    # clipped alike on both sides (H46's peel: no longer than `0:kh`), where neither start nor stop is read
    "plane = x_pad[n, c, min(max(0, 0), -len([0])):min(max(kh, 0), -len([0])), "
    "min(max(0, 0), -len([0])):min(max(kw, 0), -len([0]))]"])
def test_h52_a_clip_by_a_number_the_rule_cannot_read_may_wrap(read):
    body = _H46_BORDER + _h45_one_step(read + "\n" + _H45_POOLED)
    assert clause(verdict("avgpool2d_loops", body)) == 5



# ------------------------------------------------------------------ H52: a border clip written as a full if/else block

# `if top < 0: r0 = 0` / `else: r0 = top` (and so for the stop and the columns) bound r0 twice, so the rule could not
# read `r0:r1` (loop rule 5: a slice that grows with the image): an honest avgpool2d_loops so written scored 44 of 48
# (48 deserved). An if inside the loops that binds one name in both branches and does nothing else is the
# conditional expression it equals (`r0 = 0 if top < 0 else top`), read as H46 reads that.
def test_h52_a_clip_written_as_a_full_if_else_block_keeps_the_rule():
    assert verdict("avgpool2d_loops", _H46_BORDER + _h44_maxpool("""
top, left = i * sh - ph, j * sw - pw
if top < 0:
    r0 = 0
else:
    r0 = top
if top + kh > height:
    r1 = height
else:
    r1 = top + kh
if left >= 0:
    c0 = left
else:
    c0 = 0
if left + kw <= width:
    c1 = left + kw
else:
    c1 = width
out[n, c, i, j] = x[n, c, r0:r1, c0:c1].sum() / (kh * kw)
""")) is None


@pytest.mark.parametrize("read", [
    "top = 0\nif top < 0:\n    r1 = 0\nelse:\n    r1 = top + 1000000\nplane = x_pad[n, c, 0:r1, 0:r1]",
    "top = kh\nif top < 1000000:\n    r1 = 1000000\nelse:\n    r1 = top\nplane = x_pad[n, c, 0:r1, 0:r1]",
    "lims = iter([0, 1000000])\nif kh > next(lims):\n    r1 = next(lims)\nelse:\n    r1 = kh\nplane = x_pad[n, c, 0:r1, 0:r1]",
    "if kh > -1:\n    r1 = -1\nelse:\n    r1 = kh\nplane = x_pad[n, c, 0:r1, 0:r1]",
    "if kh < 0:\n    r1 = 0\nelse:\n    r1 = kh\nr1 = 1000000\nplane = x_pad[n, c, 0:r1, 0:r1]",
    "if kh < 0:\n    r1 = 0\nelse:\n    r1 = kh\nif kh < 0:\n    r1 = 0\nelse:\n    r1 = 1000000\nplane = x_pad[n, c, 0:r1, 0:r1]",
    "if kh > 0:\n    w = x_pad[n, c]\nelse:\n    w = x_pad[n, c, 0:kh, 0:kw]\nplane = w"])
def test_h52_what_a_full_if_else_block_does_not_hide(read):
    body = _H46_BORDER + _h45_one_step(read + "\n" + _H45_POOLED)
    assert clause(verdict("avgpool2d_loops", body)) == 5


# ------------------------------------------------------------------ H52: a whole index built by np.s_

# `x_pad[np.s_[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]]` was refused (loop rule 5: an index that leaves the rows
# and columns whole): an honest maxpool2d_loops so written scored 44 of 48 (48 deserved). np.s_[...] is what its
# brackets hold, so the index written whole by it is read as that index.
def test_h52_a_whole_index_built_by_np_s_keeps_the_rule():
    assert verdict("maxpool2d_loops", _h44_maxpool(
        "out[n, c, i, j] = x_pad[np.s_[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]].max()")) is None


@pytest.mark.parametrize("read", [
    "plane = x_pad[np.s_[n, c, :, :]]",
    "plane = x_pad[np.s_[n, c, 0:1000000, 0:1000000]]",
    "plane = x_pad[np.s_[np.s_[n, c, :, :]]]",
    "plane = x_pad[np.s_[n, c, None, 0:kh, 0:kw]][0]",
    "e = ()\nplane = x_pad[np.s_[(*e, n, c)]]"])
def test_h52_what_a_whole_index_built_by_np_s_does_not_hide(read):
    body = _H46_BORDER + _h45_one_step(read + "\n" + _H45_POOLED)
    assert clause(verdict("avgpool2d_loops", body)) == 5


# ------------------------------------------------------------------ H54: held-out hunt on H52's two readings
# Neither gained anything: the if/else read as a conditional expression and np.s_[...] read as its index are exact
# rewrites, and what could make them differ is refused elsewhere (a lambda or def binding np, a class reached, np
# bound in the loops). The two strongest attempts stay refused.
@pytest.mark.parametrize("read", [
    # the start bound by a walrus in the full if/else's test, after the stop was named from the old start
    "top = i * sh\nbottom = top + kh\nif (top := 0) < 0:\n    r0 = 0\nelse:\n    r0 = top\n"
    "out[n, c, i, j] = x_pad[n, c, r0:bottom, j * sw:j * sw + kw].max()",
    # np.s_ inside np.s_: the inner (n, c) is an index array, which picks whole planes along the first axis
    "out[n, c, i, j] = x_pad[np.s_[np.s_[n, c], i * sh:i * sh + kh, j * sw:j * sw + kw]].max()",
])
def test_h54_what_h52s_readings_do_not_hide(read):
    assert clause(verdict("maxpool2d_loops", _h44_maxpool(read))) == 5


# H58: `from itertools import product` inside the function is refused (clause 5: a function binds none of the
# names the rule reads loops by), and was told "give your own product another name", though it is itertools'
# own; the message now says where the import goes. A function of its own named product keeps the old message.
IMPORTED_INSIDE = """
{line}
for n, c, i, j in product(range(batch), range(channels), range(h_out), range(w_out)):
    window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
    k = int(np.argmax(window))
    grad_x_pad[n, c, i * sh + k // kw, j * sw + k % kw] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""


def test_product_imported_inside_the_function_is_told_where_the_import_goes():
    message = verdict("maxpool2d_backward_loops", IMPORTED_INSIDE.format(line="from itertools import product"))
    assert clause(message) == 5 and "import it at the top of the module" in message \
        and "itertools.product(...)" in message, message
    assert verdict("maxpool2d_backward_loops", IMPORTED_INSIDE.format(line=""), "from itertools import product") is None
    message = verdict("maxpool2d_backward_loops", IMPORTED_INSIDE.format(line="from numpy import multiply as product"))
    assert clause(message) == 5 and "give your own product another name" in message, message
# ------------------------------------------------------------------ H56: a whole index named once

# `win = np.s_[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]` (or the tuple `(n, c, slice(r0, r0 + kh), slice(c0, c0 +
# kw))`), then `x_pad[win]` (and `grad_x_pad[win] += ...`), was refused (loop rule 5: an index that leaves the rows and
# columns whole): a notebook whose six loop exercises are so written graded 16 of 48 (48 deserved; only
# avgpool2d_backward_loops, which reads the image elementwise, kept its points). A whole index bound once and read only
# whole is read as written out, each element a name of its own (_named_indices).
H56_NAMED_INDICES = {
    "np.s_ named, conv2d_loops": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                win = np.s_[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                total = np.sum(x_pad[win] * weight[co])
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
"""),
    "np.s_ named, conv2d_backward_loops": ("conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                win = np.s_[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                grad_x_pad[win] += g * weight[co]
                grad_w[co] += g * x_pad[win]
                grad_b[co] += g
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
"""),
    "np.s_ named, maxpool2d_loops": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                win = np.s_[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, c, i, j] = x_pad[win].max()
return out
"""),
    "tuple of slices named, avgpool2d_loops": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                r0, c0 = i * sh, j * sw
                win = (n, c, slice(r0, r0 + kh), slice(c0, c0 + kw))
                out[n, c, i, j] = x_pad[win].sum() / (kh * kw)
return out
"""),
    "np.s_ named, maxpool2d_backward_loops": ("maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                win = np.s_[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                window = x_pad[win]
                ki, kj = np.unravel_index(np.argmax(window), window.shape)
                grad_x_pad[n, c, i * sh + ki, j * sw + kj] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
}


@pytest.mark.parametrize("name", list(H56_NAMED_INDICES))
def test_h56_a_whole_index_named_once_keeps_the_rule(name):
    assert verdict(*H56_NAMED_INDICES[name]) is None


# What naming an index does not hide: a whole plane, a long or negative slice, a name bound again (also by an
# `except`, a comprehension), a tuple concatenated, grown in place or made from a list, an np.s_ kept in a dict or read
# by an element, an alias, an Ellipsis, a None, a pair of positions as one entry.
@pytest.mark.parametrize("read", [
    "win = np.s_[n, c, :, :]\nplane = x_pad[win]",
    "win = (n, c, slice(None), slice(None))\nplane = x_pad[win]",
    "win = (n, c, slice(0, 1000000), slice(0, 1000000))\nplane = x_pad[win]",
    "win = np.s_[n, c, 0:-1, 0:-1]\nplane = x_pad[win]",
    "win = np.s_[n, c, kh:0:-1, kw:0:-1]\nplane = x_pad[win]",
    "win = np.s_[n, c, 0:kh, 0:kw]\nwin = np.s_[n, c, :, :]\nplane = x_pad[win]",
    "win = np.s_[n, c, 0:kh, 0:kw]\ntry:\n    raise ValueError\nexcept ValueError as win:\n    pass\nplane = x_pad[win]",
    "win = np.s_[n, c, 0:kh, 0:kw]\nplane = [x_pad[win] for win in [np.s_[n, c]]][0]",
    "win = (n, c) + (slice(None), slice(None))\nplane = x_pad[win]",
    "win = (n, c)\nwin += (slice(None), slice(None))\nplane = x_pad[win]",
    "win = tuple([n, c, slice(None), slice(None)])\nplane = x_pad[win]",
    "d = {'w': np.s_[n, c, :, :]}\nplane = x_pad[d['w']]",
    "win = np.s_[n, c, 0:kh, 0:kw]\nplane = x_pad[n, c][win[2:]]",
    "win = np.s_[n, c, 0:kh, 0:kw]\nw = win\nplane = x_pad[w]",
    "win = (n, c, ...)\nplane = x_pad[win]",
    "win = (n, c, None, slice(0, kh), slice(0, kw))\nplane = x_pad[win][0]",
    "win = ((n, c), slice(0, kh), slice(0, kw))\nplane = x_pad[win]",
    "win = np.s_[np.s_[n, c], 0:kh, 0:kw]\nplane = x_pad[win]",
    "t = (n, c)\nwin = (t, slice(0, kh), slice(0, kw))\nplane = x_pad[win]",
    "win = (n, c, slice(0, (kk := 1000000)), slice(0, kk))\nplane = x_pad[win]",
    "win_2 = slice(None)\nwin = (n, c, slice(0, kh), slice(0, kw))\nplane = x_pad[n, c, win_2, win_2]"])
def test_h56_what_a_named_whole_index_does_not_hide(read):
    body = _H46_BORDER + _h45_one_step(read + "\n" + _H45_POOLED)
    assert clause(verdict("avgpool2d_loops", body)) == 5


# ------------------------------------------------------------------ H56: a border clip written as an elif chain

# `if top < 0: r0 = 0` / `elif top > height: r0 = height` / `else: r0 = top` (and so for the stop and the columns;
# also an if inside the else) bound r0 in a chain of two choices, which H52's reading of a full if/else block did not
# open: conv2d_loops, maxpool2d_loops and avgpool2d_loops so written graded 32 of 48 (48 deserved). The chain is one
# choice (_branch_choices), and a chain of two clips with a lower bound known to be no greater than the upper one (a
# whole number no greater than 0 below a number never below 0) is the clip min(max(top, 0), height) (_chained_clip).
H56_CHAINED_CLIPS = {
    "elif": """
top, left = i * sh - ph, j * sw - pw
if top < 0:
    r0 = 0
elif top > height:
    r0 = height
else:
    r0 = top
if top + kh > height:
    r1 = height
elif top + kh < 0:
    r1 = 0
else:
    r1 = top + kh
if left < 0:
    c0 = 0
elif left > width:
    c0 = width
else:
    c0 = left
if left + kw > width:
    c1 = width
elif left + kw < 0:
    c1 = 0
else:
    c1 = left + kw
out[n, c, i, j] = x[n, c, r0:r1, c0:c1].sum() / (kh * kw)
""",
    "an if inside the else": """
top, left = i * sh - ph, j * sw - pw
if top < 0:
    r0 = 0
else:
    if top > height:
        r0 = height
    else:
        r0 = top
if top + kh > height:
    r1 = height
else:
    if top + kh < 0:
        r1 = 0
    else:
        r1 = top + kh
if left < 0:
    c0 = 0
else:
    if left > width:
        c0 = width
    else:
        c0 = left
if left + kw > width:
    c1 = width
else:
    if left + kw < 0:
        c1 = 0
    else:
        c1 = left + kw
out[n, c, i, j] = x[n, c, r0:r1, c0:c1].sum() / (kh * kw)
""",
    "an if inside the if, comparisons the other way": """
top, left = i * sh - ph, j * sw - pw
if 0 <= top:
    if height < top:
        r0 = height
    else:
        r0 = top
else:
    r0 = 0
if height >= top + kh:
    if 0 > top + kh:
        r1 = 0
    else:
        r1 = top + kh
else:
    r1 = height
c0 = 0 if left < 0 else width if left > width else left
c1 = width if left + kw > width else 0 if left + kw < 0 else left + kw
out[n, c, i, j] = x[n, c, r0:r1, c0:c1].sum() / (kh * kw)
""",
}


@pytest.mark.parametrize("name", list(H56_CHAINED_CLIPS))
def test_h56_a_border_clip_written_as_an_elif_chain_keeps_the_rule(name):
    assert verdict("avgpool2d_loops", _H46_BORDER + _h44_maxpool(H56_CHAINED_CLIPS[name])) is None


def test_h56_a_conv_clipped_by_elif_chains_keeps_the_rule():
    assert verdict("conv2d_loops", _H46_BORDER + """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                top, left = i * sh - ph, j * sw - pw
                if top < 0:
                    r0 = 0
                elif top > height:
                    r0 = height
                else:
                    r0 = top
                if top + kh > height:
                    r1 = height
                elif top + kh < 0:
                    r1 = 0
                else:
                    r1 = top + kh
                if left < 0:
                    c0 = 0
                elif left > width:
                    c0 = width
                else:
                    c0 = left
                if left + kw > width:
                    c1 = width
                elif left + kw < 0:
                    c1 = 0
                else:
                    c1 = left + kw
                total = np.sum(x[n, :, r0:r1, c0:c1] * weight[co, :, r0 - top:r1 - top, c0 - left:c1 - left])
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
""") is None


def test_h56_a_chain_of_two_clips_reads_as_the_clip_it_equals():
    """Every chain of two choices between a value and its bounds, 0 (or -2) below and a number never below 0 above,
    in either order and with every comparison, that the rule reads as a clip equals that clip for every value."""
    from tito.grading import windows
    scope = windows._Scope(values={}, rebound=frozenset(), nonneg=frozenset({"H"}))
    read = 0
    for low in ("0", "-2", "3"):
        for first, second in itertools.product(("<", "<=", ">", ">="), repeat=2):
            for a, b in ((low, "H"), ("H", low)):
                for outer_test in (f"x {first} {a}", f"{a} {first} x"):
                    for inner_test in (f"x {second} {b}", f"{b} {second} x"):
                        for inner in (f"({b} if {inner_test} else x)", f"(x if {inner_test} else {b})"):
                            for text in (f"{a} if {outer_test} else {inner}", f"{inner} if {outer_test} else {a}"):
                                expr = windows._numpy_clips(ast.parse(text, mode="eval").body, scope)
                                if isinstance(expr, ast.IfExp):
                                    continue
                                read += 1
                                assert low != "3", text   # 3 may lie above H: no clip
                                code = ast.unparse(expr)
                                for x, h in itertools.product(range(-6, 7), range(6)):
                                    assert eval(text, {"x": x, "H": h}) == eval(code, {"x": x, "H": h}), (text, code)
    assert read == 256


# What an elif chain does not hide: a third value in a branch (a huge bound, -1), bounds in the wrong order or of
# unknown sign, a bound drawn by a call, a branch binding another name, a bound bound by a walrus in the test.
@pytest.mark.parametrize("read", [
    "top = i * sh - ph\nif top < 0:\n    r1 = 0\nelif top > height:\n    r1 = height\nelse:\n    r1 = 1000000\n"
    "plane = x[n, c, 0:r1, 0:r1]",
    "top = i * sh - ph + kh\nif top > height:\n    r1 = height\nelif top < 0:\n    r1 = 0\nelse:\n    r1 = -1\n"
    "plane = x[n, c, 0:r1, 0:r1]",
    "top = -kh\nif top < 1000000:\n    r1 = 1000000\nelif top > 0:\n    r1 = 0\nelse:\n    r1 = top\nplane = x[n, c, 0:r1, 0:r1]",
    "lim = -1\ntop = kh\nif top < 0:\n    r1 = 0\nelif top > lim:\n    r1 = lim\nelse:\n    r1 = top\nplane = x[n, c, 0:r1, 0:r1]",
    "lim = height - 1000000\nif kh < 0:\n    r1 = 0\nelif kh > lim:\n    r1 = lim\nelse:\n    r1 = kh\n"
    "plane = x[n, c, 0:r1, 0:r1]",
    "it = iter([5, -1])\nif kh < 0:\n    r1 = 0\nelif kh > next(it):\n    r1 = next(it)\nelse:\n    r1 = kh\n"
    "plane = x[n, c, 0:r1, 0:r1]",
    "if kh < 0:\n    r1 = 0\nelif kh > height:\n    r2 = height\nelse:\n    r1 = kh\nplane = x[n, c, 0:r1, 0:r1]",
    "top = i * sh\nif top + kh < 0:\n    r1 = 0\nelif top + kh > 1000000:\n    r1 = 1000000\nelse:\n    r1 = top + 1000000\n"
    "plane = x[n, c, 0:r1, 0:r1]",
    "top = kh\nif (top := -1000000) < 0:\n    r1 = 0\nelif top > height:\n    r1 = height\nelse:\n    r1 = top\n"
    "plane = x[n, c, 0:r1 + 1000000, :]",
    "top = 0\nif top < 0:\n    r0 = 0\nelif top > height:\n    r0 = height\nelse:\n    r0 = top\nb = top + height\n"
    "if b < 0:\n    r1 = 0\nelif b > height:\n    r1 = height\nelse:\n    r1 = b\nplane = x[n, c, r0:r1, r0:r1]"])
def test_h56_what_an_elif_chain_does_not_hide(read):
    body = _H46_BORDER + _h45_one_step(read + "\n" + _H45_POOLED)
    assert clause(verdict("avgpool2d_loops", body)) == 5


# ------------------------------------------------------------------ H56: a scratch array's shape changed in place

# `buf = np.zeros(0)`, then `buf.resize(kh * kw, refcheck=False)` made the weight's sizes no window's (H46's guard
# against `weight.resize(...)`), so `x_pad[n, ci, i * sh:i * sh + kh, j * sw:j * sw + kw]` read as a slice that grows
# with the image: conv2d_loops so written graded 40 of 48 (48 deserved). An array the function makes itself and binds
# to nothing else changes only itself (_scratch).
def test_h56_a_scratch_array_resized_keeps_the_weights_sizes():
    assert verdict("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ci in range(c_in):
                    window = x_pad[n, ci, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    buf = np.zeros(0)
                    buf.resize(kh * kw, refcheck=False)
                    for ki in range(kh):
                        for kj in range(kw):
                            buf[ki * kw + kj] = window[ki, kj] * weight[co, ci, ki, kj]
                    total += buf.sum()
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
""") is None


# What a scratch array does not hide: the weight itself reached through the name resized (bound to it again, by a
# `for`, a walrus, `with ... as`), the weight bound to the scratch array, `np.zeros(..., like=weight)`,
# np.ndarray.resize called on the weight.
@pytest.mark.parametrize("change", [
    "buf = np.zeros(0)\nbuf = weight\nbuf.resize((c_out, c_in, 1000000, 1000000), refcheck=False)",
    "buf = np.zeros(0)\nweight = buf\nbuf.resize((c_out, c_in, 1000000, 1000000), refcheck=False)",
    "buf = np.zeros(0)\nfor buf in [weight]:\n    buf.resize((c_out, c_in, 1000000, 1000000), refcheck=False)",
    "buf = np.zeros(0)\n(buf := weight).resize((c_out, c_in, 1000000, 1000000), refcheck=False)",
    "buf = np.zeros(0)\nwith open('/dev/null') as buf:\n    pass\nbuf.resize((1,), refcheck=False)",
    "buf = np.zeros(0, like=weight)\nbuf.resize((c_out, c_in, 1000000, 1000000), refcheck=False)",
    "buf = np.zeros(0)\nnp.ndarray.resize(weight, (c_out, c_in, 1000000, 1000000), refcheck=False)"])
def test_h56_what_a_scratch_array_does_not_hide(change):
    body = "for n in range(batch):\n    for co in range(c_out):\n        for i in range(1):\n            for j in range(1):\n" \
        + "\n".join("                " + line for line in change.split("\n")) \
        + "\n                plane = x_pad[n, :, 0:weight.shape[2], 0:weight.shape[3]]" \
        + "\n                out[n, co] = sum(plane[:, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] * " \
          "weight[co, :, ki, kj][:, None, None] for ki in range(kh) for kj in range(kw)).sum(0)\nreturn out\n"
    assert clause(verdict("conv2d_loops", body)) == 5


# ------------------------------------------------------------------ H59: numbers outside the rule's whole numbers

# The rule works a slice's bounds out with Python's whole numbers, each name taking a few values (0 to 997, and -1 to
# -997 when its sign is unknown). Three kinds of number lay outside that reading, and each ended a stop at -1 (`0:-1`,
# every row but the last) that the rule read as never below 0: a NaN, which min and max keep or skip by their arguments'
# order (`max(-1, abs(np.nan))` is -1, and abs and `% 5` of a number are never below 0 to the rule); numpy's integers,
# which wrap past 2**63 (`t * 9223372036854775807 * 2 + 1` is -1 for `t` of `np.arange(1, 2)`); and a number past 997
# (`1000 - t` for `t` over `range(1001, 1002)`). maxpool2d_loops and avgpool2d_loops that copy the padded image one
# element at a time into an array a row and a column larger, then pool that whole through such a slice, graded 48 of
# 48 (40 deserved) with each of the three.
H59_NUMBERS = {
    "max of -1 and abs(np.nan)": "hi = max(-1, abs(np.nan))\nplane = x[n, c, 0:min(kh, hi), 0:min(kw, hi)]",
    "max of -1 and np.nan % 5": "hi = max(-1, np.nan % 5)\nplane = x[n, c, 0:min(kh, hi), 0:min(kw, hi)]",
    "max of -1 and abs(math.nan)": "hi = max(-1, abs(math.nan))\nplane = x[n, c, 0:min(kh, hi), 0:min(kw, hi)]",
    "a NaN bound in two branches": "if kh > 0:\n    hi = max(-1, abs(np.nan))\nelse:\n    hi = max(-1, abs(np.nan))\n"
                                   "plane = x[n, c, 0:min(kh, hi), 0:min(kw, hi)]",
    "np.arange's integer wrapping, named": "for t in np.arange(1, 2):\n    hi = t * 9223372036854775807 * 2 + 1\n"
                                          "    plane = x[n, c, 0:min(kh, hi), 0:min(kw, hi)]",
    "np.arange's integer wrapping, in the slice": "for t in np.arange(1, 2):\n"
                                                 "    plane = x[n, c, 0:min(kh, t * 9223372036854775807 * 2 + 1), "
                                                 "0:min(kw, t * 9223372036854775807 * 2 + 1)]",
    "np.arange from near 2**62, times 4": "for t in np.arange(4611686018427387903, 4611686018427387904):\n"
                                         "    plane = x[n, c, 0:min(kh, t * 4), 0:min(kw, t * 4)]",
    "np.arange from near 2**62, named twice": "for t in np.arange(4611686018427387903, 4611686018427387904):\n"
                                             "    if kh > 0:\n        hi = t * 4\n    else:\n        hi = t * 4\n"
                                             "    plane = x[n, c, 0:min(kh, hi), 0:min(kw, hi)]",
    "1000 - t over range(1001, 1002)": "for t in range(1001, 1002):\n    plane = x[n, c, 0:min(kh, 1000 - t), 0:min(kw, 1000 - t)]",
    "named 1000 - t": "for t in range(1001, 1002):\n    hi = 1000 - t\n    plane = x[n, c, 0:min(kh, hi), 0:min(kw, hi)]",
    "5 - t // 1000 over range(6000, 6001)": "for t in range(6000, 6001):\n"
                                           "    plane = x[n, c, 0:min(kh, 5 - t // 1000), 0:min(kw, 5 - t // 1000)]",
}


@pytest.mark.parametrize("name", list(H59_NUMBERS))
def test_h59_a_stop_below_0_by_a_nan_a_wrapping_integer_or_a_large_number_is_no_window(name):
    body = _H46_BORDER + _h45_one_step(H59_NUMBERS[name] + "\n" + _H45_POOLED)
    assert clause(verdict("avgpool2d_loops", body)) == 5


# The pools as graded: the padded image copied one element at a time into an array one row and one column larger,
# then read whole through a slice that ends at -1.
_H59_COPIED_POOL = """
hp, wp = x_pad.shape[2:]
for n in range(batch):
    for c in range(channels):
        xp = np.full((hp + 1, wp + 1), FILL, dtype=x.dtype)
        for r in range(hp):
            for s in range(wp):
                xp[r, s] = x_pad[n, c, r, s]
READ
        acc = np.full((h_out, w_out), FILL, dtype=x.dtype)
        for ki in range(kh):
            for kj in range(kw):
                acc = POOL(acc, plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw])
        out[n, c] = acc / DIVISOR
return out
"""
H59_READS = {
    "a NaN": "        hi = max(-1, abs(np.nan))\n        plane = xp[0:min(kh, hi), 0:min(kw, hi)]",
    "a wrapping integer": "        for t in np.arange(1, 2):\n            hi = t * 9223372036854775807 * 2 + 1\n"
                          "            plane = xp[0:min(kh, hi), 0:min(kw, hi)]",
    "a number past 997": "        for t in range(1001, 1002):\n            plane = xp[0:min(kh, 1000 - t), 0:min(kw, 1000 - t)]",
}


def _h59_pools(read: str) -> dict[str, str]:
    def pool(fill, combine, divisor):
        return _H59_COPIED_POOL.replace("READ", read).replace("FILL", fill).replace("POOL", combine) \
            .replace("DIVISOR", divisor)
    return {"maxpool2d_loops": pool("-np.inf", "np.maximum", "1"), "avgpool2d_loops": pool("0.0", "np.add", "(kh * kw)")}


@pytest.mark.parametrize("read", list(H59_READS))
@pytest.mark.parametrize("function", ["maxpool2d_loops", "avgpool2d_loops"])
def test_h59_a_pool_of_a_copied_image_read_through_a_stop_below_0_breaks_the_rule(read, function):
    assert clause(verdict(function, _h59_pools(H59_READS[read])[function])) == 5


@pytest.mark.slow  # one grading of module 09
def test_h59_pools_read_whole_through_a_stop_below_0_lose_their_points(tmp_path):
    from tito import paths
    from tito.grading import grade
    from tito_helpers import FAST, write_nb
    bodies = {**_h59_pools(H59_READS["a NaN"]), "avgpool2d_loops": _h59_pools(H59_READS["a number past 997"])[
        "avgpool2d_loops"]}
    report = grade.grade_submission(subs.MODULE, write_nb(subs.build(bodies), tmp_path / "h59.ipynb"),
                                    paths.package_dir(), FAST)
    lost = {item.id for item in report.items if item.status != "pass"}
    assert lost == {"test-maxpool2d-loops", "test-avgpool2d-loops"} and report.total == 40, lost


# Honest numbers keep their reading: loops over np.arange of the given sizes with a border clip, a clip by len.
def test_h59_np_arange_over_the_given_sizes_with_a_border_clip_keeps_the_rule():
    assert verdict("avgpool2d_loops", _H46_BORDER + """
for n in np.arange(batch):
    for c in np.arange(channels):
        for i in np.arange(h_out):
            for j in np.arange(w_out):
                top, left = i * sh - ph, j * sw - pw
                out[n, c, i, j] = x[n, c, max(top, 0):min(top + kh, height),
                                    max(left, 0):min(left + kw, width)].sum() / (kh * kw)
return out
""") is None


# ------------------------------------------------------------------ H59: a window per channel collected by a counter

# `window = x_pad[n, ci, i * sh:i * sh + kh, j * sw:j * sw + kw]` in the loop over input channels, then
# `products[k] = window[ki, kj] * weight[co, ci, ki, kj]` with a counter k across the channels and `products.sum()`,
# was refused (loop rule 5: products, made afresh for each position, took for a copy of the image) though the same
# code reading x_pad directly kept the rule: a loop between a collector's fresh start and its fill had to read the
# image only directly. A view made inside that loop from the image read directly now counts as such a read
# (_within_window).
H59_PER_CHANNEL = """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                products = np.zeros(c_in * kh * kw)
                k = 0
                for ci in range(c_in):
                    window = x_pad[n, ci, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    for ki in range(kh):
                        for kj in range(kw):
                            products[k] = window[ki, kj] * weight[co, ci, ki, kj]
                            k += 1
                total = products.sum()
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
"""


def test_h59_a_window_per_channel_collected_by_a_counter_keeps_the_rule():
    assert verdict("conv2d_loops", H59_PER_CHANNEL) is None
    assert verdict("conv2d_loops", H59_PER_CHANNEL.replace("window[ki, kj]", "x_pad[n, ci, i * sh + ki, j * sw + kj]")) \
        is None


# What a view in the channel loop does not hide: its rows chosen by the loop (directly or through a name), a whole
# plane read element by element, a view bound outside the loop too, a view that grows from itself, a row loop, a
# list or a generator over the plane (read element by element or summed per channel), a copied plane, a plane as
# a slice of its height.
H59_VIEW_ATTACKS = {
    "rows by the loop": """
for ci in range(height):
    window = x_pad[n, 0, ci:ci + 1, 0:kw]
    for kj in range(kw):
        products[k] = window[0, kj]
        k += 1
""",
    "rows by a name from the loop": """
for ci in range(height):
    rows = slice(ci, ci + 1)
    window = x_pad[n, 0, rows, 0:kw]
    for kj in range(kw):
        products[k] = window[0, kj]
        k += 1
""",
    "a plane read element by element": """
for ci in range(c_in):
    plane = x_pad[n, ci]
    for r in range(height):
        for s in range(width):
            products[k] = plane[r, s]
            k += 1
""",
    "a view bound outside the loop too": """
window = x_pad[n, 0, :, :]
for ci in range(c_in):
    for ki in range(height):
        for kj in range(width):
            products[k] = window[ki, kj]
            k += 1
    window = x_pad[n, ci, 0:kh, 0:kw]
""",
    "a view that grows from itself": """
window = x_pad[n, 0, 0:kh, 0:kw]
for ci in range(height):
    window = window + x_pad[n, 0, ci:ci + kh, 0:kw] * 0
    products[k] = window[0, 0]
    k += 1
""",
    "a row loop with a view of the row": """
for r in range(height):
    window = x_pad[n, 0, r, 0:kw]
    for kj in range(kw):
        products[k] = window[kj]
        k += 1
""",
    "a list of the plane, element by element": """
for ci in range(c_in):
    window = [x_pad[n, ci, r, s] for r in range(height) for s in range(width)]
    for t in range(height * width):
        products[k] = window[t]
        k += 1
""",
    "a list of the plane, summed per channel": """
for ci in range(c_in):
    window = [x_pad[n, ci, r, s] for r in range(height) for s in range(width)]
    products[ci] = sum(window)
""",
    "a generator over the plane": """
for ci in range(c_in):
    window = (x_pad[n, ci, r, s] for r in range(height) for s in range(width))
    for v in window:
        products[k] = v
        k += 1
""",
    "a copied plane": """
for ci in range(c_in):
    window = x_pad[n, ci].copy()
    for r in range(height):
        for s in range(width):
            products[k] = window[r, s]
            k += 1
""",
    "a plane as a slice of its height": """
for ci in range(c_in):
    window = x_pad[n, ci, 0:height, 0:width]
    products[ci] = window.sum()
""",
}


@pytest.mark.parametrize("name", list(H59_VIEW_ATTACKS))
def test_h59_what_a_view_in_the_channel_loop_does_not_hide(name):
    inner = "products = np.zeros(c_in * height * width)\nk = 0\n" + H59_VIEW_ATTACKS[name].strip("\n") + \
        "\nout[n, co, 0, 0] = products.sum()"
    body = "height, width = x.shape[2:]\nfor n in range(batch):\n    for co in range(c_out):\n        for i in range(1):\n" \
        "            for j in range(1):\n" + "\n".join("                " + line for line in inner.split("\n")) + \
        "\nreturn out\n"
    assert clause(verdict("conv2d_loops", body)) == 5


# ------------------------------------------------------------------ H59: held-out attempts on H56's readings (kept)

# H56's named whole index, elif-chain clip and scratch array, tried again; each stays refused: an element's source
# bound again after the index is named (either way), an index read in a comprehension, a student's own `win_2` (read
# without binding, or grown in place), a starred copy, an annotated or match-captured name, a chain of three, bounds
# below 0 (a size minus a large number, len of an empty list minus 1, max(-1, abs(nan)), a transposed image's shape),
# a test that pops its bound.
@pytest.mark.parametrize("read", [
    "rows = slice(None)\nwin = (n, c, rows, slice(0, kw))\nrows = slice(0, kh)\nplane = x_pad[win]",
    "r0, r1 = 0, height\nwin = np.s_[n, c, r0:r1, 0:kw]\nr1 = r0 + kh\nplane = x_pad[win]",
    "win = np.s_[n, c, :, :]\nplane = [x_pad[win] for _ in range(1)][0]",
    "win = (n, c, win_2, win_2)\nplane = x_pad[win]",
    "win = (n, c, slice(0, kh), slice(0, kw))\nwin_2 = slice(None)\nwin_2 += 0\nplane = x_pad[n, c, win_2, win_2]",
    "win = (n, c, slice(0, kh), slice(0, kw))\nplane = x_pad[(*win[:2], slice(None), slice(None))]",
    "win: tuple = (n, c, slice(None), slice(None))\nplane = x_pad[win]",
    "win = (n, c, slice(0, kh), slice(0, kw))\nmatch (n, c, slice(None), slice(None)):\n    case win_2:\n        pass\n"
    "plane = x_pad[win_2]",
    "top = i * sh - ph\nif top < 0:\n    r1 = 0\nelif top > height:\n    r1 = height\nelif top > 5:\n    r1 = 1000000\n"
    "else:\n    r1 = top\nplane = x[n, c, 0:r1, 0:r1]",
    "lim = height - kh - 1000000\ntop = i * sh\nif top < 0:\n    r1 = 0\nelif top > lim:\n    r1 = lim\nelse:\n"
    "    r1 = top\nplane = x[n, c, 0:r1, 0:r1]",
    "lim = len([]) - 1\nif kh < 0:\n    r1 = 0\nelif kh > lim:\n    r1 = lim\nelse:\n    r1 = kh\nplane = x[n, c, 0:r1, 0:r1]",
    "lim = max(-1, abs(np.nan))\nif kh < 0:\n    r1 = 0\nelif kh > lim:\n    r1 = lim\nelse:\n    r1 = kh\n"
    "plane = x[n, c, 0:r1, 0:r1]",
    "lim = x.T.shape[0] - 1000000\nif kh < 0:\n    r1 = 0\nelif kh > lim:\n    r1 = lim\nelse:\n    r1 = kh\n"
    "plane = x[n, c, 0:r1, 0:r1]",
    "vals = [5, -1]\nif kh < 0:\n    r1 = 0\nelif kh > vals.pop():\n    r1 = vals.pop()\nelse:\n    r1 = kh\n"
    "plane = x[n, c, 0:r1, 0:r1]"])
def test_h59_held_out_reads_past_h56s_readings_stay_refused(read):
    body = _H46_BORDER + _h45_one_step(read + "\n" + _H45_POOLED)
    assert clause(verdict("avgpool2d_loops", body)) == 5


# A scratch array resized does not lend its sizes: kh bound to its shape, to a shape of np.zeros of large numbers, or
# the weight bound to a resized scratch array holding it.
@pytest.mark.parametrize("change", [
    "buf = np.zeros(0)\nbuf.resize((1000000,), refcheck=False)\nkh = buf.shape[0]\nkw = buf.shape[0]",
    "buf = np.zeros((1000000, 1000000))\nkh, kw = buf.shape",
    "buf = np.zeros(0)\nbuf.resize((c_out, c_in, 1000000, 1000000), refcheck=False)\n"
    "buf[:, :, :weight.shape[2], :weight.shape[3]] = weight\nweight = buf\nkh, kw = weight.shape[2:]"])
def test_h59_a_scratch_arrays_shape_is_no_window_size(change):
    body = "for n in range(batch):\n    for co in range(c_out):\n        for i in range(1):\n            for j in range(1):\n" \
        + "\n".join("                " + line for line in change.split("\n")) \
        + "\n                plane = x_pad[n, :, 0:kh, 0:kw]\n                out[n, co] = plane[:, :h_out, :w_out].sum(0)" \
        + "\nreturn out\n"
    assert clause(verdict("conv2d_loops", body)) == 5


# np.arange's loop variable is never below 0 over given sizes only while the given lines alone bind them: with
# h_out bound again to 4611686018427387903, `t * 4` for t of np.arange(h_out, h_out + 1) wraps to -4 (H59's own
# reading, tried after it).
def test_h59_np_arange_over_a_given_size_bound_again_is_no_number_never_below_0():
    assert clause(verdict("avgpool2d_loops", _H46_BORDER + """
for n in range(batch):
    for c in range(channels):
        for i in range(1):
            for j in range(1):
                kept = h_out
                h_out = 4611686018427387903
                for t in np.arange(h_out, h_out + 1):
                    plane = x[n, c, 0:min(kh, t * 4), 0:min(kw, t * 4)]
                h_out = kept
                out[n, c, i:i + h_out, j:j + w_out] = sum(plane[ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]
                                                          for ki in range(kh) for kj in range(kw)) / (kh * kw)
return out
""")) == 5


# Standard-library reductions, held out at the stop of round fourteen: on one window they are the student's own
# loop (they keep the rule); over the kernel offsets' planes of the whole image they are the fast path.
STDLIB_WINDOW_REDUCTIONS = {
    "functools.reduce(max) over one window's values": ("maxpool2d_loops", """
import functools
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, c, i, j] = functools.reduce(max, window.ravel().tolist())
return out
"""),
    "math.fsum over window.flat, divided by its size": ("avgpool2d_loops", """
import math
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, c, i, j] = math.fsum(window.flat) / window.size
return out
"""),
    "statistics.fmean of one raveled window": ("avgpool2d_loops", """
from statistics import fmean
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = fmean(x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].ravel())
return out
"""),
}

OFFSET_PLANES_REDUCED = {
    "np.maximum reduced over the offset planes before the loops, read per position": (2, """
import functools
offsets = [x_pad[:, :, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] for ki in range(kh) for kj in range(kw)]
best = functools.reduce(np.maximum, offsets)
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = best[n, c, i, j]
return out
"""),
    "the same planes per image and channel, reduced inside the loops": (5, """
import functools
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                offsets = [x_pad[n, c, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw] for ki in range(kh) for kj in range(kw)]
                out[n, c, i, j] = functools.reduce(np.maximum, offsets)[i, j]
return out
"""),
}


@pytest.mark.parametrize("name", list(STDLIB_WINDOW_REDUCTIONS))
def test_a_standard_library_reduction_of_one_window_keeps_the_rule(name):
    function, body = STDLIB_WINDOW_REDUCTIONS[name]
    assert verdict(function, body) is None


@pytest.mark.parametrize("name", list(OFFSET_PLANES_REDUCED))
def test_a_reduction_over_the_whole_images_offset_planes_breaks_the_rule(name):
    expected, body = OFFSET_PLANES_REDUCED[name]
    assert clause(verdict("maxpool2d_loops", body)) == expected


# H67: two known false refusals. A window's slice read by `.item(ki, kj)` (an element of that window: `.item` after
# subscripts that keep axes indexes inside them, as a chained subscript does) was refused as an index that "may not
# be a number"; a band of kh rows named once per output row and read element by element into a running total made
# the total a copy of the image (the band was a view the rule could not follow while it worked out what the image
# holds). Then the held-out hunt's honest style: a row (or grad_out's row) named by a number and read element by
# element, `row = x_pad[n, c, i * sh + ki]`, then `row[j * sw + kj]`, read as a band whose rows the number picks.
H67_HONEST = {
    "maxpool: .item(ki, kj) of the window's slice, in loops over ki and kj (H67)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = -np.inf
                for ki in range(kh):
                    for kj in range(kw):
                        value = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].item(ki, kj)
                        if value > best:
                            best = value
                out[n, c, i, j] = best
return out
"""),
    "avgpool: .item(ki, kj) of the window's slice summed (H67)": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        total += x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].item(ki, kj)
                out[n, c, i, j] = total / (kh * kw)
return out
"""),
    "maxpool: the window named first, then win.item(ki, kj) (H67)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                win = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                best = -np.inf
                for ki in range(kh):
                    for kj in range(kw):
                        best = max(best, win.item(ki, kj))
                out[n, c, i, j] = best
return out
"""),
    "avgpool: the window named first, then win.item(ki, kj) summed (H67)": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                win = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        total += win.item(ki, kj)
                out[n, c, i, j] = total / (kh * kw)
return out
"""),
    "avgpool: a band of kh rows per output row, band[ki, j * sw + kj] summed (H67)": ("avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            band = x_pad[n, c, i * sh:i * sh + kh]
            for j in range(w_out):
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        total += band[ki, j * sw + kj]
                out[n, c, i, j] = total / (kh * kw)
return out
"""),
    "maxpool: a band of kh rows per output row, a running max of band[ki, j * sw + kj] (H67)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            band = x_pad[n, c, i * sh:i * sh + kh]
            for j in range(w_out):
                best = -np.inf
                for ki in range(kh):
                    for kj in range(kw):
                        best = max(best, band[ki, j * sw + kj])
                out[n, c, i, j] = best
return out
"""),
    "conv: a band of all channels per output row, weight times band[ci, ki, j * sw + kj] (H67)": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            band = x_pad[n, :, i * sh:i * sh + kh]
            for j in range(w_out):
                total = 0.0
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            total += weight[co, ci, ki, kj] * band[ci, ki, j * sw + kj]
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
"""),
    "conv: a band per input channel, weight times band[ki, j * sw + kj] (H67)": ("conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ci in range(c_in):
                    band = x_pad[n, ci, i * sh:i * sh + kh]
                    for ki in range(kh):
                        for kj in range(kw):
                            total += weight[co, ci, ki, kj] * band[ki, j * sw + kj]
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
"""),
    # the held-out hunt's honest style: one row named by a number, read along its columns
    "maxpool: the window's row named per ki, row = x_pad[n, c, i * sh + ki], then row[j * sw + kj] (H67)": (
        "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = -np.inf
                for ki in range(kh):
                    row = x_pad[n, c, i * sh + ki]
                    for kj in range(kw):
                        best = max(best, row[j * sw + kj])
                out[n, c, i, j] = best
return out
"""),
    "conv backward: grad_out's row named per output row, g = g_row[j] (H67)": ("conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            g_row = grad_out[n, co, i]
            for j in range(w_out):
                g = g_row[j]
                grad_b[co] += g
                rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
                grad_x_pad[n, :, rows, cols] += g * weight[co]
                grad_w[co] += g * x_pad[n, :, rows, cols]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
"""),
}


@pytest.mark.parametrize("name", list(H67_HONEST))
def test_h67_a_window_read_by_item_or_through_a_band_or_row_keeps_the_rule(name):
    function, body = H67_HONEST[name]
    assert verdict(function, body) is None


def _h67_pool(inner: str) -> str:
    """maxpool2d_loops with `inner` at each output position."""
    return f"""
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
{textwrap.indent(textwrap.dedent(inner).strip(chr(10)), " " * 16)}
return out
"""


# The held-out hunt's shortcut: a band is a window's only where it is bound, so one bound at every row of the image
# (`band = x[n, c, r:r + kh]` for r over every row) and its window's columns collected into a list made afresh at
# each output position gave a strip of every row, pooled whole by numpy (kept the rule before H67: the collector's
# loops were read through the band's reads, not its binding). Also a plane reached by a chained subscript after whole
# slices, `x_pad[n, c, :, :][r, s]` (H63's ten window loops: the counter rule read only the first subscript), and
# what H67's readings (.item after slices, bands of all channels, rows) must not hide.
H67_ATTACKS = {
    "a band of x at every row, its window's columns collected into a fresh list, the strip pooled whole (H67)":
        _h67_pool("""
strip = []
for r in range(x.shape[2] - kh + 1):
    band = x[n, c, r:r + kh]
    strip.append(band[:, j * sw:j * sw + kw])
out[n, c, i, j] = np.array(strip).max(axis=(1, 2))[::sh][i]
"""),
    "the same strip from bands of x_pad (H67)": _h67_pool("""
strip = []
for r in range(x_pad.shape[2] - kh + 1):
    band = x_pad[n, c, r:r + kh]
    strip.append(band[:, j * sw:j * sw + kw].max())
out[n, c, i, j] = np.array(strip)[::sh][i]
"""),
    "ten window loops reaching every position through x_pad[n, c, :, :][r, s] (H67)": _nested_window_loops("""
r = (((a0 * kh + a1) * kh + a2) * kh + a3) * kh + a4
s = (((b0 * kw + b1) * kw + b2) * kw + b3) * kw + b4
if r < height and s < width:
    copy[r, s] = x_pad[n, c, :, :][r, s]
"""),
    "ten window loops reaching every position through x_pad[n, c, :, :].item(r, s) (H67)": _nested_window_loops("""
r = (((a0 * kh + a1) * kh + a2) * kh + a3) * kh + a4
s = (((b0 * kw + b1) * kw + b2) * kw + b3) * kw + b4
if r < height and s < width:
    copy[r, s] = x_pad[n, c, :, :].item(r, s)
"""),
    "every position of the plane by .item(r, s) after whole slices, collected and pooled (H67)": _h67_pool("""
vals = []
for r in range(x_pad.shape[2]):
    for s in range(x_pad.shape[3]):
        vals.append(x_pad[n, c, :, :].item(r, s))
out[n, c, i, j] = np.array(vals).reshape(x_pad.shape[2], -1)[i * sh:i * sh + kh, j * sw:j * sw + kw].max()
"""),
    "a row of x_pad at every row, its window's columns collected and pooled (H67)": _h67_pool("""
vals = []
for r in range(x_pad.shape[2]):
    row = x_pad[n, c, r]
    vals.append(row[j * sw:j * sw + kw])
out[n, c, i, j] = np.array(vals)[i * sh:i * sh + kh].max()
"""),
    "a row of x at every row read by row.item(s), collected and pooled (H67)": _h67_pool("""
vals = []
for r in range(x.shape[2]):
    row = x[n, c, r]
    for kj in range(kw):
        vals.append(row.item(j * sw + kj))
out[n, c, i, j] = np.array(vals).reshape(-1, kw)[i * sh:i * sh + kh].max()
"""),
    "a named row read whole, row[:] (H67)": _h67_pool("""
row = x_pad[n, c, i * sh]
out[n, c, i, j] = max(row[:].max(), x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max())
"""),
    "a named column read whole, col[0:1000000] (H67)": _h67_pool("""
col = x_pad[n, c, :, j * sw]
out[n, c, i, j] = max(col[0:1000000].max(), x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max())
"""),
    "a named row read by .item with two indices, as a band would be (numpy raises; kept the rule before H67)": _h67_pool("""
row = x_pad[n, c, i * sh]
out[n, c, i, j] = max(row.item(0, j * sw), x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max())
"""),
    "a band of all channels read with its columns whole (H67)": _h67_pool("""
band = x_pad[n, :, i * sh:i * sh + kh]
out[n, c, i, j] = band[c, :, :].max()
"""),
}


@pytest.mark.parametrize("name", list(H67_ATTACKS))
def test_h67_what_item_bands_and_rows_do_not_hide(name):
    message = verdict("maxpool2d_loops", H67_ATTACKS[name])
    assert message is not None and message.startswith("maxpool2d_loops must loop over output positions (loop rule 5): "), \
        message


def test_h67_an_item_of_a_window_gives_one_index_per_axis_the_slices_keep():
    """`.item(k)` of a window's slice is a flat index into it: refused like `x_pad.item(k)`, whose count it tells."""
    message = verdict("avgpool2d_loops", _h67_pool("""
total = 0.0
for k in range(kh * kw):
    total += x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].item(k)
out[n, c, i, j] = total / (kh * kw)
""").replace("maxpool", "avgpool"))
    assert clause(message) == 5 and "gives 1 index for its 2 axes" in message, message


# Held-out hunt, round eighteen: loop rule 2 now lets `len` of an array outside the loops (the batch counted,
# `n_images = len(x)`). What len may run besides counting rows must still break the rule.
_LEN_LOOPS = _H36_POOL   # honest max pooling: what comes before it decides the verdict
_LEN_META = '''
class _Meta(type):
    def __len__(cls):
        from numpy.lib.stride_tricks import sliding_window_view
        return int(sliding_window_view(np.zeros((4, 4)), (2, 2)).max())
class _Rows(metaclass=_Meta):
    pass
'''
LEN_OUTSIDE_ATTACKS = {   # name: (body, module-level extra, clause, words of the message)
    "len of a class whose metaclass's __len__ computes": ("n_images = len(_Rows)\n" + _LEN_LOOPS, _LEN_META, 4,
                                                         "binds _Rows"),
    "len rebound to np.max in the function": ("len = np.max\nbest = len(x_pad)\n" + _LEN_LOOPS, "", 5,
                                              "binds the name `len`"),
    "len of a computed array": ("n_images = len(x_pad.max(axis=(2, 3)))\n" + _LEN_LOOPS, "", 2, "len(x_pad.max"),
    "len of a starred tuple": ("n_images = len(*[x_pad])\n" + _LEN_LOOPS, "", 2, "len(*[x_pad])"),
}


@pytest.mark.parametrize("name", list(LEN_OUTSIDE_ATTACKS))
def test_len_outside_the_loops_counts_rows_and_runs_nothing_else(name):
    body, extra, expected, words = LEN_OUTSIDE_ATTACKS[name]
    message = verdict("maxpool2d_loops", body, extra)
    assert clause(message) == expected and words in message, message


# Held-out hunt, round 28: honest loop bodies (each verified equal to torch) that the rule refused, each costing its
# item. Clause 5 reads them as the equivalent spellings it already kept (loops._spelled_plainly), clause 1 counts a
# write through a view of the gradient buffer named in the loops (loops._window_views); each keeps the rule, and
# the neighbours below, which read or write more than one window or hand the loops something else, stay refused.
def _r28_back(inner: str, function: str = "maxpool2d_backward_loops") -> tuple[str, str]:
    """(function, its body) with `inner` at each output position of a pooling backward pass."""
    return function, f"""
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
{textwrap.indent(textwrap.dedent(inner).strip(chr(10)), " " * 16)}
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""


_R28_SCATTER = "grad_x_pad[n, c, i * sh + k // kw, j * sw + k % kw] += grad_out[n, c, i, j]"
_R28_WINDOW = "x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]"

R28_HONEST = {
    "window.argmax() of the window's copy (round 28)": _r28_back(f"""
window = {_R28_WINDOW}.copy()
k = window.argmax()
{_R28_SCATTER}
"""),
    "window.argmax() of np.asarray of the window (round 28)": _r28_back(f"""
window = np.asarray({_R28_WINDOW})
k = window.argmax()
{_R28_SCATTER}
"""),
    "mask.argmax() of the window's mask of its largest (round 28)": _r28_back(f"""
window = {_R28_WINDOW}
mask = window == window.max()
k = mask.argmax()
{_R28_SCATTER}
"""),
    "w.argmax() of the window reshaped to one row (round 28)": _r28_back(f"""
w = {_R28_WINDOW}.reshape(-1)
k = w.argmax()
{_R28_SCATTER}
"""),
    "flat.argmax() of the window raveled (round 28)": _r28_back(f"""
flat = {_R28_WINDOW}.ravel()
k = flat.argmax()
{_R28_SCATTER}
"""),
    "flat.argmax() of the window flattened (round 28)": _r28_back(f"""
flat = {_R28_WINDOW}.flatten()
k = flat.argmax()
{_R28_SCATTER}
"""),
    "vals.index(max(vals)) of the window's list (round 28)": _r28_back(f"""
vals = {_R28_WINDOW}.ravel().tolist()
k = vals.index(max(vals))
{_R28_SCATTER}
"""),
    "vals.index(max(vals)) of a list comprehension over the window (round 28)": _r28_back("""
vals = [x_pad[n, c, i * sh + ki, j * sw + kj] for ki in range(kh) for kj in range(kw)]
k = vals.index(max(vals))
grad_x_pad[n, c, i * sh + k // kw, j * sw + k % kw] += grad_out[n, c, i, j]
"""),
    "a named view of the gradient's window, added to in place (round 28)": _r28_back("""
gwin = grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
gwin += grad_out[n, c, i, j] / (kh * kw)
""", "avgpool2d_backward_loops"),
    "a named view of the gradient's window, added to through [:, :] (round 28)": _r28_back("""
gwin = grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
gwin[:, :] += grad_out[n, c, i, j] / (kh * kw)
""", "avgpool2d_backward_loops"),
    "a named view of the gradient's window of all channels, added to in place (round 28)": ("conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                gx = grad_x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                gx += g * weight[co]
                grad_w[co] += g * x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                grad_b[co] += g
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
"""),
    "the gradient's window written through .flat at the window's argmax (round 28)": _r28_back(f"""
window = {_R28_WINDOW}
grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].flat[np.argmax(window)] += grad_out[n, c, i, j]
"""),
    "the plane and the output's plane named in one tuple assignment (round 28)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        plane, dest = x_pad[n, c], out[n, c]
        for i in range(h_out):
            for j in range(w_out):
                dest[i, j] = plane[i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
"""),
    "the plane and grad_out's plane named in one tuple assignment (round 28)": ("maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        plane, g_plane = x_pad[n, c], grad_out[n, c]
        for i in range(h_out):
            for j in range(w_out):
                window = plane[i * sh:i * sh + kh, j * sw:j * sw + kw]
                k = np.argmax(window)
                grad_x_pad[n, c, i * sh + k // kw, j * sw + k % kw] += g_plane[i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""),
    "the kernel's sizes unpacked with a starred *_ (round 28)": ("conv2d_loops", """
*_, KH, KW = weight.shape
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
                out[n, co, i, j] = np.sum(window * weight[co]) + (bias[co] if bias is not None else 0.0)
return out
"""),
}


@pytest.mark.parametrize("name", list(R28_HONEST))
def test_r28_honest_spellings_keep_the_rule(name):
    function, body = R28_HONEST[name]
    assert verdict(function, body) is None


R28_ATTACKS = {   # name: (function, body, clause, words of the message)
    "the whole plane copied, then window.argmax() (round 28)": (*_r28_back(f"""
window = x_pad[n, c].copy()
k = window.argmax()
{_R28_SCATTER}
"""), 5, "reads x_pad beyond one window"),
    "the window's copy rebound to the plane, then window.argmax() (round 28)": (*_r28_back(f"""
window = {_R28_WINDOW}.copy()
window = x_pad[n, c].copy()
k = window.argmax()
{_R28_SCATTER}
"""), 5, "reads x_pad beyond one window"),
    "window.argmax() of a copy of something held in a tuple, no array the rule reads (round 28)": (*_r28_back(f"""
held = ({_R28_WINDOW}, x_pad)
window = held[0:1].copy()
k = window.argmax()
{_R28_SCATTER}
"""), 5, "binds the name `window` to something the rule cannot read as one window's numpy array"),
    "window.argmax() of the window reshaped to other axes (round 28)": (*_r28_back(f"""
window = {_R28_WINDOW}.reshape(kh, kw, 1)
k = window.argmax()
{_R28_SCATTER}
"""), 5, "binds the name `window` to something the rule cannot read as one window's numpy array"),
    "the whole plane's list, then vals.index(max(vals)) (round 28)": (*_r28_back(f"""
vals = x_pad[n, c].ravel().tolist()
k = vals.index(max(vals))
{_R28_SCATTER}
"""), 5, "reads x_pad beyond one window"),
    "a view of the whole gradient made before the loops, added to in them (round 28)": ("avgpool2d_backward_loops", """
whole = grad_x_pad[:, :]
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                whole += grad_out[n, c, i, j] / (kh * kw)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""", 1, "no array is written"),
    "a view of the gradient bound twice, added to in place (round 28)": (*_r28_back("""
gwin = grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
gwin = grad_x_pad[:, :]
gwin += grad_out[n, c, i, j] / (kh * kw)
""", "avgpool2d_backward_loops"), 1, "no array is written"),
    "the gradient's window written through .flat at the argmax of the whole plane (round 28)": (*_r28_back("""
grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].flat[np.argmax(x_pad[n, c])] += grad_out[n, c, i, j]
"""), 5, "reads x_pad beyond one window"),
    "the gradient's window written through .flat at a flat index of the plane, wider than the window (round 28)":
        (*_r28_back(f"""
window = {_R28_WINDOW}
grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].flat[np.argmax(x_pad[n, c].ravel()[:kh * kw])] += grad_out[n, c, i, j]
"""), 5, "reads x_pad beyond one window"),
    "a tuple assignment that swaps a window and the plane, then pools the plane (round 28)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window, plane = x_pad[n, c], x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                plane, window = window, plane
                out[n, c, i, j] = plane.max()
return out
""", 5, "beyond one window"),
    "the plane named in one tuple assignment, then pooled whole (round 28)": ("maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        plane, dest = x_pad[n, c], out[n, c]
        for i in range(h_out):
            for j in range(w_out):
                dest[i, j] = plane.max()
return out
""", 5, "reads plane beyond one window"),
    "the image's sizes unpacked with a starred *_, as a window's (round 28)": ("conv2d_loops", """
*_, KH, KW = x_pad.shape
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, :, i * sh:i * sh + KH, j * sw:j * sw + KW]
                out[n, co, i, j] = np.sum(window * weight[co]) + (bias[co] if bias is not None else 0.0)
return out
""", 5, "reads x_pad beyond one window"),
    "the kernel's sizes unpacked with a starred *_ that is read too (round 28)": ("conv2d_loops", """
*_, KH, KW = weight.shape
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, :, i * sh:i * sh + KH * _[0], j * sw:j * sw + KW]
                out[n, co, i, j] = np.sum(window * weight[co]) + (bias[co] if bias is not None else 0.0)
return out
""", 5, "reads x_pad beyond one window"),
    "a plain `=` through .flat whose target binds bounds with := that the value reads stale: max pooling of whole planes (round 28's second hunt)": (
        "maxpool2d_loops", """
for n in range(batch):
    for c in range(-1, channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, (bot := i * sh + kh) * 0 + (right := j * sw + kw) * 0:].flat[i * w_out + j:] = out[n, c].ravel()[i * w_out + j:] if n == 0 and c < 0 or i + j > 0 else np.max([x_pad[n, c, i * sh:bot, j * sw:right][ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw] for ki in range(kh) for kj in range(kw)], axis=0).ravel()
return out
""", 5, "beyond one window"),
    "a plain `=` through .flat whose target binds bounds with := that the value reads stale: average pooling of whole planes (round 28's second hunt)": (
        "avgpool2d_loops", """
for n in range(batch):
    for c in range(-1, channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, (bot := i * sh + kh) * 0 + (right := j * sw + kw) * 0:].flat[i * w_out + j:] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].mean() if n == 0 and c < 0 and i + j == 0 else (sum([x_pad[n, c, i * sh:bot, j * sw:right][ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw] for ki in range(kh) for kj in range(kw)]) / (kh * kw)).ravel() if i + j == 0 else out[n, c].ravel()[i * w_out + j:]
return out
""", 5, "beyond one window"),
    "a plain `=` through .flat whose target binds bounds with := that the value reads stale: the convolution of whole planes (round 28's second hunt)": (
        "conv2d_loops", """
for n in range(batch):
    for co in range(-1, c_out):
        for i in range(h_out):
            for j in range(w_out):
                out[n, co, (bot := i * sh + kh) * 0 + (right := j * sw + kw) * 0:].flat[i * w_out + j:] = np.sum(x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] * weight[co]) if n == 0 and co < 0 and i + j == 0 else (sum([(weight[co, :, ki, kj][:, None, None] * x_pad[n, :, i * sh:bot, j * sw:right][:, ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw]).sum(axis=0) for ki in range(kh) for kj in range(kw)]) + (bias[co] if bias is not None else 0.0)).ravel() if i + j == 0 else out[n, co].ravel()[i * w_out + j:]
return out
""", 5, "beyond one window"),
    "a plain `=` through .flat whose target binds bounds with := that the value reads stale: max pooling's gradient of whole planes (round 28's second hunt)": (
        "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(-1, channels):
        for i in range(h_out):
            for j in range(w_out):
                grad_x_pad[n, c, (gb := i + 1) * 0 + (gr := j + 1) * 0 + (bot := i * sh + kh) * 0 + (right := j * sw + kw) * 0:].flat[i * 0 + j * 0:] = grad_x_pad[n, c].ravel() if n == 0 and c < 0 and i + j == 0 else sum(np.pad(np.pad((grad_out[n, c, i:gb, j:gr] * (np.argmax(np.stack([x_pad[n, c, i * sh:bot, j * sw:right][ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw] for ki in range(kh) for kj in range(kw)]), axis=0) == ki * kw + kj))[:, None, :, None], ((0, 0), (0, sh - 1), (0, 0), (0, sw - 1))).reshape(h_out * sh, w_out * sw), ((ki, x_pad.shape[2]), (kj, x_pad.shape[3])))[:x_pad.shape[2], :x_pad.shape[3]] for ki in range(kh) for kj in range(kw)).ravel() if i + j == 0 else grad_x_pad[n, c].ravel()
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""", 5, "beyond one window"),
    "a plain `=` through .flat whose target binds bounds with := that the value reads stale: average pooling's gradient of whole planes (round 28's second hunt)": (
        "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(-1, channels):
        for i in range(h_out):
            for j in range(w_out):
                grad_x_pad[n, c, (gb := i + 1) * 0 + (gr := j + 1) * 0:].flat[i * 0 + j * 0:] = grad_x_pad[n, c].ravel() if n == 0 and c < 0 or i + j > 0 else sum(np.pad(np.pad((grad_out[n, c, i:gb, j:gr] / (kh * kw))[:, None, :, None], ((0, 0), (0, sh - 1), (0, 0), (0, sw - 1))).reshape(h_out * sh, w_out * sw), ((ki, grad_x_pad.shape[2]), (kj, grad_x_pad.shape[3])))[:grad_x_pad.shape[2], :grad_x_pad.shape[3]] for ki in range(kh) for kj in range(kw)).ravel()
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""", 5, "beyond one window"),
}


@pytest.mark.parametrize("name", list(R28_ATTACKS))
def test_r28_neighbours_of_the_honest_spellings_stay_refused(name):
    function, body, expected, words = R28_ATTACKS[name]
    message = verdict(function, body)
    assert clause(message) == expected and words in message, message


# Round 28's refusals that stay (the rule cannot read them as loops over positions, or reads the whole module for
# clause 4), said as what they are.
def test_r28_while_loops_are_told_the_rule_counts_for_loops_only():
    message = verdict("conv2d_loops", """
n = 0
while n < batch:
    co = 0
    while co < c_out:
        i = 0
        while i < h_out:
            j = 0
            while j < w_out:
                out[n, co, i, j] = (x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] * weight[co]).sum()
                j += 1
            i += 1
        co += 1
    n += 1
return out
""")
    assert clause(message) == 1 and "the rule counts `for` loops only" in message, message


def test_r28_a_write_by_np_add_at_is_told_it_is_no_assignment():
    message = verdict(*_r28_back("""
np.add.at(grad_x_pad, (n, c, slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)), grad_out[n, c, i, j] / (kh * kw))
""", "avgpool2d_backward_loops"))
    assert clause(message) == 1 and "not through a call such as `np.add.at(...)`" in message and \
        "no array is written inside" not in message, message


R28_MODULE_WIDE = {   # name: (exercise, body, words of the allowed spelling)
    "vars(layer) in receptive_field": ("receptive_field", """
field, jump = [1, 1], [1, 1]
for layer in layers:
    attrs = vars(layer)
    if "kernel_size" not in attrs:
        continue
    k, s = attrs["kernel_size"], attrs.get("stride", 1)
    k = (k, k) if isinstance(k, int) else k
    s = (s, s) if isinstance(s, int) else s
    for a in range(2):
        field[a] += (k[a] - 1) * jump[a]
        jump[a] *= s[a]
return tuple(field)
""", 'hasattr(layer, "kernel_size")'),
    "layer.__dict__ in receptive_field": ("receptive_field", """
field, jump = [1, 1], [1, 1]
for layer in layers:
    if "kernel_size" not in layer.__dict__:
        continue
    k, s = layer.kernel_size, layer.stride
    k = (k, k) if isinstance(k, int) else k
    s = (s, s) if isinstance(s, int) else s
    for a in range(2):
        field[a] += (k[a] - 1) * jump[a]
        jump[a] *= s[a]
return tuple(field)
""", 'hasattr(layer, "kernel_size")'),
    "getattr with a computed name in receptive_field": ("receptive_field", """
rf, jump = [1, 1], [1, 1]
for layer in layers:
    if not hasattr(layer, "kernel_size"):
        continue
    kernel, stride = [getattr(layer, name) for name in ("kernel_size", "stride")]
    kernel = (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)
    stride = (stride, stride) if isinstance(stride, int) else tuple(stride)
    for a in (0, 1):
        rf[a] += (kernel[a] - 1) * jump[a]
        jump[a] *= stride[a]
return (rf[0], rf[1])
""", 'getattr(layer, "kernel_size")'),
    "a setattr loop in Conv2d.__init__": ("Conv2d.__init__", """
per_group = self.in_channels // self.groups
std = math.sqrt(2.0 / (per_group * kh * kw))
params = {"weight": Tensor(get_rng().normal(0.0, std, size=(self.out_channels, per_group, kh, kw)), requires_grad=True),
          "bias": Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None}
for name, value in params.items():
    setattr(self, name, value)
""", "assign each attribute in a line of its own"),
}


@pytest.mark.parametrize("name", list(R28_MODULE_WIDE))
def test_r28_clause_4_in_a_function_that_is_no_loop_exercise_says_it_reads_the_whole_module(name):
    exercise, body, spelling = R28_MODULE_WIDE[name]
    text = module_text({exercise: body})
    for function in LOOPS:
        message = loops.check(text, SRC, function)
        assert clause(message) == 4 and "reads your whole module" in message and "costs every loop item" in message \
            and "tito test 09" in message and spelling in message, message


def test_r28_import_sys_is_told_the_spelling_of_a_number_below_every_value():
    message = verdict("maxpool2d_loops", "import sys\n" + _h67_pool("""
best = -sys.float_info.max
for ki in range(kh):
    for kj in range(kw):
        best = max(best, x_pad[n, c, i * sh + ki, j * sw + kj])
out[n, c, i, j] = best
"""))
    assert clause(message) == 4 and 'float("-inf")' in message and "reads your whole module" in message, message
