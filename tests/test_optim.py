"""The grouped optimizers give each member torch.optim's numbers, and idle members rest."""

import pytest
import torch

from seqcast.models.names import KERAS_DEFAULTS, OPTIMIZERS
from seqcast.models.optim import GroupedOptimizer


def _torch_optimizer(kind: str, params: list[torch.Tensor]) -> torch.optim.Optimizer:
    s = KERAS_DEFAULTS[kind]
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=s["lr"], alpha=s["alpha"], eps=s["eps"])
    if kind == "sgd":
        return torch.optim.SGD(params, lr=s["lr"], momentum=s["momentum"])
    betas = (s["beta1"], s["beta2"])
    if kind == "adamw":
        return torch.optim.AdamW(params, s["lr"], betas, s["eps"], s["weight_decay"])
    return torch.optim.Adam(params, lr=s["lr"], betas=betas, eps=s["eps"])


def _gradients(steps: int, members: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    return [torch.randn(members, 3, 4, generator=generator) for _ in range(steps)]


@pytest.mark.parametrize("kind", OPTIMIZERS)
def test_each_member_gets_torch_optims_numbers_to_the_bit(kind: str) -> None:
    start = torch.randn(3, 3, 4, generator=torch.Generator().manual_seed(1))
    grouped = torch.nn.Parameter(start.clone())
    optimizer = GroupedOptimizer(kind, [grouped], members=3)
    grads = _gradients(6, 3)
    active = [None, torch.tensor([True, False, True]), None, torch.tensor([False, True, True])]
    for step, grad in enumerate(grads):
        grouped.grad = grad.clone()
        optimizer.step(active[step] if step < len(active) else None)
    for member in range(3):
        alone = torch.nn.Parameter(start[member].clone())
        reference = _torch_optimizer(kind, [alone])
        for step, grad in enumerate(grads):
            mask = active[step] if step < len(active) else None
            if mask is not None and not mask[member]:
                continue  # an idle member skips the step entirely
            alone.grad = grad[member].clone()
            reference.step()
        assert torch.equal(grouped.detach()[member], alone.detach()), f"member {member}"
