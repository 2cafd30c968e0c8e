"""The Kubernetes manifests under deploy/k8s follow the project's deployment rules.

File checks only: no cluster and no kustomize are needed. When ``kubectl`` is on PATH the
overlays are rendered as well; without it that one test skips.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter
from pydantic_settings import BaseSettings

from hourbank_common.settings import ProjectorSettings
from hourbank_contracts import IDENTITY_TOPIC
from hourbank_identity.config import IdentityApiSettings, IdentityRelaySettings
from hourbank_learning.config import LearningApiSettings, RelaySettings
from hourbank_ledger.config import LedgerApiSettings, LedgerConsumerSettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
BASE = K8S / "base"
OVERLAYS = K8S / "overlays"

RUN_AS_USER = 10001
HTTP_PORT = 8080
HEALTH_PORT = 9090  # /healthz, /readyz and /metrics of the processes without an HTTP API
DATABASE_SECRET = ("hourbank-database", "url")
JWT_PUBLIC_KEY_SECRET = ("hourbank-jwt-public-key", "public.pem")
# identity's keys: variable -> (Secret, key). Only identity's API and its bootstrap job read them.
IDENTITY_KEYS = {
    "AUTH_JWT_PRIVATE_KEY": ("hourbank-jwt-private-key", "private.pem"),
    "IDENTITY_PII_MASTER_KEY": ("hourbank-identity-pii", "master-key"),
    "IDENTITY_LOOKUP_KEY": ("hourbank-identity-pii", "lookup-key"),
}
IDENTITY_KEY_HOLDERS = {"identity-api", "identity-bootstrap-admin"}
CONFIG_MAP = "hourbank-config"

# Deployment name -> the module its container runs with `python -m`.
PROCESSES = {
    "identity-api": "hourbank_identity.entrypoints.http",
    "identity-relay": "hourbank_identity.entrypoints.relay",
    "identity-projector": "hourbank_identity.entrypoints.projector",
    "learning-api": "hourbank_learning.entrypoints.http",
    "learning-relay": "hourbank_learning.entrypoints.relay",
    "ledger-consumer": "hourbank_ledger.entrypoints.consumer",
    "ledger-projector": "hourbank_ledger.entrypoints.projector",
    "ledger-api": "hourbank_ledger.entrypoints.http",
}
# One-off commands, as suspended CronJobs (Job templates for `kubectl create job --from`).
JOB_TEMPLATES = {"identity-bootstrap-admin": "hourbank_identity.entrypoints.admin"}
HTTP_PROCESSES = {"identity-api", "learning-api", "ledger-api"}
# APIs that check tokens with identity's public key (identity derives it from its private key).
TOKEN_VERIFIERS = HTTP_PROCESSES - {"identity-api"}
# Processes that keep a single position: never more than one pod, never two during a rollout.
SINGLE_WRITERS = {"identity-relay", "identity-projector", "learning-relay", "ledger-projector"}
# The settings class each entrypoint's main() reads the environment with.
SETTINGS: dict[str, type[BaseSettings]] = {
    "hourbank_identity.entrypoints.http": IdentityApiSettings,
    "hourbank_identity.entrypoints.relay": IdentityRelaySettings,
    "hourbank_identity.entrypoints.projector": ProjectorSettings,
    "hourbank_identity.entrypoints.admin": IdentityApiSettings,
    "hourbank_learning.entrypoints.http": LearningApiSettings,
    "hourbank_learning.entrypoints.relay": RelaySettings,
    "hourbank_ledger.entrypoints.consumer": LedgerConsumerSettings,
    "hourbank_ledger.entrypoints.projector": ProjectorSettings,
    "hourbank_ledger.entrypoints.http": LedgerApiSettings,
}

SECRET_LIKE_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE|_KEY$|DATABASE_URL")
URL_WITH_CREDENTIALS = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@\"']+:[^/\s@\"']+@", re.IGNORECASE)


def _load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


MANIFEST_FILES = sorted([*K8S.rglob("*.yaml"), *K8S.rglob("*.yml")])
DOCUMENTS = [(path, doc) for path in MANIFEST_FILES for doc in _load(path)]
DEPLOYMENTS = {doc["metadata"]["name"]: doc for _, doc in DOCUMENTS if doc["kind"] == "Deployment"}
CRON_JOBS = {doc["metadata"]["name"]: doc for _, doc in DOCUMENTS if doc["kind"] == "CronJob"}
# Everything that runs pods: the rules on pods hold for the job templates as well.
WORKLOADS = {**DEPLOYMENTS, **CRON_JOBS}
SERVICES = {doc["metadata"]["name"]: doc for _, doc in DOCUMENTS if doc["kind"] == "Service"}
BASE_KUSTOMIZATION = _load(BASE / "kustomization.yaml")[0]
OVERLAY_DIRS = sorted(path for path in OVERLAYS.iterdir() if path.is_dir())


def _pod_template(workload: dict[str, Any]) -> dict[str, Any]:
    """The pod template of a Deployment, or of the Jobs a CronJob creates."""
    if workload["kind"] == "CronJob":
        template: dict[str, Any] = workload["spec"]["jobTemplate"]["spec"]["template"]
    else:
        template = workload["spec"]["template"]
    return template


def _pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = _pod_template(workload)["spec"]
    return spec


def _containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    spec = _pod_spec(deployment)
    return [*spec.get("initContainers", []), *spec["containers"]]


def _main_container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = _pod_spec(deployment)["containers"]
    assert len(containers) == 1, "one process per pod"
    return containers[0]


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {var["name"]: var for var in container.get("env", [])}


def _literals(kustomization: dict[str, Any], name: str) -> dict[str, str]:
    """Key/value literals of the configMapGenerator entry called ``name``."""
    for generator in kustomization.get("configMapGenerator", []):
        if generator["name"] == name:
            return dict(literal.split("=", 1) for literal in generator.get("literals", []))
    return {}


def _container_port(container: dict[str, Any], port: int | str) -> int:
    """Resolve a probe's or Service's port (number or name) to the container's port number."""
    for declared in container.get("ports", []):
        if port in (declared["containerPort"], declared.get("name")):
            return int(declared["containerPort"])
    pytest.fail(f"{container['name']} declares no port {port!r}")


