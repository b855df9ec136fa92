"""A tiny torch network for the tests; configure it with skorch's module__*."""

import torch

torch.set_num_threads(1)


class MLP(torch.nn.Module):
    """Linear -> ReLU [-> BatchNorm] [-> Dropout] -> Linear [-> Softmax]."""

    def __init__(
        self, n_in=4, n_out=3, hidden=16, dropout=0.3, batchnorm=False, softmax=True
    ):
        super().__init__()
        layers = [torch.nn.Linear(n_in, hidden), torch.nn.ReLU()]
        if batchnorm:
            layers.append(torch.nn.BatchNorm1d(hidden))
        if dropout:
            layers.append(torch.nn.Dropout(dropout))
        layers.append(torch.nn.Linear(hidden, n_out))
        if softmax:
            layers.append(torch.nn.Softmax(dim=-1))
        self.body = torch.nn.Sequential(*layers)

    def forward(self, X):
        return self.body(X)
