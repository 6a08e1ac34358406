"""Who may read which stream: the Kafka principals of Minqing and their ACLs, and the county admin's
command that grants a department read access.

The broker authorizes with ACLs and `allow.everyone.if.no.acl.found=false`: a principal may do only
what a row below allows.

* One user per service (`User:<service>`): WRITE (and DESCRIBE) on its own stream — the contract's
  `STREAMS[<service>]`, so a service that gets a stream gets write access by its row alone — and on
  the dead-letter topic, IdempotentWrite on the cluster (the idempotent producers), READ on the
  streams it consumes and on its consumer-group prefixes. A faust app needs nothing more than a
  plain consumer (checked against the broker: the group named by its app id, READ on its sources):
  `make_app` declares no topic (`topic_allow_declare=False`), no leader topic
  (`topic_disable_leader=True`) and no table (state lives in PostgreSQL), so there are no
  `<app id>-…` changelog or repartition topics to allow. An app that adds a table would need
  CREATE/READ/WRITE on the prefix `<app id>-`. (Without its group ACL, faust 0.15 waits silently
  for an assignment rather than failing: a missing row shows as a worker that consumes nothing.)
* One user per subscribing department (`User:dept.<code>`): READ on the granted streams' topics
  (prefix `minqing.<stream>.`) and on the groups `dept.<code>.*`; nothing else — no write anywhere.
* `admin` (a super user) exists only in devstack and the tests, to create topics and these users.

    python -m minqing_kit.kafka_access grant --department emergency --streams safety,petition
    python -m minqing_kit.kafka_access revoke --department emergency [--streams petition]
    python -m minqing_kit.kafka_access list

The admin command signs in with `MINQING_KAFKA_BOOTSTRAP`, `MINQING_KAFKA_USERNAME` and
`MINQING_KAFKA_PASSWORD` (an administrator's credential); without them it uses the local devstack's
admin (`.devstack/kafka/credentials.json`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minqing_contract.topics import DEAD_LETTER, STREAMS
from minqing_kit.kafka_auth import SCRAM_MECHANISM, KafkaConnection
from minqing_kit.settings import kafka_password_from_env

ADMIN_USER = "admin"
DEPARTMENT_PREFIX = "dept."
DEPARTMENT_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


@dataclass(frozen=True)
class ServiceAccess:
    """One service's row: what its principal `User:<name>` may do."""

    name: str
    #: Streams (keys of the contract's STREAMS) it consumes.
    reads: tuple[str, ...] = ()
    #: Consumer-group prefixes it uses (plain aiokafka groups).
    groups: tuple[str, ...] = ()
    #: faust app ids (the app's consumer group is its id).
    faust_apps: tuple[str, ...] = ()

    @property
    def principal(self) -> str:
        return f"User:{self.name}"

    @property
    def writes(self) -> tuple[str, ...]:
        own = (STREAMS[self.name].name,) if self.name in STREAMS else ()
        return (*own, DEAD_LETTER.name)


#: A new service gets its Kafka user by a row here (its stream, if any, comes from the contract).
SERVICES: tuple[ServiceAccess, ...] = (
    # the liaison intake (faust app `minqing-petition-liaison-intake`) turns problems raised on visits into matters
    ServiceAccess("petition", reads=("liaison",), faust_apps=("minqing-petition-liaison-intake",)),
    ServiceAccess("safety"),
    # the auto-dispatch agent (faust app `minqing-volunteer-worker`) reads the volunteer stream
    ServiceAccess("volunteer", reads=("volunteer",), faust_apps=("minqing-volunteer-worker",)),
    # the ingest reads every stream of the contract (it subscribes to all), in group `reporting` (batch reader or faust app of that id)
    ServiceAccess("reporting", reads=tuple(STREAMS), groups=("reporting",),
                  faust_apps=("reporting",)),
    ServiceAccess("identity"),
    ServiceAccess("liaison"),
)
SERVICE_NAMES = tuple(s.name for s in SERVICES)


def service(name: str) -> ServiceAccess:
    for row in SERVICES:
        if row.name == name:
            return row
    raise KeyError(name)


# -- ACLs as plain data (kafka-python objects are built only when talking to the broker) -----------

@dataclass(frozen=True)
class Rule:
    principal: str
    resource: str  # "topic" | "group" | "cluster"
    name: str
    prefixed: bool
    operation: str  # READ, WRITE, DESCRIBE, IDEMPOTENT_WRITE, ALL...

    def __str__(self) -> str:
        kind = "prefix" if self.prefixed else "literal"
        return f"{self.principal:<22} {self.operation:<17} {self.resource:<7} {kind:<7} {self.name}"


