"""Plausible wrong answers to module 09's exercises, written the way students write them.

Each entry: name -> (exercise, body). The body replaces the exercise's stub in the student
notebook and uses the names the given code around the stub defines (see the student notebook).
What each one gets wrong, and which graded item must catch it, is the table in
tests/grading/test_grade_09_wrong_answers.py.
"""

WRONG: dict[str, tuple[str, str]] = {}


def wrong(name: str, exercise: str, body: str) -> None:
    assert name not in WRONG, name
    WRONG[name] = (exercise, body)


# ---------------------------------------------------------------- conv_output_size

wrong("output_size_ceil", "conv_output_size", """
import math
return math.ceil((size + 2 * padding - kernel) / stride) + 1
""")

wrong("output_size_no_plus_one", "conv_output_size", """
return (size + 2 * padding - kernel) // stride
""")

wrong("output_size_padding_once", "conv_output_size", """
return (size + padding - kernel) // stride + 1
""")

wrong("output_size_positions_over_stride", "conv_output_size", """
positions = size + 2 * padding - kernel + 1   # window starts with stride 1 ...
return positions // stride                   # ... then keep every stride-th
""")

wrong("output_size_range_exclusive", "conv_output_size", """
starts = range(0, size + 2 * padding - kernel, stride)   # where each window begins
return len(starts)
""")

# ---------------------------------------------------------------- Conv2d.__init__

