"""kafka-python connection options (servers, TLS, SASL) from Clarion's Kafka settings.

The one translation of :class:`~clarion.settings.KafkaSettings` into client
keyword arguments, shared by every producer, consumer and admin client.
"""

from __future__ import annotations

from typing import Any

from clarion.settings import KafkaSettings

__all__ = ["client_options"]


def client_options(kafka: KafkaSettings) -> dict[str, Any]:
    """Keyword arguments for ``KafkaProducer``/``KafkaConsumer``/``KafkaAdminClient``."""
    config: dict[str, Any] = {
        "bootstrap_servers": list(kafka.bootstrap_servers),
        "security_protocol": kafka.security_protocol,
    }
    if kafka.tls.enabled or kafka.security_protocol in ("SSL", "SASL_SSL"):
        config["ssl_check_hostname"] = kafka.tls.verify_hostname
        for key, path in (
            ("ssl_cafile", kafka.tls.ca_file),
            ("ssl_certfile", kafka.tls.cert_file),
            ("ssl_keyfile", kafka.tls.key_file),
        ):
            if path is not None:
                config[key] = str(path)
    if kafka.sasl_mechanism:
        config["sasl_mechanism"] = kafka.sasl_mechanism
        config["sasl_plain_username"] = kafka.sasl_username
        if kafka.sasl_password is not None:
            config["sasl_plain_password"] = kafka.sasl_password.get_secret_value()
    return config