CLUSTER = "kafka-cluster"


def service_rules(row: ServiceAccess) -> list[Rule]:
    p = row.principal
    rules = [Rule(p, "cluster", CLUSTER, False, "IDEMPOTENT_WRITE")]
    for topic in row.writes:
        rules += [Rule(p, "topic", topic, False, "WRITE"), Rule(p, "topic", topic, False, "DESCRIBE")]
    for stream in row.reads:
        rules += [Rule(p, "topic", STREAMS[stream].name, False, "READ"),
                  Rule(p, "topic", STREAMS[stream].name, False, "DESCRIBE")]
    for group in (*row.groups, *row.faust_apps):
        rules.append(Rule(p, "group", group, True, "READ"))
    return sorted(set(rules), key=str)


def department_principal(code: str) -> str:
    return f"User:{department_user(code)}"


def department_user(code: str) -> str:
    if not DEPARTMENT_CODE.match(code):
        raise ValueError(f"部门代码只能用小写字母、数字和连字符 (department code must match {DEPARTMENT_CODE.pattern}): {code!r}")
    return f"{DEPARTMENT_PREFIX}{code}"


def department_group_prefix(code: str) -> str:
    return f"{department_user(code)}."


def stream_prefix(stream: str) -> str:
    if stream not in STREAMS:
        raise ValueError(f"没有这个数据流 (unknown stream {stream!r}; known: {', '.join(STREAMS)})")
    return f"minqing.{stream}."


def department_rules(code: str, streams: Iterable[str]) -> list[Rule]:
    p = department_principal(code)
    rules = [Rule(p, "group", department_group_prefix(code), True, "READ")]
    for stream in streams:
        rules += [Rule(p, "topic", stream_prefix(stream), True, "READ"),
                  Rule(p, "topic", stream_prefix(stream), True, "DESCRIBE")]
    return rules


# -- talking to the broker (kafka-python's admin client: an admin task, synchronous) ---------------

STRIMZI_OPERATIONS = {"READ": "Read", "WRITE": "Write", "DESCRIBE": "Describe",
                      "IDEMPOTENT_WRITE": "IdempotentWrite", "ALL": "All"}
STRIMZI_HEADER = """\
# One Kafka user per service (Strimzi User Operator): SASL/SCRAM-SHA-512, ACLs as in
# minqing_kit.kafka_access. Generated: python -m minqing_kit.kafka_access services --strimzi > this file
# (tests/deploy/test_k8s.py keeps the two equal). Strimzi generates each password into a Secret of the
# user's name (key `password`), which only that service's Deployments read (MINQING_KAFKA_PASSWORD).
"""


def strimzi_users() -> str:
    """The services' KafkaUser manifests (deploy/k8s/base/kafka-users.yaml), rendered from the table."""
    import yaml

    docs = []
    for row in SERVICES:
        grouped: dict[tuple[str, str, bool], list[str]] = {}
        for rule in service_rules(row):
            grouped.setdefault((rule.resource, rule.name, rule.prefixed), []).append(STRIMZI_OPERATIONS[rule.operation])
        acls = []
        for (resource, name, prefixed), ops in sorted(grouped.items()):
            res: dict[str, Any] = {"type": resource}
            if resource != "cluster":
                res |= {"name": name, "patternType": "prefix" if prefixed else "literal"}
            acls.append({"resource": res, "operations": sorted(ops)})
        docs.append({"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaUser",
                     "metadata": {"name": row.name, "labels": {"strimzi.io/cluster": "minqing"}},
                     "spec": {"authentication": {"type": "scram-sha-512"},
                              "authorization": {"type": "simple", "acls": acls}}})
    return STRIMZI_HEADER + yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True)


def _acl(rule: Rule) -> Any:
    from kafka.admin import (
        ACL,
        ACLOperation,
        ACLPermissionType,
        ACLResourcePatternType,
        ResourcePattern,
        ResourceType,
    )

    pattern = ResourcePattern(ResourceType[rule.resource.upper()], rule.name,
                              ACLResourcePatternType.PREFIXED if rule.prefixed else ACLResourcePatternType.LITERAL)
    return ACL(rule.principal, "*", ACLOperation[rule.operation], ACLPermissionType.ALLOW, pattern)


