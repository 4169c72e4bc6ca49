"""Blur kernels and the defocus benchmark's rendering and peer."""

from __future__ import annotations

import numpy as np
import pytest

from depthsmith.bench._dfd_tasks import gradient_ratio_sigma, patch_cases, render_defocus
from depthsmith.ops import KERNELS, blur_kernel, kernel_std


@pytest.mark.parametrize("model", sorted(KERNELS))
@pytest.mark.parametrize("r", [0.5, 1.0, 2.5, 5.0])
def test_kernels_normalised_symmetric_and_scaling(model, r):
    k = blur_kernel(model, r)
    assert k.sum() == pytest.approx(1.0) and (k >= 0).all()
    np.testing.assert_allclose(k, k[::-1, ::-1], atol=1e-12)
    np.testing.assert_allclose(k, k.T, atol=1e-12)
    if r >= 2.5:  # the spread grows linearly with r once pixels are small against the kernel
        assert kernel_std(model, 2 * r) == pytest.approx(2 * kernel_std(model, r), rel=0.06)


def test_disc_area_and_std():
    k = blur_kernel("disc", 4.0)
    assert k.shape == (9, 9)
    # the continuous disc's 1-D marginal has std r / 2
    assert kernel_std("disc", 4.0) == pytest.approx(2.0, rel=0.05)
    assert blur_kernel("gaussian", 0).shape == (1, 1)
    with pytest.raises(ValueError, match="not a blur kernel"):
        blur_kernel("box", 1)


def test_gradient_ratio_recovers_gaussian_edge_blur():
    import cv2

    step = np.zeros((64, 64))
    step[:, 32:] = 1.0
    for sigma in (1.0, 2.0, 3.0):
        img = cv2.GaussianBlur(step, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
        est, edges = gradient_ratio_sigma(img)
        assert edges.any()
        assert np.median(est[edges]) == pytest.approx(sigma, abs=0.3)  # Sobel bias at small sigma


def test_render_defocus_constant_radius_equals_plain_blur(rng):
    import cv2

    gray = rng.random((40, 50))
    out = render_defocus(gray, np.full(gray.shape, 2.0), noise=0.0)
    ref = cv2.filter2D(gray.astype(np.float32), -1, blur_kernel("disc", 2.0).astype(np.float32),
                       borderType=cv2.BORDER_REFLECT)
    np.testing.assert_allclose(out, ref, atol=1e-6)


def test_patch_cases_deterministic(data_root):
    a = [c for _, c in zip(range(3), patch_cases(data_root, models=("disc",)), strict=False)]
    b = [c for _, c in zip(range(3), patch_cases(data_root, models=("disc",)), strict=False)]
    for ca, cb in zip(a, b, strict=True):
        np.testing.assert_array_equal(ca.inputs["patch"], cb.inputs["patch"])
    assert a[0].inputs["patch"].shape == (51, 51) and a[0].group == "disc p=51"
