"""Every network maps its metric names onto parvis's shared ones, and only onto them."""

from __future__ import annotations

import pytest

from parvis.networks.base import ACCOUNT_METRICS, POST_METRICS
from parvis.networks.registry import NETWORKS


@pytest.mark.parametrize("key", sorted(NETWORKS))
def test_metric_names_map_to_parvis_names(key):
    info = NETWORKS[key]
    unknown = set(info.metric_names.values()) - set(POST_METRICS) - set(ACCOUNT_METRICS)
    assert not unknown, f"{key} maps to names parvis does not keep: {sorted(unknown)}"


def test_no_shared_name_is_both_a_post_and_an_account_metric():
    assert not set(POST_METRICS) & set(ACCOUNT_METRICS)
