"""A small kustomize renderer for the subset deploy/k8s uses, so the suite needs no kubectl.

Supported: `resources` (files and directories holding a kustomization), `namespace`, `labels`
(metadata labels only), `images`, `replicas`, and `patches` with a `path` to a strategic-merge
patch (maps merge, lists of named items merge by name for built-in kinds, other lists are replaced —
as kustomize does for custom resources). Anything else in a kustomization is refused, so the
renderer can never silently ignore a field. tests/deploy also compares it with `kubectl kustomize`
wherever kubectl is installed.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "replicas", "patches"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                  "PersistentVolume", "StorageClass", "PriorityClass"}
BUILTIN_GROUPS = {"v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1", "autoscaling/v2",
                  "rbac.authorization.k8s.io/v1"}

Obj = dict[str, Any]


def load_yaml_docs(path: Path) -> list[Obj]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def render(directory: Path) -> list[Obj]:
    directory = Path(directory)
    k = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    unknown = set(k) - SUPPORTED
    if unknown:
        raise ValueError(f"{directory}: kustomization fields this renderer does not know: {sorted(unknown)}")
    objs: list[Obj] = []
    for res in k.get("resources", []):
        path = (directory / res).resolve()
        objs.extend(render(path) if path.is_dir() else load_yaml_docs(path))
    for patch in k.get("patches", []):
        if set(patch) != {"path"}:
            raise ValueError(f"{directory}: only `patches: - path:` is supported, got {patch}")
        for p in load_yaml_docs(directory / patch["path"]):
            target = _find(objs, p["kind"], p["metadata"]["name"])
            builtin = p.get("apiVersion") in BUILTIN_GROUPS
            merged = _merge(target, p, by_name=builtin)
            target.clear()
            target.update(merged)
    for rep in k.get("replicas", []):
        _find_named(objs, rep["name"], kinds=("Deployment", "StatefulSet", "ReplicaSet"))["spec"]["replicas"] = \
            rep["count"]
    for img in k.get("images", []):
        for obj in objs:
            for container in _containers(obj):
                _retag(container, img)
    for entry in k.get("labels", []):
        if entry.get("includeSelectors") or entry.get("includeTemplates"):
            raise ValueError("labels with includeSelectors/includeTemplates are not supported")
        for obj in objs:
            obj.setdefault("metadata", {}).setdefault("labels", {}).update(entry["pairs"])
    if "namespace" in k:
        for obj in objs:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = k["namespace"]
            elif obj["kind"] == "Namespace":
                obj["metadata"]["name"] = k["namespace"]
    return objs


def _find(objs: list[Obj], kind: str, name: str) -> Obj:
    for obj in objs:
        if obj["kind"] == kind and obj["metadata"]["name"] == name:
            return obj
    raise KeyError(f"patch target {kind}/{name} not found")


def _find_named(objs: list[Obj], name: str, kinds: tuple[str, ...]) -> Obj:
    for obj in objs:
        if obj["kind"] in kinds and obj["metadata"]["name"] == name:
            return obj
    raise KeyError(f"replicas target {name} not found")


def _merge(base: Any, patch: Any, *, by_name: bool) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = copy.deepcopy(base)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = _merge(base[key], value, by_name=by_name) if key in base else copy.deepcopy(value)
        return out
    if (by_name and isinstance(base, list) and isinstance(patch, list)
            and all(isinstance(i, dict) and "name" in i for i in base + patch)):
        out = [copy.deepcopy(i) for i in base]
        index = {i["name"]: n for n, i in enumerate(out)}
        for item in patch:
            if item["name"] in index:
                out[index[item["name"]]] = _merge(out[index[item["name"]]], item, by_name=by_name)
            else:
                out.append(copy.deepcopy(item))
        return out
    return copy.deepcopy(patch)


def _containers(obj: Obj) -> list[Obj]:
    spec = obj.get("spec", {}).get("template", {}).get("spec", {})
    return [*spec.get("containers", []), *spec.get("initContainers", [])]


def _retag(container: Obj, img: Obj) -> None:
    image = container.get("image", "")
    name, tag = image, ""
    if "@" in image:
        name, tag = image.split("@", 1)
        tag = "@" + tag
    elif ":" in image.rsplit("/", 1)[-1]:
        name, tag = image.rsplit(":", 1)
        tag = ":" + tag
    if name != img["name"]:
        return
    new_name = img.get("newName", name)
    if "digest" in img:
        tag = "@" + img["digest"]
    elif "newTag" in img:
        tag = ":" + str(img["newTag"])
    container["image"] = new_name + tag