def test_every_manifest_parses_and_names_its_kind() -> None:
    assert MANIFEST_FILES, f"no manifests under {K8S}"
    for path in MANIFEST_FILES:
        docs = _load(path)
        assert docs, f"{path} is empty"
        for doc in docs:
            assert doc.get("apiVersion"), f"{path}: document without apiVersion"
            assert doc.get("kind"), f"{path}: document without kind"


def test_one_deployment_per_process_role_and_nothing_else() -> None:
    assert set(DEPLOYMENTS) == set(PROCESSES)
    for name, module in PROCESSES.items():
        container = _main_container(DEPLOYMENTS[name])
        assert container["command"] == ["python", "-m", module], name
        assert container["image"] == "hourbank", f"{name}: one image for every process"


def test_job_templates_are_suspended_cron_jobs_that_run_once() -> None:
    """One-off commands never run by schedule: an operator creates the Job from the template
    (`kubectl create job --from=cronjob/...`), and a failed attempt is not retried."""
    assert set(CRON_JOBS) == set(JOB_TEMPLATES)
    for name, module in JOB_TEMPLATES.items():
        cron_job = CRON_JOBS[name]
        assert cron_job["spec"]["suspend"] is True, name
        assert cron_job["spec"]["concurrencyPolicy"] == "Forbid", name
        job = cron_job["spec"]["jobTemplate"]["spec"]
        assert job["backoffLimit"] == 0, name
        assert job["ttlSecondsAfterFinished"] > 0, f"{name}: its log holds a one-time code"
        assert _pod_spec(cron_job)["restartPolicy"] == "Never", name
        container = _main_container(cron_job)
        assert container["command"] == ["python", "-m", module], name
        assert container["image"] == "hourbank", name
        assert importlib.util.find_spec(module) is not None, f"{name}: no module {module}"
        assert not container.get("ports"), name
        for labels in (
            cron_job["metadata"]["labels"],
            _pod_template(cron_job)["metadata"]["labels"],
        ):
            assert labels.get("app.kubernetes.io/name") == name
            assert labels.get("app.kubernetes.io/part-of") == "hourbank"


