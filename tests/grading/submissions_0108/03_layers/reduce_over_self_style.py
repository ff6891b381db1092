import functools


class Sequential:
    def forward(self, x):
        return functools.reduce(lambda out, layer: layer(out), self, x)
