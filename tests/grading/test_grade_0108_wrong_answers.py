"""Graded checks of modules 01-08 against plausible student answers, under the real autograder.

Every file in submissions_0108/NN_name/ holds functions and methods written the way a student
might write them. `apply_submission` puts them into the module's reference notebook in place of
the reference definitions (a method goes inside its class); helpers the file adds that the
notebook does not have are added to the cell of the first replaced definition. The notebook is
then graded by `tito grade`'s own code (tito_helpers.grade_notebook).

- WRONG: each wrong answer must lose exactly the graded items listed (so the table below says
  which check catches which bug); everything else still passes.
- CORRECT: answers in another style than the reference must score full marks (slow: with module 09's honest
  styles, in README line 2's second run).
- GRAPH_LOST_04: module 04's answers with the right values and no graph, which module 04 (values
  only) cannot see: module 06's check of the losses' gradients must catch each of them.

Run with `-s` to see "module/answer -> points got/max" for each one.
"""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from tito_helpers import FAST, by_number, grade_notebook, reference_notebook, write_nb
from tito import cells, export, paths
from tito.grading import grade
from tito.grading.limits import Limits

SUBMISSIONS = Path(__file__).parent / "submissions_0108"

# (module number, answer file stem) -> (graded items that must lose points, what the answer gets wrong)
WRONG = {
    ("06", "sum_backward_membership_shape"): ({"test-autograd-matmul-sum-rules"}, "sum_backward rebuilds the shape by "
                                                                                "`i in axes`: a negative axis never matches"),
    ("06", "backward_frees_graph"): ({"test-autograd-backward"}, "backward sets tensor._ctx = None as it goes: a second "
                                                                 "backward through the same graph stops short"),
    ("06", "backward_own_unbroadcast"): ({"test-autograd-backward"}, "backward calls unbroadcast, not _reduce_input_grad: "
                                                                     "read-only, shared leaf gradients"),
    ("06", "bfs_order"): ({"test-autograd-graph", "test-autograd-long-chain", "test-autograd-losses"},
                          "topological_order by breadth-first search from the root"),
    ("06", "recursive_dfs"): ({"test-autograd-long-chain"},
                              "recursive depth-first topological_order (RecursionError past 1000 deep)"),
    ("06", "per_path_backward"): ({"test-autograd-long-chain", "test-autograd-nested-diamonds"},
                                  "backward recurses along every path instead of a topological order"),
    ("06", "overwrite_grads"): ({"test-autograd-backward", "test-autograd-graph", "test-autograd-long-chain",
                                 "test-autograd-nested-diamonds", "test-autograd-losses"},
                                "backward stores an input's gradient instead of adding it (x used twice)"),
    ("06", "grads_to_constants"): ({"test-autograd-backward"},
                                   "backward gives a .grad to inputs with requires_grad=False"),
    ("06", "matmul_dot_T"): ({"test-autograd-matmul-sum-rules"},
                             "matmul_backward transposes with .T (all axes of a batch)"),
    ("06", "sum_no_expand"): ({"test-autograd-matmul-sum-rules"},
                              "sum_backward multiplies grad by ones(a.shape) without putting the summed axis back "
                              "(H25: the graph check ran sum_backward too and also lost its 8 points)"),
    # H32: test-autograd-backward broadcasts by adding leading axes only (the engine's part is to call
    # _reduce_input_grad, which a probe checks); a stretched axis is unbroadcast's own item (and the losses').
    ("06", "unbroadcast_leading_only"): ({"test-autograd-unbroadcast", "test-autograd-losses"},
                                         "unbroadcast sums the added leading axes only, not the stretched ones "
                                         "(before H32 also test-autograd-backward)"),
    ("06", "unbroadcast_no_keepdims"): ({"test-autograd-unbroadcast", "test-autograd-losses"},
                                        "unbroadcast sums stretched axes without keepdims (H31: 32/48, also the backward item)"),
    # Round twenty-two: numpy lines shapes up from the right, so the axes broadcasting adds are the leading ones.
    ("06", "unbroadcast_sums_last_axes"): ({"test-autograd-unbroadcast", "test-autograd-backward"},
                                           "unbroadcast sums the extra axes at the end (axis=-1), not the leading ones "
                                           "(the losses' broadcasts never add an axis to a non-scalar: they keep it)"),
    ("06", "sub_sign_forgotten"): ({"test-autograd-elementwise-rules", "test-autograd-losses"},
                                   "sub_backward returns (grad, grad) (H31: 19/48, five items, hint 'swapped'; the engine's "
                                   "checks now compute x - y as x + (-1.0) * y when sub's rule is wrong; the losses run sub)"),
    ("06", "sub_sign_and_inputs_reversed"): ({"test-autograd-elementwise-rules", "test-autograd-backward",
                                              "test-autograd-graph", "test-autograd-long-chain", "test-autograd-losses"},
                                             "sub_sign_forgotten and inputs_reversed together: the engine's checks "
                                             "without sub still see the pairing"),
    ("06", "topo_root_first"): ({"test-autograd-backward", "test-autograd-graph", "test-autograd-long-chain",
                                 "test-autograd-nested-diamonds", "test-autograd-losses"},
                                "topological_order returns the root first (H31: 'TypeError: ... NoneType' messages)"),
    ("06", "no_unbroadcast_in_backward"): ({"test-autograd-backward", "test-autograd-losses"},
                                           "backward adds the rules' gradients without _reduce_input_grad (H31: "
                                           "'ValueError: cannot reshape array of size 4 into shape (2,)')"),
    ("06", "sum_reshape_int_axis"): ({"test-autograd-matmul-sum-rules"},
                                     "sum_backward sets shape[axis] = 1: fails for a tuple of axes (H31: a bare TypeError)"),
    ("06", "sigmoid_uses_input"): ({"test-autograd-activation-rules"},
                                   "sigmoid_backward computes s (1 - s) from the input x instead of the output"),
    ("06", "relu_ge_zero"): ({"test-autograd-activation-rules"}, "relu_backward lets the gradient through at x = 0"),
    ("06", "tanh_no_square"): ({"test-autograd-activation-rules"}, "tanh_backward as grad * (1 - out), the square forgotten"),
    ("06", "pow_guarded_out_over_a"): ({"test-autograd-elementwise-rules"},
                                       "pow_via_out_over_a with the slope at a = 0 set to 0 (H10: full marks while the "
                                       "check used a ** 2 only; a ** 1 has slope 1 there)"),
    ("06", "exp_no_tuple"): ({"test-autograd-elementwise-rules", "test-autograd-losses"},
                             "exp_backward returns grad * out, not the 1-tuple (grad * out,) (H25: 'returned 2 gradients', "
                             "23/48; the losses run exp, the other engine items no longer do)"),
    ("06", "mul_swapped"): ({"test-autograd-elementwise-rules", "test-autograd-losses"},
                            "mul_backward returns (grad * a, grad * b), the operands swapped (H25: 19/48, five items, the "
                            "graph check blaming the topological order; the losses run mul)"),
    ("06", "relu_no_tuple"): ({"test-autograd-activation-rules"}, "relu_backward returns an array, not a 1-tuple"),
    # H28: the engine checks built of additions alone (add_backward's two gradients are the same) gave these
    # 42, 42 and 28 of 48; with sub in them, and an odd number of diamonds, the engine items catch them again.
    ("06", "first_grad_to_all"): ({"test-autograd-backward", "test-autograd-graph", "test-autograd-long-chain",
                                   "test-autograd-losses"}, "backward hands every input the rule's first gradient"),
    ("06", "inputs_reversed"): ({"test-autograd-backward", "test-autograd-graph", "test-autograd-long-chain",
                                 "test-autograd-losses"}, "backward pairs the inputs with the gradients in reverse order"),
    ("06", "grad_of_output_to_inputs"): ({"test-autograd-backward", "test-autograd-graph", "test-autograd-long-chain",
                                          "test-autograd-nested-diamonds", "test-autograd-losses"},
                                         "backward never calls the rules: each input gets the output's gradient"),
    ("06", "pow_no_tuple"): ({"test-autograd-elementwise-rules"}, "pow_backward returns an array, not a 1-tuple"),
    ("06", "pow_via_out_over_a"): ({"test-autograd-elementwise-rules"},
                                   "pow_backward as exponent * out / a: nan at a = 0 (H9: full marks while the check used a > 0 only)"),
    # H41: slips in the rules that lost their item with no hint (the elementwise ones that the losses run cost
    # that item too, told to fix the rule first).
    ("06", "exp_forgets_grad"): ({"test-autograd-elementwise-rules", "test-autograd-losses"},
                                 "exp_backward returns (out,), the incoming grad not multiplied in (H41: no hint)"),
    ("06", "log_over_out"): ({"test-autograd-elementwise-rules", "test-autograd-losses"},
                             "log_backward divides by out instead of a (H41: no hint)"),
    ("06", "div_b_not_squared"): ({"test-autograd-elementwise-rules"}, "div_backward's b gradient -grad * a / b (H41: no hint)"),
    ("06", "pow_no_parentheses"): ({"test-autograd-elementwise-rules"},
                                   "pow_backward as grad * exponent * a ** exponent - 1 (H41: no hint)"),
    ("06", "matmul_no_transpose"): ({"test-autograd-matmul-sum-rules"},
                                    "matmul_backward as grad @ b, a @ grad (H41: a bare numpy ValueError)"),
    ("06", "matmul_grads_swapped"): ({"test-autograd-matmul-sum-rules"},
                                     "matmul_backward returns (a^T @ grad, grad @ b^T), swapped (H41: shapes, no hint)"),
    ("06", "sigmoid_of_out"): ({"test-autograd-activation-rules"},
                               "sigmoid_backward applies sigmoid to out again (H41: no hint)"),
    ("06", "tanh_of_out"): ({"test-autograd-activation-rules"}, "tanh_backward as 1 - tanh(out) ** 2 (H41: no hint)"),
    # H41: the checks that run a model (module tree, backward) take the layers in turn themselves when Sequential
    # does not chain them, and run the nested model only when Dropout's eval mode is right; the independence
    # check's bounds follow the fraction the layer drops.
    ("03", "linear_bias_as_row"): ({"test-linear"}, "the bias reshaped to (1, out_features): a single sample comes "
                                                   "out (1, out) (numpy's shape mismatch alone until round 27)"),
    ("03", "dropout_eval_copy"): ({"test-layers-backward"}, "Dropout not training (or p = 0) returns a copy of x's "
                                                            "data: no graph back to x"),
    ("03", "sequential_not_chained"): ({"test-sequential-flatten"}, "Sequential applies every layer to x "
                                                                    "(H41: 23/42, three items)"),
    ("03", "sequential_calls_forward"): ({"test-sequential-flatten"},
                                         "Sequential calls layer.forward(x): fails for a plain function layer, which "
                                         "the constructor accepts (H53: full marks; tito test 03 caught it)"),
    ("03", "dropout_ignores_eval"): ({"test-dropout"}, "Dropout drops in eval mode too (H41: 31/42, also the module tree)"),
    ("03", "dropout_keeps_p"): ({"test-dropout"}, "Dropout keeps where u < p (H41: 33/42, the independence item "
                                                  "blamed one draw per row)"),
    ("03", "dropout_scales_by_keep"): ({"test-dropout"}, "Dropout multiplies the survivors by 1 - p (H41: no hint)"),
    ("03", "flatten_all_after_first"): ({"test-sequential-flatten"}, "Flatten as x.reshape(x.shape[0], -1) (H41: "
                                                                     "'check failed: ...')"),
    ("03", "linear_bound_out_features"): ({"test-linear", "test-linear-seed"},
                                          "Linear's bound 1/sqrt(out_features) (H41: 'check failed: ...')"),
    ("03", "linear_no_bias"): ({"test-linear", "test-sequential-flatten", "test-layers-backward"},
                               "Linear.forward returns x @ W.T without the bias"),
    ("03", "lists_only"): ({"test-module-parameters", "test-module-tree"},
                           "named_parameters opens lists but skips sub-modules held directly as attributes"),
    ("03", "no_dedup"): ({"test-module-parameters"}, "named_parameters lists a shared tensor twice"),
    ("03", "no_tuples"): ({"test-module-tree"}, "named_parameters walks __dict__ itself and opens lists but not tuples"),
    ("03", "one_level"): ({"test-module-parameters", "test-module-tree"},
                          "named_parameters looks one level into sub-modules, not recursively"),
    ("03", "linear_numpy_forward"): ({"test-layers-backward"}, "Linear.forward computes on .data and wraps a new Tensor (graph lost)"),
    ("03", "linear_np_random"): ({"test-linear-seed"}, "Linear draws its initial values from np.random, not get_rng()"),
    ("03", "linear_bias_first"): ({"test-linear-seed", "test-module-tree"}, "Linear draws the bias before the weight"),
    ("03", "linear_weight_in_out_T"): ({"test-linear-seed"}, "Linear draws the weight as (in, out) and transposes it "
                                                             "(H31: no hint, and the notebook did not say which shape)"),
    ("03", "dropout_row_mask"): ({"test-dropout", "test-dropout-independent"}, "Dropout draws one mask per feature, shared by the batch"),
    ("03", "dropout_in_place"): ({"test-dropout", "test-layers-backward"}, "Dropout scales the input's data in place and returns it"),
    ("03", "dropout_np_random"): ({"test-dropout"}, "Dropout draws its mask from np.random, not get_rng()"),
    # Round twenty-six: both scored 42/42 while test-dropout-independent's inputs were 2-D with rows,
    # columns and neighbours in a row checked, nothing across samples or inside an image's channel.
    ("03", "dropout_channel_mask"): ({"test-dropout-independent"}, "Dropout draws one coin per image and channel "
                                                                   "(Dropout2d's mask): a channel is dropped whole"),
    ("03", "dropout_pairs"): ({"test-dropout-independent"}, "Dropout draws one coin per element of each pair of "
                                                            "neighbouring samples"),
    # Round twenty-six's held-out hunt: each scored full marks before its check was widened.
    ("01", "matmul_dot_for_batches"): ({"test-tensor-matmul"}, "matmul by np.dot, batch pairs by a loop of np.dot: a "
                                                               "matrix @ a batch comes out (5, 4, 5), not (4, 5, 5)"),
    ("01", "matmul_einsum_no_left_vector"): ({"test-tensor-matmul"}, "matmul by einsum with a matrix @ vector case "
                                                                     "only: a vector on the left raises"),
    ("01", "matmul_vector_flatten"): ({"test-tensor-matmul"}, "a vector made a row or column, the product flattened "
                                                              "by reshape(-1): (3, 2, 4) @ (4,) came out (6,)"),
    ("01", "exp_clipped"): ({"test-tensor-arithmetic"}, "exp of the input clipped to [-88, 88]: float64 exp(100) "
                                                        "came out 1.65e38"),
    ("01", "log_eps"): ({"test-tensor-arithmetic"}, "log(x + 1e-12): float64 log(1e-300) came out -27.6"),
    # Round 28: numpy's bare "Not equal to tolerance" with no operation named, no likely bug.
    ("01", "mean_divides_by_first_axis"): ({"test-tensor-reductions"}, "mean divides by self.shape[0] whatever the axis"),
    ("01", "sum_ignores_axis"): ({"test-tensor-reductions"}, "sum adds every element, whatever the axis"),
    ("02", "softmax_transpose_for_dim0"): ({"test-activations-softmax"}, "Softmax along a dim other than the last by "
                                                                         ".T, softmax, .T: over axis 0 of a 3-D input"),
    ("02", "softmax_shift_by_mean"): ({"test-activations-softmax"}, "each row shifted by its mean, not its max: a row "
                                                                    "spread over 300 overflows (float32 e^150)"),
    ("03", "dropout_exact_count"): ({"test-dropout-independent"}, "Dropout drops exactly int(p * size) elements chosen "
                                                                  "at random: on (1, 3) always one"),
    ("05", "len_draws_an_epoch"): ({"test-dataloader-iter"}, "__len__ as len(self.batch_indices()): each len() draws "
                                                             "an epoch's order (told 'the same seed must give the same "
                                                             "order' with no cause until round 27)"),
    ("05", "drop_last_trim_before_shuffle"): ({"test-dataloader-batch-indices"},
                                              "with drop_last, N cut to whole batches before the shuffle: the last "
                                              "N % batch_size samples never come"),
    ("05", "fast_path_isinstance"): ({"test-dataloader-iter"}, "__iter__ takes the fast path on isinstance(dataset, "
                                                               "TensorDataset), slicing past a subclass's __getitem__"),
    ("05", "fast_path_hasattr"): ({"test-dataloader-iter"}, "__iter__ takes the fast path on hasattr(dataset, 'tensors'), "
                                                            "slicing past a subclass's __getitem__"),
    ("05", "loader_is_iterator"): ({"test-dataloader-iter"}, "__iter__ returns self with a __next__ on the loader: "
                                                             "zip(L, L) and nested loops share one position"),
    ("06", "leaf_grad_on_dispatch"): ({"test-autograd-backward"}, "backward writes .grad when it sends a gradient to a "
                                                                  "leaf and skips leaves in its walk: a leaf as the "
                                                                  "root keeps .grad None"),
    ("06", "topo_mark_on_push"): ({"test-autograd-graph", "test-autograd-losses"},
                                  "topological_order marks a tensor visited when it is pushed, not when it is "
                                  "expanded (42/48 before, the engine's own checks passing)"),
    ("06", "topo_reversed_preorder"): ({"test-autograd-backward", "test-autograd-graph", "test-autograd-long-chain",
                                        "test-autograd-nested-diamonds", "test-autograd-losses"},
                                       "topological_order as a depth-first preorder, reversed (every engine check; "
                                       "test-autograd-graph called it breadth-first before)"),
    ("04", "bce_machine_eps"): ({"test-bce"}, "eps = np.finfo(dtype).eps: float32's 1.2e-07 moves log(1e-06) by 0.11"),
    ("04", "ce_shift_by_row_mean"): ({"test-cross-entropy-stable"}, "each row shifted by its mean, not its max: "
                                                                    "exp(500) overflows in float32"),
    ("04", "bce_clip_in_place"): ({"test-bce"}, "BCE clips the probabilities in place (np.clip(..., out=input.data)): "
                                                "the caller's predictions change"),
    ("04", "mse_first_last_axis"): ({"test-mse"}, "MSELoss divides by input.shape[0] * input.shape[-1] (N x C), not "
                                                  "the number of elements"),
    ("07", "sgd_nesterov_adds_into_grad"): ({"test-zero-grad-skip"}, "Nesterov's grad += momentum * buf adds into "
                                                                     "param.grad itself (no weight decay: no copy)"),
    ("07", "zero_grad_resets_state"): ({"test-zero-grad-skip"}, "zero_grad() also empties the state: the velocity "
                                                                "restarts every batch"),
    ("07", "sgd_missing_grad_as_zero"): ({"test-zero-grad-skip"}, "SGD takes a missing gradient as zeros once the "
                                                                  "momentum buffer exists"),
    ("07", "sgd_skips_zero_grad"): ({"test-zero-grad-skip"}, "SGD skips an all-zero gradient like a missing one"),
    ("07", "sgd_tensor_buffer"): ({"test-optimizer-dtypes"}, "the momentum buffer kept as a Tensor in the state (the "
                                                             "message named the judge's handle class until round 27)"),
    ("07", "adam_eps_literal"): ({"test-adam-sparse"}, "Adam divides by sqrt(v_hat) + 1e-8, a literal, not self.eps"),
    ("07", "sgd_slice_assign"): ({"test-sgd"}, "SGD updates with param.data[:] = ...: IndexError on a 0-d parameter"),
    ("08", "accuracy_target_is_max"): ({"test-training-accuracy"}, "right when the target's score equals the row "
                                                                   "maximum: a tie is right for every tied class"),
    ("08", "accuracy_squeeze"): ({"test-training-accuracy"}, "np.squeeze decides: a batch of one (1, C) is taken for C "
                                                             "probabilities"),
    ("08", "train_mode_attribute"): ({"test-training-train-epoch"}, "train_epoch sets self.model.training = True "
                                                                    "instead of calling train(): a Dropout inside "
                                                                    "stays in eval mode"),
    ("08", "inline_argmax_hits"): ({"test-training-train-epoch", "test-training-evaluate"},
                                   "train_epoch and evaluate count hits with argmax(axis=1) instead of accuracy(): "
                                   "wrong for (N, 1) probabilities"),
    ("08", "accuracy_ge_half"): ({"test-training-accuracy"}, "accuracy thresholds probabilities with >= 0.5 where "
                                                             "the rule is > 0.5"),
    ("08", "eval_mode_attribute"): ({"test-training-evaluate"}, "evaluate sets and restores self.model.training by "
                                                                "assignment: a Dropout inside stays in training mode"),
    ("08", "eval_restores_mode_attribute"): ({"test-training-evaluate-restores"},
                                             "evaluate calls eval() but restores with self.model.training = "
                                             "was_training (caught before, without a hint)"),
    ("03", "flatten_numpy"): ({"test-layers-backward"}, "Flatten reshapes .data into a new Tensor (graph lost)"),
    ("04", "ce_sum_not_mean"): ({"test-cross-entropy", "test-cross-entropy-stable"},
                                "CrossEntropyLoss sums the samples' losses instead of averaging them"),
    ("04", "mse_per_sample"): ({"test-mse"}, "MSELoss sums the squares and divides by N, not N * C"),
    ("04", "ce_global_max"): ({"test-cross-entropy-stable"},
                              "CrossEntropyLoss shifts by the batch's largest logit, not each row's"),
    ("04", "ce_mean_all"): ({"test-cross-entropy", "test-cross-entropy-stable"},
                            "CrossEntropyLoss averages the one-hot masked log-probabilities over N * C"),
    ("04", "ce_naive_softmax"): ({"test-cross-entropy-stable"},
                                 "CrossEntropyLoss as -log(softmax) without the shift"),
    # H41: slips that lost their items with 'check failed: ...' or numbers only.
    ("04", "ce_no_minus"): ({"test-cross-entropy", "test-cross-entropy-stable"}, "CrossEntropyLoss returns +mean(log p)"),
    ("04", "ce_labels_as_columns"): ({"test-cross-entropy", "test-cross-entropy-stable"},
                                     "CrossEntropyLoss picks log_probs[:, labels], an (N, N) table"),
    ("04", "ce_log_of_shifted_softmax"): ({"test-cross-entropy-stable"},
                                          "CrossEntropyLoss shifts, takes softmax, then log: log 0 for huge logits"),
    ("04", "bce_no_minus"): ({"test-bce"}, "BCE returns the mean log-likelihood, not its negative"),
    ("04", "bce_eps_folded"): ({"test-bce"}, "BCE writes log((1 + eps) - p): in float32 1 + 1e-12 is 1, so log(0) at p = 1"),
    ("04", "bce_divide_by_n"): ({"test-bce"}, "BCE sums and divides by N (rows), not N * C"),
    ("07", "adam_no_bias_correction"): ({"test-adam", "test-adam-sparse"}, "Adam steps with m / (sqrt(v) + eps), no bias correction"),
    ("07", "sgd_buf_zeros"): ({"test-sgd-momentum", "test-sgd-combined"},
                              "SGD's momentum buffer starts at zeros, so the first step is damped (PyTorch: the gradient itself)"),
    ("07", "sgd_decay_outside_momentum"): ({"test-sgd-combined"}, "SGD adds weight decay to the step after momentum, not to the gradient"),
    ("07", "sgd_velocity_has_lr"): ({"test-sgd-combined"}, "SGD folds lr into the velocity (v = mu v + lr g): wrong once lr changes"),
    ("07", "adam_decay_into_grad"): ({"test-adam"}, "Adam adds the weight decay into p.grad itself (grad += wd * p; H9: full marks)"),
    ("07", "sgd_buffer_is_the_grad"): ({"test-sgd-momentum"},
                                       "SGD keeps p.grad itself as the momentum buffer, then scales it in place (H9: full marks)"),
    ("07", "sgd_float64_buffer"): ({"test-optimizer-dtypes"}, "SGD's momentum buffer starts as np.zeros (float64) and p.data is rebound"),
    ("07", "adam_global_step"): ({"test-adam-sparse"}, "Adam counts steps once per step() for all parameters"),
    ("07", "adam_float64_state"): ({"test-optimizer-dtypes"}, "Adam's moments start as np.zeros(shape) (float64) and p.data is rebound"),
    ("07", "adam_eps_inside_sqrt"): ({"test-adam", "test-adam-sparse"}, "Adam divides by sqrt(v_hat + eps)"),
    # Round 28: the messages named no bug, or the wrong one ("each parameter counts its own steps").
    ("07", "adam_power_of_one_minus_beta"): ({"test-adam", "test-adam-sparse"}, "bias corrections (1 - beta1) ** t"),
    ("07", "sgd_buffer_not_stored"): ({"test-sgd-momentum", "test-sgd-combined"},
                                      "SGD computes the new momentum buffer and never stores it back"),
    ("02", "softmax_over_axis0"): ({"test-activations-softmax"}, "Softmax over axis 0 always (was told keepdims)"),
    ("06", "sum_backward_ones"): ({"test-autograd-matmul-sum-rules", "test-autograd-losses"},
                                  "sum_backward returns ones, the incoming grad left out (the losses' item runs it)"),
    ("06", "relu_backward_mask_only"): ({"test-autograd-activation-rules"}, "relu_backward returns the mask, no grad"),
    ("02", "sigmoid_tanh_form"): ({"test-activations-extremes"}, "Sigmoid as 0.5 * (1 + tanh(x / 2)): cancels far left"),
    ("02", "sigmoid_clipped"): ({"test-activations-extremes"}, "Sigmoid of np.clip(x, -88, 88): a floor of 6e-39"),
    ("07", "adam_decoupled_decay"): ({"test-adam", "test-adam-sparse"}, "AdamW's decoupled decay, p -= lr * wd * p"),
    ("07", "adam_folded_eps"): ({"test-adam-sparse"},
                                "Adam folds the bias corrections into the step size (the paper's 'efficient' form): eps moves"),
    # H41: slips that lost their items with no hint (a bare 'check failed', or the positions alone).
    ("07", "sgd_ascent"): ({"test-sgd", "test-sgd-momentum", "test-sgd-combined"},
                           "SGD steps with p.data += lr * grad, up the gradient (H41: 'check failed: np.allclose(...)')"),
    ("07", "sgd_dampening_ignored"): ({"test-sgd-momentum", "test-sgd-combined"}, "SGD's buffer adds grad, not "
                                                                                  "(1 - dampening) * grad (H41: no hint)"),
    ("07", "sgd_nesterov_ignored"): ({"test-sgd-momentum", "test-sgd-combined"}, "SGD steps with buf even when nesterov"),
    ("07", "adam_step_count_stuck"): ({"test-adam", "test-adam-sparse"},
                                      "Adam uses t = state['step'] + 1 without storing it: t is 1 at every step "
                                      "(H41: no hint, the sparse item's text blamed the per-parameter count)"),
    ("07", "adam_betas_swapped"): ({"test-adam", "test-adam-sparse"}, "Adam unpacks beta2, beta1 = self.betas (H41: no hint)"),
    ("07", "zero_grad_zeros"): ({"test-zero-grad-skip"}, "zero_grad fills gradients with zeros instead of None"),
    ("07", "adam_state_before_skip"): ({"test-zero-grad-skip"}, "Adam makes a parameter's state before skipping one "
                                                                "without a gradient (H31: no hint)"),
    ("08", "no_zero_grad"): ({"test-training-train-epoch"}, "train_epoch never calls zero_grad (gradients pile up across batches)"),
    ("08", "mean_of_batch_means"): ({"test-training-train-epoch", "test-training-evaluate"},
                                    "train_epoch and evaluate average the batch means (a short last batch weighs too much)"),
    ("08", "divide_by_dataset_len"): ({"test-training-averages"}, "train_epoch divides by len(dataset), wrong with drop_last"),
    ("08", "loss_item_no_check"): ({"test-training-averages"}, "train_epoch sums loss.item(): a nan loss is averaged in silently"),
    ("08", "evaluate_always_train"): ({"test-training-evaluate", "test-training-evaluate-restores"}, "evaluate ends with model.train() whatever the mode was"),
    ("08", "evaluate_no_finally"): ({"test-training-evaluate-restores"}, "evaluate restores the mode, but not when the model raises"),
    ("08", "evaluate_with_grad"): ({"test-training-evaluate"}, "evaluate runs without no_grad()"),
    ("08", "evaluate_never_eval"): ({"test-training-evaluate", "test-training-evaluate-restores"},
                                    "evaluate never switches to eval mode (H35: the restore check passed it, as nothing "
                                    "was switched; it checks the batches ran in eval mode now)"),
    ("08", "no_train_mode"): ({"test-training-train-epoch"}, "train_epoch never switches the model to training mode"),
    # H41: a wrong accuracy() cost train_epoch's, evaluate's and the averages' items too (27 of 31 points lost):
    # those checks now accept the per-sample mean of the student's own accuracy.
    ("08", "accuracy_count_not_fraction"): ({"test-training-accuracy"},
                                            "accuracy returns the number right, not the fraction (H41: 4/31, four items)"),
    ("08", "accuracy_1d_as_scores"): ({"test-training-accuracy"}, "accuracy tests outputs.shape[-1] == 1, so (N,) "
                                                                  "probabilities are argmaxed (H41: 'check failed')"),
    ("08", "zero_grad_after_backward"): ({"test-training-train-epoch"}, "train_epoch calls zero_grad between backward "
                                                                        "and step (H41: no hint)"),
    ("08", "step_before_backward"): ({"test-training-train-epoch"}, "train_epoch calls step before backward (H41: no hint)"),
    ("08", "accuracy_argmax_only"): ({"test-training-accuracy"}, "accuracy takes argmax even of (N, 1) probabilities"),
    # H41: __iter__'s item follows the student's own batch_indices() (when they are index arrays): a slip in
    # batch_indices no longer costs test-dataloader-iter too (these two lost both items before, 25 of 35).
    ("05", "drop_last_pops"): ({"test-dataloader-batch-indices"},
                               "batch_indices drops the last batch whenever drop_last is set, even a full one"),
    ("05", "shuffle_np_random"): ({"test-dataloader-batch-indices"},
                                  "batch_indices shuffles with np.random, not the loader's seeded generator"),
    ("05", "array_split_batches"): ({"test-dataloader-batch-indices"},
                                    "batch_indices cuts with np.array_split into len(self) chunks (H41: 15/35, two "
                                    "items, 'check failed: ...')"),
    ("05", "len_plus_one"): ({"test-dataloader-len"}, "__len__ as N // batch_size + 1 (H41: 'check failed: ...')"),
    ("05", "rng_made_per_epoch"): ({"test-dataloader-batch-indices"},
                                   "batch_indices makes np.random.default_rng(self.seed) at every call (H41: no hint)"),
    ("05", "shuffle_once"): ({"test-dataloader-batch-indices"}, "batch_indices shuffles once and reuses the order every epoch"),
    ("05", "shuffle_within_batches"): ({"test-dataloader-batch-indices"},
                                       "batch_indices shuffles inside each batch of consecutive samples: a batch always "
                                       "holds the same samples (H53: caught by the order-mixing check that replaced "
                                       "the exact self._rng.permutation(N) comparison)"),
    # H54: wrong shuffles that kept every place-per-sample count and passed (35/35) under H53's check.
    ("05", "random_start_rotation"): ({"test-dataloader-batch-indices"},
                                      "batch_indices starts each epoch at a random sample and wraps around: the "
                                      "samples' relative order never changes (H54: 35/35 before the pairs check)"),
    ("05", "reverse_alternate_epochs"): ({"test-dataloader-batch-indices"},
                                         "batch_indices draws a permutation every other epoch and walks it backwards "
                                         "in between (H54: 35/35 before the moves check)"),
    ("05", "fixed_seed_after_first"): ({"test-dataloader-batch-indices"},
                                       "batch_indices draws the first epoch from self._rng, later ones from "
                                       "np.random.default_rng(0): the seed stops mattering (H54: 35/35 before "
                                       "later epochs of seeds 7 and 8 were compared)"),
    # Round 28: biased shuffles that put every sample at every place, only not equally often (35/35 before the
    # chi-square of the places over 1,500 epochs).
    ("05", "naive_swap_shuffle"): ({"test-dataloader-batch-indices"},
                                   "batch_indices swaps each place with one drawn from all N places (the naive shuffle)"),
    ("05", "random_transpositions"): ({"test-dataloader-batch-indices"},
                                      "batch_indices swaps two random places N times"),
    ("05", "argsort_int_keys"): ({"test-dataloader-batch-indices"},
                                 "batch_indices argsorts random integers in 0..N-1: tied keys keep their order"),
    # Round 28: one bug cost two items (15/35 and 25/35 with the iter item charged): __iter__'s item now follows
    # the student's own batch_indices() and collate() there too.
    ("05", "no_partial_batch"): ({"test-dataloader-batch-indices"},
                                 "batch_indices keeps full batches only, drop_last or not"),
    ("05", "collate_returns_list"): ({"test-dataloader-collate"}, "collate returns a list of the fields, not a tuple"),
    ("05", "len_np_ceil"): ({"test-dataloader-len"}, "__len__ returns np.ceil(N / batch_size), a float (round 28: a "
                                                     "bare TypeError pointing into tito's child)"),
    ("05", "collate_always_float32"): ({"test-dataloader-collate", "test-dataloader-iter"},
                                       "collate wraps every field in Tensor(...): float64 data becomes float32"),
    ("05", "fast_path_float32"): ({"test-dataloader-iter"}, "__iter__'s fast path wraps slices in Tensor(...): float64 becomes float32"),
    ("05", "getitem_list"): ({"test-dataloader-tensor-dataset"}, "TensorDataset.__getitem__ returns a list, not a tuple"),
    ("05", "iter_ignores_shuffle"): ({"test-dataloader-iter"}, "__iter__ walks the samples in order, ignoring batch_indices and shuffle"),
    ("05", "collate_concatenate"): ({"test-dataloader-collate", "test-dataloader-iter"},
                                    "collate concatenates along the first axis instead of stacking on a new one"),
    # H41: three slips with numbers only in their messages.
    ("02", "sigmoid_branches_swapped"): ({"test-activations-sigmoid-tanh", "test-activations-extremes"},
                                         "Sigmoid's np.where branches swapped: sigmoid(-x)"),
    ("02", "softmax_last_axis_only"): ({"test-activations-softmax"}, "Softmax over axis -1 whatever dim is"),
    ("02", "gelu_sqrt_two_pi"): ({"test-activations-gelu"}, "GELU with sqrt(2 * pi) for sqrt(2 / pi)"),
    ("02", "relu_in_place"): ({"test-activations-relu"}, "ReLU zeroes the negatives of the input's own data"),
    ("02", "relu_default_dtype"): ({"test-activations-relu"}, "ReLU wraps its result in Tensor(...) without dtype: float64 becomes float32"),
    ("02", "relu_dtype_claimed_by_a_subclass"): ({"test-activations-relu"},
                                                 "relu_default_dtype's float32 numbers in a Tensor subclass whose dtype "
                                                 "property reports the input's (held-out hunt H9: 21 -> 25 while the check read .dtype)"),
    ("02", "sigmoid_naive_quiet"): ({"test-activations-extremes"}, "Sigmoid as 1 / (1 + exp(-x)) with the overflow warning silenced by np.errstate"),
    ("02", "sigmoid_exp_ratio"): ({"test-activations-extremes"}, "Sigmoid as e^x / (1 + e^x): inf / inf for large x"),
    ("02", "tanh_exp_formula"): ({"test-activations-extremes"}, "Tanh as (e^x - e^-x) / (e^x + e^-x)"),
    ("02", "tanh_via_sigmoid"): ({"test-activations-extremes"}, "Tanh as 2 sigmoid(2x) - 1: tiny values cancel to 0 in float32"),
    ("02", "softmax_global_max"): ({"test-activations-softmax"}, "Softmax shifts by the largest value of the whole tensor"),
    ("02", "softmax_in_place"): ({"test-activations-softmax"}, "Softmax computed in place in the input's data"),
    ("02", "softmax_no_keepdims"): ({"test-activations-softmax"}, "Softmax's max and sum without keepdims"),
    ("02", "gelu_result_dtype"): ({"test-activations-gelu"}, "GELU keeps numpy's result dtype: float32 in, float64 out"),
    ("01", "keepdims_lost_when_all_axes"): ({"test-tensor-reductions"},
                                            "sum, mean and max drop keepdims when axis is None (H10: full marks)"),
    ("01", "reshape_in_place"): ({"test-tensor-shape"}, "reshape rebinds the tensor's own data and returns self"),
    ("01", "exp_log_in_place"): ({"test-tensor-arithmetic"}, "exp and log compute into the input's data (out=self.data)"),
    ("01", "mean_np_prod_count"): ({"test-tensor-dtypes"}, "mean divides by np.prod(...) of the axes: a float64 count leaks into float32"),
    ("01", "mean_single_axis"): ({"test-tensor-reductions", "test-tensor-dtypes"}, "mean counts with shape[axis]: a tuple of axes fails"),
    ("01", "operand_as_array"): ({"test-tensor-arithmetic", "test-tensor-dtypes"},
                             "np.asarray(other) instead of _operand: int and float64 constants make float32 tensors float64"),
    ("01", "matmul_np_dot"): ({"test-tensor-matmul"}, "matmul with np.dot: a batch @ batch pairs every matrix with every other"),
    ("01", "rsub_same_as_sub"): ({"test-tensor-arithmetic"}, "__rsub__ returns self - other"),
    ("01", "rtruediv_divides_self"): ({"test-tensor-arithmetic"}, "__rtruediv__ divides self by other, as __truediv__ does"),
    ("01", "transpose_dot_T"): ({"test-tensor-shape"}, "transpose() uses .T, reversing all axes of a 3-d tensor"),
    ("01", "sum_float64_accumulator"): ({"test-tensor-dtypes"}, "sum accumulates in float64 and returns float64 for float32 input"),
    ("01", "max_drops_keepdims"): ({"test-tensor-reductions"}, "max ignores keepdims"),
    # Answers written down for the inputs the notebook shows, looked up by the input: each passed every check
    # it could see (full marks, checked before the graded cell's hidden test was added); the hidden test, an
    # input the notebook does not show, takes its item (tests/grading/test_hidden_tests.py).
    ("01", "written_down_max"): ({"test-tensor-reductions"}, "max returns the answers written down for the visible "
                                                             "inputs, looked up by shape, axis and keepdims"),
    ("02", "written_down_gelu"): ({"test-activations-gelu"}, "GELU returns the answers written down for the visible "
                                                             "inputs, looked up element by element"),
    ("03", "written_down_flatten"): ({"test-sequential-flatten"}, "Flatten returns the shapes written down for the "
                                                                  "visible inputs (looked up by shape, start and end)"),
    ("04", "written_down_mse"): ({"test-mse"}, "MSELoss returns the answers written down for the visible inputs"),
    ("05", "written_down_len"): ({"test-dataloader-len"}, "DataLoader.__len__ returns the batch counts written down for "
                                                          "the visible (N, batch_size, drop_last)"),
    ("06", "written_down_div"): ({"test-autograd-elementwise-rules"}, "div_backward returns the gradients written "
                                                                       "down for the visible sample"),
    ("07", "written_down_sgd_plain"): ({"test-sgd"}, "SGD's plain step returns the answers written down for the "
                                                     "visible inputs (a table keyed by p and weight_decay)"),
    ("08", "written_down_accuracy"): ({"test-training-accuracy"}, "accuracy returns the answers written down for the "
                                                                  "visible inputs (1.0 for any other)"),
}

