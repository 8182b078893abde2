from tests.oidc.conftest import *  # noqa: F401,F403
