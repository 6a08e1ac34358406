"""One router per resource of the liaison API."""
