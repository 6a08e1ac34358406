"""The county simulator (issue 8 §5): `history` generates months or years of contract events fast;
`live` (simulator/live.py, separate) drives the services' public APIs."""

from simulator.history import events_for_benchmark, generate

__all__ = ["events_for_benchmark", "generate"]
