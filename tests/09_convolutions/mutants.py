"""Mutation check of tests/09_convolutions (issues #13, #27): each wrong version of
tinytorch/core/spatial.py below, applied alone to a temporary COPY of the tinytorch package,
must make the module's non-slow tests fail.

    python tests/09_convolutions/mutants.py                   # every mutant, then the kill table
    python tests/09_convolutions/mutants.py NAME ...          # only these mutants
    python tests/09_convolutions/mutants.py --area BatchNorm2d --jobs 2
    python tests/09_convolutions/mutants.py --check           # only: does every pattern still apply?
    python tests/09_convolutions/mutants.py --list
    python tests/09_convolutions/mutants.py --tests DIR       # against another test directory

A mutant is (area, name, old, new, file): `old` must occur exactly once in the file. When it
does not (the code changed), the pattern is STALE: the script names every stale pattern and
fails before running anything, so the patterns are mended together with the code they guard
(test_mutants.py checks this in the ordinary, non-slow suite too).

How a mutant runs: tinytorch/ is copied to a temporary directory and the copy is mutated (the
repository's package is never touched); pytest runs the module's non-slow tests in a process
forked from this one, with the copy first on sys.path (checked through tinytorch.__file__). The
parent has already imported numpy, pytest, hypothesis and torch (but never tinytorch), so a
mutant costs its tests, not those imports. Each area's own test files run first (stage 1, -x: the
first failure ends the run); a mutant that survives them faces every other test file of the
directory (stage 2). KILLED when pytest fails, SURVIVED when everything passes; a run over the
time limit is killed and counted as TIMEOUT (a hang is caught too). The unmutated copy must
pass the whole suite too (it runs beside the first mutants: no verdict counts unless it
passes). Exit status 0 when no pattern is stale and every mutant is killed. The run ends with
the kill count per area. With two jobs on two (shared) cores the 165 mutants take about 3
minutes of CPU; test_mutants.py runs this script in CI (marked slow).

Areas: "fast paths" (sections 4-7: im2col/col2im layouts, the input gradient's full
convolution and per-offset GEMM, max pooling's winners and gradient scatter), one area per
going-further layer (section 13), and "loops and layers" (the loops, float64, argument checks,
errors, seeding, use_loops, repr, doctests).
"""
import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent.parent
PACKAGE = ROOT / "tinytorch"
SPATIAL = "core/spatial.py"
NOT_IN_THE_SUITE = {"test_mutants.py"}       # never part of the killing suite (it runs this script)
TIMEOUT = 240                                # seconds per stage of one mutant


@dataclass(frozen=True)
class Mutant:
    area: str
    name: str
    old: str
    new: str
    file: str = SPATIAL


FAST, CONV, MAXPOOL, AVGPOOL, ADAPTIVE, BATCHNORM, LOOPS = (
    "fast paths", "Conv2d options", "MaxPool2d options", "AvgPool2d options", "AdaptiveAvgPool2d", "BatchNorm2d",
    "loops and layers")

# The test files each area runs first (stage 1), in this order; then every other test file (stage 2).
# A file that killed an area's mutant only in stage 2 closes its stage 1 (test_spatial_parameters.py for
# the options' reprs, test_spatial_argument_checks.py, test_spatial_channels_last.py for col2im's dtype):
# a survivor of the earlier files then meets its killer before the files that cannot see it.
AREA_TESTS = {
    FAST: ["test_spatial_fast_path_branches.py", "test_spatial_fast_paths.py", "test_spatial_column_blocks.py",
           "test_spatial_large_windows.py", "test_spatial_channels_last.py"],
    CONV: ["test_spatial_macs.py", "test_spatial_fast_path_branches.py", "test_spatial_options.py",
           "test_spatial_channels_last.py", "test_spatial_argument_checks.py", "test_spatial_parameters.py"],
    MAXPOOL: ["test_spatial_options.py", "test_spatial_channels_last.py", "test_spatial_large_windows.py",
              "test_spatial_parameters.py"],
    AVGPOOL: ["test_spatial_options.py", "test_spatial_channels_last.py", "test_spatial_large_windows.py",
              "test_spatial_parameters.py"],
    ADAPTIVE: ["test_spatial_going_further.py", "test_spatial_channels_last.py"],
    BATCHNORM: ["test_spatial_going_further.py", "test_spatial_channels_last.py"],
    LOOPS: ["test_spatial_float64.py", "test_spatial_backward_loops.py", "test_spatial_argument_checks.py",
            "test_spatial_use_loops.py", "test_spatial_integer_input.py", "test_spatial_parameters.py",
            "test_spatial_doctests.py", "test_spatial_conv_values.py", "test_spatial_pool_values.py",
            "test_spatial_errors.py", "test_spatial_understanding.py", "test_spatial_channels_last.py"],
}

