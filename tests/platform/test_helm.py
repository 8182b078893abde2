"""The Helm chart in helm/satupintu, checked without a cluster.

Structural checks need nothing but PyYAML. With the real `helm` (`make tools` installs a pinned
one; `.ci/run` sets SATUPINTU_REQUIRE_HELM=1, so CI fails instead of skipping): `helm lint
--strict`, `helm template` for every ci/*.yaml values file, values.schema.json refusing typos and
wrong types, and every rendered object validated offline against the Kubernetes schemas
(kubernetes-validate, strict) of the oldest version the chart declares and the newest known.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from satupintu.config import Settings

ROOT = Path(__file__).resolve().parents[2]
HELM_DIR = ROOT / "helm"
CHART = HELM_DIR / "satupintu"
TEMPLATES = CHART / "templates"
CI_VALUES = sorted((CHART / "ci").glob("*.yaml"))

# The settings the application documents; the chart may set no other SATUPINTU_* variable.
DOCUMENTED_VARIABLES = {
    "SATUPINTU_ENV",
    "SATUPINTU_DATABASE_URL",
    "SATUPINTU_MIGRATION_DATABASE_URL",
    "SATUPINTU_DB_APP_ROLE",
    "SATUPINTU_DB_APP_PASSWORD",
    "SATUPINTU_DATABASE_POOL_SIZE",
    "SATUPINTU_DATABASE_MAX_OVERFLOW",
    "SATUPINTU_BROKER_URL",
    "SATUPINTU_REDIS_URL",
    "SATUPINTU_SECRET_KEY",
    "SATUPINTU_TENANT_HOSTS",
    "SATUPINTU_LOG_FORMAT",
    "SATUPINTU_FORWARDED_ALLOW_IPS",
    "SATUPINTU_PUBLIC_URL",
    "SATUPINTU_STORAGE_URL",
    "SATUPINTU_S3_ENDPOINT_URL",
    "SATUPINTU_S3_REGION",
    "SATUPINTU_S3_ACCESS_KEY_ID",
    "SATUPINTU_S3_SECRET_ACCESS_KEY",
    "SATUPINTU_UPLOAD_MAX_MB",
    "SATUPINTU_SMTP_HOST",
    "SATUPINTU_SMTP_PORT",
    "SATUPINTU_SMTP_SECURITY",
    "SATUPINTU_SMTP_FROM",
    "SATUPINTU_SMTP_USER",
    "SATUPINTU_SMTP_PASSWORD",
}
# Of those, the ones that are secret (read from a Secret, never from the ConfigMap).
SECRET_VARIABLES = {
    "SATUPINTU_DATABASE_URL",
    "SATUPINTU_MIGRATION_DATABASE_URL",
    "SATUPINTU_DB_APP_PASSWORD",
    "SATUPINTU_BROKER_URL",
    "SATUPINTU_REDIS_URL",
    "SATUPINTU_SECRET_KEY",
    "SATUPINTU_S3_ACCESS_KEY_ID",
    "SATUPINTU_S3_SECRET_ACCESS_KEY",
    "SATUPINTU_SMTP_USER",
    "SATUPINTU_SMTP_PASSWORD",
}
# values.yaml keys whose contents are free-form (Kubernetes objects or user maps):
# a template may reach below them without values.yaml spelling the sub-keys out.
FREE_FORM_KEYS = {
    "podAnnotations", "podLabels", "commonLabels", "nodeSelector", "tolerations", "affinity",
    "extraEnv", "extraEnvFrom", "extraVolumes", "extraVolumeMounts", "extraArgs", "resources",
    "annotations", "tenantHosts", "behavior", "lifecycle", "securityContext",
    "podSecurityContext", "topologySpreadConstraints", "ingressFrom", "egress", "tls", "hosts",
    "imagePullSecrets", "startupProbe", "livenessProbe", "readinessProbe", "entrypoint",
}
EXPECTED_TEMPLATES = {
    "_helpers.tpl", "deployment-web.yaml", "deployment-worker.yaml", "deployment-scheduler.yaml",
    "job-migrate.yaml", "service.yaml", "ingress.yaml", "hpa.yaml", "pdb.yaml", "configmap.yaml",
    "secret.yaml", "serviceaccount.yaml", "networkpolicy.yaml", "NOTES.txt", "tests/test-readyz.yaml",
}

ACTION = re.compile(r"\{\{.*?\}\}", re.S)
VALUES_REF = re.compile(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")
VARIABLE = re.compile(r"\bSATUPINTU_[A-Z0-9_]+\b")


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _templates() -> dict[str, str]:
    return {p.relative_to(TEMPLATES).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(TEMPLATES.rglob("*")) if p.is_file()}


def _skeleton(text: str) -> list[dict[str, Any]]:
    """The YAML a template would give with every branch taken: lines that are only
    template actions are dropped and inline actions become the string TEMPLATED.
    Good enough to check the fixed structure (probes, hooks, strategies)."""
    lines = []
    for line in ACTION.sub(lambda m: "TEMPLATED" if "\n" not in m.group(0) else "", text).splitlines():
        if line.strip() == "TEMPLATED":
            continue
        lines.append(line)
    return [doc for doc in yaml.safe_load_all("\n".join(lines)) if isinstance(doc, dict)]


def _code(text: str) -> str:
    """A template without its comments (template comments and YAML comment lines)."""
    text = re.sub(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}", "", text, flags=re.S)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def _pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["spec"]["template"]["spec"]


def _container(doc: dict[str, Any], name: str) -> dict[str, Any]:
    for container in _pod_spec(doc).get("containers", []) + (_pod_spec(doc).get("initContainers") or []):
        if container["name"] == name:
            return container
    raise AssertionError(f"no container {name!r} in {doc['metadata']}")


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    return _load(CHART / "values.yaml")


@pytest.fixture(scope="module")
def templates() -> dict[str, str]:
    return _templates()


# --------------------------------------------------------------------------- chart files


def test_chart_metadata() -> None:
    chart = _load(CHART / "Chart.yaml")
    assert chart["apiVersion"] == "v2"
    assert chart["name"] == "satupintu"
    assert chart["version"] == "0.1.0"
    assert chart["appVersion"] == "0.1.0" and isinstance(chart["appVersion"], str)
    assert chart.get("type", "application") == "application"


def test_every_expected_file_is_there(templates: dict[str, str]) -> None:
    assert EXPECTED_TEMPLATES <= set(templates), EXPECTED_TEMPLATES - set(templates)
    assert (HELM_DIR / "README.md").is_file()
    assert CI_VALUES, "helm/satupintu/ci/*.yaml feed helm lint and chart-testing"


def test_values_defaults(values: dict[str, Any]) -> None:
    assert values["image"]["repository"] == "ghcr.io/satupintu/satupintu"
    assert values["image"]["tag"] == ""  # empty: the chart's appVersion
    assert values["image"]["pullPolicy"] == "IfNotPresent"
    assert values["web"]["replicaCount"] == 2
    assert values["worker"]["replicaCount"] == 2
    assert values["scheduler"]["enabled"] is True  # the nightly benchmark rollups
    assert values["database"]["createAppRole"] is False
    assert values["database"]["appRole"] == "satupintu_app"
    assert values["web"]["rollingUpdate"]["maxUnavailable"] == 0
    assert values["worker"]["rollingUpdate"]["maxUnavailable"] == 0
    web = values["web"]["resources"]
    assert web["requests"] == {"cpu": "100m", "memory": "256Mi"}
    assert web["limits"]["memory"] == "512Mi"
    assert values["worker"]["resources"]["limits"]["memory"]
    assert values["ingress"]["enabled"] is False
    # Network policy on by default, egress limited to DNS and the services the app talks to.
    assert values["networkPolicy"]["enabled"] is True and values["networkPolicy"]["restrictEgress"] is True
    ports = {port["port"] for rule in values["networkPolicy"]["egress"] for port in rule["ports"]}
    assert ports == {5432, 6432, 6379, 5672, 587, 465, 443}
    assert values["worker"]["podDisruptionBudget"]["enabled"] is True
    assert values["web"]["autoscaling"]["enabled"] is False
    assert values["worker"]["autoscaling"]["enabled"] is False
    assert values["serviceAccount"]["create"] is True


def test_no_secret_has_a_default(values: dict[str, Any]) -> None:
    assert values["existingSecret"] == ""
    assert values["migrations"]["existingSecret"] == ""
    assert all(value == "" for value in values["secrets"].values()), values["secrets"]


def test_only_named_proxies_are_trusted_for_client_addresses(values: dict[str, Any],
                                                             templates: dict[str, str]) -> None:
    """Trusting "*" lets any client choose its X-Forwarded-For address and escape the rate limits."""
    assert values["config"]["forwardedAllowIps"] == "127.0.0.1"
    assert '| default "127.0.0.1"' in templates["configmap.yaml"] and '"*"' not in templates["configmap.yaml"]
    schema = json.loads((CHART / "values.schema.json").read_text())
    rule = schema["properties"]["config"]["properties"]["forwardedAllowIps"]["not"]["pattern"]
    assert re.search(rule, "*") and re.search(rule, "10.0.0.0/8, *") and not re.search(rule, "10.42.0.0/16")


def test_security_defaults(values: dict[str, Any]) -> None:
    pod, container = values["podSecurityContext"], values["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] == 10001
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["runAsNonRoot"] is True and container["runAsUser"] == 10001
    assert container["readOnlyRootFilesystem"] is True
    assert container["allowPrivilegeEscalation"] is False
    assert container["capabilities"]["drop"] == ["ALL"]
    assert container["seccompProfile"] == {"type": "RuntimeDefault"}


def test_ci_values_parse() -> None:
    for path in CI_VALUES:
        assert isinstance(_load(path), dict), path


# --------------------------------------------------------------------------- template text


def test_template_delimiters_are_balanced(templates: dict[str, str]) -> None:
    for name, text in templates.items():
        depth, i = 0, 0
        while i < len(text):
            if text.startswith("{{", i):
                depth += 1
                assert depth == 1, f"{name}: '{{{{' inside an action near {text[i - 40:i + 40]!r}"
                i += 2
            elif text.startswith("}}", i):
                depth -= 1
                assert depth == 0, f"{name}: stray '}}}}' near {text[i - 40:i + 40]!r}"
                i += 2
            else:
                i += 1
        assert depth == 0, f"{name}: unclosed '{{{{'"


def test_control_blocks_are_balanced(templates: dict[str, str]) -> None:
    opener = re.compile(r"^\{\{-?\s*(if|range|with|define)\b")
    for name, text in templates.items():
        depth = 0
        for action in ACTION.findall(text):
            if opener.match(action):
                depth += 1
            elif re.match(r"^\{\{-?\s*end\b", action):
                depth -= 1
                assert depth >= 0, f"{name}: 'end' without a block"
        assert depth == 0, f"{name}: {depth} block(s) left open"


def test_every_values_reference_exists(values: dict[str, Any], templates: dict[str, str]) -> None:
    missing = []
    for name, text in templates.items():
        for match in VALUES_REF.finditer(text):
            node: Any = values
            for key in match.group(1).lstrip(".").split("."):
                if not isinstance(node, dict) or key not in node:
                    missing.append(f"{name}: .Values{match.group(1)}")
                    break
                if key in FREE_FORM_KEYS:
                    break
                node = node[key]
    assert not missing, "referenced in templates but absent from values.yaml:\n" + "\n".join(sorted(set(missing)))


def test_hpa_references_exist_for_web_and_worker(values: dict[str, Any], templates: dict[str, str]) -> None:
    # hpa.yaml reaches the role's values through `$values := index $.Values $component`.
    refs = set(re.findall(r"\$values((?:\.[A-Za-z_]\w*)+)", templates["hpa.yaml"]))
    assert refs
    for role in ("web", "worker"):
        for ref in refs:
            node: Any = values[role]
            for key in ref.lstrip(".").split("."):
                assert isinstance(node, dict) and key in node, f"{role}{ref} missing from values.yaml"
                node = node[key]


def test_included_templates_are_defined(templates: dict[str, str]) -> None:
    text = "\n".join(templates.values())
    defined = set(re.findall(r'define\s+"([^"]+)"', text))
    used = set(re.findall(r'(?:include|template)\s+"([^"]+)"', text))
    assert used <= defined, used - defined
    assert defined <= used, f"unused helpers: {defined - used}"


def test_only_documented_variables_are_set(templates: dict[str, str]) -> None:
    used = set()
    for name, text in templates.items():
        if name != "NOTES.txt":  # prose for the operator, sets nothing
            used |= set(VARIABLE.findall(_code(text)))
    assert used <= DOCUMENTED_VARIABLES, used - DOCUMENTED_VARIABLES
    # Every documented setting is wired somewhere.
    assert used == DOCUMENTED_VARIABLES, DOCUMENTED_VARIABLES - used


def test_configmap_holds_no_secret(templates: dict[str, str]) -> None:
    in_configmap = set(VARIABLE.findall(templates["configmap.yaml"]))
    assert in_configmap == {"SATUPINTU_ENV", "SATUPINTU_LOG_FORMAT", "SATUPINTU_DB_APP_ROLE", "SATUPINTU_TENANT_HOSTS",
                            "SATUPINTU_FORWARDED_ALLOW_IPS", "SATUPINTU_PUBLIC_URL", "SATUPINTU_STORAGE_URL",
                            "SATUPINTU_S3_ENDPOINT_URL", "SATUPINTU_S3_REGION", "SATUPINTU_UPLOAD_MAX_MB",
                            "SATUPINTU_SMTP_HOST", "SATUPINTU_SMTP_PORT", "SATUPINTU_SMTP_SECURITY", "SATUPINTU_SMTP_FROM",
                            "SATUPINTU_DATABASE_POOL_SIZE", "SATUPINTU_DATABASE_MAX_OVERFLOW"}
    assert not in_configmap & SECRET_VARIABLES
    assert 'SATUPINTU_ENV: "production"' in templates["configmap.yaml"]


def test_secrets_are_read_by_key_and_documented(templates: dict[str, str]) -> None:
    keys = set()
    for text in templates.values():
        keys |= set(re.findall(r"secretKeyRef:\s*\n\s*name: .*\n\s*key: (\S+)", text))
    assert keys == SECRET_VARIABLES
    # The keys of an existing Secret are documented in values.yaml and the README.
    values_text = (CHART / "values.yaml").read_text(encoding="utf-8")
    readme = (HELM_DIR / "README.md").read_text(encoding="utf-8")
    for key in SECRET_VARIABLES:
        assert key in values_text, f"{key} not documented in values.yaml"
        assert key in readme, f"{key} not documented in helm/README.md"
    # The app's Secret never carries the owner's credentials.
    assert "MIGRATION" not in templates["secret.yaml"] and "APP_PASSWORD" not in templates["secret.yaml"]


def test_chart_created_secrets_fail_without_values(templates: dict[str, str]) -> None:
    helpers = templates["_helpers.tpl"]
    for key in ("secrets.databaseUrl", "secrets.brokerUrl", "secrets.secretKey"):
        assert re.search(r"required \"[^\"]+\" \.Values\." + re.escape(key) + r"\b", helpers), key
    assert "lt (len $key) 32" in helpers
    job = templates["job-migrate.yaml"]
    assert re.search(r'required "[^"]+" \.Values\.secrets\.migrationDatabaseUrl', job)
    assert re.search(r'required "[^"]+" \.Values\.secrets\.dbAppPassword', job)
    assert 'include "satupintu.validateSecrets"' in templates["secret.yaml"]


# --------------------------------------------------------------------------- workloads


def test_web_deployment(templates: dict[str, str]) -> None:
    (doc,) = _skeleton(templates["deployment-web.yaml"])
    assert doc["kind"] == "Deployment"
    assert doc["spec"]["strategy"]["type"] == "RollingUpdate"
    web = _container(doc, "web")
    assert web["args"][:6] == ["serve", "--host", "0.0.0.0", "--port", "TEMPLATED", "--no-worker"]
    assert web["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert web["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert web["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert web["ports"][0]["name"] == "http"


def test_worker_deployment(templates: dict[str, str]) -> None:
    (doc,) = _skeleton(templates["deployment-worker.yaml"])
    worker = _container(doc, "worker")
    assert worker["args"][:5] == ["worker", "--threads", "TEMPLATED", "--heartbeat", "/tmp/alive"]
    assert "ports" not in worker
    assert "stat -c %Y /tmp/alive" in worker["livenessProbe"]["exec"]["command"][2]


def test_scheduler_is_single_and_recreated(templates: dict[str, str]) -> None:
    text = templates["deployment-scheduler.yaml"]
    assert text.lstrip().startswith("{{- if .Values.scheduler.enabled }}")
    (doc,) = _skeleton(text)
    assert doc["spec"]["replicas"] == 1
    assert doc["spec"]["strategy"] == {"type": "Recreate"}
    scheduler = _container(doc, "scheduler")
    assert scheduler["args"] == ["scheduler", "--heartbeat", "/tmp/alive"]
    assert "stat -c %Y /tmp/alive" in scheduler["livenessProbe"]["exec"]["command"][2]


def test_migration_job_is_a_hook(templates: dict[str, str]) -> None:
    docs = _skeleton(templates["job-migrate.yaml"])
    by_kind = {doc["kind"]: doc for doc in docs}
    job = by_kind["Job"]
    annotations = job["metadata"]["annotations"]
    assert set(annotations["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    assert set(annotations["helm.sh/hook-delete-policy"].split(",")) == {"before-hook-creation", "hook-succeeded"}
    assert _pod_spec(job)["restartPolicy"] == "Never"
    migrate = _container(job, "migrate")
    assert migrate["args"] == ["db", "upgrade"]
    env = {e["name"] for e in migrate.get("env") or []}
    assert {"SATUPINTU_ENV", "SATUPINTU_MIGRATION_DATABASE_URL", "SATUPINTU_DATABASE_URL",
            "SATUPINTU_SECRET_KEY", "SATUPINTU_DB_APP_ROLE"} <= env | _helper_env(templates, "satupintu.migrationEnv")
    assert _container(job, "create-role")["args"] == ["db", "create-role"]
    assert "{{- if .Values.database.createAppRole }}\n      initContainers:" in templates["job-migrate.yaml"]
    # The Secret the Job reads is itself a hook created before it (the release's own
    # resources do not exist yet during pre-install).
    secret = by_kind["Secret"]["metadata"]["annotations"]
    assert secret["helm.sh/hook"] == annotations["helm.sh/hook"]
    assert int(secret["helm.sh/hook-weight"]) < int(annotations["helm.sh/hook-weight"])


def _helper_env(templates: dict[str, str], helper: str) -> set[str]:
    block = re.split(r"\{\{/\*|\{\{- define", templates["_helpers.tpl"].split(f'define "{helper}"', 1)[1])[0]
    return set(re.findall(r"- name: (SATUPINTU_\w+)", block))


def test_every_pod_is_locked_down(templates: dict[str, str]) -> None:
    pods = ["deployment-web.yaml", "deployment-worker.yaml", "deployment-scheduler.yaml", "job-migrate.yaml"]
    for name in pods:
        (doc,) = [d for d in _skeleton(templates[name]) if d["kind"] in ("Deployment", "Job")]
        spec = _pod_spec(doc)
        assert spec["automountServiceAccountToken"] is False, name
        # Service links would inject SATUPINTU_PORT=tcp://... next to a Service named satupintu.
        assert spec["enableServiceLinks"] is False, name
        text = templates[name]
        assert "securityContext:\n        {{- toYaml .Values.podSecurityContext" in text, name
        containers = spec["containers"] + (spec.get("initContainers") or [])
        assert text.count("{{- toYaml .Values.securityContext") == len(containers), name
        assert 'include "satupintu.volumes"' in text and 'include "satupintu.volumeMounts"' in text, name
    helpers = templates["_helpers.tpl"]
    assert "mountPath: /tmp" in helpers and "mountPath: /app/var" in helpers
    assert "automountServiceAccountToken: false" in templates["serviceaccount.yaml"]


def test_pods_roll_on_config_change(templates: dict[str, str]) -> None:
    helpers = templates["_helpers.tpl"]
    assert '/configmap.yaml") . | sha256sum' in helpers and '/secret.yaml") . | sha256sum' in helpers
    for name in ("deployment-web.yaml", "deployment-worker.yaml", "deployment-scheduler.yaml"):
        assert 'include "satupintu.checksumAnnotations"' in templates[name], name


def test_optional_resources_are_guarded(templates: dict[str, str]) -> None:
    guards = {
        "ingress.yaml": "{{- if .Values.ingress.enabled }}",
        "pdb.yaml": "{{- if $values.podDisruptionBudget.enabled }}",
        "networkpolicy.yaml": "{{- if .Values.networkPolicy.enabled }}",
        "serviceaccount.yaml": "{{- if .Values.serviceAccount.create }}",
        "job-migrate.yaml": "{{- if .Values.migrations.enabled }}",
    }
    for name, guard in guards.items():
        assert guard in templates[name], name
    assert "autoscaling/v2" in templates["hpa.yaml"] and "$values.autoscaling.enabled" in templates["hpa.yaml"]
    for role in ("web", "worker"):
        assert f"{{{{- if not .Values.{role}.autoscaling.enabled }}}}\n  replicas:" in templates[f"deployment-{role}.yaml"]


# --------------------------------------------------------------------------- with helm

def _find_helm() -> str | None:
    """helm on the PATH, or the one `make tools` put beside this interpreter."""
    beside = Path(sys.executable).parent / "helm"
    return shutil.which("helm") or (str(beside) if beside.exists() else None)


HELM = _find_helm()
if HELM is None and os.environ.get("SATUPINTU_REQUIRE_HELM") == "1":
    raise RuntimeError("SATUPINTU_REQUIRE_HELM=1 but helm is not installed: run `make tools`")
needs_helm = pytest.mark.skipif(HELM is None, reason="helm not installed (`make tools` installs it; CI requires it)")
# Optional resources switched on, so that every template is rendered and validated at least once.
EVERYTHING_ON = [
    "--set", "ingress.enabled=true", "--set", "ingress.className=nginx",
    "--set", "ingress.hosts[0].host=mpp.example.go.id", "--set", "networkPolicy.enabled=true",
    "--set", "networkPolicy.restrictEgress=true", "--set", "web.autoscaling.enabled=true",
    "--set", "worker.autoscaling.enabled=true", "--set", "database.createAppRole=true",
    "--set", "secrets.dbAppPassword=app-password",
]


def _helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HELM, *args], capture_output=True, text=True, timeout=60)  # type: ignore[list-item]


def _render(*args: str) -> list[dict[str, Any]]:
    rendered = _helm("template", "satupintu", str(CHART), "--namespace", "mpp", *args)
    assert rendered.returncode == 0, rendered.stderr
    return [d for d in yaml.safe_load_all(rendered.stdout) if d]


def _kubernetes_versions() -> list[str]:
    """The oldest Kubernetes the chart declares (Chart.yaml kubeVersion) and the newest schema known."""
    import kubernetes_validate

    declared = re.match(r">=\s*(\d+\.\d+)", _load(CHART / "Chart.yaml")["kubeVersion"])
    assert declared, "Chart.yaml kubeVersion must state a minimum version (>=X.Y)"
    return [f"{declared.group(1)}.0", kubernetes_validate.latest_version()]


@needs_helm
@pytest.mark.parametrize("values_file", CI_VALUES, ids=lambda p: p.name)
def test_helm_lint_and_template(values_file: Path) -> None:
    lint = _helm("lint", "--strict", str(CHART), "-f", str(values_file))
    assert lint.returncode == 0, lint.stdout + lint.stderr
    docs = _render("-f", str(values_file))
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert ("Deployment", "satupintu-web") in kinds and ("Job", "satupintu-migrate") in kinds
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job"):
            assert _pod_spec(doc)["enableServiceLinks"] is False


@needs_helm
@pytest.mark.parametrize("extra", [[], EVERYTHING_ON], ids=["defaults", "everything-on"])
@pytest.mark.parametrize("values_file", CI_VALUES, ids=lambda p: p.name)
def test_rendered_manifests_are_valid_kubernetes(values_file: Path, extra: list[str]) -> None:
    """Every rendered object validates strictly (unknown fields are errors) against the schemas of
    the oldest Kubernetes the chart supports and of the newest one known, offline."""
    import kubernetes_validate

    docs = _render("-f", str(values_file), *extra)
    if extra:
        assert {"Ingress", "NetworkPolicy", "HorizontalPodAutoscaler"} <= {d["kind"] for d in docs}
    for version in _kubernetes_versions():
        for doc in docs:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                pytest.fail(f"{doc['kind']}/{doc['metadata']['name']} is not valid Kubernetes {version}: "
                            f"{error.message} at {list(error.path)}")


@needs_helm
def test_helm_template_requires_secrets() -> None:
    rendered = _helm("template", "satupintu", str(CHART))
    assert rendered.returncode != 0
    assert "existingSecret" in rendered.stderr


@needs_helm
@pytest.mark.parametrize(("setting", "complaint"), [
    ("web.replicaCont=3", "additional properties 'replicaCont' not allowed"),
    ("ingres.enabled=true", "additional properties 'ingres' not allowed"),
    ("web.replicaCount=three", "got string, want integer"),
    ("config.logFormat=yaml", "value must be one of"),
    ("image.digest=latest", "does not match pattern"),
])
def test_values_schema_refuses_typos_and_wrong_types(setting: str, complaint: str) -> None:
    ci = CHART / "ci" / "existing-secret-values.yaml"
    rendered = _helm("template", "satupintu", str(CHART), "-f", str(ci), "--set", setting)
    assert rendered.returncode != 0, f"{setting} was accepted"
    assert complaint in rendered.stderr, rendered.stderr


def test_values_schema_covers_every_value(values: dict[str, Any]) -> None:
    """Each key of values.yaml is declared in values.schema.json (free-form maps aside), so a new
    value cannot be added without its type, and a misspelled one is refused."""
    import json

    schema = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))

    def walk(value: Any, node: dict[str, Any], path: str) -> None:
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
        if not isinstance(value, dict) or "properties" not in node:
            return
        assert node.get("additionalProperties") is False, f"{path or 'values'} allows unknown keys"
        for key, child in value.items():
            assert key in node["properties"], f"{path}{key} is missing from values.schema.json"
            walk(child, node["properties"][key], f"{path}{key}.")

    walk(values, schema, "")


def _containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc["spec"] if doc["kind"] == "Pod" else _pod_spec(doc)
    return spec["containers"] + (spec.get("initContainers") or [])


@needs_helm
@pytest.mark.parametrize("values_file", CI_VALUES, ids=lambda p: p.name)
def test_every_container_has_resources_and_the_cluster_shape(values_file: Path) -> None:
    docs = _render("-f", str(values_file), *EVERYTHING_ON)
    pods = [d for d in docs if d["kind"] in ("Deployment", "Job", "Pod")]
    for doc in pods:
        for container in _containers(doc):
            resources = container.get("resources") or {}
            assert resources.get("requests", {}).get("memory") and resources.get("limits", {}).get("memory"), \
                f"{doc['kind']}/{doc['metadata']['name']}: container {container['name']} has no memory request and limit"
    by_name = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    if _load(values_file).get("web", {}).get("podDisruptionBudget", {}).get("enabled", True):
        assert ("PodDisruptionBudget", "satupintu-web") in by_name
    assert ("PodDisruptionBudget", "satupintu-worker") in by_name
    test_pod = by_name[("Pod", "satupintu-test-readyz")]
    assert test_pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    service = by_name[("Service", "satupintu")]
    assert f"http://satupintu:{service['spec']['ports'][0]['port']}/readyz" in test_pod["spec"]["containers"][0]["command"][2]


@needs_helm
def test_storage_must_be_shared_by_every_pod() -> None:
    """Uploaded documents need a place every web and worker pod reads: object storage, or a folder on
    a volume they all mount. A folder inside one pod is refused with a message that says so."""
    ci = CHART / "ci" / "existing-secret-values.yaml"
    without = _helm("template", "satupintu", str(CHART), "-f", str(ci), "--set", "storage.url=")
    assert without.returncode != 0 and "storage.url is needed" in without.stderr
    folder = _helm("template", "satupintu", str(CHART), "-f", str(ci), "--set", "storage.existingClaim=")
    assert folder.returncode != 0 and "storage.existingClaim" in folder.stderr
    bad = _helm("template", "satupintu", str(CHART), "-f", str(ci), "--set", "storage.url=ftp://files")
    assert bad.returncode != 0 and "does not match pattern" in bad.stderr


@needs_helm
def test_folder_storage_mounts_the_claim_in_every_app_pod() -> None:
    docs = _render("-f", str(CHART / "ci" / "existing-secret-values.yaml"))
    config = next(d for d in docs if d["kind"] == "ConfigMap")
    assert config["data"]["SATUPINTU_STORAGE_URL"] == "file:///data/uploads"
    assert config["data"]["SATUPINTU_UPLOAD_MAX_MB"] == "5"
    pods = [d for d in docs if d["kind"] in ("Deployment", "Job")]
    assert pods
    for doc in pods:
        spec = _pod_spec(doc)
        assert {"name": "uploads", "persistentVolumeClaim": {"claimName": "satupintu-uploads"}} in spec["volumes"]
        for container in spec["containers"]:
            assert {"name": "uploads", "mountPath": "/data/uploads"} in container["volumeMounts"], doc["kind"]


@needs_helm
def test_the_connection_pool_is_sized_from_the_values() -> None:
    config = next(d for d in _render("-f", str(CHART / "ci" / "chart-secrets-values.yaml"), "--set",
                                     "database.poolSize=40", "--set", "database.maxOverflow=0")
                  if d["kind"] == "ConfigMap")["data"]
    assert (config["SATUPINTU_DATABASE_POOL_SIZE"], config["SATUPINTU_DATABASE_MAX_OVERFLOW"]) == ("40", "0")
    defaults = next(d for d in _render("-f", str(CHART / "ci" / "chart-secrets-values.yaml"))
                    if d["kind"] == "ConfigMap")["data"]
    settings = Settings.from_env({**defaults, "SATUPINTU_DATABASE_URL": "postgresql://app@db/s",
                                  "SATUPINTU_SECRET_KEY": "s" * 40})
    assert (settings.database_pool_size, settings.database_max_overflow) == (20, 10)


@needs_helm
def test_object_storage_settings_and_keys() -> None:
    docs = _render("-f", str(CHART / "ci" / "chart-secrets-values.yaml"), "--set", "storage.maxUploadMb=8")
    config = next(d for d in docs if d["kind"] == "ConfigMap")["data"]
    assert config["SATUPINTU_STORAGE_URL"] == "s3://satupintu-documents/production"
    assert config["SATUPINTU_S3_ENDPOINT_URL"] == "https://s3.example.go.id"
    assert config["SATUPINTU_S3_REGION"] == "id-jakarta-1"
    assert config["SATUPINTU_UPLOAD_MAX_MB"] == "8"
    assert not any("S3_ACCESS" in k or "S3_SECRET" in k for k in config)
    secret = next(d for d in docs if d["kind"] == "Secret" and "SATUPINTU_SECRET_KEY" in d.get("data", {}))
    assert {"SATUPINTU_S3_ACCESS_KEY_ID", "SATUPINTU_S3_SECRET_ACCESS_KEY"} <= set(secret["data"])
    for doc in docs:
        if doc["kind"] == "Deployment":
            assert not any(v.get("name") == "uploads" for v in _pod_spec(doc)["volumes"])


@needs_helm
def test_smtp_settings_and_sign_in() -> None:
    """Booking reminders by e-mail: the server's address, port, security and sender in the ConfigMap,
    its sign-in in the Secret, read by every app pod; no host, no SMTP setting at all."""
    docs = _render("-f", str(CHART / "ci" / "chart-secrets-values.yaml"), "--set", "smtp.port=465",
                   "--set", "smtp.security=ssl")
    config = next(d for d in docs if d["kind"] == "ConfigMap")["data"]
    assert {k: v for k, v in config.items() if "SMTP" in k} == {
        "SATUPINTU_SMTP_HOST": "smtp.example.go.id", "SATUPINTU_SMTP_PORT": "465", "SATUPINTU_SMTP_SECURITY": "ssl",
        "SATUPINTU_SMTP_FROM": "mpp@example.go.id"}
    secret = next(d for d in docs if d["kind"] == "Secret" and "SATUPINTU_SECRET_KEY" in d.get("data", {}))
    assert {"SATUPINTU_SMTP_USER", "SATUPINTU_SMTP_PASSWORD"} <= set(secret["data"])
    for doc in (d for d in docs if d["kind"] == "Deployment"):
        env = {e["name"]: e for e in _pod_spec(doc)["containers"][0]["env"]}
        assert env["SATUPINTU_SMTP_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "SATUPINTU_SMTP_PASSWORD"

    ci = CHART / "ci" / "existing-secret-values.yaml"
    quiet = next(d for d in _render("-f", str(ci)) if d["kind"] == "ConfigMap")["data"]
    assert not any("SMTP" in key for key in quiet), "no host: nothing is e-mailed"
    no_sender = _helm("template", "satupintu", str(CHART), "-f", str(ci), "--set", "smtp.host=smtp.example.go.id")
    assert no_sender.returncode != 0 and "smtp.from" in no_sender.stderr
    half = _helm("template", "satupintu", str(CHART), "-f", str(CHART / "ci" / "chart-secrets-values.yaml"),
                 "--set", "secrets.smtpPassword=")
    assert half.returncode != 0 and "secrets.smtpPassword goes with secrets.smtpUser" in half.stderr
    for setting, complaint in (("smtp.security=tls", "value must be one of"), ("smtp.port=smtp", "got string"),
                               ("smtp.from=mpp", "does not match pattern")):
        refused = _helm("template", "satupintu", str(CHART), "-f", str(ci), "--set", setting)
        assert refused.returncode != 0 and complaint in refused.stderr, (setting, refused.stderr)