def test_bootstrap_admin_job_has_the_api_settings() -> None:
    container = _main_container(CRON_JOBS["identity-bootstrap-admin"])
    assert container["args"] == ["create-province-admin", "--login", "province-admin"]
    fields = {field.upper(): info for field, info in IdentityApiSettings.model_fields.items()}
    env = _env(container)
    assert set(env) <= set(fields), f"unknown variables {set(env) - set(fields)}"
    required = {field for field, info in fields.items() if info.is_required()}
    assert required <= set(env), f"missing {required - set(env)}"
    # Same schema as the API it bootstraps.
    api_schema = _env(_main_container(DEPLOYMENTS["identity-api"]))["DATABASE_SCHEMA"]
    assert env["DATABASE_SCHEMA"] == api_schema


def test_ledger_consumer_subscribes_to_the_identity_topic() -> None:
    """Persons' registrations and migrated hours reach the ledger through identity's topic:
    whatever sets LEDGER_TOPICS (the settings' default, or the ConfigMap in the base and every
    overlay) must include it."""
    env = _env(_main_container(DEPLOYMENTS["ledger-consumer"]))
    if "LEDGER_TOPICS" not in env:
        assert IDENTITY_TOPIC in LedgerConsumerSettings.model_fields["ledger_topics"].default
        return
    ref = env["LEDGER_TOPICS"]["valueFrom"]["configMapKeyRef"]
    kustomizations = [BASE_KUSTOMIZATION] + [
        _load(overlay / "kustomization.yaml")[0] for overlay in OVERLAY_DIRS
    ]
    for kustomization in kustomizations:
        topics = _literals(kustomization, CONFIG_MAP).get(ref["key"])
        if topics is not None:
            assert IDENTITY_TOPIC in topics


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_command_module_exists(name: str) -> None:
    module = _main_container(DEPLOYMENTS[name])["command"][-1]
    assert importlib.util.find_spec(module) is not None, f"{name}: no module {module}"


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_every_container_has_requests_and_limits(name: str) -> None:
    for container in _containers(WORKLOADS[name]):
        resources = container.get("resources", {})
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources.get(bound, {})), (
                f"{name}/{container['name']}: resources.{bound} needs cpu and memory"
            )


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_security_context_is_locked_down(name: str) -> None:
    deployment = WORKLOADS[name]
    pod_context = _pod_spec(deployment).get("securityContext", {})
    assert _pod_spec(deployment).get("automountServiceAccountToken") is False
    for container in _containers(deployment):
        own = container.get("securityContext", {})
        effective = {**pod_context, **own}  # container settings override the pod's
        where = f"{name}/{container['name']}"
        assert effective.get("runAsNonRoot") is True, where
        assert effective.get("runAsUser") == RUN_AS_USER, where
        assert effective.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
        assert own.get("readOnlyRootFilesystem") is True, where
        assert own.get("allowPrivilegeEscalation") is False, where
        assert own.get("privileged", False) is False, where
        assert own.get("capabilities", {}).get("drop") == ["ALL"], where
        assert not own.get("capabilities", {}).get("add"), where


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_read_only_root_filesystem_gets_a_writable_tmp(name: str) -> None:
    spec = _pod_spec(WORKLOADS[name])
    empty_dirs = {volume["name"] for volume in spec.get("volumes", []) if "emptyDir" in volume}
    for container in _containers(WORKLOADS[name]):
        mounts = {mount["mountPath"]: mount["name"] for mount in container.get("volumeMounts", [])}
        assert mounts.get("/tmp") in empty_dirs, f"{name}: mount an emptyDir at /tmp"


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_labels_and_selector(name: str) -> None:
    deployment = DEPLOYMENTS[name]
    template_labels = deployment["spec"]["template"]["metadata"]["labels"]
    for labels in (deployment["metadata"]["labels"], template_labels):
        assert labels.get("app.kubernetes.io/name") == name
        assert labels.get("app.kubernetes.io/part-of") == "hourbank"
        assert labels.get("app.kubernetes.io/component")
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= template_labels.items()


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_termination_grace_period_is_set(name: str) -> None:
    grace = _pod_spec(WORKLOADS[name]).get("terminationGracePeriodSeconds")
    assert isinstance(grace, int)
    assert grace > 0


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_environment_matches_the_process_settings(name: str) -> None:
    """Every variable set is one the process reads; every required setting is provided."""
    container = _main_container(DEPLOYMENTS[name])
    settings = SETTINGS[container["command"][-1]]
    fields = {field.upper(): info for field, info in settings.model_fields.items()}
    env = _env(container)
    assert set(env) <= set(fields), f"{name}: unknown variables {set(env) - set(fields)}"
    required = {field for field, info in fields.items() if info.is_required()}
    assert required <= set(env), f"{name}: missing {required - set(env)}"
    assert env["LOG_JSON"]["valueFrom"]["configMapKeyRef"]["key"] == "LOG_JSON"
    assert _literals(BASE_KUSTOMIZATION, CONFIG_MAP)["LOG_JSON"] == "true"
    assert "DATABASE_SCHEMA" in env, f"{name}: give the service its own schema"


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_database_url_comes_from_the_secret(name: str) -> None:
    source = _env(_main_container(WORKLOADS[name]))["DATABASE_URL"]
    assert "value" not in source
    ref = source["valueFrom"]["secretKeyRef"]
    assert (ref["name"], ref["key"]) == DATABASE_SECRET