M = Mutant
MUTANTS = [
    # ------------------------------------------------------------ fast paths: the input gradient's two ways
    M(FAST, "full-convolution guard checks the row padding only (#27.1)",
      "return stride == (1, 1) and padding[0] < kh and padding[1] < kw and c_out <= c_in",
      "return stride == (1, 1) and padding[0] < kh and c_out <= c_in"),
    M(FAST, "full-convolution guard checks the column padding only",
      "return stride == (1, 1) and padding[0] < kh and padding[1] < kw and c_out <= c_in",
      "return stride == (1, 1) and padding[1] < kw and c_out <= c_in"),
    M(FAST, "full-convolution guard allows padding == kernel",
      "return stride == (1, 1) and padding[0] < kh and padding[1] < kw and c_out <= c_in",
      "return stride == (1, 1) and padding[0] <= kh and padding[1] <= kw and c_out <= c_in"),
    M(FAST, "full-convolution guard checks the row stride only",
      "return stride == (1, 1) and padding[0] < kh",
      "return stride[0] == 1 and padding[0] < kh"),
    M(FAST, "full-convolution guard checks the column stride only",
      "return stride == (1, 1) and padding[0] < kh",
      "return stride[1] == 1 and padding[0] < kh"),
    M(FAST, "input grad as a convolution without the flip",
      "flipped = weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)",
      "flipped = weight.transpose(1, 0, 2, 3)"),
    M(FAST, "input grad as a convolution flipped on the rows only",
      "flipped = weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)",
      "flipped = weight[:, :, ::-1, :].transpose(1, 0, 2, 3)"),
    M(FAST, "input grad as a convolution padded by p",
      "(kh - 1 - ph, kw - 1 - pw)",
      "(ph, pw)"),
    M(FAST, "input grad as a convolution pads the columns by the row padding",
      "(kh - 1 - ph, kw - 1 - pw)",
      "(kh - 1 - ph, kw - 1 - ph)"),
    M(FAST, "input grad as a convolution without swapping the kernel's channel axes",
      "flipped = weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)",
      "flipped = weight[:, :, ::-1, ::-1]"),
    # ------------------------------------------------------------ fast paths: column layouts, per-offset GEMM, col2im
    M(FAST, "per-offset GEMM layout decided by C_out, col2im by C_in (#27.2)",
      "    _col2im_block(grad_x_pad, g_block, weight, block, stride, out_hw, channels_last, spare)",
      "    _col2im_block(grad_x_pad, g_block, weight, block, stride, out_hw, _channels_last(c_out, (kh, kw), out_hw), spare)"),
    M(FAST, "per-offset GEMM always",
      "    _col2im_block(grad_x_pad, g_block, weight, block, stride, out_hw, channels_last, spare)",
      "    _col2im_block(grad_x_pad, g_block, weight, block, stride, out_hw, True, spare)"),
    M(FAST, "per-offset GEMM from one column below the boundary",
      "    _col2im_block(grad_x_pad, g_block, weight, block, stride, out_hw, channels_last, spare)",
      "    _col2im_block(grad_x_pad, g_block, weight, block, stride, out_hw, "
      "_channels_last(c_in, (kh, kw), (out_hw[0], out_hw[1] - 1)), spare)"),
    M(FAST, "the columns' column of ones left unwritten (bias in the GEMM, #26)",
      "                (cols[:, depth] if channels_last else cols[depth]).fill(1)",
      "                pass"),
    M(FAST, "bias added by the GEMM and again after it (#26)",
      "        if bias is not None and not ones:\n",
      "        if bias is not None:\n"),
    M(FAST, "g @ W.T written over kept columns too (#26)",
      "spare = cols if saved_cols is None and cols.dtype == dtype else None",
      "spare = cols if cols.dtype == dtype else None"),
    M(FAST, "channels-first columns kept too (#26)",
      "keep = keep and channels_last and size",
      "keep = keep and size"),
    M(FAST, "backward builds the columns in the other layout than forward did",
      "    channels_last = _channels_last(c_in, (kh, kw), out_hw)\n    grad_x_pad",
      "    channels_last = not _channels_last(c_in, (kh, kw), out_hw)\n    grad_x_pad"),
    # (_col2im's own layout choice, for section 13's grouped path, changes only the memory order of
    # its result there: the plain path's block col2im takes its layout from backward's decision)
    M(FAST, "col2im channels-first at the boundary kw*C = W_out",
      "    channels_last = _channels_last(c_in, (kh, kw), out_hw)\n    grad_x_pad",
      "    channels_last = kw * c_in > out_hw[1]\n    grad_x_pad"),
    M(FAST, "per-offset weights in (kj, ki) order",
      "w_offsets = weight.transpose(2, 3, 0, 1).reshape(kh * kw, c_out, c_in)",
      "w_offsets = weight.transpose(3, 2, 0, 1).reshape(kh * kw, c_out, c_in)"),
    M(FAST, "col2im offsets in the wrong order",
      "+= cols[:, :, :, ki, kj]",
      "+= cols[:, :, :, kj % kh, ki % kw]"),
    M(FAST, "col2im channels-first reads (c, ki, kj) order",
      "cols = cols.T.reshape(kh, kw, channels, batch, h_out, w_out)",
      "cols = cols.T.reshape(channels, kh, kw, batch, h_out, w_out).transpose(1, 2, 0, 3, 4, 5)"),
    M(FAST, "channels-first columns in (c, ki, kj) order",
      "return windows.transpose(4, 5, 0, 1, 2, 3)",
      "return windows.transpose(0, 4, 5, 1, 2, 3)"),
    M(FAST, "channels-last columns in (c, ki, kj) order",
      "return windows.transpose(0, 1, 2, 4, 5, 3)",
      "return windows.transpose(0, 1, 2, 3, 4, 5)"),
    M(FAST, "channels-last padding copy uses the row padding for columns",
      "out[:, ph:ph + height, pw:pw + width] = x.transpose(0, 2, 3, 1)",
      "out[:, ph:ph + height, ph:ph + width] = x.transpose(0, 2, 3, 1)"),
    M(FAST, "forward output read back channels-first",
      "    return out.transpose(0, 3, 1, 2), (x_pad, None)",
      "    return out.reshape(out.shape[0], out.shape[3], *out.shape[1:3]), (x_pad, None)"),
    M(FAST, "forward output read back channels-first when the columns are kept",
      "return out.transpose(0, 3, 1, 2), (np.broadcast_to(",
      "return out.reshape(out.shape[0], out.shape[3], *out.shape[1:3]), (np.broadcast_to("),
    M(FAST, "kept columns: every block written to the first block's part",
      "        start += size if whole else 0\n",
      "        start += 0\n"),
    M(FAST, "kept columns rebuilt from a stand-in in backward",
      "    windows = None if built else _windows(x_pad, kernel, stride, out_hw, channels_last)",
      "    windows = _windows(x_pad, kernel, stride, out_hw, channels_last)\n    built = False"),
    # ------------------------------------------------------------ fast paths: blocks of columns
    M(FAST, "column blocks of whole images drop the batch's last, partial block",
      "return [(slice(n, n + images), slice(0, h_out)) for n in range(0, batch, images)]",
      "return [(slice(n, n + images), slice(0, h_out)) for n in range(0, batch - images + 1, images)]"),
    M(FAST, "column blocks of rows drop the image's last, partial block",
      "for n in range(batch) for i in range(0, h_out, rows)]",
      "for n in range(batch) for i in range(0, h_out - rows + 1, rows)]"),
    M(FAST, "col2im of a block of rows starts at the image's first row",
      "first, count = rows.start * sh, len(range(out_hw[0])[rows])",
      "first, count = 0, len(range(out_hw[0])[rows])"),
    M(FAST, "col2im of a block of rows ignores the row stride",
      "first, count = rows.start * sh, len(range(out_hw[0])[rows])",
      "first, count = rows.start, len(range(out_hw[0])[rows])"),
    M(FAST, "weight gradient of the last block only",
      "grad_w += cols.T @ g_block",
      "grad_w = cols.T @ g_block"),
    M(FAST, "bias gradient of the last block only",
      "grad_b += np.ones(len(g_block), dtype=dtype) @ g_block",
      "grad_b = np.ones(len(g_block), dtype=dtype) @ g_block"),
    M(FAST, "input gradient skipped",
      "need_x = self.inputs[0] is not None and self.inputs[0].requires_grad",
      "need_x = False"),
    # ------------------------------------------------------------ fast paths: max pooling
    M(FAST, "max-pool winner offsets stored in uint8 (#27.5)",
      "codes = np.arange(count, 0, -1, dtype=np.min_scalar_type(count))",
      "codes = np.arange(count, 0, -1).astype(np.uint8)"),
    M(FAST, "pooling's padding left unfilled below and right of the image",
      "x_pad[:, :, :ph] = x_pad[:, :, ph + height:] = value",
      "x_pad[:, :, :ph] = value"),
    M(FAST, "pooling's padding columns filled on the left only",
      "rows[..., :pw] = rows[..., pw + width:] = value",
      "rows[..., :pw] = value"),
    M(FAST, "maxpool the last maximum wins",
      "np.maximum(best, np.multiply(wins, codes[offset], out=scratch), out=best)",
      "np.copyto(best, codes[offset], where=wins)"),
    M(FAST, "maxpool backward overlapping windows overwrite",
      "np.add.at(grad.ravel(order=\"K\"), positions.ravel(), grad_out.ravel())",
      "grad.ravel(order=\"K\")[positions.ravel()] = grad_out.ravel()"),
    M(FAST, "maxpool backward scatters into a copy of a channels-last gradient",
      "np.add.at(grad.ravel(order=\"K\"), positions.ravel(), grad_out.ravel())",
      "np.add.at(grad.ravel(), positions.ravel(), grad_out.ravel())"),
    M(FAST, "maxpool backward rows and columns swapped",
      "offset_steps = (np.arange(kh)[:, None] * (dh * row_step) + np.arange(kw) * (dw * col_step)).ravel()",
      "offset_steps = (np.arange(kh)[:, None] * (dw * col_step) + np.arange(kw) * (dh * row_step)).ravel()"),
    M(FAST, "maxpool backward window starts ignore the column stride",
      "i * (sh * row_step), j * (sw * col_step)):",
      "i * (sh * row_step), j * (sh * col_step)):"),
    M(FAST, "max pooling pads with zeros, not -inf",
      "x_pad = _pool_pad(x, padding, -np.inf, extra)",
      "x_pad = _pool_pad(x, padding, 0.0, extra)"),
    M(FAST, "maxpool skips NaN (PyTorch propagates it)",
      "np.maximum(out, candidate, out=out)",
      "np.fmax(out, candidate, out=out)"),
    M(FAST, "a NaN window's winner not looked for",
      "nan_windows = np.isnan(out).any()",
      "nan_windows = False"),
    M(FAST, "running max from zeros instead of the first candidates",
      "out = np.maximum(candidates[0], candidates[-1])",
      "out = np.maximum(np.maximum(candidates[0], candidates[-1]), 0)"),
    M(FAST, "running max skips the middle offsets",
      "for candidate in candidates[1:-1]:",
      "for candidate in candidates[1:-2]:"),
    M(FAST, "maxpool backward finds the winners in the input instead of the padded input",
      "    x_pad = _pool_pad(x, padding, -np.inf, extra)\n    return [x_pad[where]",
      "    x_pad = x\n    return [x_pad[where]"),
    # ------------------------------------------------------------ Conv2d options (dilation, groups, same/valid)
    M(CONV, "a dilation alone takes the plain convolution (Conv2dFunction, conv2d_vectorized)",
      "return _even(pads) is not None and dilation == (1, 1) and groups == 1",
      "return _even(pads) is not None and groups == 1"),
    M(CONV, "an uneven 'same' padding takes the plain convolution, with its top/left rows on both sides",
      "return _even(pads) is not None and dilation == (1, 1) and groups == 1",
      "return dilation == (1, 1) and groups == 1"),
    M(CONV, "the loops' checks take padding 'same' (an uneven one then pads evenly)",
      "        _pair(padding, \"padding\", 0, layer)              # raises",
      "        pass              # raises"),
    M(CONV, "output size counts an uneven 'same' padding as its top row twice",
      "pads = tuple(p if isinstance(p, tuple) else (p, p) for p in padding)",
      "pads = tuple((p[0], p[0]) if isinstance(p, tuple) else (p, p) for p in padding)"),
    M(CONV, "output size ignores the dilation",
      "span = _dilated_kernel(kernel, dilation)\n    padded = tuple(n + before + after",
      "span = tuple(kernel)\n    padded = tuple(n + before + after"),
    M(CONV, "depthwise channels-last padding drops the extra bottom row of 'same' (#27.3)",
      "out = np.zeros((batch, height + top + bottom, width + left + right, channels), dtype=x.dtype)",
      "out = np.zeros((batch, height + 2 * top, width + left + right, channels), dtype=x.dtype)"),
    M(CONV, "depthwise channels-last padding drops the extra right column of 'same'",
      "out = np.zeros((batch, height + top + bottom, width + left + right, channels), dtype=x.dtype)",
      "out = np.zeros((batch, height + top + bottom, width + 2 * left, channels), dtype=x.dtype)"),
    M(CONV, "depthwise input gradient cropped by the row padding on both axes",
      "return grad_x_pad[:, top:top + height, left:left + width].transpose(0, 3, 1, 2), grad_w, grad_b",
      "return grad_x_pad[:, top:top + height, top:top + width].transpose(0, 3, 1, 2), grad_w, grad_b"),
    M(CONV, "two channels per group taken for depthwise",
      "return groups > 1 and weight.shape[1] == 1",
      "return groups > 1 and weight.shape[1] <= 2"),
    M(CONV, "depthwise taps in (multiplier, channel) order",
      "taps = weight.reshape(channels, len(weight) // channels, -1)          # (C, multiplier, offsets)",
      "taps = weight.reshape(len(weight) // channels, channels, -1).transpose(1, 0, 2)"),
    M(CONV, "depthwise row taps repeated channel by channel (np.repeat) instead of pixel by pixel (np.tile)",
      "return np.tile(taps.transpose(1, 2, 0), width)",
      "return np.repeat(taps.transpose(1, 2, 0), width, axis=-1)"),
    M(CONV, "depthwise input gradient of the last multiplier only (zeroed again for each)",
      "        g_m = np.ascontiguousarray(g[..., m]).reshape(rows)\n",
      "        g_m = np.ascontiguousarray(g[..., m]).reshape(rows)\n        grad_x_pad = np.zeros(x_pad.shape, dtype=dtype)\n"),
    M(CONV, "depthwise weight gradient in (kj, ki) order",
      "return grad_x_pad, grad_taps.reshape(weight.shape), ones @ g.reshape(-1, c_out)",
      "return grad_x_pad, grad_taps.reshape(weight.shape).transpose(0, 1, 3, 2).reshape(weight.shape), "
      "ones @ g.reshape(-1, c_out)"),
    M(CONV, "uneven 'same' pads the columns by the rows' extra",
      "x = np.pad(x, ((0, 0), (0, 0), (0, bottom - top), (0, right - left)))",
      "x = np.pad(x, ((0, 0), (0, 0), (0, bottom - top), (0, bottom - top)))"),
    M(CONV, "'same' puts the extra row and column at the top and left",
      "return tuple((total // 2, total - total // 2) for total in totals)",
      "return tuple((total - total // 2, total // 2) for total in totals)"),
    M(CONV, "grouped forward ignores the dilation",
      "cols = [_im2col(x[:, inputs], kernel, stride, padding, out_hw, dilation) for inputs in",
      "cols = [_im2col(x[:, inputs], kernel, stride, padding, out_hw) for inputs in"),
    M(CONV, "grouped col2im padding (left, top)",
      "extended, (kh, kw), stride, (top, left), grad_out.shape[2:], dilation))",
      "extended, (kh, kw), stride, (left, top), grad_out.shape[2:], dilation))"),
    M(CONV, "grouped weight gradient in (kj, ki) order",
      "grad_w[outputs] = (group_cols.T @ g_group).reshape(kh, kw, c_group, -1).transpose(3, 2, 0, 1)",
      "grad_w[outputs] = (group_cols.T @ g_group).reshape(kw, kh, c_group, -1).transpose(3, 2, 1, 0)"),
    M(CONV, "conv2d_vectorized ignores dilation alone",
      "    if _is_plain(pads, dilation, groups):\n        return _conv2d_forward(",
      "    if _is_plain(pads, (1, 1), groups):\n        return _conv2d_forward("),
    M(CONV, "Conv2d's repr hides a dilation alone",
      "return dict(dilation=self.dilation, groups=self.groups)",
      "return dict(dilation=(1, 1), groups=self.groups)"),
    M(CONV, "Conv2d.macs counts in_channels, not in_channels // groups (#27.7)",
      "* (self.in_channels // self.groups) * kh * kw",
      "* self.in_channels * kh * kw"),
    M(CONV, "Conv2d.macs counts the dilated span, not the kernel (#27.8)",
      "kh, kw = self.kernel_size      # each output sums",
      "kh, kw = _dilated_kernel(self.kernel_size, self.dilation)      # each output sums"),
    M(CONV, "He init with the ungrouped fan-in",
      "fan_in = in_per_group * kh * kw",
      "fan_in = self.in_channels * kh * kw"),
    M(CONV, "groups need only divide in_channels",
      "        if channels % groups:\n",
      "        if channels % groups and name == \"in_channels\":\n"),
    M(CONV, "'same' refused only for a row stride",
      "if tuple(stride) != (1, 1):",
      "if stride[0] != 1:"),
    M(CONV, "options loops keep the dilated kernel's gradient transposed",
      "return grad_x[:, :, :height, :width], grad_w[:, :, ::dh, ::dw], grad_b",
      "return grad_x[:, :, :height, :width], grad_w[:, :, ::dw, ::dh], grad_b"),
    # ------------------------------------------------------------ MaxPool2d options (dilation, ceil_mode)
    M(MAXPOOL, "window offsets dilated by the row dilation on both axes",
      "slice(kj * dw, kj * dw + sw * w_out, sw)",
      "slice(kj * dh, kj * dh + sw * w_out, sw)"),
    M(MAXPOOL, "maxpool backward ignores the dilation",
      "offset_steps = (np.arange(kh)[:, None] * (dh * row_step) + np.arange(kw) * (dw * col_step)).ravel()",
      "offset_steps = (np.arange(kh)[:, None] * row_step + np.arange(kw) * col_step).ravel()"),
    M(MAXPOOL, "ceil_mode overhang ignores the dilation",
      "return tuple(max(0, (n_out - 1) * s + d * (k - 1) + 1 - (n + 2 * p))",
      "return tuple(max(0, (n_out - 1) * s + k - (n + 2 * p))"),
    M(MAXPOOL, "MaxPool2d with ceil_mode pools without the overhang",
      "self.extra = _overhang(self.x.shape[2:], *geometry, self.dilation, out_hw)",
      "self.extra = (0, 0)"),
    M(MAXPOOL, "ceil_mode keeps a window that starts in the right padding",
      "return count - 1 if (count - 1) * stride >= size + pads[0] else count",
      "return count"),
    M(MAXPOOL, "maxpool2d_vectorized ignores dilation alone",
      "\"maxpool2d_vectorized\", x, kernel_size, stride, padding, dilation, ceil_mode)",
      "\"maxpool2d_vectorized\", x, kernel_size, stride, padding, 1, ceil_mode)"),
    M(MAXPOOL, "MaxPool2dFunction runs the lesson's loops when only dilation is set",
      "self.options = self.dilation != (1, 1) or ceil_mode",
      "self.options = ceil_mode"),
    M(MAXPOOL, "a layer's repr shows every option once one differs from its default (not PyTorch's rule)",
      "if value != self._defaults[name])",
      "if self._options() != self._defaults)"),
    M(MAXPOOL, "options backward loops take the winner's row by the window's height",
      "np.array(rows)[first // len(cols)]",
      "np.array(rows)[first // len(rows)]"),
    # ------------------------------------------------------------ AvgPool2d options (ceil_mode, count_include_pad)
    M(AVGPOOL, "count_include_pad=False counts the right padding",
      "start, end = np.maximum(start, 0), np.minimum(end, size)",
      "start, end = np.maximum(start, 0), end"),
    M(AVGPOOL, "ceil_mode's overhang counts in the divisor",
      "end = np.minimum(start + k, size + p)",
      "end = start + k"),
    M(AVGPOOL, "avgpool forward ignores the divisor",
      "total /= kernel[0] * kernel[1] if divisor is None else divisor.astype(x.dtype)",
      "total /= kernel[0] * kernel[1]"),
    M(AVGPOOL, "avgpool backward ignores the divisor",
      "np.divide(grad_out, kernel[0] * kernel[1] if divisor is None else divisor.astype(grad.dtype), out=share)",
      "np.divide(grad_out, kernel[0] * kernel[1], out=share)"),
    M(AVGPOOL, "avgpool forward without ceil_mode's overhang",
      "x_pad = _pool_pad(x, padding, 0.0, extra)",
      "x_pad = _pool_pad(x, padding, 0.0)"),
    # (max pooling's gradient never lands in the overhang, so there this buffer's size does not matter)
    M(AVGPOOL, "channels-last gradient buffer without ceil_mode's overhang",
      "return make((batch, *padded_hw, channels), dtype=dtype).transpose(0, 3, 1, 2)",
      "return make((batch, height + 2 * ph, width + 2 * pw, channels), dtype=dtype).transpose(0, 3, 1, 2)"),
    M(AVGPOOL, "avgpool2d_vectorized ignores count_include_pad alone",
      "divisor = _avgpool_divisor(x.shape[2:], kernel, stride, padding, out_hw, ceil_mode, count_include_pad)",
      "divisor = _avgpool_divisor(x.shape[2:], kernel, stride, padding, out_hw, ceil_mode, count_include_pad or not "
      "ceil_mode)"),
    M(AVGPOOL, "AvgPool2dFunction takes count_include_pad=False alone for the plain pooling",
      "self.divisor = _avgpool_divisor(self.x.shape[2:], *geometry, out_hw, ceil_mode, count_include_pad)",
      "self.divisor = _avgpool_divisor(self.x.shape[2:], *geometry, out_hw, ceil_mode, count_include_pad or not "
      "ceil_mode)"),
    M(AVGPOOL, "_avgpool_divisor divides by kh*kw whenever ceil_mode is off",
      "    if count_include_pad and not ceil_mode:\n        return None",
      "    if not ceil_mode:\n        return None"),
    M(AVGPOOL, "AvgPool2d's repr takes count_include_pad's default for False",
      "_defaults = {\"ceil_mode\": False, \"count_include_pad\": True}",
      "_defaults = {\"ceil_mode\": False, \"count_include_pad\": False}"),
    M(AVGPOOL, "options loops count the overhang",
      "return min(start + kernel, size + padding) - start if count_include_pad else real_cells",
      "return kernel if count_include_pad else real_cells"),
    # ------------------------------------------------------------ AdaptiveAvgPool2d
    M(ADAPTIVE, "adaptive windows end at the floor",
      "return [((i * size) // out_size, -((-(i + 1) * size) // out_size)) for i in range(out_size)]",
      "return [((i * size) // out_size, ((i + 1) * size) // out_size) for i in range(out_size)]"),
    M(ADAPTIVE, "adaptive windows start at the ceiling",
      "return [((i * size) // out_size, -((-(i + 1) * size) // out_size)) for i in range(out_size)]",
      "return [(-((-i * size) // out_size), -((-(i + 1) * size) // out_size)) for i in range(out_size)]"),
    M(ADAPTIVE, "adaptive backward divides by a square window",
      "(grad[:, :, k] / ((r1 - r0) * (c1 - c0)))",
      "(grad[:, :, k] / ((r1 - r0) * (r1 - r0)))"),
    M(ADAPTIVE, "adaptive backward overlapping windows overwrite",
      "grad_x[:, :, r0:r1, c0:c1] += (grad[:, :, k]",
      "grad_x[:, :, r0:r1, c0:c1] = (grad[:, :, k]"),
    M(ADAPTIVE, "adaptive output size None means 1",
      "return tuple(int(n if v is None else v) for v, n in zip(items, hw))",
      "return tuple(int(1 if v is None else v) for v, n in zip(items, hw))"),
    M(ADAPTIVE, "adaptive backward in float32",
      "grad_x = np.zeros(self.x_shape, dtype=self.dtype)",
      "grad_x = np.zeros(self.x_shape, dtype=np.float32)"),
    # ------------------------------------------------------------ BatchNorm2d
    M(BATCHNORM, "channel sums on the wrong view of a channels-last input (#27.4)",
      "    rows = rows.reshape(-1, values.shape[1])",
      "    rows = values.reshape(-1, values.shape[1])"),
    M(BATCHNORM, "running variance biased",
      "self._update_running(mean, var * count / max(count - 1, 1))",
      "self._update_running(mean, var)"),
    M(BATCHNORM, "momentum=None is not a cumulative average",
      "factor = 1.0 / self.num_batches_tracked if self.momentum is None else self.momentum",
      "factor = 0.1 if self.momentum is None else self.momentum"),
    M(BATCHNORM, "momentum weighs the old statistics",
      "((1 - factor) * self.running_mean + factor * mean)",
      "(factor * self.running_mean + (1 - factor) * mean)"),
    M(BATCHNORM, "eval mode normalises by the batch",
      "batch_stats = self.training or not self.track_running_stats",
      "batch_stats = True"),
    M(BATCHNORM, "track_running_stats=False uses running statistics in eval",
      "batch_stats = self.training or not self.track_running_stats",
      "batch_stats = self.training"),
    M(BATCHNORM, "backward forgets the variance's dependence on x",
      "            grad_x = self.x_hat * _per_channel(sum_g_x_hat / count)\n"
      "            np.subtract(grad_output, grad_x, out=grad_x)\n"
      "            grad_x -= _per_channel(sum_g / count)\n",
      "            grad_x = grad_output - _per_channel(sum_g / count)\n"),
    M(BATCHNORM, "weight gradient without x_hat",
      "grad_weight = sum_g_x_hat if self.weight is not None else None",
      "grad_weight = sum_g if self.weight is not None else None"),
    M(BATCHNORM, "input gradient without gamma",
      "scale = self.inv_std if self.weight is None else self.inv_std * self.weight",
      "scale = self.inv_std"),
    M(BATCHNORM, "output shares its array with the saved x_hat",
      "        out = self.x_hat * _per_channel(weight)\n",
      "        out = self.x_hat\n        out *= _per_channel(weight)\n"),
    M(BATCHNORM, "eps ignored",
      "self.inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype)",
      "self.inv_std = (1.0 / np.sqrt(var)).astype(x.dtype)"),
    M(BATCHNORM, "values per channel counted with H twice",
      "count = data.shape[0] * data.shape[2] * data.shape[3]",
      "count = data.shape[0] * data.shape[2] * data.shape[2]"),
    # ------------------------------------------------------------ loops and layers (issue #13's gaps)
    # float64 through the backward passes: float32 buffers, or float32 math cast back to float64
    M(LOOPS, "col2im buffer float32",
      "grad = np.zeros((channels, batch, height + 2 * ph, width + 2 * pw), dtype=cols.dtype)",
      "grad = np.zeros((channels, batch, height + 2 * ph, width + 2 * pw), dtype=np.float32)"),
    M(LOOPS, "col2im float32 then cast back",
      "    return grad[:, :, ph:ph + height, pw:pw + width].transpose(1, 0, 2, 3)",
      "    return grad[:, :, ph:ph + height, pw:pw + width].transpose(1, 0, 2, 3).astype(np.float32).astype(cols.dtype)"),
    M(LOOPS, "col2im channels-last buffer float32",
      "grad = np.zeros((batch, height + 2 * ph, width + 2 * pw, channels), dtype=cols.dtype)",
      "grad = np.zeros((batch, height + 2 * ph, width + 2 * pw, channels), dtype=np.float32)"),
    M(LOOPS, "grad_w float32",
      "grad_w += cols.T @ g_block",
      "grad_w += cols.T.astype(np.float32) @ g_block.astype(np.float32)"),
    M(LOOPS, "grad_w accumulated in float32",
      "grad_w, grad_b = np.zeros((kh * kw * c_in, c_out), dtype=dtype), np.zeros(c_out, dtype=dtype)",
      "grad_w, grad_b = np.zeros((kh * kw * c_in, c_out), dtype=np.float32), np.zeros(c_out, dtype=dtype)"),
    M(LOOPS, "conv backward grad_out float32",
      "g_block = _grad_rows(grad_out, block, dtype)",
      "g_block = _grad_rows(grad_out, block, np.float32)"),
    M(LOOPS, "maxpool backward buffer float32",
      "grad = _padded_zeros(x, padding, np.result_type(grad_out, x), extra)\n    batch, channels, h_out, w_out",
      "grad = _padded_zeros(x, padding, np.float32, extra)\n    batch, channels, h_out, w_out"),
    M(LOOPS, "avgpool backward buffer float32",
      "grad = _padded_zeros(x, padding, np.result_type(grad_out, x), extra)\n    # The share",
      "grad = _padded_zeros(x, padding, np.float32, extra)\n    # The share"),
    M(LOOPS, "avgpool backward share float32 cast back",
      "    for _, where in _offset_slices(kernel, stride, grad_out.shape[2:]):\n        grad[where] += share",
      "    for _, where in _offset_slices(kernel, stride, grad_out.shape[2:]):\n"
      "        grad[where] += share.astype(np.float32).astype(grad_out.dtype)"),
    M(LOOPS, "conv2d_loops output float32",
      "out = np.zeros((batch, c_out, h_out, w_out), dtype=np.result_type(x, weight))",
      "out = np.zeros((batch, c_out, h_out, w_out), dtype=np.float32)"),
    M(LOOPS, "conv2d_loops truncates float64 inputs",
      "    x_pad = _pad(x, padding)\n    batch, c_in = x.shape[:2]",
      "    x_pad = _pad(x, padding).astype(np.float32)\n    batch, c_in = x.shape[:2]"),
    M(LOOPS, "maxpool2d_loops output float32",
      "    x_pad = _pad(x, padding, value=-np.inf)\n    batch, channels = x.shape[:2]\n"
      "    out = np.zeros((batch, channels, h_out, w_out), dtype=x.dtype)",
      "    x_pad = _pad(x, padding, value=-np.inf)\n    batch, channels = x.shape[:2]\n"
      "    out = np.zeros((batch, channels, h_out, w_out), dtype=np.float32)"),
    M(LOOPS, "maxpool2d_loops starts its maximum at -1e9",
      "                    best = -np.inf\n", "                    best = -1e9\n"),
    M(LOOPS, "maxpool2d_backward_loops starts its maximum at -1e9",
      "best, best_row, best_col = -np.inf, i * sh, j * sw", "best, best_row, best_col = -1e9, i * sh, j * sw"),
    M(LOOPS, "avgpool vectorized total float32",
      "total = np.copy(views[0], order=\"K\")",
      "total = np.copy(views[0], order=\"K\").astype(np.float32)"),
    M(LOOPS, "conv2d_backward_loops float32 buffers",
      "dtype = np.result_type(grad_out, x, weight)",
      "dtype = np.float32"),
    M(LOOPS, "maxpool2d_backward_loops float32 buffer",
      "grad_x_pad = np.zeros(x_pad.shape, dtype=np.result_type(grad_out, x))",
      "grad_x_pad = np.zeros(x_pad.shape, dtype=np.float32)"),
    M(LOOPS, "avgpool2d_backward_loops float32 buffer",
      "grad_x_pad = np.zeros((batch, channels, height + 2 * ph, width + 2 * pw), dtype=np.result_type(grad_out, x))",
      "grad_x_pad = np.zeros((batch, channels, height + 2 * ph, width + 2 * pw), dtype=np.float32)"),
    # integer input
    M(LOOPS, "integers kept as integers",
      "return arr if arr.dtype in (np.float32, np.float64) else arr.astype(np.float32)",
      "return arr"),
    M(LOOPS, "integers become float64",
      "return arr if arr.dtype in (np.float32, np.float64) else arr.astype(np.float32)",
      "return arr if arr.dtype in (np.float32, np.float64) else arr.astype(np.float64)"),
    # argument checks
    M(LOOPS, "loops accept a longer bias",
      "if bias.shape != (weight.shape[0],):",
      "if bias.ndim != 1 or bias.shape[0] < weight.shape[0]:"),
    M(LOOPS, "vectorized broadcasts a (1,) bias",
      "if bias.shape != (weight.shape[0],):",
      "if bias.ndim != 1 or bias.shape[0] not in (1, weight.shape[0]):"),
    M(LOOPS, "weight rank unchecked",
      "if weight.ndim != 4:",
      "if weight.ndim < 2:"),
    M(LOOPS, "conv_output_size unchecked",
      "    _check_output_size_args(size, kernel, stride, padding)\n",
      ""),
    M(LOOPS, "the fit check takes a kernel one longer than the padded input (conv_output_size and every layer)",
      "if all(k <= n + o for k, n, o in zip(span, padded, overhang)):",
      "if all(k <= n + o + 1 for k, n, o in zip(span, padded, overhang)):"),
    M(LOOPS, "conv_output_size takes floats",
      "        if not is_whole_number(value):\n"
      "            raise TypeError(f\"conv_output_size:",
      "        if not isinstance(value, (int, float)):\n"
      "            raise TypeError(f\"conv_output_size:"),
    # errors name the layer/function
    M(LOOPS, "AvgPool2d construction errors say MaxPool2d",
      "        layer = type(self).__name__\n        self.kernel_size = _pair(kernel_size, \"kernel_size\", 1, layer)",
      "        layer = \"MaxPool2d\"\n        self.kernel_size = _pair(kernel_size, \"kernel_size\", 1, layer)"),
    M(LOOPS, "AvgPool2d forward errors say MaxPool2d",
      "use_loops=self.use_loops, layer=type(self).__name__, **self._options())",
      "use_loops=self.use_loops, layer=\"MaxPool2d\", **self._options())"),
    M(LOOPS, "AvgPool2dFunction default name MaxPool2d",
      "                use_loops=False, layer=\"AvgPool2d\"):",
      "                use_loops=False, layer=\"MaxPool2d\"):"),
    M(LOOPS, "avgpool2d_loops errors say maxpool2d_loops",
      "_check_pool_args(\"avgpool2d_loops\", x,",
      "_check_pool_args(\"maxpool2d_loops\", x,"),
    M(LOOPS, "Conv2d errors say conv2d_vectorized",
      "use_loops=self.use_loops, layer=\"Conv2d\")",
      "use_loops=self.use_loops, layer=\"conv2d_vectorized\")"),
    M(LOOPS, "conv2d_backward_loops errors say conv2d_loops",
      "layer = \"conv2d_backward_loops\"",
      "layer = \"conv2d_loops\""),
    # seeding
    M(LOOPS, "Conv2d init from np.random",
      "get_rng().normal(0.0, std, size=(self.out_channels, in_per_group, kh, kw))",
      "np.random.normal(0.0, std, size=(self.out_channels, in_per_group, kh, kw))"),
    M(LOOPS, "Conv2d init from a fresh generator",
      "get_rng().normal(0.0, std, size=(self.out_channels, in_per_group, kh, kw))",
      "np.random.default_rng(0).normal(0.0, std, size=(self.out_channels, in_per_group, kh, kw))"),
    # receptive_field with layers without a kernel
    M(LOOPS, "receptive_field crashes on ReLU",
      "        if not hasattr(layer, \"kernel_size\"):\n            continue\n",
      ""),
    M(LOOPS, "receptive_field stops at the first ReLU",
      "        if not hasattr(layer, \"kernel_size\"):\n            continue\n",
      "        if not hasattr(layer, \"kernel_size\"):\n            break\n"),
    # use_loops runs the loops, both ways
    # (the forward keeps what the fast backward needs, so the fast backward runs instead of crashing)
    M(LOOPS, "Conv2d use_loops backward is the fast one",
      "        if self.use_loops and self.plain:\n            grads = conv2d_backward_loops(grad_output, self.x, "
      "self.weight, self.stride, _even(self.pads))\n        elif self.use_loops:\n",
      "        if False:\n            grads = conv2d_backward_loops(grad_output, self.x, "
      "self.weight, self.stride, _even(self.pads))\n        elif False:\n"),
    M(LOOPS, "MaxPool2d use_loops backward is the fast one",
      "        if not self.use_loops:\n            return (_maxpool2d_backward(",
      "        if True:\n            return (_maxpool2d_backward("),
    M(LOOPS, "AvgPool2d use_loops backward is the fast one",
      "        if not self.use_loops:\n            return (_avgpool2d_backward(",
      "        if True:\n            return (_avgpool2d_backward("),
    M(LOOPS, "Conv2d use_loops forward is the fast one",
      "        if use_loops and self.plain:\n            return conv2d_loops(x, weight, bias, self.stride, "
      "_even(self.pads))\n        if use_loops:\n",
      "        if False:\n            return conv2d_loops(x, weight, bias, self.stride, "
      "_even(self.pads))\n        if False:\n"),
    M(LOOPS, "MaxPool2d use_loops forward is the fast one",
      "        if use_loops:\n            if self.options:\n                return _options_code(\"maxpool2d_general_loops\"",
      "        if False:\n            if self.options:\n                return _options_code(\"maxpool2d_general_loops\""),
    M(LOOPS, "AvgPool2d use_loops forward is the fast one",
      "        if use_loops:\n            if self.options == (False, True):\n                return avgpool2d_loops(",
      "        if False:\n            if self.options == (False, True):\n                return avgpool2d_loops("),
    # the backward loops themselves
    M(LOOPS, "conv2d_backward_loops ignores the stride",
      "                            for ci in range(c_in):\n                                row, col = i * sh + ki, j * sw + kj",
      "                            for ci in range(c_in):\n                                row, col = i + ki, j + kj"),
    M(LOOPS, "conv2d_backward_loops swaps the strides",
      "                            for ci in range(c_in):\n                                row, col = i * sh + ki, j * sw + kj",
      "                            for ci in range(c_in):\n                                row, col = i * sw + ki, j * sh + kj"),
    M(LOOPS, "conv2d_backward_loops crops the wrong corner",
      "    grad_x = grad_x_pad[:, :, ph:ph + height, pw:pw + width]\n    return grad_x, grad_w, grad_b",
      "    grad_x = grad_x_pad[:, :, :height, :width]\n    return grad_x, grad_w, grad_b"),
    M(LOOPS, "conv2d_backward_loops grad_b overwritten",
      "grad_b[co] += g",
      "grad_b[co] = g"),
    M(LOOPS, "conv2d_backward_loops grad_w from the weight",
      "grad_w[co, ci, ki, kj] += g * x_pad[n, ci, row, col]",
      "grad_w[co, ci, ki, kj] += g * x_pad[n, ci, ki, kj]"),
    M(LOOPS, "maxpool2d_backward_loops last maximum wins",
      "if x_pad[n, c, row, col] > best:",
      "if x_pad[n, c, row, col] >= best:"),
    M(LOOPS, "maxpool2d_backward_loops overlapping windows overwrite",
      "grad_x_pad[n, c, best_row, best_col] += grad_out[n, c, i, j]",
      "grad_x_pad[n, c, best_row, best_col] = grad_out[n, c, i, j]"),
    M(LOOPS, "avgpool2d_backward_loops does not divide",
      "share = grad_out[n, c, i, j] / (kh * kw)",
      "share = grad_out[n, c, i, j]"),
    M(LOOPS, "avgpool2d_backward_loops swaps the strides",
      "grad_x_pad[n, c, i * sh + ki, j * sw + kj] += share",
      "grad_x_pad[n, c, i * sw + ki, j * sh + kj] += share"),
    # minor: repr, doctest
    M(LOOPS, "Conv2d repr drops bias",
      "f\"padding={padding}{self._changed_options()}, bias={self.bias is not None}\")",
      "f\"padding={padding}{self._changed_options()}\")"),
    M(LOOPS, "pool repr drops padding",
      "return f\"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}\"",
      "return f\"kernel_size={self.kernel_size}, stride={self.stride}\""),
    M(LOOPS, "doctest example skipped",
      "    >>> conv_output_size(7, 3, stride=2)\n",
      "    >>> conv_output_size(7, 3, stride=2)  # doctest: +SKIP\n"),
    M(LOOPS, "doctest examples removed",
      "    >>> conv_output_size(28, 5)\n    24\n",
      ""),
]
AREAS = [FAST, CONV, MAXPOOL, AVGPOOL, ADAPTIVE, BATCHNORM, LOOPS]