CORRECT = {
    ("01", "reciprocal_permutation_style"): "a - b as a + (-1.0 * b), b / a by a ** -1, division by a reciprocal, "
                                            "np.power, exp in float64 cast back, transpose by a permutation, mean as "
                                            "the sum times the ratio of sizes (H41)",
    ("03", "while_index_splat_style"): "Linear as bias + x.matmul(W.transpose(-1, -2)), Sequential by a while loop over "
                                       "indices, Flatten reshaping with the shape splatted and math.prod",
    ("01", "apply_over_axes_style"): "np.reshape, transpose as np.moveaxis of the two axes, sum/mean/max through "
                                     "np.apply_over_axes one axis at a time, the reduced axes squeezed unless keepdims",
    ("01", "operator_style"): "operator-module helper, np.power/np.e ** x, permutation transpose, ufunc reduce, math.prod count",
    ("01", "einsum_dunder_style"): "the ndarray's own dunder of each operator (reflected ones by __radd__, ...), "
                                   "matmul and transpose by np.einsum (vectors as a row or column, squeezed after), "
                                   "sum by einsum with np.expand_dims for keepdims, mean as sum / count, max as "
                                   "-min(-x)",
    ("02", "where_both_branches_style"): "Sigmoid computing both np.where branches under np.errstate, a softmax in "
                                         "float64 with expand_dims, ReLU by a boolean mask on a copy",
    ("02", "relu_abs_style"): "ReLU as (x + |x|) / 2",
    ("02", "gelu_sigmoid_identity_style"): "GELU with 0.5 * (1 + tanh(z)) written as sigmoid(2z), 1 / (1 + e^(-2z)) "
                                           "(round twenty: passes the hidden inputs too)",
    ("02", "logaddexp_style"): "np.where ReLU, exp(-logaddexp(0, -x)) sigmoid, GELU in float64 cast back, log-normaliser softmax",
    ("05", "divmod_rng_shuffle_lists"): "divmod length, self._rng.shuffle of an arange, batches as Python lists, "
                                        "a while loop, the general path (collate) for every dataset",
    ("05", "iterator_class_style"): "__iter__ returning an iterator object of its own class (its own position and "
                                    "epoch per loop), batches by np.take, shuffle by self._rng.shuffle of an arange "
                                    "(round twenty-six, after the stop hook)",
    ("05", "generator_style"): "ceil/floor length, batches counted from len(), zip(*samples) columns, map-based iterator",
    ("01", "tensordot_vector_style"): "matmul with a vector by np.tensordot over the matching axis (round twenty-seven's "
                                      "honest hunt, against the batch @ vector checks)",
    ("06", "add_out_engine_style"): "backward accumulating in place with np.add(..., out=) into its own copies, a "
                                    "leaf's first gradient copied (round twenty-seven's honest hunt, against the "
                                    "writeable-gradient and second-backward checks)",
    ("08", "records_dot_style"): "batches taken by map(_split_batch, loader), one (samples, loss, accuracy) record per "
                                 "batch, the epoch's means as sizes @ records / N, np.greater/np.equal accuracy "
                                 "(round twenty-seven)",
    ("08", "counting_style"): "one _run helper for both loops (np sums, no_grad as a decorator), count_nonzero accuracy",
    ("08", "weighted_average_style"): "one _epoch helper over map(_split_batch, loader), np.average of the per-batch "
                                      "loss and accuracy weighted by batch sizes, np.greater/np.equal accuracy",
    ("07", "functional_style"): "a _direction helper, state.get defaults, in-place slice assignment, lr folded into step size",
    ("04", "range_index_lse_style"): "row max as a Tensor op, log-sum-exp minus z picked with range(n), sum times 1/n; "
                                     "MSE as ((input - target) ** 2).mean()",
    ("04", "onehot_sum_style"): "sum / size, one-hot masked (log-sum-exp - logits) summed / N, BCE summed times -1 / size",
    ("04", "flat_index_axis_means_style"): "means taken one axis at a time until a scalar (MSE, BCE), the label's logit "
                                           "picked from the flattened logits by row * C + label, BCE's two range checks "
                                           "in one loop",
    ("04", "tensor_max_style"): "MSE as errors @ errors / size, the row max as a Tensor operation, BCE built up in two steps",
    ("03", "one_draw_binomial_style"): "weight and bias from one uniform draw split, x.matmul(W.transpose(0, 1)), "
                                       "Flatten by a list shape with -1, a binomial Dropout mask as a Tensor",
    ("03", "generator_style"): "recursive generator with prefixes, rng.random scaled, matmul/transpose(0, 1), reduce, np.where mask",
    ("06", "kahn_einsum"): "Kahn's algorithm, einsum matmul rule, reshape-based sum rule, one-call unbroadcast",
    ("06", "recursive_set_defaultdict"): "recursive DFS with sys.setrecursionlimit and a set of tensors, gradients in a "
                                         "defaultdict keyed by tensor, added in place (+=), also into .grad",
    ("06", "numpy_function_rules"): "rules by np.negative/np.multiply/np.power/np.where, b's gradient from out, a "
                                    "sum rule by reshape and a list of axes, unbroadcast by tuples of axes and reshape",
    # Found by a held-out hunt for honest answers that lose points (none did):
    ("02", "masked_multiply_style"): "x * (x > 0) ReLU, sigmoid from e^min(x, 0) and e^-max(x, 0), log-sum-exp softmax",
    ("03", "reduce_over_self_style"): "H54: Sequential.forward by functools.reduce over the Sequential itself, "
                                      "layer(out) (keeps 42/42 with H53's plain function layer in the chain)",
    ("03", "stack_dfs_style"): "named_parameters by an explicit stack, math.sqrt bound, iter/next Sequential, math.prod Flatten",
    ("05", "fisher_yates_by_hand"): "round 28: a shuffle by hand, Fisher-Yates with self._rng.integers(i, n) over a "
                                    "Python list (uniform: it must stay under the new chi-square of the places)",
    ("05", "choice_permutation_style"): "H53: shuffle by self._rng.choice(n, n, replace=False) (another uniform "
                                        "permutation from the loader's own generator), break at a short last batch, "
                                        "the fast path through Tensor indexing (25/35 while the check demanded the "
                                        "exact self._rng.permutation(N))",
    ("05", "while_loop_style"): "-(-n // b) length, a while loop with a drop_last break, fields gathered in explicit loops",
    ("06", "iterative_dfs_lists"): "DFS with a stack of (tensor, input iterator) and for/else, gradient lists summed on arrival",
    ("07", "rebind_setdefault_style"): "p.data rebound (not in place), state by setdefault under names of its own "
                                       "(m, v), buffers rebuilt each step, a zero_grad of its own",
    ("07", "torch_lerp_style"): "torch's own Adam: moments by lerp, step size lr / bc1, denominator sqrt(v) / sqrt(bc2) + eps",
    ("04", "sum_over_size_style"): "MSELoss as the squared errors' sum divided by their count, squared.size (round "
                                   "twenty-two, after the stop hook)",
    ("05", "reshape_rows_style"): "len(range(0, n, batch_size)) batches, the whole batches as rows of the order "
                                  "reshaped to (-1, batch_size), the short one appended unless drop_last, "
                                  "permutation of an arange",
    ("07", "torch_source_form_style"): "parameters by index, SGD through numpy ufuncs with out= (the momentum buffer "
                                       "updated in place), Adam in torch.optim.Adam's own order: step size lr over the "
                                       "first bias correction, denominator sqrt(v) over the root of the second plus eps",
    ("07", "folded_corrections_exact_style"): "Adam in the paper's efficient order: both bias corrections folded "
                                              "into the step size and eps scaled by sqrt(1 - beta2^t), the exact "
                                              "form of adam_folded_eps (round twenty-two)",
    ("08", "model_zero_grad_style"): "model.zero_grad() in place of the optimizer's, batches unpacked in the for, "
                                     "lists of per-batch sums, accuracy counted in a loop, mode restored by if",
    ("08", "timed_epoch_style"): "H53: train_epoch timed with `from timeit import default_timer as timer` (0/31 while "
                                 "the tampering rule refused every import from timeit)",
    ("08", "concatenate_outputs_style"): "enumerate with for/else, evaluate concatenates every output and scores once",
    # H53: a hunt for honest answers that lose points; these passed and add forms the others lack.
    ("02", "mask_expm1_moveaxis_style"): "np.clip ReLU, sigmoid by boolean masks on a new array, tanh via expm1 in "
                                         "float64, GELU with math.sqrt and np.power, softmax on np.moveaxis",
    ("03", "super_init_forward_call_style"): "super().__init__() in Linear, type hints, a float32 weight, "
                                             "named_parameters via a generator method and a dict deduplicated by "
                                             "identity, Sequential by index, self.layers[i](x)",
    ("04", "row_loop_pick_style"): "MSE times 1.0 / size, cross-entropy picking each row's log-probability in a "
                                   "Python loop from 0 + Tensor",
    ("05", "split_points_style"): "map/lambda __getitem__, np.array of a column, __len__ as full batches plus one for a rest, np.split at cut "
                                  "points of a trimmed order, __iter__ as yield from a generator over a helper method",
    ("06", "onstack_dfs_prefilled_style"): "iterative DFS with an on-stack set, gradients in a dict prefilled with None "
                                           "for every node, rules' gradients by index",
    ("06", "unbroadcast_astype_style"): "backward calling unbroadcast(g, inp.shape).astype(inp.dtype) itself instead "
                                        "of _reduce_input_grad, pending gradients popped",
    # Round twenty-one's honest answer: no depth-first order at all, the tensors sorted by their height.
    ("06", "sorted_by_height_style"): "topological_order sorting the tensors by height (1 + the highest input's), "
                                      "the heights found with a stack",
    ("07", "closure_own_buffers_style"): "step(closure=None) as in PyTorch, SGD buffers in a dict of its own keyed by "
                                         "id, Adam in float64 written back with [...] and cast",
    ("08", "running_mean_style"): "incremental weighted means, np.rint accuracy returning hits / len, evaluate with "
                                  "try inside no_grad, map(_split_batch, loader), mode restored by if/else",
}