@pytest.mark.parametrize("name", sorted(TOKEN_VERIFIERS))
def test_apis_check_tokens_with_the_public_key_secret(name: str) -> None:
    source = _env(_main_container(DEPLOYMENTS[name]))["AUTH_JWT_PUBLIC_KEY"]
    ref = source["valueFrom"]["secretKeyRef"]
    assert (ref["name"], ref["key"]) == JWT_PUBLIC_KEY_SECRET
    # Only the public key: a process that checks tokens must never be able to mint them.
    assert not set(IDENTITY_KEYS) & set(_env(_main_container(DEPLOYMENTS[name])))


@pytest.mark.parametrize("name", sorted(IDENTITY_KEY_HOLDERS))
def test_identity_keys_come_from_their_secrets(name: str) -> None:
    env = _env(_main_container(WORKLOADS[name]))
    for variable, secret in IDENTITY_KEYS.items():
        assert "value" not in env[variable], f"{name}: literal {variable}"
        ref = env[variable]["valueFrom"]["secretKeyRef"]
        assert (ref["name"], ref["key"]) == secret, f"{name}: {variable}"
    assert "AUTH_JWT_PUBLIC_KEY" not in env, f"{name}: derives the public key itself"


def _secret_names(workload: dict[str, Any]) -> set[str]:
    """Every Secret a workload's pods can read: env, envFrom and volumes."""
    names: set[str] = set()
    for container in _containers(workload):
        for var in container.get("env", []):
            ref = var.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                names.add(ref["name"])
        for source in container.get("envFrom", []):
            if "secretRef" in source:
                names.add(source["secretRef"]["name"])
    for volume in _pod_spec(workload).get("volumes", []):
        if "secret" in volume:
            names.add(volume["secret"]["secretName"])
        for projected in volume.get("projected", {}).get("sources", []):
            if "secret" in projected:
                names.add(projected["secret"]["name"])
    return names


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_identity_keys_reach_only_identity_api_and_its_bootstrap_job(name: str) -> None:
    """The signing key and the PII keys stay with identity's API and its bootstrap command:
    the relay and the projector (which read the event store only), the other services and
    their APIs get neither the variables nor a reference to the Secrets holding them."""
    workload = WORKLOADS[name]
    key_secrets = {secret for secret, _ in IDENTITY_KEYS.values()}
    variables = {var for c in _containers(workload) for var in _env(c)}
    if name in IDENTITY_KEY_HOLDERS:
        assert set(IDENTITY_KEYS) <= variables, name
        return
    assert not set(IDENTITY_KEYS) & variables, f"{name} must not get identity's keys"
    assert not key_secrets & _secret_names(workload), f"{name} must not read identity's Secrets"