# ---------------------------------------------------------------- the patterns

def problems(mutants=MUTANTS, package=PACKAGE):
    """What is wrong with the mutant list against the package as it is now: one line per stale
    pattern (its old snippet not found exactly once), duplicate name, no-op or unknown area."""
    found, names = [], Counter(m.name for m in mutants)
    sources = {}
    for m in mutants:
        if m.file not in sources:
            path = package / m.file
            sources[m.file] = path.read_text() if path.exists() else None
        source = sources[m.file]
        if source is None:
            found.append(f"STALE   {m.name}: {m.file} does not exist")
            continue
        count = source.count(m.old)
        if count != 1:
            found.append(f"STALE   {m.name}: its old snippet occurs {count} times in {m.file} (expected once); "
                         f"mend the pattern with the code it guards. Snippet: {m.old[:90]!r}")
        if m.old == m.new:
            found.append(f"NO-OP   {m.name}: old and new are the same")
        if m.area not in AREA_TESTS:
            found.append(f"AREA    {m.name}: unknown area {m.area!r}")
    found += [f"DUPLICATE {name}: {count} mutants share this name" for name, count in names.items() if count > 1]
    return found


# ---------------------------------------------------------------- running the suite on a package copy

def copy_package(where, mutant=None):
    """tinytorch/ copied into `where` (no bytecode caches), with `mutant` applied to the copy."""
    target = Path(where) / "tinytorch"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if mutant is not None:
        path = target / mutant.file
        source = path.read_text()
        assert source.count(mutant.old) == 1, f"stale pattern {mutant.name!r}"
        path.write_text(source.replace(mutant.old, mutant.new))
    return Path(where)


