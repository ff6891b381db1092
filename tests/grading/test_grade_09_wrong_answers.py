"""`tito grade 09` catches wrong answers: a graded check is only as good as the mistakes it catches.

Each wrong version below is one exercise's body, written as a student writes it (see
submissions_09/wrong.py), dropped into the real student notebook with every other exercise filled
by the reference solution, and graded by the real grader. It must lose the points of the item(s)
the table names, and score less than full marks; a loop exercise that computes all positions at
once must lose its item with a message that says why. An independently written correct set
(submissions_09/correct.py) must score full marks, the reference full marks, a blank notebook 0.

To keep the run short, wrong versions of different exercises share one notebook when no graded
item calls both exercises (traced by running each graded cell against the reference), so each
item's verdict is still caused by one wrong version at most, and every item that calls none of
the notebook's wrong exercises must pass (checked). conv_output_size, which every shape check
goes through, thus only shares a notebook with Conv2d.__init__, whose item never calls it.

`python tests/grading/submissions_09/table.py` prints "wrong version -> points got / max".
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import submissions_09 as subs
from tito import main, notebooks, paths
from tito.grading import grade
from tito.grading.limits import Limits

if subs.MODULE is None:
    pytest.skip("src/09_convolutions does not exist", allow_module_level=True)

from submissions_09.correct import CORRECT
from submissions_09.wrong import WRONG

pytestmark = pytest.mark.slow  # its fixture grades every kept wrong answer: about 60 s in CI

# Roomy limits: a loaded 2-core machine must not turn a slow pass into a timeout.
LIMITS = Limits(per_test=60, total=600, jobs=2)

# The graded items of each exercise.
ITEMS = {
    "conv_output_size": {"test-conv-output-size"},
    "Conv2d.__init__": {"test-conv2d-init"},
    "conv2d_loops": {"test-conv2d-loops"},
    "conv2d_backward_loops": {"test-conv2d-backward-loops"},
    "maxpool2d_loops": {"test-maxpool2d-loops"},
    "maxpool2d_backward_loops": {"test-maxpool2d-backward-loops"},
    "avgpool2d_loops": {"test-avgpool2d-loops"},
    "avgpool2d_backward_loops": {"test-avgpool2d-backward-loops"},
    "receptive_field": {"test-receptive-field"},
}

# wrong version -> (graded items that must lose points, the bug in one line)
TABLE: dict[str, tuple[set[str], str]] = {
    "output_size_ceil": ({"test-conv-output-size"}, "ceil instead of floor: a partial last window counts"),
    "output_size_no_plus_one": ({"test-conv-output-size"}, "(n + 2p - k) // s without the + 1 (off by one)"),
    "output_size_padding_once": ({"test-conv-output-size"}, "padding added on one side only: n + p - k"),
    "output_size_positions_over_stride": ({"test-conv-output-size"}, "(n + 2p - k + 1) // s: wrong floor for s > 1"),
    "output_size_range_exclusive": ({"test-conv-output-size"}, "len(range(0, n + 2p - k, s)): the last start left out"),

    "init_fan_out": ({"test-conv2d-init"}, "std from fan_out = out_channels * kh * kw"),
    "init_std_one": ({"test-conv2d-init"}, "standard normal weights (std 1)"),
    "init_variance_not_std": ({"test-conv2d-init"}, "std = 2 / fan_in (the variance, no square root)"),
    "init_fan_in_channels_only": ({"test-conv2d-init"}, "fan_in = in_channels, kernel area forgotten"),
    "init_np_random": ({"test-conv2d-init"}, "np.random.normal instead of get_rng(): not seeded by manual_seed"),
    "init_shape_in_out": ({"test-conv2d-init"}, "weight shape (in, out, kh, kw), as Linear's"),
    "init_kernel_wh": ({"test-conv2d-init"}, "kernel read as (kw, kh): weight (out, in, kw, kh)"),
    "init_bias_random": ({"test-conv2d-init"}, "bias drawn at random instead of zeros"),
    "init_bias_ignores_flag": ({"test-conv2d-init"}, "bias created even with bias=False"),
    "init_fan_in_square_kernel": ({"test-conv2d-init"}, "fan_in = in * kh * kh: the kernel taken as square"),
    "init_copied_from_linear": ({"test-conv2d-init"}, "module 03's Linear init: U(-1/sqrt(fan_in), 1/sqrt(fan_in))"),
    "init_he_uniform": ({"test-conv2d-init"}, "He uniform U(-sqrt(6/fan_in), +): right std, not normal"),
    "init_bias_no_grad": ({"test-conv2d-init"}, "bias Tensor without requires_grad=True"),
    "init_own_seeded_rng": ({"test-conv2d-init"}, "own np.random.default_rng(42): ignores manual_seed"),
    "init_ignores_groups": ({"test-conv2d-init"}, "weight (out, in, kh, kw) and fan_in from in_channels: groups ignored"),
    "init_fan_in_ignores_groups": ({"test-conv2d-init"}, "weight shape with groups, fan_in from every input channel"),

    "conv_loop_bounds_swapped": ({"test-conv2d-loops"}, "output rows loop to w_out, columns to h_out"),
    "conv_kernel_extents_swapped": ({"test-conv2d-loops"}, "kernel rows loop to kw, kernel columns to kh"),
    "conv_strides_swapped": ({"test-conv2d-loops"}, "row start i * sw, column start j * sh"),
    "conv_column_stride_forgotten": ({"test-conv2d-loops"}, "column start j instead of j * sw"),
    "conv_kernel_transposed": ({"test-conv2d-loops"}, "kernel and window indexed transposed: weight[co, ci, kj, ki]"),
    "conv_kernel_flipped": ({"test-conv2d-loops"}, "true convolution: kernel flipped in both axes"),
    "conv_missing_bias": ({"test-conv2d-loops"}, "bias never added"),
    "conv_bias_per_input_channel": ({"test-conv2d-loops"}, "bias added inside the input-channel loop (c_in times)"),
    "conv_unpadded_input": ({"test-conv2d-loops"}, "reads x instead of x_pad: padding shifts nothing, border lost"),
    "conv_calls_fast_path": ({"test-conv2d-loops"}, "loops must be loops: calls conv2d_vectorized"),
    "conv_sliding_window_einsum": ({"test-conv2d-loops"}, "loops must be loops: sliding_window_view + einsum over the whole input"),
    "conv_row_at_a_time": ({"test-conv2d-loops"}, "loops must be loops: one whole output row per step (sliding_window_view + einsum per row)"),
    "conv_loops_over_kernel_only": ({"test-conv2d-loops"}, "loops must be loops: loops over kernel offsets, all positions at once"),

    "maxpool_start_at_zero": ({"test-maxpool2d-loops"}, "running max starts at 0: all-negative windows give 0"),
    "maxpool_zero_padding": ({"test-maxpool2d-loops"}, "pads with zeros instead of -inf"),
    "maxpool_window_transposed": ({"test-maxpool2d-loops"}, "window of kw rows and kh columns"),
    "maxpool_strides_swapped": ({"test-maxpool2d-loops"}, "row start i * sw, column start j * sh"),
    "maxpool_sliding_window_view": ({"test-maxpool2d-loops"}, "loops must be loops: sliding_window_view(...).max over the whole input"),
    "maxpool_row_at_a_time": ({"test-maxpool2d-loops"}, "loops must be loops: one whole output row per step (sliding_window_view(...).max per row)"),
    "maxpool_calls_fast_path": ({"test-maxpool2d-loops"}, "loops must be loops: calls maxpool2d_vectorized"),
    "maxpool_numpy_then_dummy_loop": ({"test-maxpool2d-loops"}, "loops must be loops: numpy over kernel offsets, then a loop over positions that changes nothing"),

    "avgpool_exclude_pad": ({"test-avgpool2d-loops"}, "count_include_pad=False: divides by the real cells only"),
    "avgpool_divide_kh_squared": ({"test-avgpool2d-loops"}, "divides by kh * kh"),
    "avgpool_extents_swapped": ({"test-avgpool2d-loops"}, "window rows loop to kw, columns to kh"),
    "avgpool_whole_input_mean": ({"test-avgpool2d-loops"}, "loops must be loops: sliding_window_view(...).mean over the whole input"),
    "avgpool_calls_fast_path": ({"test-avgpool2d-loops"}, "loops must be loops: calls avgpool2d_vectorized"),
    "avgpool_shift_and_add": ({"test-avgpool2d-loops"}, "loops must be loops: shift-and-add over kernel offsets, plain numpy"),

    "conv_back_grad_x_assign": ({"test-conv2d-backward-loops"}, "grad_x scatter with = instead of += (overlaps lost)"),
    "conv_back_padding_not_cropped": ({"test-conv2d-backward-loops"}, "grad_x returned with the padding still on"),
    "conv_back_grad_w_assign": ({"test-conv2d-backward-loops"}, "grad_w accumulated with = instead of +="),
    "conv_back_bias_mean_over_batch": ({"test-conv2d-backward-loops"}, "grad_b divided by the batch size"),
    "conv_back_no_bias_grad": ({"test-conv2d-backward-loops"}, "grad_b left at zero (no bias argument)"),
    "conv_back_flipped_kernel": ({"test-conv2d-backward-loops"}, "grad_x scattered with the flipped kernel"),
    "conv_back_strides_swapped": ({"test-conv2d-backward-loops"}, "window start i * sw, j * sh in the backward loops"),
    "conv_back_empty_tuple_unless_plain": ({"test-conv2d-backward-loops"},
                                           "an empty tuple unless stride 1 and no padding (an attack: 48/48 before)"),
    "conv_back_crop_negative_index": ({"test-conv2d-backward-loops"}, "crops with [ph:-ph, pw:-pw]: empty without padding"),
    "conv_back_crop_axes_swapped": ({"test-conv2d-backward-loops"}, "crops rows by pw and columns by ph"),
    "conv_back_grad_w_from_unpadded_x": ({"test-conv2d-backward-loops"}, "grad_w from x at padded coordinates"),
    "conv_back_calls_fast_path": ({"test-conv2d-backward-loops"}, "loops must be loops: calls the given im2col backward"),
    "conv_back_fast_path_padded_with_loops": ({"test-conv2d-backward-loops"}, "loops must be loops: the im2col backward, then a loop that changes nothing"),

    "maxpool_back_last_max": ({"test-maxpool2d-backward-loops"}, "ties: the last maximum (>=) gets the gradient"),
    "maxpool_back_all_tied": ({"test-maxpool2d-backward-loops"}, "ties: every maximum of the window gets the gradient"),
    "maxpool_back_assign": ({"test-maxpool2d-backward-loops"}, "= instead of +=: overlapping windows overwrite"),
    "maxpool_back_unravel_swapped": ({"test-maxpool2d-backward-loops"}, "argmax unravelled with shape (kw, kh)"),
    "maxpool_back_divmod_by_kh": ({"test-maxpool2d-backward-loops"}, "flat argmax split with // kh and % kh"),
    "maxpool_back_zero_padding": ({"test-maxpool2d-backward-loops"}, "maximum searched in a zero-padded input"),
    "maxpool_back_column_major_ties": ({"test-maxpool2d-backward-loops"}, "ties: first maximum in column-major order"),
    "maxpool_back_best_starts_at_zero": ({"test-maxpool2d-backward-loops"}, "running max starts at 0: all-negative windows send to the corner"),
    "maxpool_back_calls_fast_path": ({"test-maxpool2d-backward-loops"}, "loops must be loops: calls the given vectorized backward"),

    "avgpool_back_exclude_pad": ({"test-avgpool2d-backward-loops"}, "count_include_pad=False: shares over the real cells only"),
    "avgpool_back_assign": ({"test-avgpool2d-backward-loops"}, "= instead of +=: overlapping windows overwrite"),
    "avgpool_back_not_divided": ({"test-avgpool2d-backward-loops"}, "every cell gets the whole gradient (no / (kh * kw))"),
    "avgpool_back_extents_swapped": ({"test-avgpool2d-backward-loops"}, "window rows loop to kw, columns to kh"),
    "avgpool_back_crop_axes_swapped": ({"test-avgpool2d-backward-loops"}, "crops rows by pw and columns by ph"),
    "avgpool_back_calls_fast_path": ({"test-avgpool2d-backward-loops"}, "loops must be loops: calls the given vectorized backward"),

    "rf_stops_at_relu": ({"test-receptive-field"}, "stops at the first layer without kernel_size (ReLU)"),
    "rf_jump_not_accumulated": ({"test-receptive-field"}, "jump = this layer's stride instead of the product of strides"),
    "rf_multiplies_kernels": ({"test-receptive-field"}, "multiplies kernel sizes instead of adding (k - 1) * jump"),
    "rf_jump_before_field": ({"test-receptive-field"}, "updates the jump before adding (k - 1) * jump"),
    "rf_axes_swapped": ({"test-receptive-field"}, "height grows with kw, width with kh"),
    "rf_convs_only": ({"test-receptive-field"}, "only Conv2d layers count; pooling windows and strides ignored"),
    "rf_adds_padding": ({"test-receptive-field"}, "padding widens the field: (k - 1 + 2p) * jump"),
    # Held-out hunt H14: without a hint (or with another bug's), or full marks in tito grade.
    "conv_if_bias_truthiness": ({"test-conv2d-loops"}, "`if bias:` on an array: ValueError"),
    "conv_weight_in_out": ({"test-conv2d-loops"}, "weight read as weight[ci, co, ki, kj]"),
    "conv_channels_stop_at_min": ({"test-conv2d-loops"}, "input channels loop to min(C_in, C_out)"),
    "rf_ignores_stride": ({"test-receptive-field"}, "strides ignored: the field grows by k - 1 per layer"),
    "rf_adds_whole_kernel": ({"test-receptive-field"}, "each layer adds k * jump, not (k - 1) * jump"),
    "maxpool_back_no_window_offset": ({"test-maxpool2d-backward-loops"}, "gradient at (ki, kj), the window's start left out"),
    "conv_back_bias_all_channels": ({"test-conv2d-backward-loops"}, "grad_b[:] = grad_out.sum(), every channel summed"),
    "maxpool_reads_x": ({"test-maxpool2d-loops"}, "windows sliced from x instead of x_pad"),
    "avgpool_floor_division": ({"test-avgpool2d-loops"}, "window sum // (kh * kw): the mean floored"),
    "avgpool_stride_is_kernel": ({"test-avgpool2d-loops"}, "windows start at i * kh, j * kw: the kernel as stride"),
    "conv_back_grad_x_stride_forgotten": ({"test-conv2d-backward-loops"}, "grad_x scattered at i + ki, j + kj"),
    "conv_back_bias_per_kernel_cell": ({"test-conv2d-backward-loops"}, "grad_b added inside the ki, kj loops"),
    "conv_back_grad_w_mean_over_batch": ({"test-conv2d-backward-loops"}, "grad_w divided by the batch size"),
    "maxpool_back_ties_split": ({"test-maxpool2d-backward-loops"}, "tied maxima share the gradient"),
    "maxpool_back_stride_forgotten": ({"test-maxpool2d-backward-loops"}, "gradient sent to i + a, j + b"),
    "maxpool_back_grad_times_max": ({"test-maxpool2d-backward-loops"}, "gradient times the maximum"),
    "avgpool_back_stride_forgotten": ({"test-avgpool2d-backward-loops"}, "shares spread from i + ki, j + kj"),
    "avgpool_back_divides_grad_out_in_place": ({"test-avgpool2d-backward-loops"}, "grad_out divided in place"),
    "rf_returns_a_list": ({"test-receptive-field"}, "returns the list, not a tuple"),
    "output_size_rounded": ({"test-conv-output-size"}, "round() instead of //"),
    "output_size_padding_on_the_count": ({"test-conv-output-size"}, "(n - k) // s + 1 + 2p: padding added to the count"),
    "output_size_no_parentheses": ({"test-conv-output-size"}, "n + 2p - k // s + 1 (H41: no hint)"),
    "conv_stride_on_kernel_index": ({"test-conv2d-loops"}, "x_pad[n, ci, i * sh + ki * sh, ...]: stride on ki too"),
    "conv_bias_per_kernel_cell": ({"test-conv2d-loops"}, "bias added inside the kj loop"),
    "conv_total_not_reset": ({"test-conv2d-loops"}, "total reset per channel, not per position"),
    "maxpool_window_one_short": ({"test-maxpool2d-loops"}, "slices i * sh:i * sh + kh - 1: one row short"),
    "avgpool_back_crop_one_end": ({"test-avgpool2d-backward-loops"}, "grad_x_pad[:, :, :height, :width]"),
    "maxpool_stride_forgotten": ({"test-maxpool2d-loops"}, "windows at x_pad[n, c, i:i+kh, j:j+kw]: no stride"),
    "avgpool_stride_forgotten": ({"test-avgpool2d-loops"}, "windows at x_pad[n, c, i:i+kh, j:j+kw]: no stride"),
    "conv_loops_stop_one_early": ({"test-conv2d-loops"}, "range(h_out - 1), range(w_out - 1): last row and column 0"),
    "conv_no_return": ({"test-conv2d-loops"}, "return out forgotten: the function gives None"),
    "conv_back_returns_grad_w_first": ({"test-conv2d-backward-loops"}, "return grad_w, grad_x, grad_b"),
    # Held-out hunt H31: a hint that named another bug.
    "avgpool_divide_precedence": ({"test-avgpool2d-loops"}, "sum / kh * kw: divides by kh, multiplies by kw"),
    "avgpool_back_divide_precedence": ({"test-avgpool2d-backward-loops"}, "grad / kh * kw: divides by kh, multiplies by kw"),
    "conv_back_grad_b_assign": ({"test-conv2d-backward-loops"}, "grad_b[co] = g where += belongs: the last term only"),
    "avgpool_back_window_at_x_coordinates": ({"test-avgpool2d-backward-loops"}, "writes into grad_x_pad at x's coordinates (padding offset forgotten)"),
    # Round twenty-six's held-out hunt: each scored 48/48 (maxpool's backward checks had ph == pw and padding or
    # a small corner; receptive_field's layers all stored pairs).
    "maxpool_back_crop_axes_swapped": ({"test-maxpool2d-backward-loops"}, "crops grad_x_pad[:, :, pw:pw + height, ph:ph + width]"),
    "maxpool_back_unpad_ph_both": ({"test-maxpool2d-backward-loops"}, "writes into grad_x at (row - ph, col - ph)"),
    "maxpool_best_starts_at_corner": ({"test-maxpool2d-loops"}, "running max starts at x_pad[n, c, 0, 0], not the window's"),
    "maxpool_back_best_starts_at_corner": ({"test-maxpool2d-backward-loops"}, "running max (and its place) starts at the "
                                                                              "channel's top-left cell"),
    "rf_unpacks_pairs": ({"test-receptive-field"}, "kh, kw = layer.kernel_size: an int kernel_size (torch's pooling) fails"),
    "rf_int_kernel_but_pair_stride": ({"test-receptive-field"}, "an int kernel_size made a pair, the stride indexed as one"),
    "rf_isinstance_three_classes": ({"test-receptive-field"}, "only Conv2d, MaxPool2d and AvgPool2d, their attributes as pairs"),
    "rf_by_class_name": ({"test-receptive-field"}, "layers picked by class name, kernel_size and stride unpacked as pairs"),
    "output_size_same_padding_shortcut": ({"test-conv-output-size"}, "padding == kernel // 2 taken as 'same': "
                                          "ceil(size / stride), one short for an even kernel"),
    "init_fan_in_dilated_span": ({"test-conv2d-init"}, "fan_in counts the dilated kernel's span"),
    "init_shape_dilated_span": ({"test-conv2d-init"}, "the weight as big as the dilated kernel's span"),
    "init_bias_per_group": ({"test-conv2d-init"}, "the bias has out_channels // groups numbers"),
    "avgpool_divides_by_stride_area": ({"test-avgpool2d-loops"}, "window sum / (sh * sw): the stride's area"),
    "avgpool_prod_of_kernel_argument": ({"test-avgpool2d-loops"}, "window sum / np.prod(kernel_size) of an int kernel_size"),
    "avgpool_back_share_by_stride_area": ({"test-avgpool2d-backward-loops"}, "grad / (sh * sw): the stride's area"),
    "avgpool_back_prod_of_kernel_argument": ({"test-avgpool2d-backward-loops"},
                                             "grad / np.prod(kernel_size) of an int kernel_size"),
    "maxpool_skips_zero_as_padding": ({"test-maxpool2d-loops"}, "a 0 in x skipped as if it were padding"),
    "maxpool_best_none_truthiness": ({"test-maxpool2d-loops"}, "`if not best or v > best`: a running maximum of 0 "
                                                               "counts as none yet"),
    "maxpool_back_skips_zero_as_padding": ({"test-maxpool2d-backward-loops"}, "a 0 in x skipped as if it were padding"),
    "maxpool_back_best_none_truthiness": ({"test-maxpool2d-backward-loops"}, "`if not best`: a running maximum of 0 "
                                                                             "counts as none yet"),
    "maxpool_back_isclose_first": ({"test-maxpool2d-backward-loops"}, "the first cell np.isclose to the maximum gets "
                                                                      "the gradient, not the exact maximum"),
    "maxpool_back_tolerance_compare": ({"test-maxpool2d-backward-loops"}, "a later cell wins only if larger by 1e-9"),
    "maxpool_sentinel_big_negative": ({"test-maxpool2d-loops"}, "the running maximum starts at -1e9, not -inf"),
    "maxpool_back_sentinel_big_negative": ({"test-maxpool2d-backward-loops"},
                                           "the running maximum starts at -1e9 and the winner at (0, 0) of x_pad"),
    "maxpool_back_adds_inside_if": ({"test-maxpool2d-backward-loops"}, 'the gradient added inside `if v > best:`'),
    "maxpool_back_best_reset_per_row": ({"test-maxpool2d-backward-loops"}, 'best = -inf reset inside the loop over ki'),
    "maxpool_best_reset_per_row": ({"test-maxpool2d-loops"}, 'best = -inf reset inside the loop over ki'),
    "avgpool_total_reset_per_row": ({"test-avgpool2d-loops"}, 'total = 0.0 reset inside the loop over ki'),
    "conv_total_reset_per_channel": ({"test-conv2d-loops"}, 'total = 0.0 reset inside the loop over ci'),
    "conv_out_write_after_j": ({"test-conv2d-loops"}, 'out[n, co, i, j] = total one indent too few'),
    "conv_back_grad_b_after_j": ({"test-conv2d-backward-loops"}, 'grad_b[co] += g one indent too few'),
    "maxpool_back_columns_by_sh": ({"test-maxpool2d-backward-loops"}, 'columns start at j * sh'),
    "avgpool_columns_by_sh": ({"test-avgpool2d-loops"}, 'columns start at j * sh'),
    "avgpool_back_columns_by_sh": ({"test-avgpool2d-backward-loops"}, 'columns start at j * sh'),
    "output_size_torch_formula_no_minus1": ({"test-conv-output-size"}, '(size + 2p - (kernel - 1)) // stride + 1'),
    "output_size_minus_one_extra": ({"test-conv-output-size"}, '(size + 2p - kernel - 1) // stride + 1'),
    "init_channels_divided_with_slash": ({"test-conv2d-init"}, "in_channels / groups, a float, in the weight's shape"),
    "conv_imports_numpy_inside": ({"test-conv2d-loops"}, '`import numpy as np` inside conv2d_loops'),
    "rf_skips_pointwise_layers": ({"test-receptive-field"}, "1x1 layers skipped like kernel-less ones: their stride lost"),
    "rf_skips_unit_axis": ({"test-receptive-field"}, "an axis with kernel 1 skipped, its stride with it"),
    "rf_empty_list_zero": ({"test-receptive-field"}, "an empty list gives (0, 0), not (1, 1)"),
    # Held-out hunt H31: no hint.
    "conv_back_grad_b_last_image": ({"test-conv2d-backward-loops"}, "grad_b[co] = total per image: the last image only"),
    "conv_back_grad_w_last_image": ({"test-conv2d-backward-loops"}, "grad_w[...] = total per image: the last image only"),
    "init_glorot_normal": ({"test-conv2d-init"}, "Glorot normal: std sqrt(2 / (fan_in + fan_out))"),
    "init_xavier_uniform": ({"test-conv2d-init"}, "Xavier uniform: U(-sqrt(6 / (fan_in + fan_out)), +)"),
    "init_lecun": ({"test-conv2d-init"}, "LeCun: std sqrt(1 / fan_in)"),
    "init_sqrt2_over_fan_in": ({"test-conv2d-init"}, "std sqrt(2) / fan_in"),
    "conv_bias_twice": ({"test-conv2d-loops"}, "bias added in the loop and again after it"),
    "conv_bias_on_whole_plane": ({"test-conv2d-loops"}, "out[n, co] += bias[co] at every position"),
    "conv_back_factors_swapped": ({"test-conv2d-backward-loops"}, "g * x_pad into grad_x, g * weight into grad_w"),
    "conv_back_crop_end_without_padding": ({"test-conv2d-backward-loops"}, "crops grad_x_pad[:, :, ph:height, pw:width]"),
    "maxpool_back_grad_x_at_padded_coordinates": ({"test-maxpool2d-backward-loops"}, "writes into unpadded grad_x at x_pad's coordinates"),
    "maxpool_back_reads_x": ({"test-maxpool2d-backward-loops"}, "windows sliced from x instead of x_pad"),
    "avgpool_back_crop_end_without_padding": ({"test-avgpool2d-backward-loops"}, "crops grad_x_pad[:, :, ph:height, pw:width]"),
    # Held-out hunt H49: full marks before (only tuple kernel sizes were tried).
    "init_fan_in_from_argument": ({"test-conv2d-init"}, "fan_in from np.prod(kernel_size): an int kernel counts k cells, not k * k"),
    "init_shape_from_argument": ({"test-conv2d-init"}, "weight shape (out, in, *kernel_size): TypeError for an int kernel"),
    # Held-out hunt H49: no hint, or another bug's.
    "init_bias_row": ({"test-conv2d-init"}, "bias shaped (1, out_channels)"),
    "init_bias_broadcastable": ({"test-conv2d-init"}, "bias shaped (out_channels, 1, 1) to broadcast"),
    "conv_reads_output_channel": ({"test-conv2d-loops"}, "x_pad[n, co, ...] where x_pad[n, ci, ...] belongs"),
    "maxpool_stride_is_kernel": ({"test-maxpool2d-loops"}, "windows start at i * kh, j * kw: empty past the end"),
    "avgpool_stride_on_kernel_index": ({"test-avgpool2d-loops"}, "x_pad[n, c, i * sh + ki * sh, ...]: stride on ki too"),
    "avgpool_divides_by_len": ({"test-avgpool2d-loops"}, "window.sum() / len(window): divides by kh"),
    "rf_forgets_avgpool": ({"test-receptive-field"}, "only Conv2d and MaxPool2d layers count"),
    "rf_starts_at_zero": ({"test-receptive-field"}, "field starts at 0 instead of 1"),
    "rf_walks_backwards": ({"test-receptive-field"}, "layers walked from the last to the first"),
    "conv_back_grad_x_at_padded_coordinates": ({"test-conv2d-backward-loops"}, "grad_x written at x_pad's coordinates where they fit"),
    "conv_back_kernel_transposed_in_w": ({"test-conv2d-backward-loops"}, "grad_w reads x_pad[n, ci, i * sh + kj, j * sw + ki]"),
    "avgpool_back_share_by_kh": ({"test-avgpool2d-backward-loops"}, "share grad / kh / kh"),
    # Held-out hunt H49: told their bug already, kept.
    "output_size_true_division": ({"test-conv-output-size"}, "/ instead of //: a float"),
    "output_size_np_floor": ({"test-conv-output-size"}, "np.floor(... / stride) + 1: a float64"),
    "maxpool_stride_on_kernel_index": ({"test-maxpool2d-loops"}, "x_pad[n, c, (i + ki) * sh, (j + kj) * sw]: IndexError"),
    "conv_back_grad_x_unpadded_wraps": ({"test-conv2d-backward-loops"}, "grad_x[n, ci, r - ph, s - pw]: IndexError"),
    "conv_back_grad_b_wrong_axes": ({"test-conv2d-backward-loops"}, "grad_b[co] += grad_out[n, :, i, j].sum()"),
    "maxpool_back_not_cropped": ({"test-maxpool2d-backward-loops"}, "returns grad_x_pad, padding still on"),
    "avgpool_back_not_cropped": ({"test-avgpool2d-backward-loops"}, "returns grad_x_pad, padding still on"),
    # Held-out hunt H58: no hint, or another bug's (maxpool_back_best_not_reset, rf_output_formula_forwards,
    # init_fan_in_kernel_only); maxpool_loops_stop_one_early was told its bug already, kept.
    "output_size_stride_ignored": ({"test-conv-output-size"}, "size + 2p - k + 1: the stride ignored"),
    "output_size_padding_subtracted": ({"test-conv-output-size"}, "(size - 2p - k) // s + 1: the padding subtracted"),
    "init_fan_in_counts_out_channels": ({"test-conv2d-init"}, "fan_in = np.prod(weight shape): out_channels counted"),
    "init_fan_in_kernel_only": ({"test-conv2d-init"}, "fan_in = kh * kw: the input channels forgotten (was told in_channels only)"),
    "init_bias_per_input_channel": ({"test-conv2d-init"}, "bias np.zeros(in_channels)"),
    "conv_negative_index_wraps": ({"test-conv2d-loops"}, "x read at i * sh + ki - ph, only r < height tested: -1 wraps"),
    "conv_bias_by_input_channel": ({"test-conv2d-loops"}, "total += bias[ci] after the ci loop: bias[C_in - 1]"),
    "conv_out_channels_from_axis_1": ({"test-conv2d-loops"}, "for co in range(weight.shape[1]): channels stop at C_in"),
    "conv_back_bias_per_input_channel": ({"test-conv2d-backward-loops"}, "grad_b[co] += g inside the ci loop"),
    "maxpool_window_one_long": ({"test-maxpool2d-loops"}, "slices i * sh:i * sh + kh + 1: one row too long"),
    "maxpool_best_not_reset": ({"test-maxpool2d-loops"}, "best = -inf once per channel: a running max over positions"),
    "maxpool_loops_stop_one_early": ({"test-maxpool2d-loops"}, "range(h_out - 1), range(w_out - 1)"),
    "avgpool_total_not_reset": ({"test-avgpool2d-loops"}, "total = 0.0 once per channel: a running sum over positions"),
    "avgpool_divides_x_pad_in_place": ({"test-avgpool2d-loops"}, "window /= kh * kw on a view of x_pad, then window.sum()"),
    "avgpool_negative_index_wraps": ({"test-avgpool2d-loops"}, "x read at i * sh + ki - ph, only r < H tested: -1 wraps"),
    "maxpool_back_position_not_updated": ({"test-maxpool2d-backward-loops"}, "best updated, its row and column not"),
    "maxpool_back_best_not_reset": ({"test-maxpool2d-backward-loops"}, "best and its place set once per channel (was told: stride missing)"),
    "maxpool_back_loops_stop_one_early": ({"test-maxpool2d-backward-loops"}, "range(h_out - 1), range(w_out - 1)"),
    "avgpool_back_loops_stop_one_early": ({"test-avgpool2d-backward-loops"}, "range(h_out - 1), range(w_out - 1)"),
    "rf_adds_this_layers_stride": ({"test-receptive-field"}, "field += (k - 1) * this layer's stride"),
    "rf_output_formula_forwards": ({"test-receptive-field"}, "r = (r - 1) * s + k from the first layer to the last"),
    "rf_height_for_both": ({"test-receptive-field"}, "kernel_size[0], stride[0] only; returns (field, field)"),
}

# What the student is told: each wrong version's message must hold this (its likely bug, named by the
# check's diagnosis; INDEX_HINT: an error raised inside the loops, explained). The loops-must-be-loops
# versions are told the loop rule instead (checked below).
INDEX_HINT = "an index ran past the end of an array"
MAXPOOL_SPLIT_HINT = "a window row holds kw cells: ki, kj = divmod(k, kw)"
HINTS: dict[str, str] = {
    "output_size_ceil": 'Likely bug: ceil instead of floor',
    "output_size_no_plus_one": 'Likely bug: the + 1 is missing',
    "output_size_padding_once": 'Likely bug: the padding is added once',
    "output_size_positions_over_stride": 'Likely bug: (size + 2 * padding - kernel + 1) // stride counts the window starts wrongly',
    "output_size_range_exclusive": 'Likely bug: the last window start is not counted',
    "init_fan_out": 'Likely bug: the std comes from fan_out',
    "init_std_one": 'Likely bug: the weights are standard normal (std 1)',
    "init_variance_not_std": 'Likely bug: the std is 2 / fan_in, the variance',
    "init_fan_in_channels_only": 'Likely bug: fan_in counts the input channels only',
    "init_np_random": 'must come from get_rng()',
    "init_shape_in_out": 'Likely bug: in and out are swapped',
    "init_kernel_wh": 'Likely bug: kh and kw are swapped',
    "init_bias_random": 'Conv2d.bias must start at zero',
    "init_bias_ignores_flag": 'bias=False).bias must be None',
    "init_he_uniform": 'looks uniform',
    "init_bias_no_grad": 'Conv2d.bias must be created with requires_grad=True',
    "init_own_seeded_rng": 'must come from get_rng()',
    "init_ignores_groups": "Likely bug: the weight's second axis is in_channels; with groups it is in_channels // groups",
    "init_fan_in_ignores_groups": "Likely bug: fan_in uses in_channels; with groups it is in_channels // groups",
    "init_fan_in_square_kernel": 'Likely bug: fan_in uses kh * kh',
    "init_copied_from_linear": "Likely bug: this is Linear's U(-1/sqrt(fan_in), 1/sqrt(fan_in))",
    "conv_loop_bounds_swapped": INDEX_HINT,
    "conv_kernel_extents_swapped": INDEX_HINT,
    "conv_strides_swapped": INDEX_HINT,
    "conv_kernel_transposed": INDEX_HINT,
    "conv_column_stride_forgotten": 'Likely bug: the column stride is missing',
    "conv_kernel_flipped": 'Likely bug: the kernel is flipped',
    "conv_missing_bias": 'Likely bug: the bias is never added',
    "conv_bias_per_input_channel": 'Likely bug: the bias is added once per input channel',
    "conv_unpadded_input": 'Likely bug: x is read where x_pad belongs',
    "maxpool_start_at_zero": 'Likely bug: the running maximum starts at 0',
    "maxpool_zero_padding": 'Likely bug: the padding is 0',
    "maxpool_window_transposed": 'Likely bug: the window is kw rows by kh columns',
    "maxpool_strides_swapped": INDEX_HINT,
    "avgpool_exclude_pad": 'Likely bug: the mean is taken over the real cells only',
    "avgpool_divide_kh_squared": 'Likely bug: the window sum is divided by kh * kh',
    "avgpool_extents_swapped": 'Likely bug: the window is kw rows by kh columns',
    "rf_stops_at_relu": 'Likely bug: the loop stops at the first layer without kernel_size',
    "rf_jump_not_accumulated": "Likely bug: the jump is this layer's stride only",
    "rf_multiplies_kernels": 'Likely bug: the kernel sizes are multiplied',
    "rf_jump_before_field": "Likely bug: the jump is multiplied by this layer's stride before",
    "rf_axes_swapped": 'Likely bug: height and width are swapped',
    "rf_convs_only": 'Likely bug: only Conv2d layers count',
    "rf_adds_padding": 'Likely bug: padding widens the field',
    "conv_back_grad_x_assign": 'Likely bug: only cells that several windows reach are wrong',
    "conv_back_padding_not_cropped": 'Likely bug: grad_x still holds the padding',
    "conv_back_grad_w_assign": "Likely bug: grad_w holds only the last position's term",
    "conv_back_bias_mean_over_batch": 'Likely bug: grad_b is divided by the batch size',
    "conv_back_no_bias_grad": 'Likely bug: grad_b is zero',
    "conv_back_flipped_kernel": 'Likely bug: grad_x is scattered with the flipped kernel',
    "conv_back_strides_swapped": INDEX_HINT,
    "conv_back_empty_tuple_unless_plain": "returned 0 values, expected a tuple of 3 arrays: return grad_x, grad_w, grad_b",
    "conv_back_crop_negative_index": 'Likely bug: grad_x is empty',
    "conv_back_crop_axes_swapped": 'Likely bug: the padding is cut off with the axes swapped',
    "conv_back_grad_w_from_unpadded_x": 'Likely bug: grad_w is taken from x at padded coordinates',
    "maxpool_back_last_max": 'Likely bug: a tie goes to the last maximum',
    "maxpool_back_all_tied": 'Likely bug: every tied maximum gets the whole gradient',
    "maxpool_back_assign": 'Likely bug: only cells that several windows reach are wrong',
    "maxpool_back_unravel_swapped": MAXPOOL_SPLIT_HINT,
    "maxpool_back_divmod_by_kh": MAXPOOL_SPLIT_HINT,
    "maxpool_back_zero_padding": 'Likely bug: the maximum is searched in a zero-padded input',
    "maxpool_back_column_major_ties": 'Likely bug: ties are broken in column-major order',
    "maxpool_back_best_starts_at_zero": 'Likely bug: the running maximum starts at 0',
    "avgpool_back_exclude_pad": 'Likely bug: the gradient is shared over the real cells only',
    "avgpool_back_assign": 'Likely bug: only cells that several windows reach are wrong',
    "avgpool_back_not_divided": "Likely bug: every cell gets the window's whole gradient",
    "avgpool_back_extents_swapped": INDEX_HINT,
    "avgpool_back_crop_axes_swapped": 'Likely bug: the padding is cut off with the axes swapped',
    "conv_if_bias_truthiness": "Likely bug: an array stands where Python needs True or False: `if bias:`",
    "conv_weight_in_out": "not weight[ci, co, ki, kj]",
    "conv_channels_stop_at_min": "Likely bug: the input channels stop at min(C_in, C_out)",
    "rf_ignores_stride": "Likely bug: the strides are ignored",
    "rf_adds_whole_kernel": "Likely bug: each layer adds its whole kernel size",
    "maxpool_back_no_window_offset": "Likely bug: the gradient goes to the winner's place inside the window",
    "conv_back_bias_all_channels": "Likely bug: grad_b sums over the output channels too",
    "maxpool_reads_x": "Likely bug: x is read where x_pad belongs",
    "avgpool_floor_division": "Likely bug: the mean is rounded down",
    "avgpool_stride_is_kernel": "Likely bug: the windows step by the kernel size instead of the stride",
    "conv_back_grad_x_stride_forgotten": "Likely bug: the stride is missing where grad_x is scattered",
    "conv_back_bias_per_kernel_cell": "Likely bug: grad_b is added once per kernel cell",
    "conv_back_grad_w_mean_over_batch": "Likely bug: grad_w is divided by the batch size",
    "maxpool_back_ties_split": "Likely bug: tied maxima share the gradient",
    "maxpool_back_stride_forgotten": "Likely bug: the stride is missing where the gradient goes",
    "maxpool_back_grad_times_max": "Likely bug: the gradient is multiplied by the maximum",
    "avgpool_back_stride_forgotten": "Likely bug: the stride is missing where the gradient goes",
    "avgpool_back_divides_grad_out_in_place": "Likely bug: your function writes into an array it was given",
    "rf_returns_a_list": "it returns a tuple (height, width)",
    "output_size_rounded": "Likely bug: the division is rounded to the nearest",
    "output_size_padding_on_the_count": "Likely bug: the padding is added to the count",
    "output_size_no_parentheses": "Likely bug: the parentheses are missing",
    "conv_stride_on_kernel_index": "Likely bug: the stride is applied to the kernel index too",
    "conv_bias_per_kernel_cell": "Likely bug: the bias is added once per kernel cell",
    "conv_total_not_reset": "Likely bug: the running total is not reset",
    "maxpool_window_one_short": "Likely bug: the window is one row and one column short",
    "avgpool_back_crop_one_end": "Likely bug: the padding is cut off at one end only",
    "maxpool_stride_forgotten": "Likely bug: the stride is missing",
    "avgpool_stride_forgotten": "Likely bug: the stride is missing",
    "conv_loops_stop_one_early": "Likely bug: the last output row or column is never written",
    "conv_no_return": "returned None, expected an array of shape (1, 1, 2, 2). Likely bug: the function ends without "
                      "returning its result",
    "conv_back_returns_grad_w_first": "Likely bug: the gradients come back in another order: return grad_x, grad_w, grad_b",
    "avgpool_divide_precedence": "Python reads as (sum / kh) * kw",
    "avgpool_back_divide_precedence": "(grad / kh * kw is read as (grad / kh) * kw",
    "conv_back_grad_b_assign": "Likely bug: grad_b keeps only the last term",
    "avgpool_back_window_at_x_coordinates": "Likely bug: the gradient lands ph rows and pw columns too far up and left",
    "maxpool_back_crop_axes_swapped": "Likely bug: the padding is cut off with the axes swapped",
    "maxpool_back_unpad_ph_both": INDEX_HINT,
    "maxpool_best_starts_at_corner": "Likely bug: the running maximum is not reset",
    "maxpool_back_best_starts_at_corner": "Likely bug: the running maximum is not reset",
    "rf_unpacks_pairs": "a kernel_size or stride may be a plain int",
    "rf_int_kernel_but_pair_stride": "a kernel_size or stride may be a plain int",
    "rf_isinstance_three_classes": "a kernel_size or stride may be a plain int",
    "rf_by_class_name": "a kernel_size or stride may be a plain int",
    "output_size_same_padding_shortcut": "Likely bug: a shortcut for padding = kernel // 2",
    "init_fan_in_dilated_span": "Likely bug: fan_in counts the cells the dilated kernel spans",
    "init_shape_dilated_span": "Likely bug: the weight covers the dilated kernel's span",
    "init_bias_per_group": "Likely bug: the bias has one number per output channel of a group",
    "avgpool_divides_by_stride_area": "divided by the stride's area, sh * sw",
    "avgpool_prod_of_kernel_argument": "np.prod(kernel_size) of a plain int kernel_size",
    "avgpool_back_share_by_stride_area": "divided by the stride's area, sh * sw",
    "avgpool_back_prod_of_kernel_argument": "np.prod(kernel_size) of a plain int kernel_size",
    # round twenty-seven's second hunt: the zero-skip has its likely bug; the others' messages name the input that
    # shows them (no diagnosis replays a truthiness test or a tolerance)
    "maxpool_skips_zero_as_padding": "Likely bug: a 0 in x is skipped as if it were padding",
    "maxpool_best_none_truthiness": "of negatives and zeros",
    "maxpool_back_skips_zero_as_padding": "Likely bug: a 0 in x is skipped as if it were padding",
    "maxpool_back_best_none_truthiness": "Likely bug: a 0 in x is skipped as if it were padding (or no value yet)",
    "maxpool_back_isclose_first": "on ties (the first maximum in row-major order gets the gradient)",
    "maxpool_back_tolerance_compare": "on ties (the first maximum in row-major order gets the gradient)",
    "maxpool_sentinel_big_negative": "Likely bug: the running maximum starts at a finite number (-1e+09)",
    "maxpool_back_sentinel_big_negative": "Likely bug: the running maximum starts at a finite number (-1e+09)",
    "maxpool_back_adds_inside_if": 'Likely bug: the gradient is added inside `if v > best:`',
    "maxpool_back_best_reset_per_row": "started again inside the loop over the kernel's rows",
    "maxpool_best_reset_per_row": "started again inside the loop over the kernel's rows",
    "avgpool_total_reset_per_row": "started again inside the loop over the kernel's rows",
    "conv_total_reset_per_channel": 'started again inside the loop over the input channels',
    "conv_out_write_after_j": 'sits after the loop over j',
    "conv_back_grad_b_after_j": 'sits after the loop over j',
    "maxpool_back_columns_by_sh": 'Likely bug: the column stride is sh',
    "avgpool_columns_by_sh": 'Likely bug: the column stride is sh',
    "avgpool_back_columns_by_sh": 'Likely bug: the column stride is sh',
    "output_size_torch_formula_no_minus1": "PyTorch's formula lost its - 1",
    "output_size_minus_one_extra": '(size + 2 * padding - kernel - 1) // stride + 1',
    "init_channels_divided_with_slash": 'divide with //',
    "conv_imports_numpy_inside": 'import at the top of the module',
    "rf_skips_pointwise_layers": "MaxPool 1/s2",
    "rf_skips_unit_axis": "MaxPool 1/s2",
    "rf_empty_list_zero": "no kernel_size (or no layer): (1, 1)",
    "conv_back_grad_b_last_image": "Likely bug: grad_b holds the last image's sum only",
    "conv_back_grad_w_last_image": "Likely bug: grad_w holds the last image's sum only",
    "init_glorot_normal": "Likely bug: the std is sqrt(2 / (fan_in + fan_out))",
    "init_xavier_uniform": "Likely bug: the std is sqrt(2 / (fan_in + fan_out))",
    "init_lecun": "Likely bug: the std is sqrt(1 / fan_in)",
    "init_sqrt2_over_fan_in": "Likely bug: the std is sqrt(2) / fan_in",
    "conv_bias_twice": "Likely bug: the bias is added twice",
    "conv_bias_on_whole_plane": "Likely bug: the bias is added to the whole output plane at every position",
    "conv_back_factors_swapped": "Likely bug: grad_x and grad_w take each other's factor",
    "conv_back_crop_end_without_padding": "Likely bug: the crop ends ph rows and pw columns short",
    "maxpool_back_grad_x_at_padded_coordinates": "Likely bug: the gradient lands ph rows and pw columns too far down and right",
    "maxpool_back_reads_x": "read each window from x_pad, the padded copy (x itself is smaller)",
    "avgpool_back_crop_end_without_padding": "Likely bug: the crop ends ph rows and pw columns short",
    "init_fan_in_from_argument": "Likely bug: kernel_size is read as given, and it may be a plain int",
    "init_shape_from_argument": "raised TypeError: Value after * must be an iterable, not int. Likely bug: kernel_size "
                                "is read as given, and it may be a plain int",
    "init_bias_row": "Likely bug: the bias is shaped to broadcast",
    "init_bias_broadcastable": "Likely bug: the bias is shaped to broadcast",
    "conv_reads_output_channel": "x_pad[n, ci, ...], not x_pad[n, co, ...]",
    "maxpool_stride_is_kernel": "window starts step by the stride, not by the kernel size",
    "avgpool_stride_on_kernel_index": "Likely bug: the stride is applied to the kernel index too",
    "avgpool_divides_by_len": "Likely bug: the window sum is divided by kh only: len(window)",
    "rf_forgets_avgpool": "Likely bug: AvgPool2d layers are skipped",
    "rf_starts_at_zero": "Likely bug: the field starts at 0",
    "rf_walks_backwards": "Likely bug: the layers are walked from the last to the first",
    "conv_back_grad_x_at_padded_coordinates": "Likely bug: the gradient lands ph rows and pw columns too far down and right",
    "conv_back_kernel_transposed_in_w": "Likely bug: grad_w's kernel row and column are swapped",
    "avgpool_back_share_by_kh": "Likely bug: each cell's share is the gradient divided by kh * kh",
    "output_size_true_division": "Likely bug: / gives a float",
    "output_size_np_floor": "Likely bug: / gives a float",
    "maxpool_stride_on_kernel_index": INDEX_HINT,
    "conv_back_grad_x_unpadded_wraps": INDEX_HINT,
    "conv_back_grad_b_wrong_axes": "Likely bug: grad_b sums over the output channels too",
    "maxpool_back_not_cropped": "Likely bug: grad_x still holds the padding",
    "avgpool_back_not_cropped": "Likely bug: grad_x still holds the padding",
    "output_size_stride_ignored": "Likely bug: the stride is ignored",
    "output_size_padding_subtracted": "Likely bug: the padding is subtracted",
    "init_fan_in_counts_out_channels": "Likely bug: fan_in counts every weight of the layer",
    "init_fan_in_kernel_only": "Likely bug: fan_in counts one kernel's cells only",
    "init_bias_per_input_channel": "Likely bug: the bias has one number per input channel",
    "conv_negative_index_wraps": "Likely bug: a negative index reads from the other end",
    "conv_bias_by_input_channel": "Likely bug: the bias is indexed by the input channel",
    "conv_out_channels_from_axis_1": "Likely bug: the output channels stop at C_in",
    "conv_back_bias_per_input_channel": "Likely bug: grad_b is added once per input channel",
    "maxpool_window_one_long": "Likely bug: the window is one row and one column too long",
    "maxpool_best_not_reset": "Likely bug: the running maximum is not reset for each output position",
    "maxpool_loops_stop_one_early": "Likely bug: the last output row or column is never written",
    "avgpool_total_not_reset": "Likely bug: the running total is not reset for each output position",
    "avgpool_divides_x_pad_in_place": "Likely bug: the window is divided in place",
    "avgpool_negative_index_wraps": "a negative index reads from the other end",
    "maxpool_back_position_not_updated": "Likely bug: the winner's place is never updated",
    "maxpool_back_best_not_reset": "the running maximum is not reset for each output position",
    "maxpool_back_loops_stop_one_early": "Likely bug: the last output row or column's gradient is never passed back",
    "avgpool_back_loops_stop_one_early": "Likely bug: the last output row or column's gradient is never passed back",
    "rf_adds_this_layers_stride": "Likely bug: each layer adds (k - 1) times its own stride",
    "rf_output_formula_forwards": "r = (r - 1) * s + k, applied from the first layer to the last, does the same",
    "rf_height_for_both": "Likely bug: the width is computed as the height",
}

# Wrong versions that are right in value but compute every output position at once: their
# item's message must say that the exercise must loop over output positions.
# Failures that would mean the wrong version's code is itself broken, not caught by the check.
BROKEN_SUBMISSION = ("NameError", "UnboundLocalError", "SyntaxError", "is not defined", "could not be exported")
UNBOUND_ON_PURPOSE = {"conv_imports_numpy_inside"}  # its bug is the UnboundLocalError: np made local by an import

LOOPS_MUST_BE_LOOPS = {name for name, (_, bug) in TABLE.items() if bug.startswith("loops must be loops")}


@dataclass
class Graded:
    names: tuple[str, ...]        # the wrong versions in this notebook
    report: grade.Report


def reach() -> dict[str, set[str]]:
    """graded item -> the exercises it calls (traced against the reference)."""
    return subs.exercises_called()


def exercise_of(name: str) -> str:
    return WRONG[name][0]


def conflict(a: str, b: str, reaches: dict[str, set[str]]) -> bool:
    """Whether wrong versions a and b could change one item's verdict together."""
    ea, eb = exercise_of(a), exercise_of(b)
    return ea == eb or any(ea in called and eb in called for called in reaches.values())