def test_no_literal_values_for_secret_like_variables() -> None:
    for name, deployment in WORKLOADS.items():
        for container in _containers(deployment):
            for var_name, var in _env(container).items():
                if SECRET_LIKE_NAME.search(var_name.upper()):
                    assert "value" not in var, f"{name}: literal value for {var_name}"
                    assert "secretKeyRef" in var.get("valueFrom", {}), (
                        f"{name}: {var_name} must come from a Secret"
                    )


def test_no_secrets_or_credentials_in_the_repository() -> None:
    kinds = {doc["kind"] for _, doc in DOCUMENTS}
    assert "Secret" not in kinds, "Secrets are created in the cluster (deploy/README.md)"
    for path, doc in DOCUMENTS:
        assert "secretGenerator" not in doc, f"{path}: no secretGenerator"
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not URL_WITH_CREDENTIALS.search(text), f"{path}: URL with credentials"


def test_config_map_references_resolve() -> None:
    keys = set(_literals(BASE_KUSTOMIZATION, CONFIG_MAP))
    for name, deployment in WORKLOADS.items():
        for container in _containers(deployment):
            for var in container.get("env", []):
                ref = var.get("valueFrom", {}).get("configMapKeyRef")
                if ref:
                    assert ref["name"] == CONFIG_MAP, name
                    assert ref["key"] in keys, f"{name}: {CONFIG_MAP} has no key {ref['key']}"


def _probe_port(container: dict[str, Any], probe_name: str, path: str) -> int:
    """The port number of a probe on ``path``, which must name a declared port."""
    probe = container[probe_name]["httpGet"]
    assert probe["path"] == path, f"{container['name']}: {probe_name}"
    assert isinstance(probe["port"], str), f"{container['name']}: {probe_name} on a named port"
    return _container_port(container, probe["port"])


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_every_process_is_probed_for_liveness_and_readiness_and_scraped(name: str) -> None:
    """Liveness on /healthz, readiness on /readyz, both on a named port the process listens
    on, and Prometheus scrape annotations naming that port and /metrics. The APIs serve
    them on their HTTP port; the relays, the consumer and the projectors on their health
    port (HEALTH_HOST/HEALTH_PORT, hourbank_common.health)."""
    deployment = DEPLOYMENTS[name]
    container = _main_container(deployment)
    env = _env(container)
    if name in HTTP_PROCESSES:
        port, host_variable, port_variable = HTTP_PORT, "HTTP_HOST", "HTTP_PORT"
    else:
        port, host_variable, port_variable = HEALTH_PORT, "HEALTH_HOST", "HEALTH_PORT"
    assert [declared["containerPort"] for declared in container["ports"]] == [port], name
    assert env[host_variable]["value"] == "0.0.0.0"
    assert env[port_variable]["value"] == str(port)
    assert _probe_port(container, "livenessProbe", "/healthz") == port
    assert _probe_port(container, "readinessProbe", "/readyz") == port
    if "startupProbe" in container:
        assert _probe_port(container, "startupProbe", "/healthz") == port
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true", name
    assert annotations["prometheus.io/port"] == str(port), name
    assert annotations["prometheus.io/path"] == "/metrics", name


