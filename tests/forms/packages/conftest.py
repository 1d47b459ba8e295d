from __future__ import annotations

import os

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


@pytest.fixture(scope="session")
def token_home(tmp_path_factory):
    """A SoftHSM2 configuration of the session's own (SOFTHSM2_CONF, read by the module when it
    is initialised) and a test CA; never the machine's tokens."""
    from tests.forms.packages import token_support

    folder = tmp_path_factory.mktemp("softhsm")
    conf = token_support.write_conf(folder)
    before = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    yield conf, token_support.make_test_ca(folder / "ca")
    if before is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = before


@pytest.fixture(scope="session")
def soft_token(token_home, tmp_path_factory):
    """One token for the session's signing tests (nobody types a wrong PIN into it)."""
    from tests.forms.packages import token_support

    conf, ca = token_home
    return token_support.make_token(tmp_path_factory.mktemp("token"), ca, conf, "UBND xa Hung Lo")


@pytest.fixture
def fresh_token(token_home, tmp_path):
    """A token of its own, for a test that changes its state (a wrong PIN)."""
    from tests.forms.packages import token_support

    conf, ca = token_home
    return token_support.make_token(tmp_path / "token", ca, conf, f"T{tmp_path.name[-20:]}")