def _rule(acl: Any) -> Rule:
    from kafka.admin import ACLResourcePatternType

    return Rule(acl.principal, acl.resource_pattern.resource_type.name.lower(), acl.resource_pattern.resource_name,
                acl.resource_pattern.pattern_type == ACLResourcePatternType.PREFIXED, acl.operation.name)


@contextmanager
def admin_client(admin: KafkaConnection) -> Iterator[Any]:
    from kafka.admin import KafkaAdminClient

    client = KafkaAdminClient(**admin.options(), client_id="minqing-access", request_timeout_ms=10000)
    try:
        yield client
    finally:
        client.close()


def set_password(client: Any, user: str, password: str) -> None:
    from kafka.admin import UserScramCredentialUpsertion

    errors = client.alter_user_scram_credentials([UserScramCredentialUpsertion(user, SCRAM_MECHANISM, password)])
    if errors.get(user):
        raise RuntimeError(f"could not set the SCRAM credential of {user}: {errors[user]}")


def add_rules(client: Any, rules: Sequence[Rule]) -> None:
    if not rules:
        return
    result = client.create_acls([_acl(r) for r in rules])
    if result["failed"]:
        raise RuntimeError(f"ACLs refused by the broker: {result['failed']}")


def remove_rules(client: Any, rules: Sequence[Rule]) -> None:
    if rules:
        client.delete_acls([_acl(r) for r in rules])  # an ACL is also a filter matching exactly itself


def rules_of(client: Any, principal: str | None = None) -> list[Rule]:
    from kafka.admin import (
        ACLFilter,
        ACLOperation,
        ACLPermissionType,
        ACLResourcePatternType,
        ResourcePatternFilter,
        ResourceType,
    )

    acls, _ = client.describe_acls(ACLFilter(principal, None, ACLOperation.ANY, ACLPermissionType.ANY,
                                             ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)))
    return sorted((_rule(a) for a in acls), key=str)


def scram_users(client: Any) -> list[str]:
    return sorted(client.describe_user_scram_credentials())


def ensure_services(client: Any, passwords: dict[str, str]) -> list[str]:
    """Create (or reset) the SCRAM credential and the ACLs of every service with a password in
    `passwords` (idempotent); returns those services."""
    done = []
    for row in SERVICES:
        if not passwords.get(row.name):
            continue
        done.append(row.name)
        set_password(client, row.name, passwords[row.name])
        add_rules(client, service_rules(row))
    return done


@dataclass(frozen=True)
class Grant:
    department: str
    username: str
    password: str | None  # None: the department already had a credential, which stays valid
    streams: tuple[str, ...]
    group_prefix: str


def grant(client: Any, code: str, streams: Sequence[str], *, rotate: bool = False) -> Grant:
    rules = department_rules(code, streams)  # validates code and streams first
    user = department_user(code)
    password = None
    revoked = not rules_of(client, department_principal(code))  # a revoked credential is never revived
    if rotate or revoked or user not in scram_users(client):
        password = secrets.token_urlsafe(32)
        set_password(client, user, password)
    add_rules(client, rules)
    return Grant(code, user, password, tuple(streams), department_group_prefix(code))


def revoke(client: Any, code: str, streams: Sequence[str] | None = None) -> list[Rule]:
    """Withdraw the given streams, or everything (ACLs and credential) when `streams` is None.

    The credential is withdrawn by overwriting its password with a random one nobody holds, not by
    deleting it: with Kafka 3.9 (KRaft) a deleted SCRAM credential made every SCRAM login fail after the
    next broker restart (reproduced here: grant, delete the credential, restart — even `admin` is refused
    with "invalid credentials"), so the project never sends a SCRAM deletion."""
    principal = department_principal(code)
    if streams is not None:
        doomed = [r for r in department_rules(code, streams) if r.resource == "topic"]
    else:
        doomed = rules_of(client, principal)
        if department_user(code) in scram_users(client):
            set_password(client, department_user(code), secrets.token_urlsafe(48))  # discarded at once
    remove_rules(client, doomed)
    return doomed


def departments(client: Any) -> dict[str, list[Rule]]:
    """Departments with access (a revoked one keeps an unusable credential and no ACL: not listed)."""
    out: dict[str, list[Rule]] = {}
    for rule in rules_of(client):
        if rule.principal.startswith(f"User:{DEPARTMENT_PREFIX}"):
            out.setdefault(rule.principal[len(f"User:{DEPARTMENT_PREFIX}"):], []).append(rule)
    return out


# -- the command -------------------------------------------------------------------------------------