def suite_files(tests, ignore=()):
    """The killing suite: every test_*.py of `tests` except this script's own test and `ignore`."""
    skip = NOT_IN_THE_SUITE | set(ignore)
    return sorted(p.name for p in tests.glob("test_*.py") if p.name not in skip)


def stages(area, files):
    """(stage 1: the area's own files present in `files`, stage 2: the others)."""
    first = [name for name in AREA_TESTS.get(area, []) if name in files]
    return first, [name for name in files if name not in first]


def preload():
    """Import what every test run needs, once, before forking (never tinytorch)."""
    import gc

    for module in ("numpy", "pytest"):
        __import__(module)
    for optional in ("hypothesis", "torch"):
        try:
            __import__(optional)
        except ImportError:
            pass
    try:                      # FlopCounterMode's first use imports much of torch (seconds): on meta tensors, no threads
        import torch
        from torch.utils.flop_counter import FlopCounterMode
        with FlopCounterMode(display=False):
            torch.nn.Conv2d(1, 1, 1, device="meta")(torch.zeros(1, 1, 1, 1, device="meta"))
    except ImportError:
        pass
    gc.freeze()               # the children's garbage collections skip all of this


class _Recorder:
    """A pytest plugin that keeps the first failure and the counts."""

    def __init__(self):
        self.first, self.counts = None, Counter()

    def _note(self, report):
        if report.failed and self.first is None:
            crash = getattr(report.longrepr, "reprcrash", None)
            message = crash.message if crash is not None else str(report.longrepr)
            lines = [line.strip() for line in message.splitlines() if line.strip()]
            if len(lines) > 1 and lines[0].endswith(":"):           # "AssertionError:" then numpy's text
                lines = [f"{lines[0]} {' / '.join(lines[1:3])}"]
            self.first = f"{report.nodeid.split('/')[-1]} - {lines[0][:200] if lines else ''}"

    def pytest_runtest_logreport(self, report):
        self._note(report)
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.counts[report.outcome] += 1

    def pytest_collectreport(self, report):
        self._note(report)
        if report.failed:
            self.counts["collection errors"] += 1


