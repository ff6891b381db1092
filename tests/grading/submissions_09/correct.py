"""A complete correct set of module 09's exercises, written independently of the reference.

Different in style on purpose: the output size by counting window starts, the loops over
(image, row, column) with the window maths vectorized over channels inside (no loop over
kernel offsets), argmax for the first maximum, the receptive field computed from the output
back to the input. It must score full marks: the graded checks accept any correct code, not
just the reference's loop order, that keeps the loop rule (src/09_convolutions, "The loop rule":
products and sums of one window rather than tensordot, every computation inside the loops).
"""

CORRECT: dict[str, str] = {}

CORRECT["conv_output_size"] = """
span = size + 2 * padding
starts = 0
while starts * stride + kernel <= span:      # count the window starts that still fit
    starts += 1
return starts
"""

CORRECT["Conv2d.__init__"] = """
kh, kw = self.kernel_size
channels_seen = self.in_channels // self.groups        # each output sees its group's channels
inputs_per_unit = kh * kw * channels_seen
scale = (2.0 / inputs_per_unit) ** 0.5
self.weight = Tensor(scale * get_rng().standard_normal((self.out_channels, channels_seen, kh, kw)),
                     requires_grad=True)
self.bias = None
if bias:
    self.bias = Tensor(np.zeros((self.out_channels,)), requires_grad=True)
"""

CORRECT["conv2d_loops"] = """
for img in range(batch):
    for row in range(h_out):
        top = row * sh
        for col in range(w_out):
            left = col * sw
            patch = x_pad[img, :, top:top + kh, left:left + kw]          # (C_in, kh, kw)
            values = (weight * patch).sum(axis=(1, 2, 3))                # (C_out,)
            out[img, :, row, col] = values if bias is None else values + bias
return out
"""

CORRECT["maxpool2d_loops"] = """
for img in range(batch):
    for row in range(h_out):
        for col in range(w_out):
            patch = x_pad[img, :, row * sh:row * sh + kh, col * sw:col * sw + kw]
            out[img, :, row, col] = patch.reshape(channels, -1).max(axis=1)
return out
"""

CORRECT["avgpool2d_loops"] = """
for img in range(batch):
    for row in range(h_out):
        for col in range(w_out):
            patch = x_pad[img, :, row * sh:row * sh + kh, col * sw:col * sw + kw]
            out[img, :, row, col] = patch.sum(axis=(1, 2)) / (kh * kw)
return out
"""

CORRECT["receptive_field"] = """
# Walk back from one output unit: r units of a layer's output cover (r - 1) * s + k of its input.
convs = [layer for layer in layers if hasattr(layer, "kernel_size")]
seen = [1, 1]
for layer in reversed(convs):
    kernel, stride = np.broadcast_to(layer.kernel_size, 2), np.broadcast_to(layer.stride, 2)   # an int, or a pair
    for axis in (0, 1):
        seen[axis] = int((seen[axis] - 1) * stride[axis] + kernel[axis])
return (seen[0], seen[1])
"""

CORRECT["conv2d_backward_loops"] = """
for img in range(batch):
    for row in range(h_out):
        top = row * sh
        for col in range(w_out):
            left = col * sw
            g = grad_out[img, :, row, col]                                   # (C_out,)
            patch = x_pad[img, :, top:top + kh, left:left + kw]              # (C_in, kh, kw)
            grad_w += g[:, None, None, None] * patch[None]                   # every window uses the weights
            grad_x_pad[img, :, top:top + kh, left:left + kw] += (g[:, None, None, None] * weight).sum(axis=0)
            grad_b += g
rows, cols = grad_x_pad.shape[2], grad_x_pad.shape[3]
return grad_x_pad[:, :, ph:rows - ph, pw:cols - pw], grad_w, grad_b
"""

CORRECT["maxpool2d_backward_loops"] = """
for img in range(batch):
    for ch in range(channels):
        for row in range(h_out):
            for col in range(w_out):
                patch = x_pad[img, ch, row * sh:row * sh + kh, col * sw:col * sw + kw]
                first = int(np.argmax(patch))            # argmax: the first maximum, row-major
                grad_x_pad[img, ch, row * sh + first // kw, col * sw + first % kw] += grad_out[img, ch, row, col]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""

CORRECT["avgpool2d_backward_loops"] = """
for img in range(batch):
    for row in range(h_out):
        for col in range(w_out):
            shares = grad_out[img, :, row, col] / (kh * kw)                  # (C,)
            grad_x_pad[img, :, row * sh:row * sh + kh, col * sw:col * sw + kw] += shares[:, None, None]
return grad_x_pad[:, :, ph:ph + height, pw:pw + width]
"""
