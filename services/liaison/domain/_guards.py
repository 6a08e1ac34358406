"""Input guards of the liaison domain: the kit's shared ones (each failure an `InvalidInput` naming the
field and the rule, Chinese with English beside)."""

from minqing_kit.guards import parse_enum, require_aware, require_text

__all__ = ["parse_enum", "require_aware", "require_text"]