# Wrong answers whose lost items must also name their bug: (module, answer) -> [(item, words of its message)].
NOT_A_TUPLE = "returned an array, not a tuple of gradients: return (g,) with the comma"
LIKELY = {
    ("06", "recursive_dfs"): [("test-autograd-long-chain", "Likely bug: topological_order visits each tensor's inputs "
                                                           "by calling itself")],
    ("06", "per_path_backward"): [("test-autograd-long-chain", "Likely bug: backward calls itself once per tensor, "
                                                               "pushing the gradient down every path")],
    ("02", "gelu_result_dtype"): [("test-activations-gelu", "Likely bug: the result keeps numpy's dtype: np.sqrt(2 / np.pi) "
                                                            "is a numpy float64")],
    ("06", "matmul_dot_T"): [("test-autograd-matmul-sum-rules", "Likely bug: .T reverses every axis, so a batch's "
                                                                "b(2, 4, 5) becomes (5, 4, 2)")],
    ("08", "accuracy_argmax_only"): [("test-training-accuracy", "Likely bug: argmax over one column is always 0")],
    ("08", "divide_by_dataset_len"): [("test-training-averages", "Likely bug: the total is divided by len(loader.dataset)")],
    ("08", "evaluate_always_train"): [("test-training-evaluate", "Likely bug: model.train() at the end"),
                                      ("test-training-evaluate-restores", "Likely bug: the mode is restored after the loop")],
    ("08", "mean_of_batch_means"): [(item, "Likely bug: that is the mean of the 3 batch means")
                                    for item in ("test-training-train-epoch", "test-training-evaluate")],
    ("08", "evaluate_never_eval"): [(item, "Likely bug: evaluate does not call self.model.eval() before the batches")
                                    for item in ("test-training-evaluate", "test-training-evaluate-restores")],
    ("08", "evaluate_no_finally"): [("test-training-evaluate-restores", "Likely bug: the mode is restored after the loop, "
                                                                        "where the model's error skips it")],
    ("08", "evaluate_with_grad"): [("test-training-evaluate", "Likely bug: the batches ran outside `with no_grad():`")],
    ("08", "loss_item_no_check"): [("test-training-averages", "it returned the mean loss nan. Likely bug: the loss was "
                                                              "read with loss.item()")],
    ("08", "no_train_mode"): [("test-training-train-epoch", "Likely bug: train_epoch never calls self.model.train()")],
    ("08", "no_zero_grad"): [("test-training-train-epoch", "Likely bug: these are the weights of an epoch whose "
                                                           "gradients piled up")],
    ("02", "relu_in_place"): [("test-activations-relu", "Likely bug: the result was computed into the input's own")],
    ("02", "relu_default_dtype"): [("test-activations-relu", "Likely bug: Tensor(array) without dtype= makes float32")],
    ("02", "sigmoid_exp_ratio"): [("test-activations-extremes", "Likely bug: e^x overflows to inf for large x")],
    ("02", "sigmoid_naive_quiet"): [("test-activations-extremes", "Likely bug: 1 / (1 + e^-x) at x = -100 computes")],
    ("02", "tanh_exp_formula"): [("test-activations-extremes", "Likely bug: e^x and e^-x overflow far out")],
    ("02", "tanh_via_sigmoid"): [("test-activations-extremes", "Likely bug: 2 * sigmoid(2x) - 1")],
    ("02", "softmax_global_max"): [("test-activations-softmax", "Likely bug: one max over the whole input")],
    ("02", "softmax_in_place"): [("test-activations-softmax", "Likely bug: the shift or the exp was done in the input's")],
    ("02", "softmax_no_keepdims"): [("test-activations-softmax", "Likely bug: the max or the sum lost its axis")],
    ("01", "rsub_same_as_sub"): [("test-tensor-arithmetic", "Likely bug: __rsub__ computes self - other")],
    ("01", "rtruediv_divides_self"): [("test-tensor-arithmetic", "Likely bug: __rtruediv__ computes self / other")],
    ("01", "exp_log_in_place"): [("test-tensor-arithmetic", "Likely bug: the result was computed into a's own array")],
    ("01", "matmul_np_dot"): [("test-tensor-matmul", "Likely bug: np.dot pairs every matrix of the first batch")],
    ("01", "reshape_in_place"): [("test-tensor-shape", "Likely bug: reshape assigned self.data")],
    ("01", "transpose_dot_T"): [("test-tensor-shape", "Likely bug: .T (np.transpose with no axes) reverses every axis")],
    ("01", "max_drops_keepdims"): [("test-tensor-reductions", "Likely bug: max ignores keepdims")],
    ("01", "mean_single_axis"): [("test-tensor-reductions", "Likely bug: the count is self.shape[axis]")],
    ("01", "mean_np_prod_count"): [("test-tensor-dtypes", "Likely bug: the mean divides by a NumPy integer")],
    ("01", "sum_float64_accumulator"): [("test-tensor-dtypes", "Likely bug: np.sum(..., dtype=np.float64)")],
    ("01", "operand_as_array"): [("test-tensor-dtypes", "Likely bug: a number or array operand turned into an array")],
    ("07", "adam_global_step"): [("test-adam-sparse", "Likely bug: one step count for all parameters")],
    ("07", "adam_folded_eps"): [("test-adam-sparse", "Likely bug: the bias corrections folded into the step size")],
    ("06", "exp_no_tuple"): [("test-autograd-elementwise-rules", "exp_backward " + NOT_A_TUPLE),
                             ("test-autograd-losses", "this check runs your exp_backward, which is wrong (see "
                              "test-autograd-elementwise-rules); fix it first: exp_backward " + NOT_A_TUPLE)],
    ("06", "mul_swapped"): [("test-autograd-elementwise-rules",
                             "mul_backward(grad=[1.0, 10.0, 100.0], out, a=[1.0, 2.0, 4.0], b=[2.0, -1.0, 0.5]): the "
                             "gradient of a is grad * b"),
                            ("test-autograd-elementwise-rules", "Likely bug: that is b's gradient (grad * a)"),
                            ("test-autograd-losses", "this check runs your mul_backward, which is wrong (see "
                             "test-autograd-elementwise-rules); fix it first")],
    ("06", "bfs_order"): [("test-autograd-graph", "That is what a breadth-first order gives. Likely bug: "
                                                  "topological_order is breadth-first")],
    ("06", "unbroadcast_leading_only"): [("test-autograd-losses", "this check runs your unbroadcast, which is wrong "
                                          "(see test-autograd-unbroadcast); fix it first"),
                                         ("test-autograd-unbroadcast", "Likely bug: only the leading axes that "
                                          "broadcasting added are summed")],
    ("06", "unbroadcast_no_keepdims"): [("test-autograd-losses", "this check runs your unbroadcast, which is wrong "
                                         "(see test-autograd-unbroadcast); fix it first"),
                                        ("test-autograd-unbroadcast", "Likely bug: the stretched axes are summed "
                                         "without keepdims=True")],
    ("06", "unbroadcast_sums_last_axes"): [("test-autograd-unbroadcast", "Likely bug: the added axes are summed at the "
                                            "end (axis=-1)"),
                                           ("test-autograd-backward", "unbroadcast(np.arange(4.0).reshape(2, 2), (2,)) "
                                            "should be [2.0, 4.0], got [1.0, 5.0]")],
    ("06", "sub_sign_forgotten"): [("test-autograd-elementwise-rules", "the gradient of b is -grad = [-1.0, -10.0, "
                                    "-100.0], got [1.0, 10.0, 100.0]. Likely bug: b's gradient should be -grad: the "
                                    "minus sign is missing"),
                                   ("test-autograd-losses", "this check runs your sub_backward, which is wrong (see "
                                    "test-autograd-elementwise-rules); fix it first")],
    ("06", "topo_root_first"): [("test-autograd-backward", "Likely bug: that is the order reversed, the root first")] + [
        (item, "is None after backward(): no gradient reached x. Likely bug: topological_order lists a tensor computed "
         "by an operation first (the root?)") for item in ("test-autograd-long-chain", "test-autograd-nested-diamonds")] + [
        (item, "Likely bug: topological_order lists a tensor computed by an operation first")
        for item in ("test-autograd-graph", "test-autograd-losses")],
    ("06", "no_unbroadcast_in_backward"): [
        (item, "Likely bug: a gradient of shape (2, 2), the broadcast shape, reached an input of shape (2,): backward() "
         "must pass each input's gradient through _reduce_input_grad(node, inp, g)")
        for item in ("test-autograd-backward", "test-autograd-losses")],
    ("06", "sum_reshape_int_axis"): [("test-autograd-matmul-sum-rules", "matmul_backward passed its checks above; "
                                      "sum_backward(grad=[10.0, 20.0, 30.0], out, a of shape (2, 3, 4), axis=(0, 2)) "
                                      "raised TypeError"),
                                     ("test-autograd-matmul-sum-rules", "Likely bug: axis may be a tuple of axes")],
    ("06", "overwrite_grads"): [("test-autograd-graph", "That is what overwriting gives. Likely bug: an input's "
                                                        "gradient replaces the share")],
    ("06", "pow_no_tuple"): [("test-autograd-elementwise-rules", "pow_backward " + NOT_A_TUPLE)],
    ("03", "linear_no_bias"): [("test-layers-backward", "the bias got no gradient: forward must add self.bias"),
                               ("test-layers-backward", "Likely bug: the output is x @ W.T alone, the bias left out"),
                               ("test-linear", "Likely bug: the output is x @ W.T alone, the bias left out"),
                               ("test-sequential-flatten", "Likely bug: that is two(one(x)) without two's bias")],
    ("03", "linear_weight_in_out_T"): [("test-linear-seed", "Likely bug: the weight was drawn as (in_features, "
                                                            "out_features) and transposed")],
    ("04", "ce_sum_not_mean"): [("test-cross-entropy", "Likely bug: the loss is summed over the 3 samples, not averaged"),
                                ("test-cross-entropy-stable", "Likely bug: the loss is summed over the 3 samples")],
    ("07", "adam_no_bias_correction"): [(item, "Likely bug: no bias correction: m_hat = m / (1 - beta1 ** t)")
                                        for item in ("test-adam", "test-adam-sparse")],
    ("07", "sgd_buf_zeros"): [(item, "Likely bug: the momentum buffer started at zeros")
                              for item in ("test-sgd-momentum", "test-sgd-combined")],
    ("07", "adam_state_before_skip"): [("test-zero-grad-skip", "Likely bug: the state is made before the `if "
                                                                "param.grad is None: continue`")],
    ("06", "relu_no_tuple"): [("test-autograd-activation-rules", "relu_backward " + NOT_A_TUPLE)],
    ("07", "sgd_ascent"): [(item, "Likely bug: the step goes up the gradient")
                           for item in ("test-sgd", "test-sgd-momentum", "test-sgd-combined")],
    ("07", "sgd_dampening_ignored"): [(item, "Likely bug: dampening is ignored")
                                      for item in ("test-sgd-momentum", "test-sgd-combined")],
    ("07", "sgd_nesterov_ignored"): [(item, "Likely bug: nesterov is ignored")
                                     for item in ("test-sgd-momentum", "test-sgd-combined")],
    ("07", "sgd_decay_outside_momentum"): [("test-sgd-combined", "Likely bug: the weight decay is added to the step "
                                                                 "after the momentum")],
    ("07", "sgd_velocity_has_lr"): [("test-sgd-combined", "Likely bug: lr is kept in the velocity")],
    ("07", "adam_eps_inside_sqrt"): [(item, "Likely bug: eps is added inside the square root")
                                     for item in ("test-adam", "test-adam-sparse")],
    ("07", "adam_float64_state"): [("test-optimizer-dtypes", "Likely bug: the state's ['exp_avg', 'exp_avg_sq'] is float64")],
    ("07", "sgd_float64_buffer"): [("test-optimizer-dtypes", "Likely bug: the state's ['momentum_buffer'] is float64")],
    ("07", "zero_grad_zeros"): [("test-zero-grad-skip", "Likely bug: zero_grad fills the gradients with zeros")],
    ("07", "adam_step_count_stuck"): [(item, "Likely bug: the bias corrections use t = 1 at every step")
                                      for item in ("test-adam", "test-adam-sparse")],
    ("07", "adam_betas_swapped"): [(item, "Likely bug: beta1 and beta2 swapped") for item in ("test-adam", "test-adam-sparse")],
    ("08", "accuracy_count_not_fraction"): [("test-training-accuracy", "Likely bug: that is the number of right predictions")],
    ("08", "accuracy_1d_as_scores"): [("test-training-accuracy", "Likely bug: a 1-d output was taken for class scores")],
    ("08", "zero_grad_after_backward"): [("test-training-train-epoch", "Likely bug: the weights did not move")],
    ("08", "step_before_backward"): [("test-training-train-epoch", "Likely bug: the weights did not move")],
    ("05", "array_split_batches"): [("test-dataloader-batch-indices", "Likely bug: np.array_split cuts N into chunks")],
    ("05", "len_plus_one"): [("test-dataloader-len", "Likely bug: N // batch_size + 1 counts a batch too many")],
    ("05", "rng_made_per_epoch"): [("test-dataloader-batch-indices", "Likely bug: a generator made anew at each call")],
    ("05", "drop_last_pops"): [("test-dataloader-batch-indices", "Likely bug: drop_last drops the last batch even when it is full")],
    ("05", "shuffle_once"): [("test-dataloader-batch-indices", "an order shuffled once and kept")],
    ("05", "shuffle_within_batches"): [("test-dataloader-batch-indices",
                                        "Likely bug: each batch of consecutive samples is shuffled within itself")],
    ("05", "random_start_rotation"): [("test-dataloader-batch-indices", "Likely bug: every epoch is the first one rotated")],
    ("05", "reverse_alternate_epochs"): [("test-dataloader-batch-indices",
                                          "Likely bug: an epoch walks the previous epoch's order backwards")],
    ("05", "fixed_seed_after_first"): [("test-dataloader-batch-indices",
                                        "Likely bug: the seeds differ in epoch 1 but agree from epoch 2 on")],
    ("05", "shuffle_np_random"): [("test-dataloader-batch-indices", "Likely bug: a third new loader with that seed")],
    ("05", "naive_swap_shuffle"): [("test-dataloader-batch-indices", "Likely bug: a biased shuffle")],
    ("01", "mean_divides_by_first_axis"): [("test-tensor-reductions", "Likely bug: the sum is divided by self.shape[0]")],
    ("02", "softmax_over_axis0"): [("test-activations-softmax", "Likely bug: the max and the sum run over axis 0")],
    ("07", "sgd_buffer_not_stored"): [(item, "Likely bug: the new buffer is not stored back")
                                      for item in ("test-sgd-momentum", "test-sgd-combined")],
    ("06", "sum_backward_ones"): [("test-autograd-matmul-sum-rules", "Likely bug: the incoming grad is not multiplied in")],
    ("06", "relu_backward_mask_only"): [("test-autograd-activation-rules", "Likely bug: the incoming grad is not multiplied in")],
    ("02", "sigmoid_tanh_form"): [("test-activations-extremes", "Likely bug: 0.5 * (1 + tanh(x / 2)) cancels")],
    ("02", "sigmoid_clipped"): [("test-activations-extremes", "Likely bug: x is clipped before the exponential")],
    ("07", "adam_power_of_one_minus_beta"): [(item, "Likely bug: the bias corrections raise (1 - beta) to the power t") for item in ("test-adam", "test-adam-sparse")],
    ("07", "adam_decoupled_decay"): [(item, "Likely bug: the weight decay is applied to p apart from the gradient") for item in ("test-adam", "test-adam-sparse")],
    ("01", "sum_ignores_axis"): [("test-tensor-reductions", "Likely bug: the axis is not passed on")],
    ("05", "collate_returns_list"): [("test-dataloader-collate", "Likely bug: the fields are gathered in a list")],
    ("05", "len_np_ceil"): [("test-dataloader-len", "Likely bug: __len__ returns a float")],
    ("05", "random_transpositions"): [("test-dataloader-batch-indices", "Likely bug: a biased shuffle")],
    ("05", "argsort_int_keys"): [("test-dataloader-batch-indices", "Likely bug: a biased shuffle")],
    ("05", "getitem_list"): [("test-dataloader-tensor-dataset", "Likely bug: __getitem__ returns a list")],
    ("05", "collate_concatenate"): [(item, "Likely bug: np.concatenate joins the samples along their own first axis")
                                    for item in ("test-dataloader-collate", "test-dataloader-iter")],
    ("05", "collate_always_float32"): [(item, "Likely bug: collate") for item in ("test-dataloader-collate",
                                                                                  "test-dataloader-iter")],
    ("05", "fast_path_float32"): [("test-dataloader-iter", "Likely bug: __iter__'s fast path wraps the batch in Tensor(...)")],
    ("05", "iter_ignores_shuffle"): [("test-dataloader-iter", "Likely bug: __iter__ counts the batches off itself")],
    ("05", "written_down_len"): [("test-dataloader-len", "Likely bug: __len__ gave")],
    ("04", "ce_no_minus"): [(item, "Likely bug: the minus sign is missing")
                            for item in ("test-cross-entropy", "test-cross-entropy-stable")],
    ("04", "ce_labels_as_columns"): [(item, "Likely bug: log_probs[:, labels] takes every row's entries")
                                     for item in ("test-cross-entropy", "test-cross-entropy-stable")],
    ("04", "ce_log_of_shifted_softmax"): [("test-cross-entropy-stable", "Likely bug: the log of softmax probabilities")],
    ("04", "ce_naive_softmax"): [("test-cross-entropy-stable", "Likely bug: exp of the unshifted logits: in float32, "
                                                               "exp(1000) overflows to inf")],
    ("04", "bce_no_minus"): [("test-bce", "Likely bug: the minus sign is missing")],
    ("04", "mse_per_sample"): [("test-mse", "Likely bug: the sum over all 4 elements divided by the 2 rows")],
    ("04", "ce_mean_all"): [("test-cross-entropy", "Likely bug: the one-hot masked log-probabilities are averaged over "
                                                   "all 3 * 4 entries"),
                            ("test-cross-entropy-stable", "Likely bug: the one-hot masked log-probabilities are "
                                                          "averaged over all 3 * 2 entries")],
    ("04", "ce_global_max"): [("test-cross-entropy-stable", "Likely bug: one max over the whole batch (1000)")],
    ("04", "bce_divide_by_n"): [("test-bce", "Likely bug: the sum over all 6 elements divided by the 2 rows")],
    ("04", "bce_eps_folded"): [("test-bce", "got nan. Likely bug: at input = target = 1, (1 - target) * log(1 - input) "
                                            "is 0 * log(0) = nan: the eps of log(1 - input + eps) was lost")],
    # Not in WRONG (module 06 catches its lost graph), but its module 04 item names the slip too.
    ("04", "bce_numpy_clip"): [("test-bce", "Likely bug: at input = target = 1, (1 - target) * log(1 - input) is "
                                            "0 * log(0) = nan")],
    ("03", "sequential_not_chained"): [("test-sequential-flatten", "Likely bug: each layer is applied to the input x")],
    ("03", "sequential_calls_forward"): [("test-sequential-flatten", "Likely bug: layer.forward(x) works for Modules only")],
    ("03", "dropout_ignores_eval"): [("test-dropout", "Likely bug: forward ignores self.training")],
    ("03", "dropout_keeps_p"): [("test-dropout", "Likely bug: the mask keeps where u < p")],
    ("03", "dropout_scales_by_keep"): [("test-dropout", "Likely bug: the survivors are multiplied by 1 - p")],
    ("03", "flatten_all_after_first"): [("test-sequential-flatten", "Likely bug: every axis after the first is merged")],
    ("03", "linear_bound_out_features"): [(item, "Likely bug: the bound is 1/sqrt(out_features)")
                                          for item in ("test-linear", "test-linear-seed")],
    ("03", "linear_bias_first"): [("test-linear-seed", "Likely bug: the bias is drawn before the weight"),
                                  ("test-module-tree", "Likely bug: Linear assigns self.bias before self.weight")],
    ("03", "linear_np_random"): [("test-linear-seed", "Likely bug: the values come from np.random")],
    ("03", "linear_numpy_forward"): [("test-layers-backward", "Likely bug: forward computed on .data with numpy")],
    ("03", "flatten_numpy"): [("test-layers-backward", "Likely bug: Flatten reshaped x.data and wrapped it in a new Tensor")],
    ("03", "dropout_in_place"): [(item, "Likely bug: forward scaled the input's own data (x.data *= mask)")
                                 for item in ("test-dropout", "test-layers-backward")],
    ("03", "dropout_np_random"): [("test-dropout", "Likely bug: the mask comes from np.random")],
    ("03", "dropout_channel_mask"): [("test-dropout-independent", "Likely bug: one random number per image and channel")],
    ("03", "dropout_exact_count"): [("test-dropout-independent", "Likely bug: every call drops the same number")],
    ("01", "matmul_dot_for_batches"): [("test-tensor-matmul", "Likely bug: np.dot of a matrix and a batch")],
    ("03", "linear_bias_as_row"): [("test-linear", "Likely bug: a single sample (in_features,) came out with a batch "
                                                   "axis")],
    ("07", "sgd_nesterov_adds_into_grad"): [("test-zero-grad-skip", "Likely bug: grad += momentum * buf adds into "
                                                                   "param.grad itself")],
    ("07", "zero_grad_resets_state"): [("test-zero-grad-skip", "Likely bug: zero_grad() empties the state too")],
    ("07", "sgd_missing_grad_as_zero"): [("test-zero-grad-skip", "Likely bug: a missing gradient is taken as zeros")],
    ("07", "sgd_skips_zero_grad"): [("test-zero-grad-skip", "Likely bug: a zero gradient is skipped like a missing one")],
    ("08", "accuracy_target_is_max"): [("test-training-accuracy", "Likely bug: a sample counts as right when its "
                                                                  "target's score equals the row's maximum")],
    ("08", "accuracy_squeeze"): [("test-training-accuracy", "Likely bug: np.squeeze turned the (1, 3) scores")],
    ("05", "len_draws_an_epoch"): [("test-dataloader-iter", "Likely bug: len(loader) draws an epoch's order")],
    ("07", "sgd_tensor_buffer"): [("test-optimizer-dtypes", "state 'momentum_buffer' is a Tensor; keep numpy arrays")],
    ("06", "sum_backward_membership_shape"): [("test-autograd-matmul-sum-rules", "Likely bug: a negative axis counts "
                                                                                 "from the end")],
    ("06", "backward_frees_graph"): [("test-autograd-backward", "Likely bug: backward() frees the graph as it goes")],
    ("06", "backward_own_unbroadcast"): [("test-autograd-backward", "pass each through the given _reduce_input_grad")],
    ("04", "bce_machine_eps"): [("test-bce", "Likely bug: eps is float32's own resolution")],
    ("04", "ce_shift_by_row_mean"): [("test-cross-entropy-stable", "each row is shifted by its mean, not its max")],
    ("03", "dropout_eval_copy"): [("test-layers-backward", "Likely bug: it returned a new Tensor of x's data")],
    ("02", "softmax_shift_by_mean"): [("test-activations-softmax", "Likely bug: the rows are shifted by something "
                                                                   "other than their max")],
    ("01", "matmul_vector_flatten"): [("test-tensor-matmul", "Likely bug: the vector's own axis was removed with "
                                                             "reshape(-1)")],
    ("02", "softmax_transpose_for_dim0"): [("test-activations-softmax", "Likely bug: the softmax is taken over axis 0")],
    ("05", "drop_last_trim_before_shuffle"): [("test-dataloader-batch-indices", "Likely bug: N is cut to whole batches")],
    ("05", "fast_path_isinstance"): [("test-dataloader-iter", "Likely bug: __iter__ takes the fast path for every TensorDataset")],
    ("05", "fast_path_hasattr"): [("test-dataloader-iter", "Likely bug: __iter__ takes the fast path for every TensorDataset")],
    ("05", "loader_is_iterator"): [("test-dataloader-iter", "Likely bug: __iter__ returns the loader itself")],
    ("06", "leaf_grad_on_dispatch"): [("test-autograd-backward", "a root that is itself a leaf gets none")],
    ("06", "topo_mark_on_push"): [("test-autograd-graph", "adds an input to the visited set when it pushes it")],
    ("06", "topo_reversed_preorder"): [("test-autograd-graph", "That is a depth-first preorder reversed")],
    ("04", "bce_clip_in_place"): [("test-bce", "Likely bug: the probabilities are clipped in place")],
    ("04", "mse_first_last_axis"): [("test-mse", "divided by input.shape[0] * input.shape[-1] = 9 (N x C)")],
    ("07", "adam_eps_literal"): [("test-adam-sparse", "Likely bug: the step divides by sqrt(v_hat) + 1e-08, the default "
                                                      "eps written as a literal")],
    ("07", "sgd_slice_assign"): [("test-sgd", "Likely bug: the update writes through a slice, param.data[:] = ...")],
    ("08", "train_mode_attribute"): [("test-training-train-epoch",
                                      "Likely bug: `self.model.training = True` sets the outer model's flag only")],
    ("08", "inline_argmax_hits"): [(item, "Likely bug: the hits were counted with argmax(axis=1)")
                                   for item in ("test-training-train-epoch", "test-training-evaluate")],
    ("08", "accuracy_ge_half"): [("test-training-accuracy",
                                  "Likely bug: `>= 0.5` predicts class 1 for a probability of exactly 0.5")],
    ("08", "eval_mode_attribute"): [("test-training-evaluate",
                                     "Likely bug: `self.model.training = False` sets the outer model's flag only")],
    ("08", "eval_restores_mode_attribute"): [("test-training-evaluate-restores",
                                              "Likely bug: the mode was put back with `self.model.training = was_training`")],
    ("03", "dropout_row_mask"): [(item, "Likely bug: one random number per feature")
                                 for item in ("test-dropout", "test-dropout-independent")],
    ("03", "no_dedup"): [("test-module-parameters", "Likely bug: a tensor shared by two sub-modules is listed under both")],
    ("03", "no_tuples"): [("test-module-tree", "Likely bug: lists are opened but tuples are not")],
    ("03", "one_level"): [(item, "Likely bug: a sub-module's own tensors are listed, not those of its sub-modules")
                          for item in ("test-module-parameters", "test-module-tree")],
    ("03", "lists_only"): [("test-module-parameters", "Likely bug: only modules inside a list are searched"),
                           ("test-module-tree", "Or: only modules inside a list are searched")],
    ("02", "sigmoid_branches_swapped"): [("test-activations-sigmoid-tanh", "Likely bug: that is sigmoid(-x)"),
                                         ("test-activations-extremes", "Likely bug: that is sigmoid(-x)")],
    ("02", "softmax_last_axis_only"): [("test-activations-softmax", "Likely bug: the softmax is taken over the last axis")],
    ("02", "gelu_sqrt_two_pi"): [("test-activations-gelu", "Likely bug: the constant is sqrt(2 * pi)")],
    ("06", "exp_forgets_grad"): [("test-autograd-elementwise-rules", "Likely bug: the incoming grad is not multiplied in"),
                                 ("test-autograd-losses", "fix it first: exp_backward")],
    ("06", "log_over_out"): [("test-autograd-elementwise-rules", "Likely bug: grad / out divides by log(a), the output")],
    ("06", "div_b_not_squared"): [("test-autograd-elementwise-rules", "Likely bug: b is not squared")],
    ("06", "pow_no_parentheses"): [("test-autograd-elementwise-rules", "Likely bug: a ** exponent - 1 without parentheses")],
    ("06", "matmul_no_transpose"): [("test-autograd-matmul-sum-rules", "raised ValueError"),
                                    ("test-autograd-matmul-sum-rules", "grad_a = grad @ b^T and grad_b = a^T @ grad")],
    ("06", "matmul_grads_swapped"): [("test-autograd-matmul-sum-rules", "Likely bug: the two gradients are swapped")],
    ("06", "sigmoid_of_out"): [("test-autograd-activation-rules", "Likely bug: the slope was computed from the "
                                                                  "activation of out")],
    ("06", "tanh_of_out"): [("test-autograd-activation-rules", "Likely bug: the slope was computed from the activation of out")],
    ("06", "sigmoid_uses_input"): [("test-autograd-activation-rules", "Likely bug: the slope was computed from the input x")],
    ("06", "sum_no_expand"): [("test-autograd-matmul-sum-rules", "Likely bug: the summed axis was not put back")],
    ("06", "first_grad_to_all"): [(item, "Likely bug: every input gets the rule's first gradient") for item in
                                  ("test-autograd-backward", "test-autograd-graph", "test-autograd-losses")],
    ("06", "inputs_reversed"): [(item, "Likely bug: the inputs are paired with the rule's gradients in reverse order")
                                for item in ("test-autograd-backward", "test-autograd-long-chain")],
    ("06", "grad_of_output_to_inputs"): [(item, "Likely bug: the rules are not called") for item in
                                         ("test-autograd-backward", "test-autograd-nested-diamonds")],
    ("06", "grads_to_constants"): [("test-autograd-backward", "Likely bug: backward() gives a gradient to every input")],
    ("06", "relu_ge_zero"): [("test-autograd-activation-rules", "Likely bug: the mask is x >= 0, which gives")],
    ("06", "tanh_no_square"): [("test-autograd-activation-rules", "Likely bug: the square is missing")],
}

