"""Screen on validation: a Fisher-vector descriptor of dense DAISY features, beside the LBP ones.

    python research/fisher_screen.py [--crop 120] [--components 64] [--out FILE]

A different family from LBP, as Fisher vector faces (Simonyan et al., BMVC 2013) at a size
that fits 2 cores: dense DAISY descriptors (scikit-image) of a gray face region from
data/regions.npz, PCA to 64 dimensions with each one's (x, y) position appended, a diagonal
Gaussian mixture (scikit-learn) fitted on a sample of the training people's descriptors, each
face encoded as the improved Fisher vector (gradients of the means and variances, signed
square root, L2), then PCA-whitened and LDA-projected on the training people and their
mirrors, as the LBP descriptors are (lfw_siamese.verification.descriptor.fit_projection).
On the validation pairs: the Fisher vector alone, the net with the LBP descriptors of
params.yaml (the pipeline), and the three together, the fusions 10-fold cross-validated over
the validation pairs. Test pairs are not read.
"""

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from validation import faces, fused, judged, net_scores, pairs, pipeline_cosines, save, wrong

from lfw_siamese.params import load_params
from lfw_siamese.verification.descriptor import cosines, fit_projection
from lfw_siamese.verification.verifier import described_crops

DAISY = {"step": 4, "radius": 8, "rings": 2, "histograms": 6, "orientations": 8}
LOCAL_DIMS = 64    # each DAISY descriptor's PCA size, before (x, y)
SAMPLE = 200_000   # descriptors the mixture is fitted on


def dense_daisy(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, T, 104) DAISY descriptors of each gray face on a grid, and their (T, 2) positions
    scaled to [-1, 1]."""
    from concurrent.futures import ThreadPoolExecutor

    from skimage.feature import daisy

    def one(face):
        d = daisy(face.astype(np.float64) / 255, **DAISY)
        return d.reshape(-1, d.shape[-1]).astype(np.float32)

    with ThreadPoolExecutor(2) as pool:
        out = np.stack(list(pool.map(one, gray)))
    side = int(round(np.sqrt(out.shape[1])))
    grid = np.linspace(-1, 1, side, dtype=np.float32)
    yy, xx = np.meshgrid(grid, grid, indexing="ij")
    return out, np.stack([xx.ravel(), yy.ravel()], 1)


def fisher_vectors(local: np.ndarray, gmm: GaussianMixture, batch: int = 256) -> np.ndarray:
    """(N, 2 K D) improved Fisher vectors of each face's local features (N, T, D)."""
    w, mu, var = gmm.weights_, gmm.means_, gmm.covariances_
    sigma = np.sqrt(var)
    n, t, d = local.shape
    out = np.empty((n, 2 * len(w) * d), np.float32)
    for start in range(0, n, batch):
        x = local[start:start + batch]
        gamma = gmm.predict_proba(x.reshape(-1, d)).reshape(len(x), t, -1)   # (B, T, K)
        s0 = gamma.sum(1)                                                      # (B, K)
        s1 = np.einsum("btk,btd->bkd", gamma, x)
        s2 = np.einsum("btk,btd->bkd", gamma, x * x)
        g_mu = (s1 - s0[..., None] * mu) / sigma / (t * np.sqrt(w))[:, None]
        g_var = ((s2 - 2 * mu * s1 + s0[..., None] * mu**2) / var - s0[..., None]) / (
            t * np.sqrt(2 * w))[:, None]
        fv = np.concatenate([g_mu.reshape(len(x), -1), g_var.reshape(len(x), -1)], 1)
        fv = np.sign(fv) * np.sqrt(np.abs(fv))
        out[start:start + batch] = fv / np.linalg.norm(fv, axis=1, keepdims=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--crop", type=int, default=120)
    parser.add_argument("--components", type=int, default=64, help="Gaussians in the mixture")
    parser.add_argument("--out", type=Path, default=Path("docs/results/fisher-screen/screen.json"))
    args = parser.parse_args()
    p = load_params()
    start = time.perf_counter()
    people, val = pairs()
    training, pair_faces, left, right = faces(p, [*described_crops(p), args.crop], people, val)
    y = val["label"]

    # the LBP descriptors of params.yaml, as the pipeline fits them
    lbp_cos = pipeline_cosines(p, people, training, pair_faces, left, right)

    # the Fisher vector: local features, their PCA, the mixture, the encoding
    region = training.regions[args.crop]
    train_local, xy = dense_daisy(np.concatenate([region, region[:, :, ::-1]]))
    val_local, _ = dense_daisy(pair_faces.regions[args.crop])
    rng = np.random.default_rng(0)
    flat = train_local.reshape(-1, train_local.shape[-1])
    sample = flat[rng.choice(len(flat), min(SAMPLE, len(flat)), replace=False)]
    pca = PCA(LOCAL_DIMS, whiten=True, random_state=0).fit(sample)

    def reduced(local):
        z = pca.transform(local.reshape(-1, local.shape[-1])).reshape(*local.shape[:2], -1)
        return np.concatenate([z, np.broadcast_to(xy, (*z.shape[:2], 2))], 2).astype(np.float32)

    train_z, val_z = reduced(train_local), reduced(val_local)
    # positions take few values: a floor on the variances keeps a Gaussian from collapsing
    gmm = GaussianMixture(args.components, covariance_type="diag", reg_covar=1e-3,
                          random_state=0, max_iter=100).fit(train_z.reshape(
                              -1, train_z.shape[-1])[rng.choice(
                                  train_z.shape[0] * train_z.shape[1], SAMPLE,
                                  replace=False)].astype(np.float64))
    train_fv, val_fv = fisher_vectors(train_z, gmm), fisher_vectors(val_z, gmm)
    person = np.concatenate([people["person"], people["person"]])
    fisher = fit_projection(train_fv, person, "fisher", {"crop": args.crop}, p.lbp_pca)
    projected = fisher.project(val_fv)
    fv_cos = cosines(projected[left], projected[right])

    net = net_scores(p, val)
    result = {"params": {"crop": args.crop, "components": args.components, "daisy": DAISY,
                         "local_dims": LOCAL_DIMS, "fisher_dims": train_fv.shape[1],
                         "lbp_pca": p.lbp_pca, "lbp_crops": p.lbp_crops,
                         "lbp_cells": p.lbp_cells},
              "validation_pairs": len(y), "net": judged(y, net),
              "fisher_alone": judged(y, fv_cos),
              "lbp_alone": [judged(y, c) for c in lbp_cos],
              "net_fisher": fused(y, net, fv_cos), "net_lbp": fused(y, net, *lbp_cos),
              "net_lbp_fisher": fused(y, net, *lbp_cos, fv_cos),
              "fisher_lbp_error_correlation": [
                  round(float(np.corrcoef(wrong(y, fv_cos), wrong(y, c))[0, 1]), 3)
                  for c in lbp_cos],
              "seconds": round(time.perf_counter() - start)}
    save(result, args.out)


if __name__ == "__main__":
    main()