def test_identity_api_believes_x_forwarded_for_from_its_ingress_only() -> None:
    """Login throttling counts per client address: behind the ingress identity's API must
    know the ingress's networks, or every client would look like the ingress."""
    source = _env(_main_container(DEPLOYMENTS["identity-api"]))["HTTP_TRUSTED_PROXIES"]
    ref = source["valueFrom"]["configMapKeyRef"]
    assert ref["name"] == CONFIG_MAP
    kustomizations = [BASE_KUSTOMIZATION] + [
        _load(overlay / "kustomization.yaml")[0] for overlay in OVERLAY_DIRS
    ]
    field = IdentityApiSettings.model_fields["http_trusted_proxies"]
    for kustomization in kustomizations:
        value = _literals(kustomization, CONFIG_MAP).get(ref["key"])
        if value is None:
            continue
        networks = TypeAdapter(field.annotation).validate_json(value)
        assert networks, "an empty list would trust no proxy: set the ingress's networks"
    assert _literals(BASE_KUSTOMIZATION, CONFIG_MAP).get(ref["key"])


@pytest.mark.parametrize("name", sorted(HTTP_PROCESSES))
def test_api_service_selects_its_deployment(name: str) -> None:
    service = SERVICES[name]
    deployment = DEPLOYMENTS[name]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    (port,) = service["spec"]["ports"]
    target = _container_port(_main_container(deployment), port["targetPort"])
    assert target == HTTP_PORT


def test_services_exist_only_for_the_apis() -> None:
    assert set(SERVICES) == HTTP_PROCESSES


@pytest.mark.parametrize("name", sorted(SINGLE_WRITERS))
def test_single_writers_run_exactly_one_replica(name: str) -> None:
    spec = DEPLOYMENTS[name]["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"]["type"] == "Recreate", f"{name}: no overlap during a rollout"
    for overlay in OVERLAY_DIRS:
        kustomization = _load(overlay / "kustomization.yaml")[0]
        for entry in kustomization.get("replicas", []):
            assert entry["name"] != name, f"{overlay.name} changes {name}'s replicas"


def test_base_kustomization_lists_every_base_file() -> None:
    resources = BASE_KUSTOMIZATION["resources"]
    files = {
        path.name
        for path in BASE.iterdir()
        if path.suffix in {".yaml", ".yml"} and path.name != "kustomization.yaml"
    }
    assert sorted(resources) == sorted(files)
    assert BASE_KUSTOMIZATION["namespace"] == "hourbank"
    namespaces = [doc for _, doc in DOCUMENTS if doc["kind"] == "Namespace"]
    assert [doc["metadata"]["name"] for doc in namespaces] == ["hourbank"]


def test_overlays_reuse_the_base_and_keep_instances_apart() -> None:
    assert {path.name for path in OVERLAY_DIRS} >= {"city-zibo", "province"}
    base_keys = set(_literals(BASE_KUSTOMIZATION, CONFIG_MAP))
    namespaces: set[str] = set()
    group_ids: set[str] = set()
    for overlay in OVERLAY_DIRS:
        kustomization = _load(overlay / "kustomization.yaml")[0]
        assert kustomization["resources"] == ["../../base"], overlay.name
        assert (overlay / "../../base").resolve() == BASE.resolve()
        namespaces.add(kustomization["namespace"])
        (generator,) = kustomization["configMapGenerator"]
        assert (generator["name"], generator["behavior"]) == (CONFIG_MAP, "merge")
        literals = _literals(kustomization, CONFIG_MAP)
        assert set(literals) <= base_keys, f"{overlay.name}: unknown keys"
        group_ids.add(literals["LEDGER_GROUP_ID"])
    assert "hourbank" not in namespaces
    assert len(namespaces) == len(OVERLAY_DIRS), "one namespace per instance"
    # Instances sharing a group on one Kafka cluster would split the partitions between them.
    assert len(group_ids) == len(OVERLAY_DIRS), "one consumer group per ledger instance"