# ... and words their messages must not say: a hint that names a bug the answer does not have (H31: sub_backward
# returning (grad, grad) was told "the two gradients are swapped").
NOT_SAID = {
    ("06", "sub_sign_forgotten"): [("test-autograd-elementwise-rules", "swapped"), ("test-autograd-losses", "swapped")],
    ("06", "topo_reversed_preorder"): [("test-autograd-graph", "breadth-first")],
}

# Module 04's answers that lose the graph. Module 04 stands on modules 01-03 and checks values only,
# so those whose values are right keep all its points; module 06's test-autograd-losses runs the
# package's losses through the student's engine, and catches each of them in a copy whose module 04
# is that answer (a student's own copy after `tito export 04`). Stem -> (points module 04 takes off:
# its items that see the values, what the answer gets wrong).
GRAPH_LOST_04 = {
    "mse_numpy": (set(), "MSELoss computed with numpy on .data and wrapped in a new Tensor"),
    "ce_lse_on_data": (set(), "CrossEntropyLoss takes the log-sum-exp from .data (right value, wrong gradient)"),
    "bce_numpy_clip": ({"test-bce"}, "BCE with np.clip and np.log on .data (graph lost)"),
}

RESULTS: list[str] = []


def _defs(tree: ast.Module):
    return [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]


