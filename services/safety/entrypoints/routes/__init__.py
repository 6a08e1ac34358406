"""One router per resource of the safety API."""