def test_a_ledgers_consumer_and_api_read_one_region_setting() -> None:
    """The consumer refuses other regions' facts and the API applies the region's rules by
    default: both read LEDGER_REGION_CODE from the same key; a city overlay sets its city,
    the provincial one leaves it empty (provincial mode)."""
    for name in ("ledger-consumer", "ledger-api"):
        env = _env(_main_container(DEPLOYMENTS[name]))
        ref = env["LEDGER_REGION_CODE"]["valueFrom"]["configMapKeyRef"]
        assert (ref["name"], ref["key"]) == (CONFIG_MAP, "LEDGER_REGION_CODE"), name
    regions = {
        overlay.name: _literals(_load(overlay / "kustomization.yaml")[0], CONFIG_MAP).get(
            "LEDGER_REGION_CODE"
        )
        for overlay in OVERLAY_DIRS
    }
    assert regions["city-zibo"] == "370300"
    assert regions["province"] == ""


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A label selector (matchLabels and ``In`` expressions) against a pod's labels."""
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", expression
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


INGRESS_PORTS = {"allow-api-ingress": HTTP_PORT, "allow-health-ingress": HEALTH_PORT}


def test_network_policies_deny_by_default_and_open_only_the_served_ports() -> None:
    """Ingress reaches the APIs on their HTTP port and the other processes on their health
    port (probes and scrapes), nothing else, and no pod without a port."""
    policies = {
        doc["metadata"]["name"]: doc for _, doc in DOCUMENTS if doc["kind"] == "NetworkPolicy"
    }
    deny = policies["default-deny"]["spec"]
    assert deny["podSelector"] == {}
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny
    assert "egress" not in deny
    ingress_policies = {
        name: policy for name, policy in policies.items() if policy["spec"].get("ingress")
    }
    assert set(ingress_policies) == set(INGRESS_PORTS)
    for name, policy in ingress_policies.items():
        (allowed,) = policy["spec"]["ingress"]
        assert allowed["ports"] == [{"protocol": "TCP", "port": INGRESS_PORTS[name]}], name
    for name, workload in WORKLOADS.items():
        labels = _pod_template(workload)["metadata"]["labels"]
        opened = {
            INGRESS_PORTS[policy_name]
            for policy_name, policy in ingress_policies.items()
            if _selects(policy["spec"]["podSelector"], labels)
        }
        served = {
            int(declared["containerPort"])
            for container in _containers(workload)
            for declared in container.get("ports", [])
        }
        assert opened == served, f"{name}: ingress opens {opened}, the pod serves {served}"


def test_image_runs_as_the_manifests_user() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(rf"^USER {RUN_AS_USER}(:{RUN_AS_USER})?$", dockerfile, re.MULTILINE)
    assert "uv sync --locked --all-packages --no-dev --no-editable" in dockerfile


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize("overlay", [path.name for path in OVERLAY_DIRS])
def test_overlay_renders(overlay: str) -> None:
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(OVERLAYS / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr
    docs = [doc for doc in yaml.safe_load_all(rendered.stdout) if doc is not None]
    namespace = _load(OVERLAYS / overlay / "kustomization.yaml")[0]["namespace"]
    (config_map,) = [doc for doc in docs if doc["kind"] == "ConfigMap"]
    for doc in docs:
        if doc["kind"] == "Namespace":
            assert doc["metadata"]["name"] == namespace
        else:
            assert doc["metadata"]["namespace"] == namespace, doc["metadata"]["name"]
        if doc["kind"] in {"Deployment", "CronJob"}:
            for container in _containers(doc):
                for var in container.get("env", []):
                    ref = var.get("valueFrom", {}).get("configMapKeyRef")
                    if ref:
                        assert ref["name"] == config_map["metadata"]["name"]
                        assert ref["key"] in config_map["data"]