def _find(nb, class_name: str | None, name: str):
    """(cell index, def node) of `name` (a method of `class_name`, or a top-level function) in an exported cell."""
    for index in cells.exported_cell_indexes(nb):
        tree = ast.parse(nb.cells[index].source)
        scope = tree.body
        if class_name is not None:
            owner = next((n for n in scope if isinstance(n, ast.ClassDef) and n.name == class_name), None)
            if owner is None:
                continue
            scope = owner.body
        node = next((n for n in scope if isinstance(n, ast.FunctionDef) and n.name == name), None)
        if node is not None:
            return index, node
    return None, None


def _replace(nb, index: int, node, new_source: str) -> None:
    lines = nb.cells[index].source.split("\n")
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
    body = textwrap.indent(textwrap.dedent(new_source), " " * node.col_offset).rstrip("\n").split("\n")
    lines[start:node.end_lineno] = body
    nb.cells[index].source = "\n".join(lines)


def _add_method(nb, class_name: str, method_source: str) -> None:
    """Append a method to the body of `class_name` (defined in an exported cell)."""
    for index in cells.exported_cell_indexes(nb):
        tree = ast.parse(nb.cells[index].source)
        owner = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name), None)
        if owner is not None:
            lines = nb.cells[index].source.split("\n")
            body = textwrap.indent(textwrap.dedent(method_source), " " * (owner.col_offset + 4)).split("\n")
            lines[owner.end_lineno:owner.end_lineno] = [""] + body
            nb.cells[index].source = "\n".join(lines)
            return
    raise AssertionError(f"class {class_name} is not in the notebook")


