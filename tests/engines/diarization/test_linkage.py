"""linkage.agglomerate: the clustering engine.cluster and kinds.speech.speakers.match share."""
import numpy as np

from chalicelib.engines.diarization.linkage import agglomerate


def test_closest_merge_first_and_apart_spreads_to_the_merged_cluster():
    X = np.array([[1.0, 0.0], [1.0, 0.1], [1.0, 0.3], [0.0, 1.0]])
    none = np.zeros((4, 4), dtype=bool)
    assert agglomerate(X, none, 0.2).tolist() == [0, 0, 0, 1]
    # 2 may never be with 0: once 0 and 1 are one cluster, 2 stays out of it too
    apart = none.copy()
    apart[0, 2] = apart[2, 0] = True
    assert agglomerate(X, apart, 0.2).tolist() == [0, 0, 1, 2]
    # ids by first member, whatever the rows' order
    assert agglomerate(X[::-1], none, 0.2).tolist() == [0, 1, 1, 1]


def test_empty_and_nothing_under_threshold():
    assert agglomerate(np.zeros((0, 3)), np.zeros((0, 0), dtype=bool), 0.5).tolist() == []
    assert agglomerate(np.eye(3), np.zeros((3, 3), dtype=bool), 0.5).tolist() == [0, 1, 2]
