"""Installs are reproducible: every dependency is pinned with hashes, and the image is built the same way."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\]+)", re.M)


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text(encoding="utf-8")
    pins = {canonicalize_name(n): v for n, v in PIN.findall(text)}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        if PIN.match(block):
            assert "--hash=sha256:" in block, f"{name}: {block.splitlines()[0]} has no hash"
    return pins


def _declared() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return ([Requirement(r) for r in project["dependencies"]],
            [Requirement(r) for r in project["optional-dependencies"]["test"]])


def test_the_locks_pin_every_declared_dependency_within_its_range() -> None:
    runtime, test = _declared()
    image, development = _pins("requirements.lock"), _pins("requirements-test.lock")
    for lock_name, pins, requirements in (("requirements.lock", image, runtime),
                                          ("requirements-test.lock", development, runtime + test)):
        for requirement in requirements:
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{requirement.name} is not in {lock_name}: run `make lock`"
            assert requirement.specifier.contains(pins[name], prereleases=True), \
                f"{lock_name} pins {requirement.name}=={pins[name]} outside {requirement.specifier}: run `make lock`"
    different = {n: (v, development.get(n)) for n, v in image.items() if development.get(n) != v}
    assert not different, f"the image and the tests would run different versions: {different}"


def test_installs_use_the_locks_with_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install --quiet --require-hashes -r requirements-test.lock" in makefile
    # then the project itself; with a complete lock (the test above) this installs nothing else
    assert "pip install --quiet -e '.[test]'" in makefile
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip wheel --require-hashes --wheel-dir /wheels -r requirements.lock" in dockerfile
    assert "pip install --no-index --find-links /wheels satupintu" in dockerfile


def test_the_image_is_multi_stage_slim_and_unprivileged() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}$", dockerfile, re.M), \
        "the base image is pinned by digest in a build argument"
    stages = re.split(r"^FROM ", dockerfile, flags=re.M)[1:]
    assert [s.split()[0] for s in stages] == ["${PYTHON_IMAGE}", "${PYTHON_IMAGE}"]
    build, runtime = stages
    assert build.split()[2] == "build"
    assert "build-essential" in build and "build-essential" not in runtime and "gcc" not in runtime
    assert "tini" in runtime and 'ENTRYPOINT ["tini", "--", "satupintu"]' in runtime
    assert re.search(r"^USER 10001", runtime, re.M)
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", "var", "tests", "**/node_modules"} <= set(ignored)