def _segment(source_lines: list[str], node) -> str:
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
    return "\n".join(source_lines[start:node.end_lineno])


def apply_submission(nb, source: str):
    """Replace the notebook's definitions by the ones in `source` (see the module docstring)."""
    tree = ast.parse(source)
    lines = source.split("\n")
    extra, first_cell = [], None
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            methods = [m for m in node.body if isinstance(m, ast.FunctionDef)]
            found = [(m, *_find(nb, node.name, m.name)) for m in methods]
            if all(index is None for _, index, _ in found):
                extra.append(_segment(lines, node))     # a class of the student's own
                continue
            for method, index, _ in found:
                index, target = _find(nb, node.name, method.name)  # line numbers move after each edit
                if index is None:
                    _add_method(nb, node.name, _segment(lines, method))  # a helper method of the student's own
                    continue
                _replace(nb, index, target, _segment(lines, method))
                first_cell = index if first_cell is None else first_cell
        elif isinstance(node, ast.FunctionDef):
            index, target = _find(nb, None, node.name)
            if index is None:
                extra.append(_segment(lines, node))
                continue
            _replace(nb, index, target, _segment(lines, node))
            first_cell = index if first_cell is None else first_cell
        elif isinstance(node, (ast.Import, ast.ImportFrom, ast.Assign)):
            extra.append(_segment(lines, node))
    if extra:
        assert first_cell is not None, "a submission must replace at least one definition"
        nb.cells[first_cell].source += "\n\n\n" + "\n\n\n".join(extra) + "\n"
    return nb


