"""Minqing's event contract: what every service publishes and every subscriber reads.

    from minqing_contract import decode, encode
    from minqing_contract.events.petition import MatterRegistered

See docs/subscribers.md, asyncapi.json and schemas/ (generated from these models).
"""

from minqing_contract.envelope import DecodeError, Event, KafkaRecord, decode, encode
from minqing_contract.registry import EVENT_TYPES, model_for
from minqing_contract.topics import ALL_TOPICS, DEAD_LETTER, STREAMS, topic_for_stream

__all__ = ["ALL_TOPICS", "DEAD_LETTER", "EVENT_TYPES", "STREAMS", "DecodeError", "Event", "KafkaRecord", "decode",
           "encode", "model_for", "topic_for_stream"]