def _child(copy_root, tests, files, result_path, log_path):
    """In the forked process: run pytest on `files` against the package in copy_root."""
    os.setsid()                               # its own process group: a timeout kills all of it
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.dont_write_bytecode = False           # pytest caches the rewritten test modules: the next child reuses them
    sys.path.insert(0, str(copy_root))
    os.chdir(copy_root)
    outcome = {"rc": 3, "first": "", "counts": {}}
    try:
        import tinytorch
        if not tinytorch.__file__.startswith(str(copy_root)):
            raise RuntimeError(f"tinytorch imported from {tinytorch.__file__}, not from the copy in {copy_root}")
        import pytest
        recorder = _Recorder()
        args = [str(tests / name) for name in files] + [
            "-x", "-q", "-m", "not slow", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:anyio",
            "--no-header"]
        outcome["rc"] = int(pytest.main(args, plugins=[recorder]))
        outcome["first"], outcome["counts"] = recorder.first or "", dict(recorder.counts)
    except BaseException as error:            # report anything, then leave
        outcome["first"] = f"the run itself failed: {type(error).__name__}: {error}"
    with open(result_path, "w") as out:
        json.dump(outcome, out)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


class Run:
    """One pytest run in a forked child, on a fresh package copy (mutated or not)."""

    def __init__(self, tests, files, mutant=None, timeout=TIMEOUT):
        self.mutant, self.files, self.timeout = mutant, files, timeout
        self.tmp = tempfile.mkdtemp(prefix="tinytorch-mutant-")
        self.root = copy_package(Path(self.tmp) / "copy", mutant)
        self.result_path, self.log_path = Path(self.tmp) / "result.json", Path(self.tmp) / "log.txt"
        sys.stdout.flush()
        sys.stderr.flush()
        self.start = time.monotonic()
        self.pid = os.fork()
        if self.pid == 0:
            try:
                _child(self.root, tests, files, self.result_path, self.log_path)
            finally:
                os._exit(3)

    def poll(self):
        """None while running, else the outcome dict (rc 0: passed, else failed; 'timeout': True)."""
        pid, _ = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:
            if time.monotonic() - self.start < self.timeout:
                return None
            try:
                os.killpg(self.pid, signal.SIGKILL)   # the child's own group (setsid): only what it started
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
            return self._finish({"rc": -1, "timeout": True, "first": f"no result after {self.timeout} s"})
        try:
            outcome = json.loads(self.result_path.read_text())
        except (OSError, ValueError):
            tail = self.log_path.read_text(errors="replace")[-400:] if self.log_path.exists() else ""
            outcome = {"rc": 3, "first": f"the child died without a result: {tail}"}
        return self._finish(outcome)

    def _finish(self, outcome):
        outcome["seconds"] = time.monotonic() - self.start
        outcome["log"] = self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""
        shutil.rmtree(self.tmp, ignore_errors=True)
        return outcome