def plan(names, reaches) -> list[tuple[str, ...]]:
    """First-fit batches of mutually independent wrong versions."""
    batches: list[list[str]] = []
    for name in names:
        home = next((b for b in batches if not any(conflict(name, other, reaches) for other in b)), None)
        if home is None:
            batches.append([name])
        else:
            home.append(name)
    return [tuple(b) for b in batches]


def grade_notebook(nb, folder: Path, label: str) -> grade.Report:
    path = folder / f"{label}.ipynb"
    path.write_bytes(notebooks.notebook_bytes(nb))
    return grade.grade_submission(subs.MODULE, path, paths.package_dir(), LIMITS)


def grade_wrong_versions(folder: Path, names=None) -> dict[str, Graded]:
    reaches = reach()
    results = {}
    for index, batch in enumerate(plan(list(names or TABLE), reaches)):
        bodies = {exercise_of(name): WRONG[name][1] for name in batch}
        graded = Graded(batch, grade_notebook(subs.build(bodies), folder, f"wrong{index:02d}"))
        results.update({name: graded for name in batch})
    return results


def lost_points(name: str, graded: Graded, reaches: dict[str, set[str]]) -> float:
    """Points lost on the items that call this wrong version's exercise."""
    return sum(item.points_possible - item.points_earned for item in graded.report.items
               if exercise_of(name) in reaches[item.id])


