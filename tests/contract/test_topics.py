"""Every topic the code, the settings and the manifests name is defined once, in
``hourbank_contracts.TOPICS`` (brokers do not create undefined topics on first use)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from hourbank_contracts import (
    EVENT_CLASSES,
    EVENT_TOPICS,
    LEDGER_DEAD_LETTER_TOPIC,
    TOPIC_NAMES,
    TOPICS,
    topic_spec,
)
from hourbank_identity.config import IdentityRelaySettings
from hourbank_learning.config import RelaySettings
from hourbank_ledger.config import LedgerConsumerSettings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
# A topic-like name anywhere in a manifest: hourbank.<service>.events / .dead-letter.
TOPIC_LIKE = re.compile(r"\bhourbank\.[a-z0-9-]+\.(?:events|dead-letter)\b")
TOPIC_VARIABLE = re.compile(r"_TOPICS?$")


def test_each_topic_is_defined_once() -> None:
    names = [spec.name for spec in TOPICS]
    assert len(names) == len(set(names))
    assert set(EVENT_TOPICS) | {LEDGER_DEAD_LETTER_TOPIC} == TOPIC_NAMES


def test_the_dead_letter_topic_has_the_partitions_of_its_sources() -> None:
    sources = {topic_spec(name).partitions for name in EVENT_TOPICS}
    assert sources == {topic_spec(LEDGER_DEAD_LETTER_TOPIC).partitions}


def test_every_event_class_publishes_to_a_defined_topic() -> None:
    assert {cls.topic for cls in EVENT_CLASSES} <= TOPIC_NAMES


def test_the_settings_default_to_defined_topics() -> None:
    fields = LedgerConsumerSettings.model_fields
    named = {
        *fields["ledger_topics"].default,
        fields["ledger_dead_letter_topic"].default,
        RelaySettings.model_fields["learning_topic"].default,
        IdentityRelaySettings.model_fields["identity_topic"].default,
    }
    assert named <= TOPIC_NAMES


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return [node] if isinstance(node, str) else []


def _topic_values(node: Any) -> list[str]:
    """Values given to a ``*_TOPIC``/``*_TOPICS`` variable: container env and ConfigMap
    literals (``NAME=value``)."""
    found: list[str] = []
    if isinstance(node, dict):
        name, value = node.get("name"), node.get("value")
        if isinstance(name, str) and isinstance(value, str) and TOPIC_VARIABLE.search(name):
            found.append(value)
        for literal in node.get("literals", []) or []:
            key, _, value = str(literal).partition("=")
            if TOPIC_VARIABLE.search(key):
                found.append(value)
        for child in node.values():
            found.extend(_topic_values(child))
    elif isinstance(node, list):
        for child in node:
            found.extend(_topic_values(child))
    return found


def _as_topics(value: str) -> list[str]:
    text = value.strip()
    if text.startswith("["):
        return [str(name) for name in json.loads(text)]
    return [name.strip() for name in text.split(",") if name.strip()]


def test_the_kubernetes_manifests_name_only_defined_topics() -> None:
    named: dict[str, str] = {}
    for path in sorted(K8S.rglob("*.y*ml")):
        with path.open(encoding="utf-8") as stream:
            documents = [doc for doc in yaml.safe_load_all(stream) if doc is not None]
        for document in documents:
            where = str(path.relative_to(ROOT))
            for text in _strings(document):
                named.update((topic, where) for topic in TOPIC_LIKE.findall(text))
            for value in _topic_values(document):
                named.update((topic, where) for topic in _as_topics(value))
    undefined = {topic: where for topic, where in named.items() if topic not in TOPIC_NAMES}
    assert not undefined, f"topics not in hourbank_contracts.TOPICS: {undefined}"


def test_the_local_broker_creates_no_topic_on_first_use() -> None:
    infra = (ROOT / "scripts" / "infra").read_text(encoding="utf-8")
    assert "\nauto.create.topics.enable=false\n" in infra
    assert "auto.create.topics.enable=true" not in infra
    # ...and creates the defined ones after every start, also of an already running broker.
    calls = re.findall(r"^\s*kafka_ensure_topics( \S+)?$", infra, flags=re.MULTILINE)
    assert len(calls) == 3  # after a fresh launch, on a running broker, on an external one
