"""The DFD-MAP peers of Zhuo & Sim (``depthsmith.bench._dfd_tasks``)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from depthsmith.bench._dfd_tasks import (
    FAST_PEER,
    _edge_gradient_ratio,
    peer_map_gradient_ratio,
    peer_map_gradient_ratio_fast,
    render_defocus,
)


def _two_focus_scene(rng, shape=(96, 128), sharp=0.5, blurred=3.5):
    """Random blocks (step edges everywhere), left half sharp, right half blurred."""
    blocks = rng.random((shape[0] // 8, shape[1] // 8))
    gray = cv2.resize(blocks, shape[::-1], interpolation=cv2.INTER_NEAREST)
    radius = np.full(shape, sharp)
    radius[:, shape[1] // 2:] = blurred
    return render_defocus(gray, radius, rng=1).astype(np.float32), radius


def _weighted_fast(image, rgb):
    return peer_map_gradient_ratio_fast(image, rgb, weight=not FAST_PEER["weight"])


@pytest.mark.parametrize("peer", [peer_map_gradient_ratio_fast, _weighted_fast,
                                  peer_map_gradient_ratio])
def test_map_peer_finite_and_ranks_blur(rng, peer):
    img, radius = _two_focus_scene(rng)
    rgb = np.repeat(np.clip(img * 255, 0, 255).astype(np.uint8)[..., None], 3, axis=2)
    out = np.asarray(peer(img, rgb))
    assert out.shape == img.shape and np.isfinite(out).all() and (out >= 0).all()
    w = img.shape[1]
    # away from the boundary between the halves, the sharp half gets the smaller radius
    left, right = out[:, 8:w // 2 - 16], out[:, w // 2 + 16:-8]
    assert np.median(left) < np.median(right)


def test_fast_peer_flat_image_is_zero_not_nan():
    out = peer_map_gradient_ratio_fast(np.full((40, 50), 0.5, np.float32), None)
    assert out.shape == (40, 50) and np.isfinite(out).all() and not out.any()


def test_fast_peer_does_not_modify_its_input(rng):
    img, _ = _two_focus_scene(rng)
    before = img.copy()
    peer_map_gradient_ratio_fast(img, None)
    np.testing.assert_array_equal(img, before)


@pytest.mark.parametrize("presmooth", [0.0, 0.5, 1.0])
def test_presmoothed_gradient_ratio_recovers_gaussian_edge_blur(presmooth):
    # the pre-smoothing enters the estimate: sigma is the edge's own blur, not edge + s1
    step = np.zeros((64, 64))
    step[:, 32:] = 1.0
    for sigma in (1.0, 2.0, 3.0):
        img = cv2.GaussianBlur(step, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
        est, edges, grad = _edge_gradient_ratio(img, sigma0=1.0, canny_sigma=1.0,
                                                presmooth=presmooth)
        assert edges.any() and (grad[edges] > 0).all()
        assert np.median(est[edges]) == pytest.approx(sigma, abs=0.3)