def points_table(results: dict[str, Graded]) -> str:
    reaches = reach()
    rows = []
    for name, graded in results.items():
        maximum = graded.report.maximum
        got = maximum - lost_points(name, graded, reaches)
        rows.append(f"{name:<36} {exercise_of(name):<26} {got:g} / {maximum:g}   {TABLE[name][1]}")
    return "\n".join(["wrong version                        exercise                   points     bug", *rows])


# ---------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def wrong_results(tmp_path_factory) -> dict[str, Graded]:
    return grade_wrong_versions(tmp_path_factory.mktemp("wrong09"))


@pytest.fixture(scope="module")
def reaches() -> dict[str, set[str]]:
    return reach()


# ---------------------------------------------------------------------------- the table itself

def test_table_matches_the_submissions_and_the_graded_items():
    exercises = set(subs.stubs())
    graded_ids = {cell.cell_id for cell in subs.graded_cells()}
    assert set(TABLE) == set(WRONG), set(TABLE) ^ set(WRONG)
    assert set(ITEMS) == exercises, f"exercises in src: {sorted(exercises)}; ITEMS names {sorted(ITEMS)}"
    assert set().union(*ITEMS.values()) == graded_ids, f"graded items in src: {sorted(graded_ids)}"
    for name, (items, bug) in TABLE.items():
        assert items and items <= ITEMS[exercise_of(name)], (name, items)
        assert bug, name
    assert set(HINTS) == set(TABLE) - LOOPS_MUST_BE_LOOPS, set(HINTS) ^ (set(TABLE) - LOOPS_MUST_BE_LOOPS)
    # Every exercise has wrong versions, and the loop exercises have a loops-must-be-loops one.
    assert {exercise_of(name) for name in TABLE} == exercises
    assert len(TABLE) >= 30
    for exercise in ("conv2d_loops", "conv2d_backward_loops", "maxpool2d_loops", "maxpool2d_backward_loops",
                     "avgpool2d_loops", "avgpool2d_backward_loops"):
        assert any(exercise_of(name) == exercise for name in LOOPS_MUST_BE_LOOPS), exercise