# An answer whose backward takes exponential time loses its items to the per-item time limit: a
# shorter one than FAST's 10 s costs the suite less and still leaves every honest item (each well
# under a second) ample time.
SHORT = Limits(per_test=4, total=120, jobs=2)
TIMES_OUT = {("06", "per_path_backward")}


def _grade(number: str, stem: str, tmp_path):
    module = by_number(number)
    path = SUBMISSIONS / module.slug / f"{stem}.py"
    nb = apply_submission(reference_notebook(module), path.read_text(encoding="utf-8"))
    report = grade_notebook(module, nb, tmp_path, SHORT) if (number, stem) in TIMES_OUT else \
        grade_notebook(module, nb, tmp_path)
    assert report.error is None, report.error
    return report


@pytest.mark.parametrize("number, stem", sorted(WRONG), ids=[f"{n}-{s}" for n, s in sorted(WRONG)])
def test_wrong_answer_loses_the_items_that_check_it(number, stem, tmp_path):
    expected, description = WRONG[(number, stem)]
    report = _grade(number, stem, tmp_path)
    lost = {item.id for item in report.items if item.points_earned < item.points_possible}
    line = f"{number}/{stem}: {report.total:g}/{report.maximum:g} ({description})"
    RESULTS.append(line)
    print("\n" + line)
    assert lost == expected, f"{line}\nexpected to lose exactly {sorted(expected)}\n{grade.format_report(report)}"
    assert report.total < report.maximum
    for item, words in LIKELY.get((number, stem), ()):
        message = next(i.message for i in report.items if i.id == item)
        assert words in message, f"{line}: the message of {item} should say {words!r}, it says:\n{message}"
    for item, words in NOT_SAID.get((number, stem), ()):
        message = next(i.message for i in report.items if i.id == item)
        assert words not in message, f"{line}: the message of {item} should not say {words!r}, it says:\n{message}"


