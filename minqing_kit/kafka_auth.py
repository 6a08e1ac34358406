"""How a Kafka client of Minqing signs in: the broker address plus a SASL/SCRAM credential.

The broker refuses unauthenticated clients (SASL/SCRAM-SHA-512 on the client listener, ACLs with
`allow.everyone.if.no.acl.found=false`), so every client — aiokafka producers and consumers, faust,
kafka-python's admin client, kcat — is built from one `KafkaConnection`. aiokafka and kafka-python
share the option names, so `options()` serves both. A connection without a user is plain PLAINTEXT
(kept for a broker run without security, e.g. a developer's own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCRAM_MECHANISM = "SCRAM-SHA-512"


@dataclass(frozen=True)
class KafkaConnection:
    bootstrap: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    mechanism: str = SCRAM_MECHANISM
    #: SASL_PLAINTEXT inside the cluster's network (devstack, compose, Strimzi's internal listener).
    security_protocol: str = "SASL_PLAINTEXT"

    @property
    def authenticated(self) -> bool:
        return bool(self.username)

    def options(self) -> dict[str, Any]:
        """Keyword arguments for aiokafka's and kafka-python's clients (producer, consumer, admin)."""
        opts: dict[str, Any] = {"bootstrap_servers": self.bootstrap}
        if self.authenticated:
            opts.update(security_protocol=self.security_protocol, sasl_mechanism=self.mechanism,
                        sasl_plain_username=self.username, sasl_plain_password=self.password or "")
        return opts

    def faust_options(self) -> dict[str, Any]:
        """`faust.App` settings: the broker URL and, when signed in, `broker_credentials`."""
        opts: dict[str, Any] = {"broker": f"kafka://{self.bootstrap}"}
        if self.authenticated:
            import faust

            # faust-streaming's SASLCredentials maps to aiokafka's sasl_* options, SCRAM included.
            opts["broker_credentials"] = faust.SASLCredentials(
                username=self.username, password=self.password or "", mechanism=self.mechanism)
        return opts

    def kcat_args(self) -> list[str]:
        """kcat/librdkafka arguments (`-b` and, when signed in, `-X` security settings)."""
        args = ["-b", self.bootstrap]
        if self.authenticated:
            args += ["-X", f"security.protocol={self.security_protocol}", "-X", f"sasl.mechanisms={self.mechanism}",
                     "-X", f"sasl.username={self.username}", "-X", f"sasl.password={self.password or ''}"]
        return args

    def as_user(self, username: str, password: str) -> KafkaConnection:
        return KafkaConnection(self.bootstrap, username, password, self.mechanism, self.security_protocol)


def connection(kafka: KafkaConnection | str) -> KafkaConnection:
    """A bare bootstrap string means an unauthenticated client."""
    return kafka if isinstance(kafka, KafkaConnection) else KafkaConnection(kafka)


def client_options(kafka: KafkaConnection | str) -> dict[str, Any]:
    return connection(kafka).options()