def test_filled_with_the_reference_the_student_notebook_is_the_reference_notebook():
    """The filling machinery itself: stubs filled with src's solutions give back the reference, but for
    the graded cells' hidden tests, which a student's notebook never holds (the grader runs src's).
    (Built from the student notebook src generates; the drift test compares it with the committed one.)"""
    built = subs.build(student=notebooks.student_notebook(subs.MODULE.src))
    reference = notebooks.reference_notebook(subs.MODULE.src)
    assert [cell.source for cell in built.cells] == [notebooks.strip_hidden_tests(cell.source) for cell in reference.cells]
    assert [cell.source for cell in built.cells] != [cell.source for cell in reference.cells]   # six cells had some


# ---------------------------------------------------------------------------- the grades

@pytest.mark.parametrize("name", list(TABLE))
def test_wrong_version_loses_points(name, wrong_results, reaches):
    graded = wrong_results[name]
    report, table = graded.report, grade.format_report(graded.report)
    assert report.error is None, report.error
    by_id = {item.id: item for item in report.items}
    must_lose, bug = TABLE[name]
    for item_id in must_lose:
        item = by_id[item_id]
        assert item.status != "pass" and item.points_earned == 0, \
            f"{name} ({bug}) keeps the points of {item_id}:\n{table}"
        # Lost to the bug, not to a broken submission (a name the given code does not define).
        assert name in UNBOUND_ON_PURPOSE or not any(broken in item.message for broken in BROKEN_SUBMISSION), \
            f"{name} fails {item_id} for a reason unrelated to its bug: {item.message}"
    assert report.maximum - lost_points(name, graded, reaches) < report.maximum
    # No other wrong version in the same notebook can have caused this item's failure, and the
    # items that reach none of them still pass (the batching is sound).
    wrong_here = {exercise_of(other) for other in graded.names}
    for item in report.items:
        if not wrong_here & reaches[item.id]:
            assert item.status == "pass", f"{item.id} calls none of {sorted(wrong_here)} but failed:\n{table}"
    if name in HINTS:
        for item_id in must_lose:
            message = by_id[item_id].message
            assert HINTS[name] in message, f"{name} ({bug}): {item_id} must say {HINTS[name]!r}; it says: {message}"
    if name in LOOPS_MUST_BE_LOOPS:
        function = exercise_of(name)
        for item_id in must_lose:
            message = by_id[item_id].message
            assert function in message and "loop" in message and "position" in message, \
                f"{item_id} must say that {function} has to loop over output positions; it says: {message}"