# Slow, as module 09's honest styles are: 47 gradings of answers that must keep full marks run with the slow
# tests (README line 2 and CI run both); the quick run keeps the wrong answers, which guard what the checks catch.
@pytest.mark.slow
@pytest.mark.parametrize("number, stem", sorted(CORRECT), ids=[f"{n}-{s}" for n, s in sorted(CORRECT)])
def test_correct_answer_in_another_style_scores_full_marks(number, stem, tmp_path):
    report = _grade(number, stem, tmp_path)
    line = f"{number}/{stem}: {report.total:g}/{report.maximum:g} (correct: {CORRECT[(number, stem)]})"
    RESULTS.append(line)
    print("\n" + line)
    assert report.total == report.maximum > 0, grade.format_report(report)


def _grade_06_on_04(stem: str, tmp_path):
    """The student's copy: module 04 exported from the answer `stem`, then module 06's reference graded
    against that package."""
    losses = by_number("04")
    answer = apply_submission(reference_notebook(losses), (SUBMISSIONS / losses.slug / f"{stem}.py").read_text())
    problem = export.export_into_copy(answer, losses.src, cells.export_target(losses.src), paths.package_dir(),
                                      tmp_path / "copy")
    assert problem is None, problem
    autograd = by_number("06")
    return grade.grade_submission(autograd, write_nb(reference_notebook(autograd), tmp_path / "06.ipynb"),
                                  tmp_path / "copy" / "tinytorch", FAST)


@pytest.mark.parametrize("stem", sorted(GRAPH_LOST_04))
def test_module_06_catches_the_module_04_answers_that_lose_the_graph(stem, tmp_path):
    lost_in_04, description = GRAPH_LOST_04[stem]
    report_04 = _grade("04", stem, tmp_path / "04")
    assert {item.id for item in report_04.items if item.points_earned < item.points_possible} == lost_in_04, \
        grade.format_report(report_04)
    for item, words in LIKELY.get(("04", stem), ()):
        message = next(i.message for i in report_04.items if i.id == item)
        assert words in message, f"04/{stem}: the message of {item} should say {words!r}, it says:\n{message}"
    report = _grade_06_on_04(stem, tmp_path)
    lost = {item.id: item.message for item in report.items if item.points_earned < item.points_possible}
    line = f"06 with 04/{stem}: {report.total:g}/{report.maximum:g} ({description})"
    RESULTS.append(line)
    print("\n" + line)
    assert set(lost) == {"test-autograd-losses"}, f"{line}\n{grade.format_report(report)}"
    assert ".data" in lost["test-autograd-losses"], lost["test-autograd-losses"]


def test_module_06_takes_a_module_04_in_another_honest_style_at_full_marks(tmp_path):
    """Module 04's tensor_max_style (the row maximum as a Tensor operation, not from .data) through
    module 06's check of the losses: no blame for an answer that is right."""
    report = _grade_06_on_04("tensor_max_style", tmp_path)
    assert report.total == report.maximum > 0, grade.format_report(report)


def test_every_answer_file_is_listed():
    files = {(path.parent.name[:2], path.stem) for path in SUBMISSIONS.glob("*/*.py")}
    assert files == set(WRONG) | set(CORRECT) | {("04", stem) for stem in GRAPH_LOST_04}


@pytest.mark.parametrize("number", ["01", "02", "03", "04", "05", "06", "07", "08"])
def test_at_least_six_wrong_and_one_correct_answer_per_module(number):
    assert sum(n == number for n, _ in WRONG) >= 6
    assert sum(n == number for n, _ in CORRECT) >= 1
