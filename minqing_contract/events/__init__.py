"""Payload models of every integration event, one module per producing service."""