STOP = "stop"                                # on_done's answer: start nothing more (the baseline failed)


def run_all(jobs_spec, jobs, on_done):
    """Run the (key, start) specs, `jobs` at a time; on_done(key, outcome) may return another spec,
    or STOP (the runs already started finish, no other starts)."""
    pending, running = list(jobs_spec), {}
    while pending or running:
        while pending and len(running) < jobs:
            key, start = pending.pop(0)
            running[key] = start()
        for key, run in list(running.items()):
            outcome = run.poll()
            if outcome is not None:
                del running[key]
                follow_up = on_done(key, outcome)
                if follow_up == STOP:
                    pending.clear()
                elif follow_up is not None:
                    pending.insert(0, follow_up)
        time.sleep(0.05)


# ---------------------------------------------------------------- the report

def kill_table(results):
    """The kill count per area, as text."""
    rows = [("area", "mutants", "killed", "timeout", "survived", "error")]
    totals = Counter()
    for area in AREAS:
        counts = Counter(outcome for (m_area, _), outcome in results.items() if m_area == area)
        total = sum(counts.values())
        if not total:
            continue
        row = (area, total, counts["killed"], counts["timeout"], counts["survived"], counts["error"])
        totals.update(dict(zip(rows[0][1:], row[1:])))
        rows.append(tuple(map(str, row)))
    rows.append(tuple(map(str, ("total", totals["mutants"], totals["killed"], totals["timeout"], totals["survived"],
                                totals["error"]))))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    return "\n".join(lines[:1] + ["-" * len(lines[0])] + lines[1:-1] + ["-" * len(lines[0])] + lines[-1:])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("names", nargs="*", help="run only these mutants (exact names)")
    parser.add_argument("--area", action="append", choices=AREAS, help="run only this area's mutants (repeatable)")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTANTS_JOBS", "2")),
                        help="mutants run at the same time (default 2, or $MUTANTS_JOBS)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds per stage of one mutant")
    parser.add_argument("--tests", type=Path, default=TESTS, help="the test directory (default: this one)")
    parser.add_argument("--ignore", action="append", default=[], help="leave this test file out of the suite")
    parser.add_argument("--check", action="store_true", help="only check that every pattern still applies")
    parser.add_argument("--list", action="store_true", help="list the mutants by area and exit")
    args = parser.parse_args(argv)

    if args.list:
        for area in AREAS:
            print(f"{area}:")
            for m in (m for m in MUTANTS if m.area == area):
                print(f"    {m.name}")
        return 0
    found = problems()
    unknown = set(args.names) - {m.name for m in MUTANTS}
    if found or unknown:
        for line in found:
            print(line)
        if unknown:
            print(f"unknown mutant(s): {sorted(unknown)}")
        print(f"{len(found)} pattern problem(s): the mutants no longer match {PACKAGE / SPATIAL}; nothing was run.")
        return 1
    if args.check:
        print(f"all {len(MUTANTS)} patterns apply exactly once")
        return 0

    mutants = [m for m in MUTANTS if (not args.names or m.name in args.names) and (not args.area or m.area in args.area)]
    tests = args.tests.resolve()
    files = suite_files(tests, args.ignore)
    start = time.monotonic()
    preload()
    print(f"{len(mutants)} mutants, {len(files)} test files in {tests}, {args.jobs} at a time", flush=True)

    baseline, results, seconds = {}, {}, {}

    def start_stage(m, stage):
        first, second = stages(m.area, files)
        chosen = first if stage == 1 else second
        return (m, stage), (lambda: Run(tests, chosen, m, args.timeout))

    def done(key, outcome):
        if key == "baseline":
            return baseline_done(outcome)
        m, stage = key
        seconds[m.name] = seconds.get(m.name, 0.0) + outcome["seconds"]
        if outcome["rc"] == 0 and stage == 1 and stages(m.area, files)[1]:
            return start_stage(m, 2)               # survived its area's tests: face all the others
        if outcome.get("timeout"):
            verdict = "timeout"
        elif outcome["rc"] == 0:
            verdict = "survived"
        elif outcome["rc"] == 1:
            verdict = "killed"
        else:                                      # pytest's usage/internal errors, a dead child
            verdict = "error" if not outcome["first"] or "run itself" in outcome["first"] else "killed"
        results[(m.area, m.name)] = verdict
        where = f"stage {stage}" if stage == 2 else ""
        print(f"{verdict.upper():8} [{m.area}] {m.name}: {outcome['first'] or '(all passed)'} "
              f"({seconds[m.name]:.1f} s{', ' + where if where else ''})", flush=True)
        if verdict == "error":
            print(outcome["log"][-1500:], flush=True)
        return None

    def baseline_done(outcome):
        baseline.update(outcome)
        if outcome["rc"] != 0:
            return STOP
        print(f"baseline: the unmutated copy passes {outcome['counts'].get('passed', 0)} tests "
              f"({outcome['seconds']:.0f} s)", flush=True)
        return None

    # The baseline runs beside the first mutants, not before them (it is the longest run: alone it
    # would leave the other job idle); their verdicts count only once it has passed.
    start_baseline = ("baseline", lambda: Run(tests, files, timeout=4 * args.timeout))
    run_all([start_baseline] + [start_stage(m, 1) for m in mutants], max(1, args.jobs), done)
    if baseline["rc"] != 0:
        print(f"the unmutated package fails the suite: {baseline['first']}\n{baseline['log'][-1500:]}")
        print("fix that before mutating: no verdict above counts")
        return 1
    print()
    print(kill_table(results))
    survivors = [name for (_, name), verdict in results.items() if verdict in ("survived", "error")]
    print(f"\n{len(results)} mutants in {time.monotonic() - start:.0f} s (baseline {baseline['seconds']:.0f} s); "
          f"{len(survivors)} not killed" + (": " + "; ".join(survivors) if survivors else ""))
    return 0 if not survivors else 1


if __name__ == "__main__":
    # One BLAS / OpenMP thread per test process: the runs share the machine's cores with each other.
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    sys.exit(main())