def test_independent_correct_set_scores_full_marks(tmp_path):
    assert set(CORRECT) == set(subs.stubs()), "the correct set must write every exercise"
    report = grade_notebook(subs.build(CORRECT), tmp_path, "correct")
    assert report.error is None and report.total == report.maximum > 0, grade.format_report(report)


def test_reference_solutions_in_the_student_notebook_score_full_marks(tmp_path):
    report = grade_notebook(subs.build(), tmp_path, "reference")
    assert report.error is None and report.total == report.maximum > 0, grade.format_report(report)


def test_blank_student_notebook_scores_zero(tmp_path):
    report = grade_notebook(subs.read_student_notebook(), tmp_path, "blank")
    assert report.error is None and report.total == 0 < report.maximum, grade.format_report(report)
    assert all(item.status != "pass" for item in report.items)


def test_tito_grade_command_line_names_the_loop_rule(tmp_path, capsys):
    """The same through `tito grade 09 NB --json R`, as an instructor runs it: a conv2d_loops that
    calls the fast path loses exactly that item, and the printed table says why."""
    exercise, body = WRONG["conv_calls_fast_path"]
    path = tmp_path / "fast_path.ipynb"
    path.write_bytes(notebooks.notebook_bytes(subs.build({exercise: body})))
    code = main.main(["grade", "09", str(path), "--json", str(tmp_path / "report.json"), "--timeout", "60"])
    out = capsys.readouterr().out
    report = json.loads((tmp_path / "report.json").read_text())
    assert code == 0, out
    lost = {test["id"] for test in report["tests"] if test["points_earned"] < test["points_possible"]}
    assert lost == {"test-conv2d-loops"}, out
    assert report["total"] == report["max"] - next(t["points_possible"] for t in report["tests"] if t["id"] in lost)
    assert re.search(r"^test-conv2d-loops\s+0/\d+\s+fail\s+.*must loop over", out, re.MULTILINE), out


def test_points_table(wrong_results, capsys):
    table = points_table(wrong_results)
    with capsys.disabled():
        print("\n" + table)
    assert table.count("\n") == len(TABLE)


def test_a_conv_output_size_bug_costs_exercise_1_alone(reaches):
    """The given code computes output sizes itself (issue 21): no other graded item calls the
    student's conv_output_size, so a slip there cannot cost seven exercises."""
    assert {item for item, called in reaches.items() if "conv_output_size" in called} == {"test-conv-output-size"}
