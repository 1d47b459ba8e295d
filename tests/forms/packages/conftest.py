from __future__ import annotations

import pytest

from forms.packages.build import build_package
from forms.packages.trust import TrustRegistry
from forms.packages.verify import criteria_index
from tests.forms.packages.helpers import ed_signer, submission
from tests.forms.sample_sets import tiny_set


@pytest.fixture(scope="session")
def criteria():
    return criteria_index([tiny_set()])


@pytest.fixture
def signer():
    return ed_signer(1)


@pytest.fixture
def trust(signer):
    registry = TrustRegistry()
    registry.add_key("25042", signer.public_raw, "Xã Hùng Lô")
    return registry


@pytest.fixture
def package(tmp_path, signer):
    return build_package(submission(), signer, tmp_path / "out")
