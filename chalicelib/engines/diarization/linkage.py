"""Agglomerative clustering under cannot-link, shared by the diarization engine (a recording's
embeddings, engine.cluster) and the speech kind (all windows' voices of a long recording,
kinds.speech.speakers.match). numpy only: importing it loads no model runtime."""
from __future__ import annotations

import numpy as np


def unit(x: np.ndarray) -> np.ndarray:
    """`x` scaled to unit length along its last axis (a zero vector stays zero)."""
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def agglomerate(vectors: np.ndarray, apart: np.ndarray, threshold: float) -> np.ndarray:
    """Cluster ids of the rows of `vectors`: agglomerative clustering, centroid linkage on cosine
    distance. Each row starts as a cluster; while the closest two live clusters are under
    `threshold` apart, they merge (ties: the first pair in row-major order of the distance
    matrix), the lower-numbered one keeping the sum of both's unit vectors. `apart` (n, n) bool:
    rows that are never in one cluster (cannot-link); a cluster is apart from every row any of
    its members is. Ids by first member (0, 1, ... in order of each cluster's lowest row)."""
    n = len(vectors)
    if n == 0:
        return np.zeros(0, dtype=int)
    sums = unit(np.asarray(vectors, dtype=np.float64))
    apart = np.array(apart, dtype=bool)
    parent = np.arange(n)
    alive = np.ones(n, dtype=bool)

    def distances(i: int) -> np.ndarray:
        u = unit(sums)
        d = 1.0 - u @ u[i]
        d[~alive | apart[i]] = np.inf
        d[i] = np.inf
        return d

    D = np.array([distances(i) for i in range(n)])
    while True:
        i, j = divmod(int(np.argmin(D)), n)
        if not D[i, j] < threshold:
            break
        i, j = min(i, j), max(i, j)
        sums[i] += sums[j]
        apart[i] |= apart[j]
        apart[:, i] = apart[i]
        alive[j] = False
        parent[parent == j] = i
        D[j, :] = D[:, j] = np.inf
        D[i] = distances(i)
        D[:, i] = D[i]
    _, ids = np.unique(parent, return_inverse=True)  # parents are each cluster's first member
    return ids