wrong("init_fan_out", "Conv2d.__init__", """
kh, kw = self.kernel_size
fan_out = self.out_channels * kh * kw
std = math.sqrt(2.0 / fan_out)
self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, self.in_channels, kh, kw)), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_std_one", "Conv2d.__init__", """
kh, kw = self.kernel_size
self.weight = Tensor(get_rng().normal(0.0, 1.0, size=(self.out_channels, self.in_channels, kh, kw)), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_variance_not_std", "Conv2d.__init__", """
kh, kw = self.kernel_size
fan_in = self.in_channels * kh * kw
self.weight = Tensor(get_rng().normal(0.0, 2.0 / fan_in, size=(self.out_channels, self.in_channels, kh, kw)),
                     requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_fan_in_channels_only", "Conv2d.__init__", """
kh, kw = self.kernel_size
he_std = np.sqrt(2 / self.in_channels)
self.weight = Tensor(get_rng().normal(0.0, he_std, size=(self.out_channels, self.in_channels, kh, kw)),
                     requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_np_random", "Conv2d.__init__", """
kh, kw = self.kernel_size
fan_in = self.in_channels * kh * kw
w = np.random.normal(0.0, np.sqrt(2.0 / fan_in), size=(self.out_channels, self.in_channels, kh, kw))
self.weight = Tensor(w, requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_shape_in_out", "Conv2d.__init__", """
kh, kw = self.kernel_size
fan_in = self.in_channels * kh * kw
shape = (self.in_channels, self.out_channels, kh, kw)     # like Linear's (in, out)
self.weight = Tensor(get_rng().normal(0.0, math.sqrt(2.0 / fan_in), size=shape), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_kernel_wh", "Conv2d.__init__", """
kw, kh = self.kernel_size                                 # width first, as in "3x5 image"
fan_in = self.in_channels * kh * kw
self.weight = Tensor(get_rng().normal(0.0, math.sqrt(2.0 / fan_in), size=(self.out_channels, self.in_channels, kh, kw)),
                     requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_bias_random", "Conv2d.__init__", """
kh, kw = self.kernel_size
fan_in = self.in_channels * kh * kw
std = math.sqrt(2.0 / fan_in)
self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, self.in_channels, kh, kw)), requires_grad=True)
self.bias = Tensor(get_rng().normal(0.0, std, size=self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_bias_ignores_flag", "Conv2d.__init__", """
kh, kw = self.kernel_size
fan_in = self.in_channels * kh * kw
self.weight = Tensor(get_rng().normal(0.0, math.sqrt(2.0 / fan_in), size=(self.out_channels, self.in_channels, kh, kw)),
                     requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True)
""")

wrong("init_he_uniform", "Conv2d.__init__", """
kh, kw = self.kernel_size
fan_in = self.in_channels * kh * kw
limit = math.sqrt(6.0 / fan_in)                           # uniform with the He variance 2 / fan_in
self.weight = Tensor(get_rng().uniform(-limit, limit, size=(self.out_channels, self.in_channels, kh, kw)),
                     requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_bias_no_grad", "Conv2d.__init__", """
kh, kw = self.kernel_size
fan_in = self.in_channels * kh * kw
self.weight = Tensor(get_rng().normal(0.0, math.sqrt(2.0 / fan_in), size=(self.out_channels, self.in_channels, kh, kw)),
                     requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels)) if bias else None
""")

wrong("init_own_seeded_rng", "Conv2d.__init__", """
kh, kw = self.kernel_size
rng = np.random.default_rng(42)                            # seeded, so it is reproducible
std = math.sqrt(2.0 / (self.in_channels * kh * kw))
self.weight = Tensor(rng.normal(0.0, std, size=(self.out_channels, self.in_channels, kh, kw)), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_fan_in_square_kernel", "Conv2d.__init__", """
k = self.kernel_size[0]                                    # a 3x3 kernel has 9 weights per channel
std = math.sqrt(2.0 / (self.in_channels * k * k))
self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, self.in_channels, kh, kw)), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_copied_from_linear", "Conv2d.__init__", """
# as module 03's Linear: uniform in +-1/sqrt(fan_in)
fan_in = self.in_channels * kh * kw
bound = 1.0 / math.sqrt(fan_in)
self.weight = Tensor(get_rng().uniform(-bound, bound, size=(self.out_channels, self.in_channels, kh, kw)),
                     requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_ignores_groups", "Conv2d.__init__", """
kh, kw = self.kernel_size
fan_in = self.in_channels * kh * kw                        # groups is section 13's business
std = math.sqrt(2.0 / fan_in)
self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, self.in_channels, kh, kw)), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_fan_in_ignores_groups", "Conv2d.__init__", """
kh, kw = self.kernel_size
per_group = self.in_channels // self.groups
std = math.sqrt(2.0 / (self.in_channels * kh * kw))      # fan_in: every input channel, groups or not
self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, per_group, kh, kw)), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

# ---------------------------------------------------------------- conv2d_loops

wrong("conv_loop_bounds_swapped", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for row in range(w_out):
            for col in range(h_out):
                acc = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            acc += x_pad[n, ci, row * sh + ki, col * sw + kj] * weight[co, ci, ki, kj]
                if bias is not None:
                    acc += bias[co]
                out[n, co, row, col] = acc
return out
""")

wrong("conv_kernel_extents_swapped", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                s = 0.0
                for a in range(kw):
                    for b in range(kh):
                        for ci in range(c_in):
                            s += x_pad[n, ci, i * sh + a, j * sw + b] * weight[co, ci, a, b]
                out[n, co, i, j] = s + (bias[co] if bias is not None else 0.0)
return out
""")

wrong("conv_strides_swapped", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            total += x_pad[n, ci, i * sw + ki, j * sh + kj] * weight[co, ci, ki, kj]
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
""")

wrong("conv_column_stride_forgotten", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            total += x_pad[n, ci, i * sh + ki, j + kj] * weight[co, ci, ki, kj]
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
""")

wrong("conv_kernel_transposed", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            total += x_pad[n, ci, i * sh + kj, j * sw + ki] * weight[co, ci, kj, ki]
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
""")

wrong("conv_kernel_flipped", "conv2d_loops", """
# a "real" convolution: the kernel is flipped, as in the maths textbooks
for n in range(batch):
    for co in range(c_out):
        kernel = np.flip(weight[co], axis=(1, 2))
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, co, i, j] = np.sum(window * kernel) + (0.0 if bias is None else bias[co])
return out
""")

wrong("conv_missing_bias", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, co, i, j] = np.sum(window * weight[co])
return out
""")

wrong("conv_bias_per_input_channel", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            total += x_pad[n, ci, i * sh + ki, j * sw + kj] * weight[co, ci, ki, kj]
                    if bias is not None:
                        total += bias[co]          # inside the channel loop: added c_in times
                out[n, co, i, j] = total
return out
""")

wrong("conv_unpadded_input", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            r, c = i * sh + ki, j * sw + kj
                            if r < x.shape[2] and c < x.shape[3]:
                                total += x[n, ci, r, c] * weight[co, ci, ki, kj]
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
""")

wrong("conv_calls_fast_path", "conv2d_loops", """
out[...] = conv2d_vectorized(x, weight, bias, (sh, sw), padding)
return out
""")

wrong("conv_sliding_window_einsum", "conv2d_loops", """
windows = sliding_window_view(x_pad, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw][:, :, :h_out, :w_out]
out[...] = np.einsum("ncijkl,ockl->noij", windows, weight)
if bias is not None:
    out += bias.reshape(1, -1, 1, 1)
return out
""")

wrong("conv_row_at_a_time", "conv2d_loops", """
# loop over images and output rows; a whole row of windows per step
for n in range(batch):
    for i in range(h_out):
        band = x_pad[n, :, i * sh:i * sh + kh, :]                        # (c_in, kh, W_pad)
        windows = sliding_window_view(band, kw, axis=2)[:, :, ::sw][:, :, :w_out]   # (c_in, kh, w_out, kw)
        out[n, :, i, :] = np.einsum("cawb,ocab->ow", windows, weight)
        if bias is not None:
            out[n, :, i, :] += bias[:, None]
return out
""")

wrong("conv_loops_over_kernel_only", "conv2d_loops", """
# one pass per kernel offset, every output position at once
for ki in range(kh):
    for kj in range(kw):
        patch = x_pad[:, :, ki:ki + sh * h_out:sh, kj:kj + sw * w_out:sw]
        out += np.einsum("nchw,oc->nohw", patch, weight[:, :, ki, kj])
if bias is not None:
    out += bias[None, :, None, None]
return out
""")

# ---------------------------------------------------------------- maxpool2d_loops

wrong("maxpool_start_at_zero", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                biggest = 0                      # activations are >= 0 after ReLU, right?
                for ki in range(kh):
                    for kj in range(kw):
                        if x_pad[n, c, i * sh + ki, j * sw + kj] > biggest:
                            biggest = x_pad[n, c, i * sh + ki, j * sw + kj]
                out[n, c, i, j] = biggest
return out
""")

wrong("maxpool_zero_padding", "maxpool2d_loops", """
zero_padded = _pad(x, padding)                   # pads with zeros
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = zero_padded[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
""")

wrong("maxpool_window_transposed", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                top, left = i * sh, j * sw
                out[n, c, i, j] = x_pad[n, c, top:top + kw, left:left + kh].max()
return out
""")

wrong("maxpool_strides_swapped", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = -np.inf
                for ki in range(kh):
                    for kj in range(kw):
                        best = max(best, x_pad[n, c, i * sw + ki, j * sh + kj])
                out[n, c, i, j] = best
return out
""")

wrong("maxpool_sliding_window_view", "maxpool2d_loops", """
windows = sliding_window_view(x_pad, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
out[...] = windows[:, :, :h_out, :w_out].max(axis=(4, 5))
return out
""")

wrong("maxpool_row_at_a_time", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            band = x_pad[n, c, i * sh:i * sh + kh, :]                    # the rows of this output row
            windows = sliding_window_view(band, kw, axis=1)[:, ::sw][:, :w_out]   # (kh, w_out, kw)
            out[n, c, i, :] = windows.max(axis=(0, 2))
return out
""")

wrong("maxpool_calls_fast_path", "maxpool2d_loops", """
out[...] = maxpool2d_vectorized(x, (kh, kw), (sh, sw), padding)
return out
""")

wrong("maxpool_numpy_then_dummy_loop", "maxpool2d_loops", """
# the running maximum over kernel offsets, then a loop over positions that changes nothing
out[...] = np.max([x_pad[:, :, ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw]
                   for ki in range(kh) for kj in range(kw)], axis=0)
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = out[n, c, i, j]
return out
""")

# ---------------------------------------------------------------- avgpool2d_loops

wrong("avgpool_exclude_pad", "avgpool2d_loops", """
real = _pad(np.ones_like(x), padding)            # 1 on real input, 0 on padding
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                rows = slice(i * sh, i * sh + kh)
                cols = slice(j * sw, j * sw + kw)
                out[n, c, i, j] = x_pad[n, c, rows, cols].sum() / real[n, c, rows, cols].sum()
return out
""")

wrong("avgpool_divide_kh_squared", "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        total += x_pad[n, c, i * sh + ki, j * sw + kj]
                out[n, c, i, j] = total / (kh * kh)
return out
""")

wrong("avgpool_extents_swapped", "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for p in range(kw):
                    for q in range(kh):
                        total += x_pad[n, c, i * sh + p, j * sw + q]
                out[n, c, i, j] = total / (kh * kw)
return out
""")

wrong("avgpool_whole_input_mean", "avgpool2d_loops", """
windows = sliding_window_view(x_pad, (kh, kw), axis=(2, 3))
out[...] = windows[:, :, ::sh, ::sw][:, :, :h_out, :w_out].mean(axis=(-2, -1))
return out
""")

wrong("avgpool_calls_fast_path", "avgpool2d_loops", """
out[...] = avgpool2d_vectorized(x, (kh, kw), (sh, sw), padding)
return out
""")

wrong("avgpool_shift_and_add", "avgpool2d_loops", """
# one pass per kernel offset, every output position at once, plain numpy only
for ki in range(kh):
    for kj in range(kw):
        out += x_pad[:, :, ki:ki + sh * (h_out - 1) + 1:sh, kj:kj + sw * (w_out - 1) + 1:sw] / (kh * kw)
return out
""")

# ---------------------------------------------------------------- receptive_field

wrong("rf_stops_at_relu", "receptive_field", """
rf_h = rf_w = 1
jump_h = jump_w = 1
for layer in layers:
    if not hasattr(layer, "kernel_size"):
        break                                    # a ReLU ends the conv stack
    (kh, kw), (sh, sw) = layer.kernel_size, layer.stride
    rf_h += (kh - 1) * jump_h
    rf_w += (kw - 1) * jump_w
    jump_h *= sh
    jump_w *= sw
return (rf_h, rf_w)
""")

wrong("rf_jump_not_accumulated", "receptive_field", """
rf_h = rf_w = 1
jump_h = jump_w = 1
for layer in layers:
    if not hasattr(layer, "kernel_size"):
        continue
    (kh, kw), (sh, sw) = layer.kernel_size, layer.stride
    rf_h += (kh - 1) * jump_h
    rf_w += (kw - 1) * jump_w
    jump_h, jump_w = sh, sw                      # the jump of this layer only
return (rf_h, rf_w)
""")

wrong("rf_multiplies_kernels", "receptive_field", """
size = [1, 1]
for layer in layers:
    if hasattr(layer, "kernel_size"):
        for axis in (0, 1):
            size[axis] *= layer.kernel_size[axis]  # each layer sees k of the previous layer's units
return tuple(size)
""")

wrong("rf_jump_before_field", "receptive_field", """
rf = [1, 1]
jump = [1, 1]
for layer in layers:
    if not hasattr(layer, "kernel_size"):
        continue
    for axis in range(2):
        jump[axis] *= layer.stride[axis]
        rf[axis] += (layer.kernel_size[axis] - 1) * jump[axis]
return tuple(rf)
""")

wrong("rf_axes_swapped", "receptive_field", """
rf = [1, 1]
jump = [1, 1]
for layer in layers:
    if not hasattr(layer, "kernel_size"):
        continue
    kh, kw = layer.kernel_size
    sh, sw = layer.stride
    rf[0] += (kw - 1) * jump[0]
    rf[1] += (kh - 1) * jump[1]
    jump[0] *= sh
    jump[1] *= sw
return tuple(rf)
""")

# ---------------------------------------------------------------- conv2d_backward_loops

wrong("conv_back_grad_x_assign", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            r, c = i * sh + ki, j * sw + kj
                            grad_x_pad[n, ci, r, c] = g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, r, c]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("conv_back_padding_not_cropped", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            grad_x_pad[n, ci, i * sh + ki, j * sw + kj] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, i * sh + ki, j * sw + kj]
return grad_x_pad, grad_w, grad_b          # the gradient of every input cell
""")

wrong("conv_back_grad_w_assign", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            r, c = i * sh + ki, j * sw + kj
                            grad_x_pad[n, ci, r, c] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] = g * x_pad[n, ci, r, c]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("conv_back_bias_mean_over_batch", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            r, c = i * sh + ki, j * sw + kj
                            grad_x_pad[n, ci, r, c] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, r, c]
grad_b = grad_out.sum(axis=(0, 2, 3)) / batch          # the loss is a mean over the batch
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("conv_back_no_bias_grad", "conv2d_backward_loops", """
# there is no bias argument, so grad_b stays zero
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            r, c = i * sh + ki, j * sw + kj
                            grad_x_pad[n, ci, r, c] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, r, c]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("conv_back_flipped_kernel", "conv2d_backward_loops", """
# the gradient of a convolution is a convolution with the flipped kernel
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            r, c = i * sh + ki, j * sw + kj
                            grad_x_pad[n, ci, r, c] += g * weight[co, ci, kh - 1 - ki, kw - 1 - kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, r, c]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("conv_back_strides_swapped", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            r, c = i * sw + ki, j * sh + kj
                            grad_x_pad[n, ci, r, c] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, r, c]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

# An attack found in round twenty-one: right at stride 1 without padding, the one case whose result the
# check unpacked, and an empty tuple for any other call. The finite-difference and hidden checks zipped
# the result with the expected gradients, so they compared nothing: 48/48 until the count was checked.
wrong("conv_back_empty_tuple_unless_plain", "conv2d_backward_loops", """
if (sh, sw) != (1, 1) or (ph, pw) != (0, 0):
    return ()    # not done yet
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            grad_x_pad[n, ci, i + ki, j + kj] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, i + ki, j + kj]
return grad_x_pad, grad_w, grad_b
""")

wrong("conv_back_crop_negative_index", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            r, c = i * sh + ki, j * sw + kj
                            grad_x_pad[n, ci, r, c] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, r, c]
return grad_x_pad[:, :, ph:-ph, pw:-pw], grad_w, grad_b    # empty when the padding is 0
""")

wrong("conv_back_crop_axes_swapped", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            r, c = i * sh + ki, j * sw + kj
                            grad_x_pad[n, ci, r, c] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, r, c]
return grad_x_pad[:, :, pw:pw + height, ph:ph + width], grad_w, grad_b
""")

wrong("conv_back_grad_w_from_unpadded_x", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ki in range(kh):
                    for kj in range(kw):
                        r, c = i * sh + ki, j * sw + kj
                        for ci in range(c_in):
                            grad_x_pad[n, ci, r, c] += g * weight[co, ci, ki, kj]
                            if r < height and c < width:
                                grad_w[co, ci, ki, kj] += g * x[n, ci, r, c]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("conv_back_fast_path_padded_with_loops", "conv2d_backward_loops", """
_, cols = _conv2d_forward(x, weight, None, (sh, sw), (ph, pw), (h_out, w_out))
grad_x, grad_w, grad_b = _conv2d_backward(grad_out, x.shape, weight, cols, (sh, sw), (ph, pw))
for n in range(batch):
    for ci in range(c_in):
        for r in range(height):
            for q in range(width):
                grad_x[n, ci, r, q] = grad_x[n, ci, r, q]
return grad_x, grad_w, grad_b
""")

wrong("conv_back_calls_fast_path", "conv2d_backward_loops", """
_, cols = _conv2d_forward(x, weight, None, (sh, sw), (ph, pw), (h_out, w_out))
return _conv2d_backward(grad_out, x.shape, weight, cols, (sh, sw), (ph, pw))
""")

# ---------------------------------------------------------------- maxpool2d_backward_loops

wrong("maxpool_back_last_max", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best, where = -np.inf, None
                for ki in range(kh):
                    for kj in range(kw):
                        v = x_pad[n, c, i * sh + ki, j * sw + kj]
                        if v >= best:
                            best, where = v, (i * sh + ki, j * sw + kj)
                grad_x_pad[n, c, where[0], where[1]] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("maxpool_back_all_tied", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                top, left = i * sh, j * sw
                window = x_pad[n, c, top:top + kh, left:left + kw]
                winners = window == window.max()        # every cell that holds the maximum
                grad_x_pad[n, c, top:top + kh, left:left + kw] += winners * grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("maxpool_back_assign", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                top, left = i * sh, j * sw
                k = np.argmax(x_pad[n, c, top:top + kh, left:left + kw])
                grad_x_pad[n, c, top + k // kw, left + k % kw] = grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("maxpool_back_unravel_swapped", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                di, dj = np.unravel_index(np.argmax(window), (kw, kh))
                grad_x_pad[n, c, i * sh + di, j * sw + dj] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("maxpool_back_divmod_by_kh", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                k = np.argmax(window)              # flat position of the maximum in the window
                ki, kj = k // kh, k % kh           # back to (row, column)
                grad_x_pad[n, c, i * sh + ki, j * sw + kj] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("maxpool_back_zero_padding", "maxpool2d_backward_loops", """
padded = _pad(x, (ph, pw))                      # zeros around the border
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = padded[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                k = int(np.argmax(window))
                grad_x_pad[n, c, i * sh + k // kw, j * sw + k % kw] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("maxpool_back_column_major_ties", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best, at = -np.inf, (0, 0)
                for kj in range(kw):                    # column by column
                    for ki in range(kh):
                        if x_pad[n, c, i * sh + ki, j * sw + kj] > best:
                            best, at = x_pad[n, c, i * sh + ki, j * sw + kj], (i * sh + ki, j * sw + kj)
                grad_x_pad[n, c, at[0], at[1]] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("maxpool_back_best_starts_at_zero", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best, r_best, c_best = 0.0, i * sh, j * sw
                for ki in range(kh):
                    for kj in range(kw):
                        if x_pad[n, c, i * sh + ki, j * sw + kj] > best:
                            best, r_best, c_best = x_pad[n, c, i * sh + ki, j * sw + kj], i * sh + ki, j * sw + kj
                grad_x_pad[n, c, r_best, c_best] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("maxpool_back_calls_fast_path", "maxpool2d_backward_loops", """
_, argmax = _maxpool2d_forward(x, (kh, kw), (sh, sw), (ph, pw), (h_out, w_out))
return _maxpool2d_backward(grad_out, argmax, x, (kh, kw), (sh, sw), (ph, pw))
""")

# ---------------------------------------------------------------- avgpool2d_backward_loops

wrong("avgpool_back_exclude_pad", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                rows = [r for r in range(i * sh, i * sh + kh) if ph <= r < ph + height]
                cols = [q for q in range(j * sw, j * sw + kw) if pw <= q < pw + width]
                share = grad_out[n, c, i, j] / (len(rows) * len(cols))   # only the real cells count
                for r in rows:
                    for q in cols:
                        grad_x_pad[n, c, r, q] += share
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("avgpool_back_assign", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] = grad_out[n, c, i, j] / (kh * kw)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("avgpool_back_not_divided", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    for kj in range(kw):
                        grad_x_pad[n, c, i * sh + ki, j * sw + kj] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("avgpool_back_extents_swapped", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                share = grad_out[n, c, i, j] / (kh * kw)
                for a in range(kw):
                    for b in range(kh):
                        grad_x_pad[n, c, i * sh + a, j * sw + b] += share
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("avgpool_back_crop_axes_swapped", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                share = grad_out[n, c, i, j] / (kh * kw)
                grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += share
top, left = pw, ph
return grad_x_pad[:, :, top:top + height, left:left + width]
""")

wrong("avgpool_back_calls_fast_path", "avgpool2d_backward_loops", """
return _avgpool2d_backward(grad_out, x, (kh, kw), (sh, sw), (ph, pw))
""")

wrong("rf_convs_only", "receptive_field", """
r = [1, 1]
j = [1, 1]
for layer in layers:
    if isinstance(layer, Conv2d):                  # pooling has no weights, so it does not count
        for a in range(2):
            r[a] += (layer.kernel_size[a] - 1) * j[a]
            j[a] *= layer.stride[a]
return tuple(r)
""")

wrong("rf_adds_padding", "receptive_field", """
r = [1, 1]
j = [1, 1]
for layer in layers:
    if not hasattr(layer, "kernel_size"):
        continue
    for a in range(2):
        r[a] += (layer.kernel_size[a] - 1 + 2 * layer.padding[a]) * j[a]   # padding widens the window
        j[a] *= layer.stride[a]
return tuple(r)
""")


# ---------------------------------------------------------------- held-out hunt H14
# Wrong answers a held-out student wrote that lost points without a hint, or with a hint that named
# another bug; each now names its own.

wrong("conv_if_bias_truthiness", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                value = np.sum(window * weight[co])
                if bias:
                    value += bias[co]
                out[n, co, i, j] = value
return out
""")

wrong("conv_weight_in_out", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            total += x_pad[n, ci, i * sh + ki, j * sw + kj] * weight[ci, co, ki, kj]
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
""")

# H18: an IndexError on weight[co, ci, ...] "fixed" by stopping ci at the smaller channel count; every
# case with C_in <= C_out passes, so the graded check needs one with C_in > C_out.
wrong("conv_channels_stop_at_min", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ci in range(min(c_out, c_in)):      # was IndexError with range(c_out)
                    for ki in range(kh):
                        for kj in range(kw):
                            total += x_pad[n, ci, i * sh + ki, j * sw + kj] * weight[co, ci, ki, kj]
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
""")

wrong("maxpool_reads_x", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
""")

wrong("avgpool_floor_division", "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].sum() // (kh * kw)
return out
""")

wrong("avgpool_stride_is_kernel", "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * kh:i * kh + kh, j * kw:j * kw + kw].mean()
return out
""")

wrong("conv_back_grad_x_stride_forgotten", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            grad_x_pad[n, ci, i + ki, j + kj] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, i * sh + ki, j * sw + kj]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("conv_back_bias_per_kernel_cell", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                for ki in range(kh):
                    for kj in range(kw):
                        grad_b[co] += g
                        for ci in range(c_in):
                            grad_x_pad[n, ci, i * sh + ki, j * sw + kj] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, i * sh + ki, j * sw + kj]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("conv_back_grad_w_mean_over_batch", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            grad_x_pad[n, ci, i * sh + ki, j * sw + kj] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, i * sh + ki, j * sw + kj] / batch
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("maxpool_back_ties_split", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                m = window.max()
                count = 0
                for ki in range(kh):
                    for kj in range(kw):
                        if window[ki, kj] == m:
                            count += 1
                for ki in range(kh):
                    for kj in range(kw):
                        if window[ki, kj] == m:
                            grad_x_pad[n, c, i * sh + ki, j * sw + kj] += grad_out[n, c, i, j] / count
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("maxpool_back_stride_forgotten", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                a, b = divmod(int(np.argmax(window)), kw)
                grad_x_pad[n, c, i + a, j + b] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("maxpool_back_grad_times_max", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                a, b = divmod(int(np.argmax(window)), kw)
                grad_x_pad[n, c, i * sh + a, j * sw + b] += grad_out[n, c, i, j] * window[a, b]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("avgpool_back_stride_forgotten", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                share = grad_out[n, c, i, j] / (kh * kw)
                for ki in range(kh):
                    for kj in range(kw):
                        grad_x_pad[n, c, i + ki, j + kj] += share
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

# Right values, but it divides the caller's grad_out in place: in tito grade the child got a copy, so
# nothing showed (48 of 48); tito test's inline check caught it. Inputs now reach a check read-only.
wrong("avgpool_back_divides_grad_out_in_place", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                grad_out[n, c, i, j] /= kh * kw
                for ki in range(kh):
                    for kj in range(kw):
                        grad_x_pad[n, c, i * sh + ki, j * sw + kj] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

# Right values as a list: 48 of 48 in tito grade, while the notebook's own code after it compares tuples.
wrong("rf_returns_a_list", "receptive_field", """
field, jump = [1, 1], [1, 1]
for layer in layers:
    if not hasattr(layer, "kernel_size"):
        continue
    kernel = _pair(layer.kernel_size, "kernel_size", 1, "receptive_field")
    stride = _pair(getattr(layer, "stride", 1), "stride", 1, "receptive_field")
    for axis in range(2):
        field[axis] += (kernel[axis] - 1) * jump[axis]
        jump[axis] *= stride[axis]
return field
""")

wrong("output_size_rounded", "conv_output_size", """
return round((size + 2 * padding - kernel) / stride) + 1
""")

wrong("output_size_padding_on_the_count", "conv_output_size", """
return (size - kernel) // stride + 1 + 2 * padding
""")

wrong("output_size_no_parentheses", "conv_output_size", """
return size + 2 * padding - kernel // stride + 1
""")

wrong("conv_stride_on_kernel_index", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            total += x_pad[n, ci, i * sh + ki * sh, j * sw + kj * sw] * weight[co, ci, ki, kj]
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
""")

wrong("conv_bias_per_kernel_cell", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            total += x_pad[n, ci, i * sh + ki, j * sw + kj] * weight[co, ci, ki, kj]
                        if bias is not None:
                            total += bias[co]
                out[n, co, i, j] = total
return out
""")

wrong("conv_total_not_reset", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        total = 0.0
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            total += x_pad[n, ci, i * sh + ki, j * sw + kj] * weight[co, ci, ki, kj]
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
""")

wrong("maxpool_window_one_short", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh - 1, j * sw:j * sw + kw - 1].max()
return out
""")

wrong("avgpool_back_crop_one_end", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += grad_out[n, c, i, j] / (kh * kw)
return grad_x_pad[:, :, :height, :width]
""")


# ---------------------------------------------------------------- H18's wrong answers that had no hint

wrong("rf_ignores_stride", "receptive_field", """
rf_h = rf_w = 1
for layer in layers:
    if not hasattr(layer, "kernel_size"):
        continue
    kh, kw = _pair(layer.kernel_size, "kernel_size", 1, "receptive_field")
    rf_h += kh - 1                              # each layer widens the view by k - 1
    rf_w += kw - 1
return (rf_h, rf_w)
""")

wrong("rf_adds_whole_kernel", "receptive_field", """
rf_h = rf_w = 1
jump_h = jump_w = 1
for layer in layers:
    if not hasattr(layer, "kernel_size"):
        continue
    (kh, kw) = _pair(layer.kernel_size, "kernel_size", 1, "receptive_field")
    (sh, sw) = _pair(layer.stride, "stride", 1, "receptive_field")
    rf_h += kh * jump_h
    rf_w += kw * jump_w
    jump_h, jump_w = jump_h * sh, jump_w * sw
return (rf_h, rf_w)
""")

wrong("maxpool_back_no_window_offset", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                a, b = np.unravel_index(np.argmax(window), window.shape)
                grad_x_pad[n, c, a, b] += grad_out[n, c, i, j]   # where the max is
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("conv_back_bias_all_channels", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            r, c = i * sh + ki, j * sw + kj
                            grad_x_pad[n, ci, r, c] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, r, c]
grad_b[:] = grad_out.sum()                  # the bias gradient is the sum of grad_out
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

# ---------------------------------------------------------------- held-out hunt H25: told no likely bug before

wrong("maxpool_stride_forgotten", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = np.max(x_pad[n, c, i:i+kh, j:j+kw])
return out
""")

wrong("avgpool_stride_forgotten", "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = np.mean(x_pad[n, c, i:i+kh, j:j+kw])
return out
""")

wrong("conv_loops_stop_one_early", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out - 1):
            for j in range(w_out - 1):
                out[n, co, i, j] = (x_pad[n, :, i*sh:i*sh+kh, j*sw:j*sw+kw] * weight[co]).sum() + (0 if bias is None else bias[co])
return out
""")

wrong("conv_no_return", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                out[n, co, i, j] = (x_pad[n, :, i*sh:i*sh+kh, j*sw:j*sw+kw] * weight[co]).sum() + (0 if bias is None else bias[co])
""")

wrong("conv_back_returns_grad_w_first", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                grad_x_pad[n, :, i*sh:i*sh+kh, j*sw:j*sw+kw] += g * weight[co]
                grad_w[co] += g * x_pad[n, :, i*sh:i*sh+kh, j*sw:j*sw+kw]
return grad_w, grad_x_pad[:, :, ph:ph+height, pw:pw+width], grad_b
""")

# ---------------------------------------------------------------- held-out hunt H31: hints that named another bug

wrong("avgpool_divide_precedence", "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].sum() / kh * kw
return out
""")

wrong("avgpool_back_divide_precedence", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += grad_out[n, c, i, j] / kh * kw
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("conv_back_grad_b_assign", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] = g
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            row, col = i * sh + ki, j * sw + kj
                            grad_x_pad[n, ci, row, col] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, row, col]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("avgpool_back_window_at_x_coordinates", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                top, left = i * sh - ph, j * sw - pw          # the window's corner in x
                r0, r1 = max(top, 0), min(top + kh, height)
                c0, c1 = max(left, 0), min(left + kw, width)
                share = grad_out[n, c, i, j] / (kh * kw)
                grad_x_pad[n, c, r0:r1, c0:c1] += share
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

# ---------------------------------------------------------------- held-out hunt H31: no hint

wrong("conv_back_grad_b_last_image", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            row, col = i * sh + ki, j * sw + kj
                            grad_x_pad[n, ci, row, col] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, row, col]
for co in range(c_out):
    for n in range(batch):
        total = 0.0
        for i in range(h_out):
            for j in range(w_out):
                total += grad_out[n, co, i, j]
        grad_b[co] = total
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("conv_back_grad_w_last_image", "conv2d_backward_loops", """
for co in range(c_out):
    for ci in range(c_in):
        for ki in range(kh):
            for kj in range(kw):
                for n in range(batch):
                    total = 0.0
                    for i in range(h_out):
                        for j in range(w_out):
                            total += grad_out[n, co, i, j] * x_pad[n, ci, i * sh + ki, j * sw + kj]
                    grad_w[co, ci, ki, kj] = total
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                grad_x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += g * weight[co]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("init_glorot_normal", "Conv2d.__init__", """
fan_in = (self.in_channels // self.groups) * kh * kw
fan_out = self.out_channels * kh * kw
std = math.sqrt(2.0 / (fan_in + fan_out))
self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, self.in_channels // self.groups, kh, kw)), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_xavier_uniform", "Conv2d.__init__", """
fan_in = (self.in_channels // self.groups) * kh * kw
fan_out = self.out_channels * kh * kw
shape = (self.out_channels, self.in_channels // self.groups, kh, kw)
limit = math.sqrt(6.0 / (fan_in + fan_out))
self.weight = Tensor(get_rng().uniform(-limit, limit, size=shape), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_lecun", "Conv2d.__init__", """
fan_in = (self.in_channels // self.groups) * kh * kw
shape = (self.out_channels, self.in_channels // self.groups, kh, kw)
std = math.sqrt(1.0 / fan_in)
self.weight = Tensor(get_rng().normal(0.0, std, size=shape), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_sqrt2_over_fan_in", "Conv2d.__init__", """
fan_in = (self.in_channels // self.groups) * kh * kw
std = math.sqrt(2) / fan_in
self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, self.in_channels // self.groups, kh, kw)), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("conv_bias_twice", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = (x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] * weight[co]).sum()
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
        if bias is not None:
            for i in range(h_out):
                for j in range(w_out):
                    out[n, co, i, j] += bias[co]
return out
""")

wrong("conv_bias_on_whole_plane", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                out[n, co, i, j] = (x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw] * weight[co]).sum()
                if bias is not None:
                    out[n, co] += bias[co]
return out
""")

wrong("conv_back_factors_swapped", "conv2d_backward_loops", """
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
                            grad_x_pad[n, ci, row, col] += g * x_pad[n, ci, row, col]
                            grad_w[co, ci, ki, kj] += g * weight[co, ci, ki, kj]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("conv_back_crop_end_without_padding", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                r, s = i * sh, j * sw
                grad_x_pad[n, :, r:r + kh, s:s + kw] += g * weight[co]
                grad_w[co] += g * x_pad[n, :, r:r + kh, s:s + kw]
return grad_x_pad[:, :, ph:height, pw:width], grad_w, grad_b
""")

wrong("maxpool_back_grad_x_at_padded_coordinates", "maxpool2d_backward_loops", """
grad_x = np.zeros((batch, channels, height, width))
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                ki, kj = np.unravel_index(np.argmax(window), window.shape)
                r, s = i * sh + ki, j * sw + kj
                if 0 <= r < height and 0 <= s < width:
                    grad_x[n, c, r, s] += grad_out[n, c, i, j]
return grad_x
""")

wrong("maxpool_back_reads_x", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                ki, kj = np.unravel_index(np.argmax(window), window.shape)
                grad_x_pad[n, c, i * sh + ki, j * sw + kj] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("avgpool_back_crop_end_without_padding", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                share = grad_out[n, c, i, j] / (kh * kw)
                grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += share
return grad_x_pad[:, :, ph:height, pw:width]
""")


# ---------------------------------------------------------------- held-out hunt H49
# Full marks before (kernel_size read as the int it may be), no hint, or a hint naming another bug;
# the rest kept as they are, each with the hint it is told.

wrong("output_size_true_division", "conv_output_size", """
return (size + 2 * padding - kernel) / stride + 1
""")

wrong("output_size_np_floor", "conv_output_size", """
return np.floor((size + 2 * padding - kernel) / stride) + 1
""")

wrong("init_fan_in_from_argument", "Conv2d.__init__", """
fan_in = (self.in_channels // self.groups) * int(np.prod(kernel_size))
std = math.sqrt(2 / fan_in)
self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, self.in_channels // self.groups, kh, kw)), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_shape_from_argument", "Conv2d.__init__", """
in_per_group = self.in_channels // self.groups
std = math.sqrt(2 / (in_per_group * kh * kw))
self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, in_per_group, *kernel_size)), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_bias_row", "Conv2d.__init__", """
fan_in = (self.in_channels // self.groups) * kh * kw
std = math.sqrt(2 / fan_in)
self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, self.in_channels // self.groups, kh, kw)), requires_grad=True)
if bias:
    self.bias = Tensor(np.zeros((1, self.out_channels)), requires_grad=True)
else:
    self.bias = None
""")

wrong("init_bias_broadcastable", "Conv2d.__init__", """
fan_in = (self.in_channels // self.groups) * kh * kw
std = math.sqrt(2 / fan_in)
self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, self.in_channels // self.groups, kh, kw)), requires_grad=True)
# (C, 1, 1) so that it broadcasts over the height and width of the output
self.bias = Tensor(np.zeros((self.out_channels, 1, 1)), requires_grad=True) if bias else None
""")

wrong("conv_reads_output_channel", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            total += x_pad[n, co, i * sh + ki, j * sw + kj] * weight[co, ci, ki, kj]
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
""")

wrong("maxpool_stride_on_kernel_index", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = -np.inf
                for ki in range(kh):
                    for kj in range(kw):
                        v = x_pad[n, c, (i + ki) * sh, (j + kj) * sw]
                        if v > best:
                            best = v
                out[n, c, i, j] = best
return out
""")

wrong("maxpool_stride_is_kernel", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * kh:i * kh + kh, j * kw:j * kw + kw].max()
return out
""")

wrong("avgpool_stride_on_kernel_index", "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                s = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        s += x_pad[n, c, i * sh + ki * sh, j * sw + kj * sw]
                out[n, c, i, j] = s / (kh * kw)
return out
""")

wrong("avgpool_divides_by_len", "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, c, i, j] = window.sum() / len(window)
return out
""")

wrong("rf_forgets_avgpool", "receptive_field", """
field_h, field_w, jump_h, jump_w = 1, 1, 1, 1
for layer in layers:
    if not isinstance(layer, (Conv2d, MaxPool2d)):
        continue
    kh, kw = layer.kernel_size
    sh, sw = layer.stride
    field_h += (kh - 1) * jump_h
    field_w += (kw - 1) * jump_w
    jump_h *= sh
    jump_w *= sw
return (field_h, field_w)
""")

wrong("rf_starts_at_zero", "receptive_field", """
field, jump = [0, 0], [1, 1]
for layer in layers:
    if not hasattr(layer, "kernel_size"):
        continue
    k = _pair(layer.kernel_size, "kernel_size", 1, "receptive_field")
    s = _pair(layer.stride, "stride", 1, "receptive_field")
    for a in range(2):
        field[a] += (k[a] - 1) * jump[a]
        jump[a] *= s[a]
return tuple(field)
""")

wrong("rf_walks_backwards", "receptive_field", """
field, jump = [1, 1], [1, 1]
for layer in reversed(layers):     # from the output unit back to the input
    if not hasattr(layer, "kernel_size"):
        continue
    k = _pair(layer.kernel_size, "kernel_size", 1, "receptive_field")
    s = _pair(layer.stride, "stride", 1, "receptive_field")
    for a in range(2):
        field[a] += (k[a] - 1) * jump[a]
        jump[a] *= s[a]
return tuple(field)
""")

wrong("conv_back_grad_x_unpadded_wraps", "conv2d_backward_loops", """
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
                            r, s = i * sh + ki, j * sw + kj
                            grad_x[n, ci, r - ph, s - pw] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, r, s]
return grad_x, grad_w, grad_b
""")

wrong("conv_back_grad_x_at_padded_coordinates", "conv2d_backward_loops", """
grad_x = np.zeros((batch, c_in, height, width))
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            r, s = i * sh + ki, j * sw + kj
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, r, s]
                            if r < height and s < width:
                                grad_x[n, ci, r, s] += g * weight[co, ci, ki, kj]
return grad_x, grad_w, grad_b
""")

wrong("conv_back_grad_b_wrong_axes", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += grad_out[n, :, i, j].sum()
                for ki in range(kh):
                    for kj in range(kw):
                        for ci in range(c_in):
                            row, col = i * sh + ki, j * sw + kj
                            grad_x_pad[n, ci, row, col] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, row, col]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("conv_back_kernel_transposed_in_w", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                grad_b[co] += g
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            grad_x_pad[n, ci, i * sh + ki, j * sw + kj] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, i * sh + kj, j * sw + ki]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("maxpool_back_not_cropped", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                k = np.argmax(window)
                a, b = divmod(k, kw)
                grad_x_pad[n, c, i * sh + a, j * sw + b] += grad_out[n, c, i, j]
return grad_x_pad
""")

wrong("avgpool_back_not_cropped", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += grad_out[n, c, i, j] / (kh * kw)
return grad_x_pad
""")

wrong("avgpool_back_share_by_kh", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    for kj in range(kw):
                        grad_x_pad[n, c, i * sh + ki, j * sw + kj] += grad_out[n, c, i, j] / kh / kh
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")


# ---------------------------------------------------------------- held-out hunt H58

wrong("output_size_stride_ignored", "conv_output_size", """
return size + 2 * padding - kernel + 1      # every place the window fits
""")

wrong("output_size_padding_subtracted", "conv_output_size", """
effective = size - 2 * padding              # the border the padding takes away
return (effective - kernel) // stride + 1
""")

wrong("init_fan_in_counts_out_channels", "Conv2d.__init__", """
kh, kw = self.kernel_size
shape = (self.out_channels, self.in_channels // self.groups, kh, kw)
fan_in = int(np.prod(shape))                 # number of weights
self.weight = Tensor(get_rng().normal(0.0, np.sqrt(2.0 / fan_in), size=shape), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_fan_in_kernel_only", "Conv2d.__init__", """
kh, kw = self.kernel_size
fan_in = kh * kw                             # cells of one kernel
std = math.sqrt(2.0 / fan_in)
self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, self.in_channels // self.groups, kh, kw)),
                     requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_bias_per_input_channel", "Conv2d.__init__", """
kh, kw = self.kernel_size
c_in = self.in_channels // self.groups
std = math.sqrt(2.0 / (c_in * kh * kw))
self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, c_in, kh, kw)), requires_grad=True)
if bias:
    self.bias = Tensor(np.zeros(self.in_channels), requires_grad=True)
else:
    self.bias = None
""")

wrong("conv_negative_index_wraps", "conv2d_loops", """
ph, pw = padding
height, width = x.shape[2], x.shape[3]
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            r = i * sh + ki - ph          # row in x (the padding is zeros)
                            c = j * sw + kj - pw
                            if r < height and c < width:
                                total += x[n, ci, r, c] * weight[co, ci, ki, kj]
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
""")

wrong("conv_bias_by_input_channel", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            total += x_pad[n, ci, i * sh + ki, j * sw + kj] * weight[co, ci, ki, kj]
                if bias is not None:
                    total += bias[ci]
                out[n, co, i, j] = total
return out
""")

wrong("conv_out_channels_from_axis_1", "conv2d_loops", """
for n in range(x.shape[0]):
    for co in range(weight.shape[1]):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, co, i, j] = np.sum(window * weight[co])
                if bias is not None:
                    out[n, co, i, j] += bias[co]
return out
""")

wrong("conv_back_bias_per_input_channel", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                for ci in range(c_in):
                    grad_b[co] += g
                    for ki in range(kh):
                        for kj in range(kw):
                            r, c = i * sh + ki, j * sw + kj
                            grad_x_pad[n, ci, r, c] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, r, c]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("maxpool_window_one_long", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh + 1, j * sw:j * sw + kw + 1]   # up to and including kh
                out[n, c, i, j] = window.max()
return out
""")

wrong("maxpool_best_not_reset", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        best = -np.inf
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    for kj in range(kw):
                        if x_pad[n, c, i * sh + ki, j * sw + kj] > best:
                            best = x_pad[n, c, i * sh + ki, j * sw + kj]
                out[n, c, i, j] = best
return out
""")

wrong("maxpool_loops_stop_one_early", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out - 1):
            for j in range(w_out - 1):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].max()
return out
""")

wrong("avgpool_total_not_reset", "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        total = 0.0
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    for kj in range(kw):
                        total += x_pad[n, c, i * sh + ki, j * sw + kj]
                out[n, c, i, j] = total / (kh * kw)
return out
""")

wrong("avgpool_divides_x_pad_in_place", "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                window /= kh * kw                  # each cell's part of the mean
                out[n, c, i, j] = window.sum()
return out
""")

wrong("maxpool_back_position_not_updated", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = -np.inf
                bi, bj = i * sh, j * sw
                for ki in range(kh):
                    for kj in range(kw):
                        if x_pad[n, c, i * sh + ki, j * sw + kj] > best:
                            best = x_pad[n, c, i * sh + ki, j * sw + kj]
                grad_x_pad[n, c, bi, bj] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("maxpool_back_best_not_reset", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        best, best_r, best_c = -np.inf, 0, 0
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    for kj in range(kw):
                        r, s = i * sh + ki, j * sw + kj
                        if x_pad[n, c, r, s] > best:
                            best, best_r, best_c = x_pad[n, c, r, s], r, s
                grad_x_pad[n, c, best_r, best_c] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("avgpool_back_loops_stop_one_early", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out - 1):
            for j in range(w_out - 1):
                share = grad_out[n, c, i, j] / (kh * kw)
                grad_x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += share
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("rf_adds_this_layers_stride", "receptive_field", """
rf = [1, 1]
for layer in layers:
    if not hasattr(layer, "kernel_size"):
        continue
    k, s = layer.kernel_size, layer.stride
    for a in range(2):
        rf[a] += (k[a] - 1) * s[a]             # the window grows by k - 1 steps of the stride
return tuple(rf)
""")

wrong("rf_output_formula_forwards", "receptive_field", """
r_h, r_w = 1, 1
for layer in layers:
    if hasattr(layer, "kernel_size"):
        (kh, kw), (sh, sw) = layer.kernel_size, layer.stride
        r_h = (r_h - 1) * sh + kh              # r units need (r - 1) * s + k inputs
        r_w = (r_w - 1) * sw + kw
return (r_h, r_w)
""")

wrong("rf_height_for_both", "receptive_field", """
field, jump = 1, 1
for layer in layers:
    if hasattr(layer, "kernel_size"):
        k, s = layer.kernel_size[0], layer.stride[0]
        field += (k - 1) * jump
        jump *= s
return (field, field)
""")

wrong("maxpool_back_loops_stop_one_early", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out - 1):
            for j in range(w_out - 1):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                a, b = np.unravel_index(np.argmax(window), (kh, kw))
                grad_x_pad[n, c, i * sh + a, j * sw + b] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("avgpool_negative_index_wraps", "avgpool2d_loops", """
ph, pw = padding
H, W = x.shape[2:]
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                s = 0.0
                for ki in range(kh):
                    for kj in range(kw):
                        r, q = i * sh + ki - ph, j * sw + kj - pw
                        if r < H and q < W:          # outside x: a zero of the padding
                            s += x[n, c, r, q]
                out[n, c, i, j] = s / (kh * kw)
return out
""")

# Round twenty-six's held-out hunt: each scored 48/48 before its check was widened.

wrong("maxpool_back_crop_axes_swapped", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                a, b = np.unravel_index(np.argmax(window), window.shape)
                grad_x_pad[n, c, i * sh + a, j * sw + b] += grad_out[n, c, i, j]
return grad_x_pad[:, :, pw:pw + height, ph:ph + width]
""")

wrong("maxpool_back_unpad_ph_both", "maxpool2d_backward_loops", """
grad_x = np.zeros_like(x)
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best, br, bc = -np.inf, 0, 0
                for ki in range(kh):
                    for kj in range(kw):
                        if x_pad[n, c, i * sh + ki, j * sw + kj] > best:
                            best, br, bc = x_pad[n, c, i * sh + ki, j * sw + kj], i * sh + ki, j * sw + kj
                grad_x[n, c, br - ph, bc - ph] += grad_out[n, c, i, j]
return grad_x
""")

wrong("maxpool_best_starts_at_corner", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = x_pad[n, c, 0, 0]
                for ki in range(kh):
                    for kj in range(kw):
                        v = x_pad[n, c, i * sh + ki, j * sw + kj]
                        if v > best:
                            best = v
                out[n, c, i, j] = best
return out
""")

wrong("maxpool_back_best_starts_at_corner", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best, best_row, best_col = x_pad[n, c, 0, 0], 0, 0
                for ki in range(kh):
                    for kj in range(kw):
                        row, col = i * sh + ki, j * sw + kj
                        if x_pad[n, c, row, col] > best:
                            best, best_row, best_col = x_pad[n, c, row, col], row, col
                grad_x_pad[n, c, best_row, best_col] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("rf_unpacks_pairs", "receptive_field", """
rf_h, rf_w = 1, 1
jump_h, jump_w = 1, 1
for layer in layers:
    if not hasattr(layer, "kernel_size"):
        continue
    kh, kw = layer.kernel_size
    sh, sw = layer.stride
    rf_h += (kh - 1) * jump_h
    rf_w += (kw - 1) * jump_w
    jump_h *= sh
    jump_w *= sw
return (rf_h, rf_w)
""")

wrong("rf_int_kernel_but_pair_stride", "receptive_field", """
rf = [1, 1]
jump = [1, 1]
for layer in layers:
    if not hasattr(layer, "kernel_size"):
        continue
    k = layer.kernel_size
    if isinstance(k, int):
        k = (k, k)
    s = layer.stride
    for a in range(2):
        rf[a] += (k[a] - 1) * jump[a]
        jump[a] *= s[a]
return tuple(rf)
""")

wrong("rf_isinstance_three_classes", "receptive_field", """
field, jump = [1, 1], [1, 1]
for layer in layers:
    if isinstance(layer, (Conv2d, MaxPool2d, AvgPool2d)):
        for axis in range(2):
            field[axis] += (layer.kernel_size[axis] - 1) * jump[axis]
            jump[axis] *= layer.stride[axis]
return tuple(field)
""")

wrong("rf_by_class_name", "receptive_field", """
rf_h = rf_w = 1
j_h = j_w = 1
for layer in layers:
    if type(layer).__name__ not in ("Conv2d", "MaxPool2d", "AvgPool2d"):
        continue
    kh, kw = layer.kernel_size
    sh, sw = layer.stride
    rf_h += (kh - 1) * j_h
    rf_w += (kw - 1) * j_w
    j_h *= sh
    j_w *= sw
return rf_h, rf_w
""")


# ---------------------------------------------------------------- round twenty-seven's held-out hunt
# Each scored 48/48 before its check was widened (a Conv2d with dilation, a grouped Conv2d's bias, an even
# kernel padded by half) or lost its item with another mistake named (a stride's area equal to kh).

wrong("output_size_same_padding_shortcut", "conv_output_size", """
if padding == kernel // 2:          # "same" padding keeps the size (divided by the stride)
    return (size + stride - 1) // stride
return (size + 2 * padding - kernel) // stride + 1
""")

wrong("init_fan_in_dilated_span", "Conv2d.__init__", """
dh, dw = self.dilation
span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1     # the area a dilated kernel covers
fan_in = (self.in_channels // self.groups) * span_h * span_w
std = math.sqrt(2.0 / fan_in)
self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, self.in_channels // self.groups, kh, kw)),
                     requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_shape_dilated_span", "Conv2d.__init__", """
dh, dw = self.dilation
kh, kw = dh * (kh - 1) + 1, dw * (kw - 1) + 1     # effective kernel size with dilation
cin = self.in_channels // self.groups
std = math.sqrt(2.0 / (cin * kh * kw))
self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, cin, kh, kw)), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("init_bias_per_group", "Conv2d.__init__", """
cin = self.in_channels // self.groups
std = math.sqrt(2.0 / (cin * kh * kw))
self.weight = Tensor(get_rng().normal(0.0, std, size=(self.out_channels, cin, kh, kw)), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels // self.groups), requires_grad=True) if bias else None
""")

wrong("avgpool_divides_by_stride_area", "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].sum() / (sh * sw)
return out
""")

wrong("avgpool_prod_of_kernel_argument", "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, c, i, j] = window.sum() / np.prod(kernel_size)
return out
""")

wrong("avgpool_back_share_by_stride_area", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                share = grad_out[n, c, i, j] / (sh * sw)
                for ki in range(kh):
                    for kj in range(kw):
                        grad_x_pad[n, c, i * sh + ki, j * sw + kj] += share
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("avgpool_back_prod_of_kernel_argument", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                share = grad_out[n, c, i, j] / np.prod(kernel_size)
                for ki in range(kh):
                    for kj in range(kw):
                        grad_x_pad[n, c, i * sh + ki, j * sw + kj] += share
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")


# ---------------------------------------------------------------- round twenty-seven's second hunt
# Each scored 48/48: no graded maxpool input had an exact 0 as a window's maximum among negatives, or a near-tie;
# no receptive_field list had a 1x1 layer with a stride, or was empty.

wrong("maxpool_skips_zero_as_padding", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = -np.inf
                for ki in range(kh):
                    for kj in range(kw):
                        v = x_pad[n, c, i * sh + ki, j * sw + kj]
                        if v == 0.0:
                            continue          # padding: never the maximum
                        if v > best:
                            best = v
                out[n, c, i, j] = best
return out
""")

wrong("maxpool_best_none_truthiness", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = None
                for ki in range(kh):
                    for kj in range(kw):
                        v = x_pad[n, c, i * sh + ki, j * sw + kj]
                        if not best or v > best:
                            best = v
                out[n, c, i, j] = best
return out
""")

wrong("maxpool_back_skips_zero_as_padding", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best, best_row, best_col = -np.inf, i * sh, j * sw
                for ki in range(kh):
                    for kj in range(kw):
                        row, col = i * sh + ki, j * sw + kj
                        if x_pad[n, c, row, col] == 0.0:
                            continue          # padding: never the maximum
                        if x_pad[n, c, row, col] > best:
                            best, best_row, best_col = x_pad[n, c, row, col], row, col
                grad_x_pad[n, c, best_row, best_col] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("maxpool_back_best_none_truthiness", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best, best_row, best_col = None, None, None
                for ki in range(kh):
                    for kj in range(kw):
                        row, col = i * sh + ki, j * sw + kj
                        if not best or x_pad[n, c, row, col] > best:
                            best, best_row, best_col = x_pad[n, c, row, col], row, col
                grad_x_pad[n, c, best_row, best_col] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("maxpool_back_isclose_first", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                a, b = np.unravel_index(np.argmax(np.isclose(window, window.max())), window.shape)
                grad_x_pad[n, c, i * sh + a, j * sw + b] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("maxpool_back_tolerance_compare", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best, best_row, best_col = -np.inf, i * sh, j * sw
                for ki in range(kh):
                    for kj in range(kw):
                        row, col = i * sh + ki, j * sw + kj
                        if x_pad[n, c, row, col] > best + 1e-9:     # floats: compare with a tolerance
                            best, best_row, best_col = x_pad[n, c, row, col], row, col
                grad_x_pad[n, c, best_row, best_col] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("rf_skips_pointwise_layers", "receptive_field", """
field, jump = [1, 1], [1, 1]
for layer in layers:
    if not hasattr(layer, "kernel_size"):
        continue
    kernel = _pair(layer.kernel_size, "kernel_size", 1, "receptive_field")
    stride = _pair(getattr(layer, "stride", 1), "stride", 1, "receptive_field")
    if kernel == (1, 1):
        continue                    # a 1x1 layer sees one pixel: nothing to add
    for axis in range(2):
        field[axis] += (kernel[axis] - 1) * jump[axis]
        jump[axis] *= stride[axis]
return tuple(field)
""")

wrong("rf_skips_unit_axis", "receptive_field", """
field, jump = [1, 1], [1, 1]
for layer in layers:
    if not hasattr(layer, "kernel_size"):
        continue
    kernel = _pair(layer.kernel_size, "kernel_size", 1, "receptive_field")
    stride = _pair(getattr(layer, "stride", 1), "stride", 1, "receptive_field")
    for axis in range(2):
        if kernel[axis] == 1:
            continue                # nothing to grow on this axis
        field[axis] += (kernel[axis] - 1) * jump[axis]
        jump[axis] *= stride[axis]
return tuple(field)
""")

wrong("rf_empty_list_zero", "receptive_field", """
if len(layers) == 0:
    return (0, 0)
field, jump = [1, 1], [1, 1]
for layer in layers:
    if not hasattr(layer, "kernel_size"):
        continue
    kernel = _pair(layer.kernel_size, "kernel_size", 1, "receptive_field")
    stride = _pair(getattr(layer, "stride", 1), "stride", 1, "receptive_field")
    for axis in range(2):
        field[axis] += (kernel[axis] - 1) * jump[axis]
        jump[axis] *= stride[axis]
return tuple(field)
""")

# Round 28's hunt: a running maximum started at a large negative number instead of -inf (48/48 before: no graded
# input went below about -3; a hidden one now lies at -1e300).
wrong("maxpool_sentinel_big_negative", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = -1e9          # smaller than any activation
                for ki in range(kh):
                    for kj in range(kw):
                        v = x_pad[n, c, i * sh + ki, j * sw + kj]
                        if v > best:
                            best = v
                out[n, c, i, j] = best
return out
""")

wrong("maxpool_back_sentinel_big_negative", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best, br, bc = -1e9, 0, 0
                for ki in range(kh):
                    for kj in range(kw):
                        v = x_pad[n, c, i * sh + ki, j * sw + kj]
                        if v > best:
                            best, br, bc = v, i * sh + ki, j * sw + kj
                grad_x_pad[n, c, br, bc] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

# Round 28's hunt: common slips whose messages named no likely bug (one kept answer each).
wrong("maxpool_back_adds_inside_if", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                best = -np.inf
                for ki in range(kh):
                    for kj in range(kw):
                        r, s = i * sh + ki, j * sw + kj
                        if x_pad[n, c, r, s] > best:
                            best = x_pad[n, c, r, s]
                            grad_x_pad[n, c, r, s] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("maxpool_back_best_reset_per_row", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    best, br, bc = -np.inf, 0, 0
                    for kj in range(kw):
                        r, s = i * sh + ki, j * sw + kj
                        if x_pad[n, c, r, s] > best:
                            best, br, bc = x_pad[n, c, r, s], r, s
                grad_x_pad[n, c, br, bc] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("maxpool_best_reset_per_row", "maxpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    best = -np.inf
                    for kj in range(kw):
                        if x_pad[n, c, i * sh + ki, j * sw + kj] > best:
                            best = x_pad[n, c, i * sh + ki, j * sw + kj]
                out[n, c, i, j] = best
return out
""")

wrong("avgpool_total_reset_per_row", "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                for ki in range(kh):
                    total = 0.0
                    for kj in range(kw):
                        total += x_pad[n, c, i * sh + ki, j * sw + kj]
                out[n, c, i, j] = total / (kh * kw)
return out
""")

wrong("conv_total_reset_per_channel", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                for ci in range(c_in):
                    total = 0.0
                    for ki in range(kh):
                        for kj in range(kw):
                            total += x_pad[n, ci, i * sh + ki, j * sw + kj] * weight[co, ci, ki, kj]
                if bias is not None:
                    total += bias[co]
                out[n, co, i, j] = total
return out
""")

wrong("conv_out_write_after_j", "conv2d_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                total = 0.0
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            total += x_pad[n, ci, i * sh + ki, j * sw + kj] * weight[co, ci, ki, kj]
                if bias is not None:
                    total += bias[co]
            out[n, co, i, j] = total
return out
""")

wrong("conv_back_grad_b_after_j", "conv2d_backward_loops", """
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                g = grad_out[n, co, i, j]
                for ci in range(c_in):
                    for ki in range(kh):
                        for kj in range(kw):
                            row, col = i * sh + ki, j * sw + kj
                            grad_x_pad[n, ci, row, col] += g * weight[co, ci, ki, kj]
                            grad_w[co, ci, ki, kj] += g * x_pad[n, ci, row, col]
            grad_b[co] += g
return grad_x_pad[:, :, ph:ph + height, pw:pw + width], grad_w, grad_b
""")

wrong("maxpool_back_columns_by_sh", "maxpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, c, i * sh:i * sh + kh, j * sh:j * sh + kw]
                ki, kj = np.unravel_index(np.argmax(window), window.shape)
                grad_x_pad[n, c, i * sh + ki, j * sh + kj] += grad_out[n, c, i, j]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("avgpool_columns_by_sh", "avgpool2d_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                out[n, c, i, j] = x_pad[n, c, i * sh:i * sh + kh, j * sh:j * sh + kw].sum() / (kh * kw)
return out
""")

wrong("avgpool_back_columns_by_sh", "avgpool2d_backward_loops", """
for n in range(batch):
    for c in range(channels):
        for i in range(h_out):
            for j in range(w_out):
                grad_x_pad[n, c, i * sh:i * sh + kh, j * sh:j * sh + kw] += grad_out[n, c, i, j] / (kh * kw)
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
""")

wrong("output_size_torch_formula_no_minus1", "conv_output_size", """
# PyTorch docs: floor((size + 2 * padding - dilation * (kernel - 1)) / stride + 1), dilation = 1
return (size + 2 * padding - (kernel - 1)) // stride + 1
""")

wrong("output_size_minus_one_extra", "conv_output_size", """
return (size + 2 * padding - kernel - 1) // stride + 1
""")

wrong("init_channels_divided_with_slash", "Conv2d.__init__", """
kh, kw = self.kernel_size
per_group = self.in_channels / self.groups
fan_in = per_group * kh * kw
self.weight = Tensor(get_rng().normal(0.0, math.sqrt(2 / fan_in), size=(self.out_channels, per_group, kh, kw)), requires_grad=True)
self.bias = Tensor(np.zeros(self.out_channels), requires_grad=True) if bias else None
""")

wrong("conv_imports_numpy_inside", "conv2d_loops", """
import numpy as np
for n in range(batch):
    for co in range(c_out):
        for i in range(h_out):
            for j in range(w_out):
                window = x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, co, i, j] = np.sum(window * weight[co]) + (0.0 if bias is None else bias[co])
return out
""")