def _admin_from_env() -> KafkaConnection:
    bootstrap = os.environ.get("MINQING_KAFKA_BOOTSTRAP")
    user = os.environ.get("MINQING_KAFKA_USERNAME")
    password = os.environ.get("MINQING_KAFKA_PASSWORD") or (kafka_password_from_env(user) if user else "")
    if user and password:
        return KafkaConnection(bootstrap or "127.0.0.1:9092", user, password)
    try:
        from devstack.settings import DevstackSettings  # a developer's local stack
    except ImportError:
        raise SystemExit("set MINQING_KAFKA_USERNAME/MINQING_KAFKA_PASSWORD to an administrator's credential") from None
    settings = DevstackSettings()
    path: Path = settings.kafka_credentials_file
    if not path.exists():
        raise SystemExit("set MINQING_KAFKA_USERNAME/MINQING_KAFKA_PASSWORD to an administrator's credential "
                         f"(or start devstack, which keeps its admin in {path})")
    creds = json.loads(path.read_text())
    return KafkaConnection(bootstrap or settings.kafka_bootstrap, ADMIN_USER, creds[ADMIN_USER])


def main(argv: list[str] | None = None, *, admin: KafkaConnection | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minqing_kit.kafka_access", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grant", help="give a department a read credential for chosen streams")
    g.add_argument("--department", required=True)
    g.add_argument("--streams", required=True, help=f"comma-separated: {','.join(STREAMS)}")
    g.add_argument("--rotate", action="store_true", help="issue a new password (the old one stops working)")
    r = sub.add_parser("revoke", help="withdraw streams, or (without --streams) the department's access")
    r.add_argument("--department", required=True)
    r.add_argument("--streams")
    sub.add_parser("list", help="departments, their streams and groups")
    s = sub.add_parser("services", help="the services' principals and ACLs (the table in this module)")
    s.add_argument("--strimzi", action="store_true", help="as Strimzi KafkaUser manifests (kafka-users.yaml)")
    b = sub.add_parser("bootstrap", help="deployment: create the topics, then each service's user (password "
                                         "from MINQING_KAFKA_PASSWORD_<SERVICE>) and its ACLs")
    b.add_argument("--replication-factor", type=int, default=1)
    args = parser.parse_args(argv)
    out = sys.stdout
    if args.command == "services" and args.strimzi:
        out.write(strimzi_users())
        return 0
    if args.command == "services":
        for row in SERVICES:
            out.write("\n".join(str(rule) for rule in service_rules(row)) + "\n")
        return 0
    try:
        streams = [s.strip() for s in args.streams.split(",") if s.strip()] if getattr(args, "streams", None) else None
        for stream in streams or ():
            stream_prefix(stream)
        if args.command in ("grant", "revoke"):
            department_user(args.department)
    except ValueError as exc:
        parser.error(str(exc))
    connection = admin or _admin_from_env()
    if args.command == "bootstrap":
        from minqing_contract.topics import create_topics

        created = create_topics(connection, args.replication_factor)
        out.write(f"topics created: {', '.join(created) or 'none (all present)'}\n")
    with admin_client(connection) as client:
        if args.command == "bootstrap":
            users = ensure_services(client, {row.name: kafka_password_from_env(row.name) for row in SERVICES})
            skipped = [name for name in SERVICE_NAMES if name not in users]
            out.write(f"service users and ACLs: {', '.join(users)}"
                      f"{'; no password for ' + ', '.join(skipped) + ' (skipped)' if skipped else ''}\n")
        elif args.command == "grant":
            done = grant(client, args.department, streams or [], rotate=args.rotate)
            out.write(f"department {done.department}: read {', '.join(done.streams)}; "
                      f"consumer groups must start with '{done.group_prefix}'\n")
            if done.password is None:
                out.write(f"username: {done.username} (existing credential unchanged; --rotate issues a new one)\n")
            else:
                out.write(f"username: {done.username}\npassword: {done.password}\n"
                          "(shown once: hand it to the department over a safe channel)\n")
        elif args.command == "revoke":
            removed = revoke(client, args.department, streams)
            out.write(f"department {args.department}: removed {len(removed)} ACLs"
                      f"{'' if streams else ' and its credential'}\n")
        else:
            for code, rules in sorted(departments(client).items()):
                granted = sorted({r.name.removeprefix("minqing.").rstrip(".") for r in rules
                                  if r.resource == "topic" and r.operation == "READ"})
                out.write(f"{code}: streams {', '.join(granted) or '(none)'}; groups '{department_group_prefix(code)}*'\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
